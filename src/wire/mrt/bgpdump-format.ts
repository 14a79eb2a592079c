// The one-line output of bgpdump -m (Unix times) and -M (human times), record by record, from raw MRT
// records. This is presentation only: it reads the record bytes the way bgpdump 1.6 does (see
// bgpdump-attrs.ts) and writes lines as bytes into ~64 KB chunks handed to `emit`. Where bgpdump 1.6.2 and
// upstream's expected output differ (NLRI with host bits set past the prefix length), the upstream
// expectation is followed: prefixes are printed masked.
import {
  ATTR_ATOMIC_AGGREGATE,
  ATTR_COMMUNITIES,
  ATTR_LOCAL_PREF,
  ATTR_MED,
  ATTR_MP_REACH,
  ATTR_MP_UNREACH,
  BgpdumpAttrs,
  bit,
  type MpNlri,
  rd8,
  rd16,
  rd32,
} from './bgpdump-attrs.js';
import { ChunkedOut, TextBuf, time2str } from './bgpdump-text.js';
import {
  BGP4MP_STATE_CHANGE,
  BGP4MP_STATE_CHANGE_AS4,
  bgp4mpIsAddPath,
  bgp4mpIsAs4,
  bgp4mpIsLocal,
  MRT_BGP,
  MRT_BGP4MP,
  MRT_BGP4MP_ET,
  MRT_TABLE_DUMP,
  MRT_TABLE_DUMP_V2,
  MRTD_BGP_STATE_CHANGE,
  MRTD_BGP_UPDATE,
  PEER_INDEX_TABLE,
  RIB_IPV4_UNICAST,
  RIB_IPV4_UNICAST_ADDPATH,
  RIB_IPV6_UNICAST,
  RIB_IPV6_UNICAST_ADDPATH,
} from './constants.js';
import type { MrtRawRecord } from './reader.js';

export interface BgpdumpFormatOptions {
  /** -M: human-readable times ("MM/DD/YY HH:MM:SS") and the short line; default -m. */
  human?: boolean;
  /** Called with what bgpdump would log (its -v warnings), with the record's offset. */
  warn?: (offset: number, message: string) => void;
  /** Output chunk size in bytes (default 65536). */
  chunkSize?: number;
}

const ORIGINS = ['IGP', 'EGP', 'INCOMPLETE'];

interface Peer {
  v6: boolean;
  ip: Uint8Array;
  as: number;
  /** "ip|as|", formatted on first use. */
  text: TextBuf | null;
}

export class BgpdumpFormatter {
  private readonly out: ChunkedOut;
  private readonly human: boolean;
  private readonly warnCb: ((offset: number, message: string) => void) | undefined;
  private readonly attrs = new BgpdumpAttrs();
  private peers: Peer[] | null = null;
  private offset = 0;
  // Scratch buffers, reused for every record.
  private readonly time = new TextBuf(64);
  private readonly head = new TextBuf(128);
  private readonly tail = new TextBuf(256);
  private readonly pfx = new TextBuf(64);
  private readonly a16 = new Uint8Array(16);
  private readonly src = new Uint8Array(16);
  private readonly dst = new Uint8Array(16);
  private lastHumanT = -1;
  private lastHuman = '';

  constructor(emit: (chunk: Uint8Array) => void, opts: BgpdumpFormatOptions = {}) {
    this.out = new ChunkedOut(emit, opts.chunkSize ?? 65536);
    this.human = opts.human ?? false;
    this.warnCb = opts.warn;
  }

  /** Write out what is buffered. */
  flush(): void {
    this.out.flush();
  }

  private warn(msg: string): void {
    this.warnCb?.(this.offset, msg);
  }

  private flushWarnings(): void {
    const w = this.attrs.warnings;
    if (w.length && this.warnCb) for (const m of w) this.warnCb(this.offset, m);
  }

  record(r: MrtRawRecord): void {
    this.offset = r.offset;
    switch (r.type) {
      case MRT_TABLE_DUMP_V2:
        this.tableDumpV2(r);
        break;
      case MRT_BGP4MP:
      case MRT_BGP4MP_ET:
        this.bgp4mp(r);
        break;
      case MRT_TABLE_DUMP:
        this.tableDump(r);
        break;
      case MRT_BGP:
        this.mrtdBgp(r);
        break;
    }
  }

