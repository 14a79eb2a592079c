// The BMP station (RFC 7854): routers connect over TCP and stream Initiation, Peer Up/Down, Route
// Monitoring (pre/post-policy, Adj-RIB-Out, RFC 9069 Loc-RIB), Statistics, Termination. Each monitored
// peer × RIB view is one session of the monitor; a Peer Down, or the router's connection closing, takes
// its routes away. A broken BMP header ends the connection (there is no way to resynchronise a TCP stream
// safely); a damaged message is skipped by its length, its BGP PDU handled per RFC 7606.
import type { Server, Socket } from 'node:net';
import { CAP, capabilities, type OpenMessage, type UpdateMessage } from '../../wire/bgp/index.js';
import { BmpDecoder, type BmpMessage, type BmpPeer, BmpStreamReader, peerAddress } from '../../wire/bmp/index.js';
import { applyUpdate } from '../ingest.js';
import type { Monitor } from '../monitor.js';
import { boundPort, listen } from './net.js';

export interface FeedCounters {
  messages: number;
  problems: number;
  connections: number;
}

/** The AS a router speaks as, from the OPEN it sent (4-octet AS capability first). */
function asOf(o: OpenMessage | undefined): number | undefined {
  if (!o) return undefined;
  const c = capabilities(o).find((x) => x.code === CAP.AS4 && 'asn' in x) as { asn: number } | undefined;
  return c?.asn ?? o.myAs;
}

/**
 * FRR before 10.x (FRRouting/frr#21815) encodes Adj-RIB-In Route Monitoring with its outbound serializer,
 * which prepends the router's own AS for eBGP peers: [local, peer, ...] for a route the peer sent as
 * [peer, ...]. An Adj-RIB-In path cannot start with the monitoring router's own AS when the peer is eBGP,
 * so that first AS is dropped.
 */
function withoutLocalPrepend(u: UpdateMessage, localAs: number | undefined, peerAs: number): UpdateMessage {
  const first = u.attrs.asPath?.[0];
  if (localAs === undefined || localAs === peerAs || !first || first.type !== 2 || first.asns[0] !== localAs) return u;
  if (first.asns[1] !== peerAs) return u;
  const asPath = [{ type: first.type, asns: first.asns.slice(1) }, ...u.attrs.asPath!.slice(1)];
  return { ...u, attrs: { ...u.attrs, asPath } };
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
    // The router's own AS per monitored peer (from its Peer Up), shared by the peer's RIB views.
    const localAs = new Map<string, number | undefined>();
    const who = (p: BmpPeer) => `${p.type} ${peerAddress(p)} ${p.asn} ${Buffer.from(p.distinguisher).toString('hex')}`;
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
        if (!msg.update) return;
        const i = peerOf(msg.peer);
        const u =
          msg.peer.type === 3 || msg.peer.adjRibOut
            ? msg.update
            : withoutLocalPrepend(msg.update, localAs.get(who(msg.peer)), msg.peer.asn);
        applyUpdate(this.m, i, u, msg.updateAction, t);
      } else if (msg.type === 3 && 'peer' in msg && 'localPort' in msg) {
        peerOf(msg.peer);
        localAs.set(who(msg.peer), asOf(msg.sentOpen));
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
