// RIS Live (https://ris-live.ripe.net) messages into the monitor: `ris_message` of type UPDATE (path with
// AS_SETs as nested arrays, announcements by next hop, withdrawals) and RIS_PEER_STATE (a peer session going
// down). The same function reads live websocket frames and saved JSON lines, so replay equals live.
// Malformed messages are counted and skipped, never thrown.
import { tryParsePrefix } from '../lib/prefix.js';
import type { AsPathSegment } from '../wire/bgp/types.js';
import type { Monitor } from './monitor.js';

export interface RisCounters {
  messages: number;
  malformed: number;
}

type Json = Record<string, unknown>;

/**
 * A scalar field as text; anything else (an object, an array) as '?'. Never String() on a parsed object:
 * `{"toString":"x"}` makes String() throw (found by ris.fuzz.test.ts).
 */
function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '?';
}

/** Latest time a message may carry: the largest a Date can hold (a larger one made alert times throw). */
const MAX_TIME_MS = 8.64e15;

export class RisFeed {
  readonly counters: RisCounters = { messages: 0, malformed: 0 };
  private readonly peers = new Map<string, number>();

  constructor(private readonly m: Monitor) {}

  /** Subscriptions for a watch list: each prefix with more- and less-specifics, and paths through our ASNs. */
  static subscriptions(prefixes: readonly string[], asns: readonly number[]): Json[] {
    const subs: Json[] = prefixes.map((p) => ({ type: 'UPDATE', prefix: p, moreSpecific: true, lessSpecific: true }));
    for (const a of asns) subs.push({ type: 'UPDATE', path: String(a) });
    return subs.map((data) => ({ type: 'ris_subscribe', data }));
  }

  private peer(d: Json): number {
    const id = `ris:${text(d.host)} ${text(d.peer)} AS${text(d.peer_asn)}`;
    let i = this.peers.get(id);
    if (i === undefined) {
      const asn = Number(text(d.peer_asn));
      i = this.m.peer(id, Number.isInteger(asn) && asn >= 0 && asn <= 0xffffffff ? asn : 0);
      this.peers.set(id, i);
    }
    return i;
  }

  /** One websocket frame or saved line (text). */
  line(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      this.counters.malformed++;
      return;
    }
    this.message(msg);
  }

  message(msg: unknown): void {
    if (typeof msg !== 'object' || msg === null) return void this.counters.malformed++;
    const o = msg as Json;
    if (o.type !== 'ris_message' || typeof o.data !== 'object' || o.data === null) return;
    const d = o.data as Json;
    this.counters.messages++;
    const ms = typeof d.timestamp === 'number' ? Math.round(d.timestamp * 1000) : 0;
    if (!(ms >= 0 && ms <= MAX_TIME_MS)) return void this.counters.malformed++;
    const time = ms;
    if (d.type === 'RIS_PEER_STATE') {
      if (d.state === 'down') this.m.peerDown(this.peer(d), time);
      return;
    }
    if (d.type !== 'UPDATE') return;
    const peer = this.peer(d);
    const withdrawals = Array.isArray(d.withdrawals) ? d.withdrawals : [];
    for (const w of withdrawals) {
      const p = typeof w === 'string' ? tryParsePrefix(w) : null;
      if (p?.ok) this.m.withdraw(peer, p.prefix, time);
      else this.counters.malformed++;
    }
    const ann = Array.isArray(d.announcements) ? d.announcements : [];
    if (ann.length === 0) return;
    const segs = pathSegments(d.path);
    if (!segs) return void this.counters.malformed++;
    const otc = typeof d.otc === 'number' ? d.otc : undefined;
    for (const a of ann) {
      const list =
        a && typeof a === 'object' && Array.isArray((a as Json).prefixes) ? ((a as Json).prefixes as unknown[]) : [];
      for (const t of list) {
        const p = typeof t === 'string' ? tryParsePrefix(t) : null;
        if (p?.ok) this.m.announce(peer, p.prefix, segs, otc, time);
        else this.counters.malformed++;
      }
    }
  }
}

/** RIS paths: numbers, with an AS_SET as a nested array (`[1, 2, [3, 4]]`). */
export function pathSegments(path: unknown): AsPathSegment[] | undefined {
  if (!Array.isArray(path)) return undefined;
  const segs: AsPathSegment[] = [];
  let run: number[] = [];
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
  for (const x of path) {
    if (ok(x)) run.push(x);
    else if (Array.isArray(x) && x.every(ok)) {
      if (run.length) segs.push({ type: 2, asns: run });
      run = [];
      segs.push({ type: 1, asns: x as number[] });
    } else return undefined;
  }
  if (run.length) segs.push({ type: 2, asns: run });
  return segs;
}