  private setTime(t: number, us: number, et: boolean): void {
    const tb = this.time;
    tb.reset();
    if (this.human) {
      if (t !== this.lastHumanT) {
        this.lastHumanT = t;
        this.lastHuman = time2str(t);
      }
      tb.str(this.lastHuman);
    } else tb.u32(t);
    if (et) {
      tb.ch(46);
      tb.u32pad(us, 6);
    }
  }

  // ---- TABLE_DUMP_V2 ----

  private tableDumpV2(r: MrtRawRecord): void {
    const st = r.subtype;
    if (st === PEER_INDEX_TABLE) {
      this.peerIndex(r);
      return;
    }
    const v6 = st === RIB_IPV6_UNICAST || st === RIB_IPV6_UNICAST_ADDPATH;
    if (!(v6 || st === RIB_IPV4_UNICAST || st === RIB_IPV4_UNICAST_ADDPATH)) return;
    const addPath = st === RIB_IPV4_UNICAST_ADDPATH || st === RIB_IPV6_UNICAST_ADDPATH;
    const b = r.buf;
    const e = r.end;
    let p = r.start;
    p = Math.min(p + 4, e); // sequence
    const plen = rd8(b, p, e);
    p = Math.min(p + 1, e);
    const nb = (plen + 7) >> 3;
    const pfx = this.pfx;
    pfx.reset();
    this.prefixText(pfx, b, p, e, nb, plen, v6);
    p = Math.min(p + nb, e);
    const count = rd16(b, p, e);
    p = Math.min(p + 2, e);
    this.setTime(r.timestamp, 0, false);
    const peers = this.peers;
    const out = this.out;
    const attrs = this.attrs;
    const label = addPath ? 'TABLE_DUMP2_AP|' : 'TABLE_DUMP2|';
    for (let i = 0; i < count; i++) {
      if (p >= e) {
        // bgpdump would print the missing entries from zero-filled reads; a damaged record stops here.
        this.warn(`RIB record announces ${count} entries but ends after ${i}`);
        break;
      }
      const idx = rd16(b, p, e);
      p = Math.min(p + 6, e); // peer index, originated time
      let pathId = 0;
      if (addPath) {
        pathId = rd32(b, p, e);
        p = Math.min(p + 4, e);
      }
      p = attrs.read(b, p, e, 4, addPath);
      this.flushWarnings();
      const peer = peers?.[idx];
      if (peer === undefined) {
        this.warn(
          peers
            ? `RIB entry names peer ${idx} but the peer index table has ${peers.length}`
            : 'RIB entry before any PEER_INDEX_TABLE',
        );
        continue;
      }
      out.str(label);
      out.append(this.time);
      out.str('|B|');
      out.append(this.peerText(peer));
      out.append(pfx);
      out.ch(124);
      if (addPath) {
        out.u32(pathId);
        out.ch(124);
      }
      this.routeTail(out, 0);
      out.lineEnd();
    }
  }

  private peerIndex(r: MrtRawRecord): void {
    const b = r.buf;
    const e = r.end;
    let p = r.start + 4; // collector BGP id
    const nameLen = rd16(b, p, e);
    p = Math.min(p + 2 + nameLen, e);
    const n = rd16(b, p, e);
    p = Math.min(p + 2, e);
    const peers: Peer[] = [];
    for (let i = 0; i < n; i++) {
      if (p >= e) {
        this.warn(`PEER_INDEX_TABLE announces ${n} peers but ends after ${i}`);
        break;
      }
      const t = rd8(b, p, e);
      p = Math.min(p + 5, e); // type, BGP id
      const v6 = (t & 1) !== 0;
      const ip = new Uint8Array(16);
      const il = v6 ? 16 : 4;
      for (let k = 0; k < il; k++) ip[k] = rd8(b, p + k, e);
      p = Math.min(p + il, e);
      let as: number;
      if (t & 2) {
        as = rd32(b, p, e);
        p = Math.min(p + 4, e);
      } else {
        as = rd16(b, p, e);
        p = Math.min(p + 2, e);
      }
      peers.push({ v6, ip, as, text: null });
    }
    this.peers = peers;
  }

