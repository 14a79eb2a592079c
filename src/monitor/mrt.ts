// MRT into the monitor: BGP4MP updates (each message's own time), state changes (a session that leaves
// Established is a peer down), and TABLE_DUMP_V2 / TABLE_DUMP RIBs as initial state. Pure: raw records in
// (from MrtStreamReader), route events out; the CLI reads and decompresses the files.
import { formatAddress } from '../lib/prefix.js';
import { ACTION_RANK, decodeContext, decodeMessage } from '../wire/bgp/index.js';
import type { DecodeContext } from '../wire/bgp/types.js';
import {
  bgp4mpIsAddPath,
  bgp4mpIsAs4,
  bgp4mpIsLocal,
  bgp4mpIsMessage,
  MRT_BGP4MP,
  MRT_BGP4MP_ET,
} from '../wire/mrt/constants.js';
import type { MrtDamage, MrtRawRecord } from '../wire/mrt/reader.js';
import { decodeRibAttributes, MrtDecoder } from '../wire/mrt/records.js';
import { applyUpdate } from './ingest.js';
import type { Monitor } from './monitor.js';
import { newScanResult, type ScanResult, scanUpdate } from './prefilter.js';

const ESTABLISHED = 6;

export interface MrtFeedOptions {
  /**
   * Skip BGP4MP UPDATEs that touch nothing watched by reading their bytes (prefilter.ts) before decoding
   * them (default true). Off, every message is decoded in full: the differential test compares the two.
   */
  fastPath?: boolean;
}

export class MrtFeed {
  private readonly decoder = new MrtDecoder();
  private readonly contexts = new Map<number, DecodeContext>();
  private readonly peerIds = new Map<string, number>();
  /** IPv4 peers by AS then address (no string per record on the hot path). */
  private readonly peers4 = new Map<number, Map<number, number>>();
  /** Counters: BGP messages read, and records the decoder reported as damaged. */
  messages = 0;
  damaged = 0;
  /** Time (ms) of the last record, for the caller's clock. */
  lastTime = 0;
  /** BGP4MP messages the fast path found irrelevant without decoding them. */
  skipped = 0;
  /** BGP4MP messages decoded with only the classic-field prefixes that may matter (see `partial`). */
  partials = 0;
  private readonly fast: boolean;
  private readonly scan: ScanResult = newScanResult();
  /** IPv6 peers by a hash of AS and address, each bucket checked byte for byte. */
  private readonly peers6 = new Map<number, { asn: number; addr: Uint8Array; i: number }[]>();

  constructor(
    private readonly m: Monitor,
    o: MrtFeedOptions = {},
  ) {
    this.fast = o.fastPath ?? true;
  }

  /** The session of a peer whose address is the 4 or 16 bytes at buf[off] (no string on the hot path). */
  private peer(address: Uint8Array, asn: number, off = 0, size = address.length): number {
    if (size === 4) {
      const a =
        ((address[off]! << 24) | (address[off + 1]! << 16) | (address[off + 2]! << 8) | address[off + 3]!) >>> 0;
      let byAddr = this.peers4.get(asn);
      if (!byAddr) {
        byAddr = new Map();
        this.peers4.set(asn, byAddr);
      }
      let i = byAddr.get(a);
      if (i === undefined) {
        i = this.peerByText(address.slice(off, off + 4), asn);
        byAddr.set(a, i);
      }
      return i;
    }
    let h = asn | 0;
    for (let k = 0; k < 16; k++) h = Math.imul(h ^ address[off + k]!, 0x01000193);
    let bucket = this.peers6.get(h);
    if (bucket) {
      for (const e of bucket) {
        if (e.asn !== asn) continue;
        let same = true;
        for (let k = 0; k < 16 && same; k++) same = e.addr[k] === address[off + k];
        if (same) return e.i;
      }
    } else {
      bucket = [];
      this.peers6.set(h, bucket);
    }
    const addr = address.slice(off, off + 16);
    const i = this.peerByText(addr, asn);
    bucket.push({ asn, addr, i });
    return i;
  }

