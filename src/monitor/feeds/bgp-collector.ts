// The passive BGP collector: routers (BIRD, FRR, anything RFC 4271) connect to it and send their routes.
// It answers their OPEN with its own (4-byte AS, multiprotocol for the families they offer, add-path
// receive where they offer to send, route refresh), keeps the session alive, and feeds every UPDATE to
// the monitor with RFC 7606 error handling: attribute-discard and treat-as-withdraw keep the session;
// a problem that calls for a session reset sends the NOTIFICATION RFC 4271 names and closes. It never
// sends routes.
import type { Server, Socket } from 'node:net';
import { parseAddress } from '../../lib/prefix.js';
import {
  CAP,
  type Capability,
  capabilities,
  contextFromOpens,
  type DecodeContext,
  decodeContext,
  decodeMessage,
  encodeMessage,
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE,
  type OpenMessage,
} from '../../wire/bgp/index.js';
import { applyUpdate } from '../ingest.js';
import type { Monitor } from '../monitor.js';
import type { FeedCounters } from './bmp-station.js';
import { boundPort, listen } from './net.js';

export interface CollectorOptions {
  asn: number;
  routerId?: string;
  /** Hold time offered (RFC 4271: 0 or ≥ 3 s); the session uses the smaller of both sides'. */
  holdTime?: number;
}

const AS_TRANS = 23456;

export class BgpCollector {
  readonly counters: FeedCounters & { established: number; notifications: number } = {
    messages: 0,
    problems: 0,
    connections: 0,
    established: 0,
    notifications: 0,
  };
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly m: Monitor,
    private readonly o: CollectorOptions,
    private readonly now: () => number = Date.now,
  ) {}

  async start(listenOn: string): Promise<number> {
    this.server = await listen(listenOn, (s) => this.session(s));
    return boundPort(this.server);
  }

  private ourOpen(theirs: OpenMessage): OpenMessage {
    const caps: Capability[] = [];
    const families = capabilities(theirs).filter(
      (c): c is Capability & { code: 1; afi: number; safi: number; reserved: number } => c.code === 1 && 'afi' in c,
    );
    for (const f of families.length > 0 ? families : [{ code: 1 as const, afi: 1, reserved: 0, safi: 1 }]) {
      caps.push({ code: 1, afi: f.afi, reserved: 0, safi: f.safi });
    }
    caps.push({ code: CAP.ROUTE_REFRESH }, { code: CAP.AS4, asn: this.o.asn });
    const addPath = capabilities(theirs).flatMap((c) =>
      c.code === CAP.ADD_PATH && 'families' in c && !('time' in c) ? c.families : [],
    );
    const receive = addPath.filter((f) => f.sendReceive & 2).map((f) => ({ afi: f.afi, safi: f.safi, sendReceive: 1 }));
    if (receive.length > 0) caps.push({ code: CAP.ADD_PATH, families: receive });
    if (capabilities(theirs).some((c) => c.code === CAP.EXTENDED_MESSAGE)) caps.push({ code: CAP.EXTENDED_MESSAGE });
    return {
      type: 1,
      version: 4,
      myAs: this.o.asn > 0xffff ? AS_TRANS : this.o.asn,
      holdTime: this.o.holdTime ?? 90,
      bgpId: parseAddress(this.o.routerId ?? '192.0.2.255').addr,
      params: [{ type: 2, capabilities: caps }],
    };
  }

  private session(s: Socket): void {
    this.counters.connections++;
    this.sockets.add(s);
    const plain = decodeContext({ as4: true });
    let ctx: DecodeContext | undefined;
    let peer: number | undefined;
    let pending: Buffer = Buffer.alloc(0);
    let hold = 0;
    let holdTimer: NodeJS.Timeout | undefined;
    let keepTimer: NodeJS.Timeout | undefined;
    const send = (b: Uint8Array) => {
      if (!s.destroyed) s.write(b);
    };
    const stop = () => {
      clearTimeout(holdTimer);
      clearInterval(keepTimer);
    };
    const notify = (code: number, sub: number) => {
      this.counters.notifications++;
      send(encodeMessage({ type: 3, code, subcode: sub, data: new Uint8Array(0) }, plain));
      stop();
      s.end();
    };
    const armHold = () => {
      if (hold === 0) return;
      clearTimeout(holdTimer);
      holdTimer = setTimeout(() => notify(4, 0), hold * 1000);
    };
    const onMessage = (buf: Buffer, start: number, end: number) => {
      this.counters.messages++;
      const r = decodeMessage(buf, ctx ?? plain, start, end);
      if (r.problems.length > 0) this.counters.problems++;
      const msg = r.message;
      if (r.action === 'session-reset' || !msg) {
        const n = r.problems.find((p) => p.action === 'session-reset')?.notify ?? [1, 0];
        notify(n[0], n[1]);
        return;
      }
      armHold();
      if (msg.type === 1 && 'version' in msg) {
        if (ctx) return notify(6, 7); // OPEN in Established: connection collision handling is not ours to do
        if (msg.version !== 4) return notify(2, 1);
        const mine = this.ourOpen(msg);
        ctx = { ...contextFromOpens(mine, msg), extendedMessage: true };
        hold = msg.holdTime === 0 ? 0 : Math.min(msg.holdTime, mine.holdTime);
        const asn = capabilities(msg).find((c) => c.code === CAP.AS4 && 'asn' in c) as { asn: number } | undefined;
        const remoteAs = asn?.asn ?? msg.myAs;
        peer = this.m.peer(`bgp:${s.remoteAddress} AS${remoteAs}`, remoteAs);
        send(encodeMessage(mine, plain));
        send(encodeMessage({ type: 4 }, plain));
        this.counters.established++;
        armHold();
        if (hold > 0) keepTimer = setInterval(() => send(encodeMessage({ type: 4 }, plain)), (hold * 1000) / 3);
        return;
      }
      if (!ctx || peer === undefined) return notify(5, 0); // anything before OPEN: FSM error
      if (msg.type === 2 && 'withdrawn' in msg) applyUpdate(this.m, peer, msg, r.action, this.now());
      else if (msg.type === 3) {
        stop();
        s.end();
      }
    };
    s.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let p = 0;
      while (pending.length - p >= HEADER_LENGTH) {
        const len = pending.readUInt16BE(p + 16);
        if (len < HEADER_LENGTH || len > MAX_EXTENDED_MESSAGE) {
          onMessage(pending, p, pending.length); // the decoder names the bad length; we reset
          return;
        }
        if (pending.length - p < len) break;
        onMessage(pending, p, p + len);
        if (s.destroyed || s.writableEnded) return;
        p += len;
      }
      pending = pending.subarray(p);
    });
    const gone = () => {
      stop();
      if (!this.sockets.delete(s)) return;
      if (peer !== undefined) this.m.peerDown(peer, this.now());
    };
    s.on('close', gone);
    s.on('error', gone);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