  private peerText(peer: Peer): TextBuf {
    if (peer.text) return peer.text;
    const t = new TextBuf(64);
    if (peer.v6) t.ipv6(peer.ip, 0);
    else t.ipv4(rd32(peer.ip, 0, 4));
    t.ch(124);
    t.u32(peer.as);
    t.ch(124);
    peer.text = t;
    return t;
  }

  /** A prefix of nb bytes at b[p..) (zero-filled past e), masked to plen bits: "addr/len". */
  private prefixText(
    t: TextBuf,
    b: Uint8Array,
    p: number,
    e: number,
    nb: number,
    plen: number,
    v6: boolean,
    shownLen = plen,
  ): void {
    if (!v6) {
      let a = 0;
      if (nb >= 4 && p + 4 <= e) a = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      else for (let k = 0; k < 4 && k < nb; k++) a |= rd8(b, p + k, e) << (24 - 8 * k);
      if (plen < 32) a = plen === 0 ? 0 : (a & (0xffffffff << (32 - plen))) >>> 0;
      t.ipv4(a >>> 0);
    } else {
      const a = this.a16;
      for (let k = 0; k < 16; k++) a[k] = k < nb ? rd8(b, p + k, e) : 0;
      if (plen < 128) {
        const full = plen >> 3;
        if (full < 16) {
          a[full] = a[full]! & (0xff00 >> (plen & 7));
          for (let k = full + 1; k < 16; k++) a[k] = 0;
        }
      }
      t.ipv6(a, 0);
    }
    t.ch(47);
    t.u32(shownLen);
  }

  /**
   * The route's attribute columns after the prefix (and path id): "aspath|origin" for -M; for -m also
   * "|nexthop|pref|med|communities|AG|aggregator|". nh: 3 the NEXT_HOP attribute, 0 the same unless an IPv6
   * MP_REACH is present (the RIB formats), 1 an IPv4 MP next hop in `mp`, 2 an IPv6 one. `signed`: pref and med as %d.
   */
  private routeTail(out: TextBuf, nh: number, mp?: MpNlri, signed = false): void {
    const a = this.attrs;
    out.append(a.asPathText());
    out.ch(124);
    out.str(ORIGINS[a.origin] ?? 'INCOMPLETE');
    if (this.human) {
      out.ch(10);
      return;
    }
    out.ch(124);
    if (nh === 3) out.ipv4(a.nexthop);
    else if (nh === 0) {
      const m6 = a.flag & bit(ATTR_MP_REACH) ? a.mpAnnounce(2, 1) : undefined;
      if (m6) out.ipv6(m6.nh, 0);
      else if (a.abbreviated4 >= 0) out.ipv4(a.abbreviated4);
      else out.ipv4(a.nexthop);
    } else if (nh === 1) out.ipv4(rd32(mp!.nh, 0, 4));
    else out.ipv6(mp!.nh, 0);
    out.ch(124);
    const pref = a.flag & bit(ATTR_LOCAL_PREF) ? a.localPref : 0;
    const med = a.flag & bit(ATTR_MED) ? a.med : 0;
    if (signed) {
      out.i32(pref);
      out.ch(124);
      out.i32(med);
    } else {
      out.u32(pref);
      out.ch(124);
      out.u32(med);
    }
    out.ch(124);
    if (a.flag & bit(ATTR_COMMUNITIES) && a.commStart >= 0) a.communitiesText(out);
    out.str(a.flag & bit(ATTR_ATOMIC_AGGREGATE) ? '|AG|' : '|NAG|');
    if (a.aggregatorShown()) {
      out.u32(a.aggAs >>> 0);
      out.ch(32);
      out.ipv4(a.aggAddr);
    }
    out.str('|\n');
  }

  // ---- TABLE_DUMP (v1) ----