  /**
   * BGP4MP messages read from their bytes: true when handled (not an UPDATE, recorded on the sending side,
   * or an UPDATE the prefilter found irrelevant), false when the record needs the full decoder. Only what
   * the decoder would accept without damage is handled here.
   */
  private fastRecord(raw: MrtRawRecord, time: number): boolean {
    const st = raw.subtype;
    if (!bgp4mpIsMessage(st)) return false;
    const as4 = bgp4mpIsAs4(st);
    const buf = raw.buf;
    const end = raw.end;
    let p = raw.start;
    if (end - p < (as4 ? 12 : 8)) return false;
    const peerAs = as4
      ? ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0
      : (buf[p]! << 8) | buf[p + 1]!;
    p += as4 ? 10 : 6; // peer AS, local AS, interface index
    const afi = (buf[p]! << 8) | buf[p + 1]!;
    if (afi !== 1 && afi !== 2) return false;
    const size = afi === 1 ? 4 : 16;
    p += 2;
    if (end - p < 2 * size + 19) return false;
    if (bgp4mpIsLocal(st)) return true;
    const addrAt = p;
    p += 2 * size;
    this.messages++;
    if (buf[p + 18] !== 2) return true; // not an UPDATE: nothing for the monitor, and no session made
    const length = (buf[p + 16]! << 8) | buf[p + 17]!;
    if (length < 23 || length > end - p) {
      this.messages--;
      return false; // the decoder finds no UPDATE in it (and makes no session): let it say so
    }
    const peer = this.peer(buf, peerAs, addrAt, size);
    const r = scanUpdate(buf, p, end, as4, bgp4mpIsAddPath(st), this.m.scanTarget(peer), this.scan);
    if (r === undefined) {
      this.messages--; // counted again by the full path
      return false;
    }
    if (r.keepWithdrawn.length === 0 && r.keepAnnounced.length === 0) {
      this.skipped++;
      this.m.skipped(r.announced, r.withdrawn, time);
      return true;
    }
    this.partials++;
    this.partial(buf, p, r, as4, bgp4mpIsAddPath(st), peer, time);
    return true;
  }

  /**
   * A well-formed UPDATE some of whose classic-field prefixes may matter (and whose path names none of our
   * ASNs; MP_REACH/MP_UNREACH prefixes, if any, matter to nothing): the full decoder gets the same message
   * with only those prefixes in its withdrawn-routes and NLRI fields, the path attributes byte for byte, so
   * it judges them (RFC 7606 action, AS4_PATH merge) as in the whole message. When none announced may
   * matter the first announced one is kept, as RFC 7606's mandatory-attribute rules apply only to an
   * UPDATE that announces. The prefixes left out would have changed nothing; they are counted as the
   * decoder would have applied them (withdrawals under treat-as-withdraw or worse).
   */
  private partial(
    buf: Uint8Array,
    start: number,
    r: ScanResult,
    as4: boolean,
    addPath: boolean,
    peer: number,
    time: number,
  ): void {
    const keepA = r.keepAnnounced;
    if (keepA.length === 0 && r.classicAnnounced > 0) {
      let q = r.nlriStart + (addPath ? 4 : 0);
      q += 1 + ((buf[q]! + 7) >>> 3);
      keepA.push(r.nlriStart, q);
    }
    const keepW = r.keepWithdrawn;
    let wl = 0;
    for (let i = 0; i < keepW.length; i += 2) wl += keepW[i + 1]! - keepW[i]!;
    let nl = 0;
    for (let i = 0; i < keepA.length; i += 2) nl += keepA[i + 1]! - keepA[i]!;
    const al = r.nlriStart - r.attrsStart;
    const length = 19 + 2 + wl + 2 + al + nl;
    const msg = new Uint8Array(length);
    msg.set(buf.subarray(start, start + 16)); // the marker
    msg[16] = length >>> 8;
    msg[17] = length & 0xff;
    msg[18] = 2;
    msg[19] = wl >>> 8;
    msg[20] = wl & 0xff;
    let o = 21;
    for (let i = 0; i < keepW.length; i += 2) {
      msg.set(buf.subarray(keepW[i]!, keepW[i + 1]!), o);
      o += keepW[i + 1]! - keepW[i]!;
    }
    msg[o++] = al >>> 8;
    msg[o++] = al & 0xff;
    msg.set(buf.subarray(r.attrsStart, r.nlriStart), o);
    o += al;
    for (let i = 0; i < keepA.length; i += 2) {
      msg.set(buf.subarray(keepA[i]!, keepA[i + 1]!), o);
      o += keepA[i + 1]! - keepA[i]!;
    }
    const res = decodeMessage(msg, this.ctx(as4, addPath));
    const u = res.message;
    if (u?.type !== 2 || !('withdrawn' in u)) return; // cannot be: the scan read it as an UPDATE
    applyUpdate(this.m, peer, u, res.action, time);
    const leftA = r.classicAnnounced - keepA.length / 2;
    const leftW = r.classicWithdrawn - keepW.length / 2;
    if (ACTION_RANK[res.action] >= ACTION_RANK['treat-as-withdraw']) this.m.skipped(0, leftA + leftW, time);
    else this.m.skipped(leftA, leftW, time);
  }

