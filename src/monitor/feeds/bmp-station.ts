// The BMP station (RFC 7854): routers connect over TCP and stream Initiation, Peer Up/Down, Route
// Monitoring (pre/post-policy, Adj-RIB-Out, RFC 9069 Loc-RIB), Statistics, Termination. Each monitored
// peer × RIB view is one session of the monitor; a Peer Down, or the router's connection closing, takes
// its routes away. A broken BMP header ends the connection (there is no way to resynchronise a TCP stream
// safely); a damaged message is skipped by its length, its BGP PDU handled per RFC 7606.
import type { Server, Socket } from 'node:net';
import { BmpDecoder, type BmpMessage, type BmpPeer, BmpStreamReader, peerAddress } from '../../wire/bmp/index.js';
import { applyUpdate } from '../ingest.js';
import type { Monitor } from '../monitor.js';
import { boundPort, listen } from './net.js';

export interface FeedCounters {
  messages: number;
  problems: number;
  connections: number;
}

function view(p: BmpPeer): string {
  if (p.type === 3) return 'loc-rib';
  return `${p.adjRibOut ? 'adj-rib-out' : 'adj-rib-in'}-${p.postPolicy ? 'post' : 'pre'}`;
}

export class BmpStation {
  readonly counters: FeedCounters = { messages: 0, problems: 0, connections: 0 };
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly m: Monitor,
    private readonly now: () => number = Date.now,
  ) {}

  async start(listenOn: string): Promise<number> {
    this.server = await listen(listenOn, (s) => this.connection(s));
    return boundPort(this.server);
  }

  private connection(s: Socket): void {
    this.counters.connections++;
    this.sockets.add(s);
    const router = s.remoteAddress ?? 'unknown';
    const decoder = new BmpDecoder();
    const reader = new BmpStreamReader();
    const peers = new Map<string, number>();
    const peerOf = (p: BmpPeer): number => {
      const id = `bmp:${router} ${peerAddress(p)} AS${p.asn} ${view(p)}`;
      let i = peers.get(id);
      if (i === undefined) {
        i = this.m.peer(id, p.asn);
        peers.set(id, i);
      }
      return i;
    };
    const handle = (msg: BmpMessage) => {
      const t = this.now();
      if (msg.type === 0 && 'peer' in msg && 'updateAction' in msg) {
        if (msg.update) applyUpdate(this.m, peerOf(msg.peer), msg.update, msg.updateAction, t);
      } else if (msg.type === 3 && 'peer' in msg) {
        peerOf(msg.peer);
      } else if (msg.type === 2 && 'peer' in msg) {
        this.m.peerDown(peerOf(msg.peer), t);
      }
    };
    s.on('data', (chunk: Buffer) => {
      reader.push(chunk, {
        message: (buf, start, end) => {
          this.counters.messages++;
          const r = decoder.decode(buf, start, end);
          if (r.problems.length > 0) this.counters.problems++;
          if (r.action === 'session-reset') {
            s.destroy();
            return;
          }
          if (r.message) handle(r.message);
        },
        problem: () => {
          this.counters.problems++;
        },
      });
    });
    const gone = () => {
      if (!this.sockets.delete(s)) return;
      const t = this.now();
      for (const i of peers.values()) this.m.peerDown(i, t);
    };
    s.on('close', gone);
    s.on('error', gone);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