  private tableDump(r: MrtRawRecord): void {
    const st = r.subtype;
    if (st < 1 || st > 4) {
      this.warn(`process_mrtd_table_dump: unknown AFI ${st}`);
      return;
    }
    const b = r.buf;
    const e = r.end;
    const v6addr = st === 2 || st === 4;
    const al = v6addr ? 16 : 4;
    let p = Math.min(r.start + 4, e); // view, sequence
    const pfxAt = p;
    p = Math.min(p + al, e);
    const mask = rd8(b, p, e);
    p = Math.min(p + 6, e); // mask, status, originated
    const peerAt = p;
    p = Math.min(p + al, e);
    const as4 = st === 3 || st === 4;
    const peerAs = as4 ? rd32(b, p, e) : rd16(b, p, e);
    p = Math.min(p + (as4 ? 4 : 2), e);
    this.attrs.read(b, p, e, as4 ? 4 : 2, false);
    this.flushWarnings();
    this.setTime(r.timestamp, 0, false);
    const out = this.out;
    out.str('TABLE_DUMP|');
    out.append(this.time);
    out.str('|B|');
    // bgpdump formats as IPv6 only for subtype AFI_IPv6 (2); subtype 4 prints the first 4 bytes.
    const fmt6 = st === 2;
    this.addrAt(out, b, peerAt, e, fmt6);
    out.ch(124);
    out.u32(peerAs);
    out.ch(124);
    this.addrAt(out, b, pfxAt, e, fmt6);
    out.ch(47);
    out.u32(mask);
    out.ch(124);
    this.routeTail(out, 0);
    out.lineEnd();
  }

  private addrAt(out: TextBuf, b: Uint8Array, p: number, e: number, v6: boolean): void {
    if (v6) {
      const a = this.a16;
      for (let k = 0; k < 16; k++) a[k] = rd8(b, p + k, e);
      out.ipv6(a, 0);
    } else out.ipv4(rd32(b, p, e));
  }

  // ---- BGP4MP / BGP4MP_ET ----