  private peerByText(address: Uint8Array, asn: number): number {
    const text = `mrt:${formatAddress(address.length === 16 ? 6 : 4, address)} AS${asn}`;
    let i = this.peerIds.get(text);
    if (i === undefined) {
      i = this.m.peer(text, asn);
      this.peerIds.set(text, i);
    }
    return i;
  }

  private ctx(as4: boolean, addPath: boolean): DecodeContext {
    const k = (as4 ? 1 : 0) | (addPath ? 2 : 0);
    let c = this.contexts.get(k);
    if (!c) {
      c = decodeContext({ as4, addPath, extendedMessage: true });
      this.contexts.set(k, c);
    }
    return c;
  }

  record(raw: MrtRawRecord): void {
    const time = raw.timestamp * 1000 + Math.floor(raw.microseconds / 1000);
    this.lastTime = time;
    if (this.fast && (raw.type === MRT_BGP4MP || raw.type === MRT_BGP4MP_ET) && this.fastRecord(raw, time)) return;
    const r = this.decoder.decode(raw);
    if (!r.ok) {
      this.damaged++;
      return;
    }
    const b = r.record.body;
    switch (b.kind) {
      case 'bgp4mp_message': {
        if (b.local) return;
        this.messages++;
        const res = decodeMessage(b.message, this.ctx(b.as4, b.addPath));
        const msg = res.message;
        if (msg?.type !== 2 || !('withdrawn' in msg)) return;
        applyUpdate(this.m, this.peer(b.peerAddress, b.peerAs), msg, res.action, time);
        return;
      }
      case 'bgp4mp_state_change':
        if (b.newState !== ESTABLISHED) this.m.peerDown(this.peer(b.peerAddress, b.peerAs), time);
        return;
      case 'rib': {
        const table = this.decoder.peerTable;
        if (!table) return;
        for (const e of b.entries) {
          const p = table.peers[e.peerIndex];
          if (!p) continue;
          const a = decodeRibAttributes(b, e.attributes);
          if (a.action === 'treat-as-withdraw' || a.action === 'session-reset') continue;
          this.m.announce(this.peer(p.address, p.asn), b.prefix, a.attrs.asPath ?? [], a.attrs.otc, time);
        }
        return;
      }
      case 'table_dump': {
        const a = decodeRibAttributes(b, b.attributes);
        if (a.action === 'treat-as-withdraw' || a.action === 'session-reset') return;
        this.m.announce(this.peer(b.peerAddress, b.peerAs), b.prefix, a.attrs.asPath ?? [], a.attrs.otc, time);
        return;
      }
      default:
    }
  }

  damage(_d: MrtDamage): void {
    this.damaged++;
  }
}
