// rtrlib as an independent ROV peer: serve VRPs over RPKI-to-Router (RFC 8210) from a local socket with
// the PDUs of src/routing/rtr.ts, let rtrlib's `rpki-rov` (Debian rtr-tools) sync them, pipe routes
// through it, and read its verdicts. Used by bench/routing.bench.ts (speed and agreement) and by the
// system test src/routing/rov-rtrlib.test.ts (agreement).
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { formatAddress, type Prefix } from '../src/lib/prefix.js';
import type { RovState, Vrp } from '../src/routing/rov.js';
import {
  decodeRtrQueries,
  encodeRtrFullResponse,
  encodeRtrNoChanges,
  RTR_RESET_QUERY,
  RTR_SERIAL_QUERY,
} from '../src/routing/rtr.js';

export interface PeerRoute {
  prefix: Prefix;
  origin: number;
}

/** A one-session RTR cache on 127.0.0.1 serving `vrps`; resolves with the server and its port. */
function serveRtr(vrps: readonly Vrp[]): Promise<{ server: Server; port: number }> {
  const session = 4242;
  const serial = 1;
  const server = createServer((sock) => {
    let pending = new Uint8Array(0);
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      const buf = new Uint8Array(pending.length + chunk.length);
      buf.set(pending);
      buf.set(chunk, pending.length);
      const { queries, used, bad } = decodeRtrQueries(buf);
      if (bad) return sock.destroy();
      pending = buf.slice(used);
      for (const q of queries) {
        const version = q.version === 0 ? 0 : 1;
        if (q.type === RTR_RESET_QUERY) sock.write(encodeRtrFullResponse(vrps, { version, session, serial }));
        else if (q.type === RTR_SERIAL_QUERY) sock.write(encodeRtrNoChanges({ version, session, serial }));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === 'object' && addr ? addr.port : 0 });
    });
  });
}

const STATES: Record<string, RovState> = { '0': 'valid', '1': 'not-found', '2': 'invalid' };

/**
 * Validate `routes` with rtrlib's rpki-rov against `vrps`. `seconds` is the time from the first input
 * line to the last verdict, after the RTR sync (it includes rpki-rov's text parsing and pipe I/O).
 */
export async function rpkiRovPeer(
  vrps: readonly Vrp[],
  routes: readonly PeerRoute[],
  timeoutMs = 300_000,
): Promise<{ states: RovState[]; seconds: number; syncSeconds: number }> {
  const { server, port } = await serveRtr(vrps);
  const child = spawn('rpki-rov', ['127.0.0.1', String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const t0 = process.hrtime.bigint();
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`rpki-rov did not answer within ${timeoutMs} ms`)), timeoutMs);
      const states: RovState[] = [];
      let start = 0n;
      let syncSeconds = 0;
      let rest = '';
      let log = '';
      child.on('error', (e) => reject(e));
      child.on('exit', (code) => {
        if (states.length < routes.length) reject(new Error(`rpki-rov exited (${code}): ${log.slice(-500)}`));
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (d: string) => {
        log += d;
        if (start === 0n && log.includes('RTR_MGR_ESTABLISHED')) {
          start = process.hrtime.bigint();
          syncSeconds = Number(start - t0) / 1e9;
          const lines = routes.map(
            (r) => `${formatAddress(r.prefix.family, r.prefix.addr)} ${r.prefix.len} ${r.origin}`,
          );
          child.stdin.write(`${lines.join('\n')}\n`);
        }
      });
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        const lines = (rest + d).split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          if (line === 'input error') continue;
          const state = STATES[line.slice(line.lastIndexOf('|') + 1)];
          if (!state) return reject(new Error(`rpki-rov printed "${line}"`));
          states.push(state);
        }
        if (states.length >= routes.length) {
          clearTimeout(timer);
          resolve({ states, seconds: Number(process.hrtime.bigint() - start) / 1e9, syncSeconds });
        }
      });
    });
  } finally {
    child.kill();
    server.close();
  }
}