  private bgp4mp(r: MrtRawRecord): void {
    const st = r.subtype;
    const et = r.type === MRT_BGP4MP_ET;
    if (st === BGP4MP_STATE_CHANGE || st === BGP4MP_STATE_CHANGE_AS4) {
      this.stateChange(r, st === BGP4MP_STATE_CHANGE_AS4 ? 4 : 2, et);
      return;
    }
    if (!(st === 1 || (st >= 4 && st <= 11))) {
      this.warn(`process_zebra_bgp: unknown subtype ${st}`);
      return;
    }
    const b = r.buf;
    const e = r.end;
    const asnLen = bgp4mpIsAs4(st) ? 4 : 2;
    const local = bgp4mpIsLocal(st);
    const addPath = bgp4mpIsAddPath(st);
    let p = r.start;
    const as1 = asnLen === 4 ? rd32(b, p, e) : rd16(b, p, e);
    const as2 = asnLen === 4 ? rd32(b, p + asnLen, e) : rd16(b, p + asnLen, e);
    p = Math.min(p + 2 * asnLen, e);
    const ifIndex = rd16(b, p, e);
    let afi = rd16(b, p + 2, e);
    p = Math.min(p + 4, e);
    const src = this.src;
    const dst = this.dst;
    src.fill(0);
    dst.fill(0);
    // bgpdump keeps "source" and "destination" as the wire order of the non-LOCAL subtypes.
    const srcAs = local ? as2 : as1;
    const dstAs = local ? as1 : as2;
    if (afi === 1 || afi === 2) {
      const al = afi === 1 ? 4 : 16;
      const first = local ? dst : src;
      const second = local ? src : dst;
      for (let k = 0; k < al; k++) first[k] = rd8(b, p + k, e);
      for (let k = 0; k < al; k++) second[k] = rd8(b, p + al + k, e);
      p = Math.min(p + 2 * al, e);
      for (let k = 0; k < 16; k++)
        if (rd8(b, p + k, e) !== 0xff) {
          this.warn('bgp_message: bad marker');
          return;
        }
      p = Math.min(p + 16, e);
    } else if (afi === 0xffff && ifIndex === 0xffff) {
      // Zebra wrote OPENs without interface, family and addresses: the 4 bytes read were marker.
      for (let k = 0; k < 12; k++)
        if (rd8(b, p + k, e) !== 0xff) {
          this.warn('bgp_message: bad marker');
          return;
        }
      p = Math.min(p + 12, e);
      afi = 1;
    } else {
      this.warn(`process_zebra_bgp_message: unsupported AFI ${afi}`);
      return;
    }
    const size = rd16(b, p, e);
    p = Math.min(p + 2, e);
    const expected = (size - 18) >>> 0;
    const me = p + Math.min(expected, e - p);
    const msgType = rd8(b, p, me);
    p = Math.min(p + 1, me);
    if (msgType !== 2) {
      if (msgType < 1 || msgType > 4) this.warn(`bgp_message: unknown or unsupported BGP message type ${msgType}`);
      return;
    }
    // UPDATE
    const wlen = rd16(b, p, me);
    p = Math.min(p + 2, me);
    const ws = p;
    const we = Math.min(p + wlen, me);
    p = we;
    const attrs = this.attrs;
    p = attrs.read(b, p, me, asnLen, addPath);
    this.flushWarnings();
    const ns = p;
    const ne = me;
    this.setTime(r.timestamp, r.microseconds, et);
    // get_bgp4mp_format: BGP4MP[_ET][_LOCAL][_AP]
    // bgpdump prints only MESSAGE_LOCAL and MESSAGE_AS4_LOCAL as sent: the _LOCAL_ADDPATH subtypes are read in
    // LOCAL order but printed as received (their "source", the local side). Kept as bgpdump does it.
    const printLocal = st === 6 || st === 7;
    let label = et ? 'BGP4MP_ET' : 'BGP4MP';
    if (printLocal) label += '_LOCAL';
    if (addPath) label += '_AP';
    const v6peer = afi === 2;
    const peerIp = printLocal ? dst : src;
    const peerAs = printLocal ? dstAs : srcAs;
    const flag = attrs.flag;
    if (we > ws || flag & bit(ATTR_MP_UNREACH)) {
      const head = this.head;
      head.reset();
      this.bgp4mpHead(head, label, '|W|', v6peer, peerIp, peerAs);
      this.withdrawLines(head, b, ws, we, false, addPath);
      for (let safi = 1; safi <= 3; safi++) {
        const m = attrs.mpWithdraw(1, safi);
        if (m) this.withdrawLines(head, b, m.nlriStart, m.nlriEnd, false, addPath);
      }
      let head6 = head;
      if (!v6peer && printLocal) {
        // table_line_withdraw6 prints a LOCAL IPv4 peer with fmt_ipv6 (a bgpdump quirk kept as is).
        head6 = new TextBuf(128);
        this.bgp4mpHead(head6, label, '|W|', true, peerIp, peerAs);
      }
      for (let safi = 1; safi <= 3; safi++) {
        const m = attrs.mpWithdraw(2, safi);
        if (m) this.withdrawLines(head6, b, m.nlriStart, m.nlriEnd, true, addPath);
      }
    }
    if (ne > ns || flag & bit(ATTR_MP_REACH)) {
      const head = this.head;
      head.reset();
      this.bgp4mpHead(head, label, '|A|', v6peer, peerIp, peerAs);
      if (ne > ns) {
        const tail = this.tail;
        tail.reset();
        this.routeTail(tail, 3);
        this.announceLines(head, tail, b, ns, ne, false, addPath);
      }
      for (let safi = 1; safi <= 3; safi++) {
        const m = attrs.mpAnnounce(1, safi);
        if (m && m.nlriEnd > m.nlriStart) {
          const tail = this.tail;
          tail.reset();
          this.routeTail(tail, 1, m, true);
          this.announceLines(head, tail, b, m.nlriStart, m.nlriEnd, false, addPath);
        }
      }
      for (let safi = 1; safi <= 3; safi++) {
        const m = attrs.mpAnnounce(2, safi);
        if (m && m.nlriEnd > m.nlriStart) {
          const tail = this.tail;
          tail.reset();
          this.routeTail(tail, 2, m);
          this.announceLines(head, tail, b, m.nlriStart, m.nlriEnd, true, addPath);
        }
      }
    }
  }

