// A client of BIRD 2's control socket: what `birdc -s <socket>` speaks, without a process per command.
// A reply is a sequence of lines "NNNN-text" (more follows), " text" (continues the previous code) and
// ends with "NNNN text". Codes 0xxx are success, 1xxx/2xxx table rows, 8xxx runtime errors, 9xxx parse
// errors (BIRD's doc/reply_codes). One command at a time per connection: calls are queued.
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

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}
