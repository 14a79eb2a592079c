// A client of BIRD 2's control socket: what `birdc -s <socket>` speaks, without a process per command.
// A reply is a sequence of lines "NNNN-text" (more follows), " text" (continues the previous code) and
// ends with "NNNN text". Codes 0xxx are success, 1xxx/2xxx table rows, 8xxx runtime errors, 9xxx parse
// errors (BIRD's doc/reply_codes). One command at a time per connection: calls are queued; `batch` writes
// several short commands at once (BIRD answers them in order) to save round trips.
import { connect, type Socket } from 'node:net';

export interface BirdReply {
  /** The code of the final line. */
  code: number;
  /** Every line's text with its code (continuations carry the code of the line they continue). */
  lines: { code: number; text: string }[];
}

export class BirdError extends Error {
  constructor(
    readonly command: string,
    readonly reply: BirdReply,
  ) {
    super(`bird: ${command}: ${reply.lines.map((l) => l.text).join(' | ')}`);
  }
}

/**
 * The most command text written to BIRD at once. BIRD 2.0.12 resets the control connection when its input
 * holds more than about 1 KiB that it has not read (one command over ~1,020 bytes, or several pipelined
 * ones: 999 bytes of 37 commands were answered, 5,400 bytes reset the connection; measured 2026-12-01).
 */
export const BIRD_MAX_INPUT_BYTES = 960;

export function isErrorCode(code: number): boolean {
  return code >= 8000;
}

/** Splits BIRD control-socket output into replies; `feed` returns the replies it completed. */
export class BirdReplyParser {
  private rest = '';
  private lines: { code: number; text: string }[] = [];
  private lastCode = 0;

  feed(chunk: string): BirdReply[] {
    const text = this.rest + chunk;
    const out: BirdReply[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const line = text.slice(start, nl);
      start = nl + 1;
      if (line.startsWith(' ')) {
        this.lines.push({ code: this.lastCode, text: line.slice(1) });
        continue;
      }
      const code = Number(line.slice(0, 4));
      if (!Number.isInteger(code) || line.length < 5) continue;
      this.lastCode = code;
      this.lines.push({ code, text: line.slice(5) });
      if (line[4] === ' ') {
        out.push({ code, lines: this.lines });
        this.lines = [];
      }
    }
    this.rest = text.slice(start);
    return out;
  }
}

export class BirdControl {
  private socket: Socket | null = null;
  private parser = new BirdReplyParser();
  private waiting: { resolve: (r: BirdReply) => void; reject: (e: Error) => void }[] = [];
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 120_000,
  ) {}

  private async open(): Promise<void> {
    if (this.socket) return;
    const s = connect(this.socketPath);
    s.setEncoding('utf8');
    this.parser = new BirdReplyParser();
    // The greeting ("0001 BIRD 2.0.12 ready.") is the first reply.
    const greeting = new Promise<BirdReply>((resolve, reject) => this.waiting.push({ resolve, reject }));
    s.on('data', (d: string) => {
      for (const r of this.parser.feed(d)) this.waiting.shift()?.resolve(r);
    });
    const fail = (e: Error) => {
      if (this.socket === s) this.socket = null;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    s.on('error', fail);
    s.on('close', () => fail(new Error(`bird control socket ${this.socketPath} closed`)));
    this.socket = s;
    await greeting;
  }

  /** Runs one command; rejects with BirdError on an 8xxx/9xxx reply. */
  command(cmd: string): Promise<BirdReply> {
    const run = async (): Promise<BirdReply> => {
      await this.open();
      const s = this.socket as Socket;
      const reply = new Promise<BirdReply>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`bird: ${cmd}: no reply in ${this.timeoutMs} ms`));
          s.destroy();
        }, this.timeoutMs);
        this.waiting.push({
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
      s.write(`${cmd}\n`);
      const r = await reply;
      if (isErrorCode(r.code) || r.lines.some((l) => isErrorCode(l.code))) throw new BirdError(cmd, r);
      return r;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /**
   * Runs `cmds` written in one go (their text, a newline each, within BIRD_MAX_INPUT_BYTES) and returns
   * each reply or its BirdError, in order: one round trip for many short queries.
   */
  batch(cmds: readonly string[]): Promise<(BirdReply | BirdError)[]> {
    const text = cmds.map((c) => `${c}\n`).join('');
    if (Buffer.byteLength(text) > BIRD_MAX_INPUT_BYTES)
      return Promise.reject(new Error(`bird: a batch of ${text.length} bytes is more than BIRD reads at once`));
    const run = async (): Promise<(BirdReply | BirdError)[]> => {
      await this.open();
      const s = this.socket as Socket;
      const replies = cmds.map(
        () =>
          new Promise<BirdReply>((resolve, reject) => {
            this.waiting.push({ resolve, reject });
          }),
      );
      const timer = setTimeout(
        () => s.destroy(new Error(`bird: batch of ${cmds.length}: no reply in ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      s.write(text);
      try {
        const rs = await Promise.all(replies);
        return rs.map((r, i) =>
          isErrorCode(r.code) || r.lines.some((l) => isErrorCode(l.code)) ? new BirdError(cmds[i] as string, r) : r,
        );
      } finally {
        clearTimeout(timer);
      }
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}