  /** "label|time|W|peer|as|" (or |A|): the start of each line of one BGP4MP message. */
  private bgp4mpHead(t: TextBuf, label: string, kind: '|W|' | '|A|', v6: boolean, ip: Uint8Array, as: number): void {
    t.str(label);
    t.ch(124);
    t.append(this.time);
    t.str(kind);
    this.peerCols(t, v6, ip, as);
  }

  /** "peer|as|" as bgpdump prints the BGP4MP peer. */
  private peerCols(t: TextBuf, v6: boolean, ip: Uint8Array, as: number): void {
    if (v6) t.ipv6(ip, 0);
    else t.ipv4(rd32(ip, 0, 4));
    t.ch(124);
    t.u32(as);
    t.ch(124);
  }

  /** Withdrawal lines: "head" prefix ["|" path id] "\n", one per NLRI in b[p, e). */
  private withdrawLines(head: TextBuf, b: Uint8Array, p: number, e: number, v6: boolean, addPath: boolean): void {
    this.nlriLines(head, null, b, p, e, v6, addPath);
  }

  /** Announcement lines: "head" prefix "|" [path id "|"] "tail", one per NLRI in b[p, e). */
  private announceLines(
    head: TextBuf,
    tail: TextBuf,
    b: Uint8Array,
    p: number,
    e: number,
    v6: boolean,
    addPath: boolean,
  ): void {
    this.nlriLines(head, tail, b, p, e, v6, addPath);
  }

  private nlriLines(
    head: TextBuf,
    tail: TextBuf | null,
    b: Uint8Array,
    p: number,
    e: number,
    v6: boolean,
    addPath: boolean,
  ): void {
    const out = this.out;
    const headView = head.view();
    const tailView = tail?.view();
    while (p < e) {
      let pathId = 0;
      if (addPath) {
        pathId = rd32(b, p, e);
        p = Math.min(p + 4, e);
      }
      const plen = rd8(b, p, e);
      p = Math.min(p + 1, e);
      const nb = (plen + 7) >> 3;
      if (e - p < nb) break;
      out.appendView(headView);
      // bgpdump copies the prefix bytes into a 16-byte address: more than 16 overwrite the length byte that
      // follows it (and past 20 the path id, host byte order). Reproduced so the lines agree.
      let shown = plen;
      if (nb > 16) {
        shown = b[p + 16]!;
        if (nb > 20) pathId = (b[p + 20]! | (b[p + 21]! << 8) | (b[p + 22]! << 16) | (b[p + 23]! << 24)) >>> 0;
      }
      this.prefixText(out, b, p, e, nb, plen, v6, shown);
      p += nb;
      if (tailView === undefined) {
        if (addPath) {
          out.ch(124);
          out.u32(pathId);
        }
        out.ch(10);
      } else {
        out.ch(124);
        if (addPath) {
          out.u32(pathId);
          out.ch(124);
        }
        out.appendView(tailView);
      }
      out.lineEnd();
    }
  }

  private stateChange(r: MrtRawRecord, asnLen: number, et: boolean): void {
    const b = r.buf;
    const e = r.end;
    const len = e - r.start;
    let p = r.start;
    const srcAs = asnLen === 4 ? rd32(b, p, e) : rd16(b, p, e);
    p = Math.min(p + 2 * asnLen, e);
    const ip = this.src;
    ip.fill(0);
    let v6 = false;
    if (len === 8) {
      this.warn('process_zebra_bgp_state_change: 8-byte state change (zebra bug?)');
    } else {
      const afi = rd16(b, p + 2, e);
      p = Math.min(p + 4, e);
      if (afi === 1) {
        if (len !== 20 && len !== 24) {
          this.warn(`process_zebra_bgp_state_change: bad length ${len}`);
          return;
        }
        for (let k = 0; k < 4; k++) ip[k] = rd8(b, p + k, e);
        p = Math.min(p + 8, e);
      } else if (afi === 2) {
        if (len !== 44 && len !== 48) {
          this.warn(`process_zebra_bgp_state_change: bad length ${len}`);
          return;
        }
        for (let k = 0; k < 16; k++) ip[k] = rd8(b, p + k, e);
        p = Math.min(p + 32, e);
        v6 = true;
      } else {
        this.warn(`process_zebra_bgp_state_change: unknown AFI ${afi}`);
        return;
      }
    }
    const oldState = rd16(b, p, e);
    const newState = rd16(b, p + 2, e);
    this.setTime(r.timestamp, r.microseconds, et);
    const out = this.out;
    out.str(et ? 'BGP4MP_ET|' : 'BGP4MP|');
    out.append(this.time);
    out.str('|STATE|');
    this.peerCols(out, v6, ip, srcAs);
    out.u32(oldState);
    out.ch(124);
    out.u32(newState);
    out.ch(10);
    out.lineEnd();
  }

  // ---- legacy MRTd BGP (type 5) ----

  private mrtdBgp(r: MrtRawRecord): void {
    const st = r.subtype;
    const b = r.buf;
    const e = r.end;
    let p = r.start;
    this.setTime(r.timestamp, 0, false);
    const out = this.out;
    if (st === MRTD_BGP_STATE_CHANGE) {
      const as = rd16(b, p, e);
      const ip = rd32(b, p + 2, e);
      const o = rd16(b, p + 6, e);
      const n = rd16(b, p + 8, e);
      out.str('BGP|');
      out.append(this.time);
      out.str('|STATE|');
      out.ipv4(ip);
      out.ch(124);
      out.u32(as);
      out.ch(124);
      out.u32(o);
      out.ch(124);
      out.u32(n);
      out.ch(10);
      out.lineEnd();
      return;
    }
    if (st !== MRTD_BGP_UPDATE) return;
    const srcAs = rd16(b, p, e);
    const srcIp = rd32(b, p + 2, e);
    p = Math.min(p + 12, e);
    const wlen = rd16(b, p, e);
    p = Math.min(p + 2, e);
    const ws = p;
    const we = Math.min(p + wlen, e);
    p = this.attrs.read(b, we, e, 2, false);
    this.flushWarnings();
    const head = this.head;
    head.reset();
    head.str('BGP|');
    head.append(this.time);
    head.str('|W|');
    head.ipv4(srcIp);
    head.ch(124);
    head.u32(srcAs);
    head.ch(124);
    this.withdrawLines(head, b, ws, we, false, false);
    head.reset();
    head.str('BGP|');
    head.append(this.time);
    head.str('|A|');
    head.ipv4(srcIp);
    head.ch(124);
    head.u32(srcAs);
    head.ch(124);
    // mrtd_table_line_announce: "|nexthop|pref|med" then communities without a separator (sic).
    const a = this.attrs;
    const tail = this.tail;
    tail.reset();
    tail.append(a.asPathText());
    tail.ch(124);
    tail.str(ORIGINS[a.origin] ?? 'INCOMPLETE');
    if (!this.human) {
      tail.ch(124);
      tail.ipv4(a.nexthop);
      tail.ch(124);
      tail.u32(a.flag & bit(ATTR_LOCAL_PREF) ? a.localPref : 0);
      tail.ch(124);
      tail.u32(a.flag & bit(ATTR_MED) ? a.med : 0);
      if (a.flag & bit(ATTR_COMMUNITIES) && a.commStart >= 0) {
        a.communitiesText(tail);
        tail.ch(124);
      } else tail.ch(124);
      tail.str(a.flag & bit(ATTR_ATOMIC_AGGREGATE) ? 'AG|' : 'NAG|');
      if (a.aggregatorShown()) {
        tail.u32(a.aggAs >>> 0);
        tail.ch(32);
        tail.ipv4(a.aggAddr);
      }
      tail.ch(124);
    }
    tail.ch(10);
    this.announceLines(head, tail, b, p, e, false, false);
  }
}
