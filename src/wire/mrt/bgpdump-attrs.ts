// Path attributes as bgpdump reads them, for its one-line output. bgpdump's reading is not RFC 4271's
// (nor RFC 7606's): a short field reads as zeros, a truncated attribute is skipped, an AS4_PATH is merged
// by its own algorithm (copying the first AS_PATH segment only), a TABLE_DUMP_V2 MP_REACH whose first byte
// is not 0 is taken as an abbreviated IPv6 next hop, an AS4_AGGREGATOR next to an AGGREGATOR that is not
// AS_TRANS stops the AS4_PATH merge. To print what bgpdump prints, this module reproduces that reading over
// the raw bytes (typed decoding for everything else is src/wire/bgp's decodePathAttributes). It keeps only
// what the one-line formats show, in one object reused for every attribute block: no allocation per route.
import { TextBuf } from './bgpdump-text.js';

export const ATTR_ORIGIN = 1;
export const ATTR_AS_PATH = 2;
export const ATTR_MED = 4;
export const ATTR_LOCAL_PREF = 5;
export const ATTR_ATOMIC_AGGREGATE = 6;
export const ATTR_AGGREGATOR = 7;
export const ATTR_COMMUNITIES = 8;
export const ATTR_MP_REACH = 14;
export const ATTR_MP_UNREACH = 15;
export const ATTR_AS4_PATH = 17;
export const ATTR_AS4_AGGREGATOR = 18;

export const bit = (type: number): number => 1 << (type - 1);

const NONE = 0xffffffff;
const AS_TRANS = 23456;
const MAX_ASPATH_LEN = 8000;
const BUFSIZ = 8192;

/** Zero-filled big-endian reads, like bgpdump's mstream: bytes past `end` read as 0. */
export function rd8(b: Uint8Array, p: number, end: number): number {
  return p < end ? b[p]! : 0;
}
export function rd16(b: Uint8Array, p: number, end: number): number {
  if (p + 2 <= end) return (b[p]! << 8) | b[p + 1]!;
  return rd8(b, p, end) << 8;
}
export function rd32(b: Uint8Array, p: number, end: number): number {
  if (p + 4 <= end) return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  return ((rd8(b, p, end) << 24) | (rd8(b, p + 1, end) << 16) | (rd8(b, p + 2, end) << 8)) >>> 0;
}

/** One MP_REACH / MP_UNREACH family as bgpdump keeps it: next hop and where its NLRI list lies. */
export class MpNlri {
  present = false;
  /** Next hop, 16 bytes (an IPv4 next hop is in the first 4). */
  nh = new Uint8Array(16);
  nlriStart = 0;
  nlriEnd = 0;
}

/** Slot of (afi, safi) in the 2 x 3 tables: afi 1..2, safi 1..3. */
const slot = (afi: number, safi: number) => (afi - 1) * 3 + (safi - 1);

/** AS path segments scanned by formatAsPath: count as bgpdump counts (a set counts 1). */
interface PathScan {
  ok: boolean;
  count: number;
}

export class BgpdumpAttrs {
  flag = 0;
  origin = 255;
  nexthop = NONE;
  med = 0;
  localPref = 0;
  aggAs = 0;
  aggAddr = NONE;
  newAggAs = -1;
  newAggAddr = NONE;
  /** The buffer the offsets below point into. */
  buf: Uint8Array = new Uint8Array(0);
  asPathStart = -1;
  asPathEnd = -1;
  newPathStart = -1;
  newPathEnd = -1;
  commStart = -1;
  commEnd = -1;
  asnLen = 2;
  addPath = false;
  readonly announce: MpNlri[] = Array.from({ length: 6 }, () => new MpNlri());
  readonly withdraw: MpNlri[] = Array.from({ length: 6 }, () => new MpNlri());
  /** Problems bgpdump would warn about (for -v). */
  warnings: string[] = [];
  private readonly pathBuf = new TextBuf(256);
  private merged = new Uint8Array(256);
  private pathText: TextBuf | null = null;
  private noMerge = false;
  /** An abbreviated (RIB) MP_REACH with a 4-byte next hop, or -1. */
  abbreviated4 = -1;

  mpAnnounce(afi: number, safi: number): MpNlri | undefined {
    const m = this.announce[slot(afi, safi)]!;
    return m.present ? m : undefined;
  }

  mpWithdraw(afi: number, safi: number): MpNlri | undefined {
    const m = this.withdraw[slot(afi, safi)]!;
    return m.present ? m : undefined;
  }

  /**
   * Read the attribute block at b[p..): a 2-byte total length then the attributes, within `end`.
   * Returns the position after the block (as bgpdump's stream would be).
   */
  read(b: Uint8Array, p: number, end: number, asnLen: number, addPath: boolean): number {
    this.flag = 0;
    this.origin = 255;
    this.nexthop = NONE;
    this.med = 0;
    this.localPref = 0;
    this.aggAs = 0;
    this.aggAddr = NONE;
    this.newAggAs = -1;
    this.newAggAddr = NONE;
    this.asPathStart = -1;
    this.newPathStart = -1;
    this.commStart = -1;
    this.buf = b;
    this.asnLen = asnLen;
    this.addPath = addPath;
    this.pathText = null;
    this.abbreviated4 = -1;
    for (let i = 0; i < 6; i++) {
      this.announce[i]!.present = false;
      this.withdraw[i]!.present = false;
    }
    if (this.warnings.length) this.warnings = [];
    const total = rd16(b, p, end);
    p = Math.min(p + 2, end);
    const blockEnd = Math.min(p + total, end);
    if (blockEnd - p !== total) this.warnings.push(`entry is truncated: expected=${total} remaining=${blockEnd - p}`);
    while (p < blockEnd) p = this.one(b, p, blockEnd);
    // process_asn32_trans, first half: an AS4_AGGREGATOR replaces an AS_TRANS aggregator; next to any other
    // aggregator it is ignored and so is AS4_PATH.
    this.noMerge = asnLen === 4;
    if (asnLen === 2 && this.flag & bit(ATTR_AGGREGATOR) && this.flag & bit(ATTR_AS4_AGGREGATOR)) {
      if (this.aggAs !== AS_TRANS) this.noMerge = true;
      else {
        this.aggAs = this.newAggAs >>> 0;
        this.aggAddr = this.newAggAddr;
      }
    }
    return blockEnd;
  }

  private one(b: Uint8Array, p: number, end: number): number {
    const flags = rd8(b, p, end);
    const type = rd8(b, p + 1, end);
    p = Math.min(p + 2, end);
    let len: number;
    if (flags & 0x10) {
      len = rd16(b, p, end);
      p = Math.min(p + 2, end);
    } else {
      len = rd8(b, p, end);
      p = Math.min(p + 1, end);
    }
    const s = p;
    const e = Math.min(p + len, end);
    if (e - s !== len) {
      this.warnings.push(`ERROR attribute is truncated: expected=${len} remaining=${e - s}`);
      return e;
    }
    if (type <= 32) this.flag |= 1 << (type - 1);
    switch (type) {
      case ATTR_MP_REACH:
        this.mpReach(b, s, e);
        break;
      case ATTR_MP_UNREACH:
        this.mpUnreach(b, s, e);
        break;
      case ATTR_ORIGIN:
        this.origin = rd8(b, s, e);
        break;
      case ATTR_AS_PATH:
        this.asPathStart = s;
        this.asPathEnd = e;
        break;
      case 3:
        this.nexthop = rd32(b, s, e);
        break;
      case ATTR_MED:
        this.med = rd32(b, s, e);
        break;
      case ATTR_LOCAL_PREF:
        this.localPref = rd32(b, s, e);
        break;
      case ATTR_AGGREGATOR:
        if (this.asnLen === 4) {
          this.aggAs = rd32(b, s, e);
          this.aggAddr = rd32(b, s + 4, e);
        } else {
          this.aggAs = rd16(b, s, e);
          this.aggAddr = rd32(b, s + 2, e);
        }
        break;
      case ATTR_COMMUNITIES:
        this.commStart = s;
        this.commEnd = e;
        break;
      case ATTR_AS4_PATH:
        this.newPathStart = s;
        this.newPathEnd = e;
        break;
      case ATTR_AS4_AGGREGATOR:
        this.newAggAs = rd32(b, s, e);
        this.newAggAddr = rd32(b, s + 4, e);
        break;
    }
    return e;
  }

  private mpReach(b: Uint8Array, p: number, end: number): void {
    // RFC 6396 §4.3.4: in RIB entries MP_REACH holds only the next hop; bgpdump takes a first byte other
    // than 0 (the high byte of an AFI) as that form, and reads it as an IPv6 next hop.
    const first = p < b.length ? b[p]! : 0;
    if (first === 4) {
      // bgpdump 1.6.2 prints a 4-byte abbreviated next hop as IPv4 (as the RIB line's next hop).
      const nh = rd32(b, p + 1, end);
      this.abbreviated4 = nh;
      return;
    }
    if (first !== 0) {
      const m = this.announce[slot(2, 1)]!;
      m.present = true;
      this.nexthop6(m, b, p, end);
      m.nlriStart = m.nlriEnd = end;
      return;
    }
    const afi = rd16(b, p, end);
    const safi = rd8(b, p + 2, end);
    p = Math.min(p + 3, end);
    if (afi > 2 || safi > 3 || afi === 0 || safi === 0) {
      this.warnings.push(`process_mp_announce: unknown protocol(AFI=${afi}, SAFI=${safi})!`);
      return;
    }
    const m = this.announce[slot(afi, safi)]!;
    if (m.present) {
      this.warnings.push(`process_mp_announce: two MP_NLRI for the same protocol(${afi}, ${safi})!`);
      return;
    }
    m.present = true;
    if (afi === 1) {
      const nh = m.nh;
      nh.fill(0);
      p = Math.min(p + 1, end);
      for (let i = 0; i < 4; i++) nh[i] = rd8(b, p + i, end);
      p = Math.min(p + 4, end);
    } else p = this.nexthop6(m, b, p, end);
    const snpa = rd8(b, p, end);
    p = Math.min(p + 1, end);
    if (snpa) this.warnings.push('process_mp_announce: MP_NLRI contains SNPAs, skipping');
    for (let i = 0; i < snpa; i++) {
      const l = rd8(b, p, end);
      p = Math.min(p + 1 + l, end);
    }
    m.nlriStart = p;
    m.nlriEnd = end;
  }

  private nexthop6(m: MpNlri, b: Uint8Array, p: number, end: number): number {
    const len = rd8(b, p, end);
    p = Math.min(p + 1, end);
    const nh = m.nh;
    for (let i = 0; i < 16; i++) nh[i] = rd8(b, p + i, end);
    p = Math.min(p + 16, end);
    if (len === 32) p = Math.min(p + 16, end);
    else if (len !== 16) this.warnings.push(`process_mp_announce: unknown MP nexthop length ${len}`);
    return p;
  }

  private mpUnreach(b: Uint8Array, p: number, end: number): void {
    const afi = rd16(b, p, end);
    const safi = rd8(b, p + 2, end);
    p = Math.min(p + 3, end);
    if (afi > 2 || safi > 3 || afi === 0 || safi === 0) {
      this.warnings.push(`process_mp_withdraw: unknown AFI,SAFI ${afi},${safi}!`);
      return;
    }
    const m = this.withdraw[slot(afi, safi)]!;
    if (m.present) {
      this.warnings.push(`process_mp_withdraw: update contains more than one MP_NLRI with AFI,SAFI ${afi},${safi}!`);
      return;
    }
    m.present = true;
    m.nlriStart = p;
    m.nlriEnd = end;
  }

  /** The AS path text bgpdump prints (after its AS4_PATH merge), "" when there is no AS_PATH. */
  asPathText(): TextBuf {
    if (this.pathText) return this.pathText;
    const out = this.pathBuf;
    out.reset();
    this.pathText = out;
    if (this.asPathStart < 0) return out;
    const b = this.buf;
    const scan = formatAsPath(out, b, this.asPathStart, this.asPathEnd, this.asnLen);
    if (this.noMerge || this.newPathStart < 0) return out;
    const scratch = new TextBuf(64);
    const nscan = formatAsPath(scratch, b, this.newPathStart, this.newPathEnd, 4);
    if (scan.count < nscan.count) return out;
    const merged = this.mergePaths(b, scan.count, nscan.count);
    out.reset();
    formatAsPath(out, merged.buf, 0, merged.len, 4);
    return out;
  }

  /** Aggregator as printed (after the AS4_AGGREGATOR rule). */
  aggregatorShown(): boolean {
    return this.aggAddr !== NONE;
  }

  /**
   * bgpdump's asn32_merge_paths: copy the FIRST segment of AS_PATH (widened to 4 bytes) again and again
   * until the count reaches count(AS_PATH) - count(AS4_PATH), trimming a sequence that overshoots, then
   * append AS4_PATH. (bgpdump never advances to the second segment; reproduced on purpose.)
   */
  private mergePaths(b: Uint8Array, count: number, newCount: number): { buf: Uint8Array; len: number } {
    const want = count - newCount;
    const s = this.asPathStart;
    const type = b[s]!;
    const segLen = b[s + 1]!;
    let out = this.merged;
    let len = 0;
    let have = 0;
    const grow = (n: number) => {
      if (len + n > out.length) {
        let size = out.length * 2;
        while (size < len + n) size *= 2;
        const nb = new Uint8Array(size);
        nb.set(out.subarray(0, len), 0);
        out = nb;
      }
    };
    while (have < want) {
      if (segLen === 0 && type !== 1 && type !== 4) break; // bgpdump would loop forever here
      grow(2 + segLen * 4);
      const segStart = len;
      out[len++] = type;
      out[len++] = segLen;
      for (let i = 0; i < segLen; i++) {
        const v = (b[s + 2 + 2 * i]! << 8) | b[s + 3 + 2 * i]!;
        out[len++] = 0;
        out[len++] = 0;
        out[len++] = v >> 8;
        out[len++] = v & 255;
      }
      if (type === 1 || type === 4) have += 1;
      else {
        have += segLen;
        if (have > want) {
          const over = have - want;
          out[segStart + 1] = segLen - over;
          len -= over * 4;
        }
      }
    }
    const ns = this.newPathStart;
    const nl = this.newPathEnd - ns;
    grow(nl);
    out.set(b.subarray(ns, ns + nl), len);
    len += nl;
    this.merged = out;
    return { buf: out, len };
  }

  /** The community text bgpdump prints after the leading space is dropped; "" when there are none. */
  communitiesText(out: TextBuf): void {
    const b = this.buf;
    const s = this.commStart;
    const n = (this.commEnd - s) >> 2;
    let used = 0; // bgpdump builds the text in a BUFSIZ buffer: keep its limits
    let first = true;
    for (let i = 0; i < n; i++) {
      const p = s + i * 4;
      const v = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      let text: string;
      let named = true;
      if (v === 0xffffff01) text = ' no-export';
      else if (v === 0xffffff02) text = ' no-advertise';
      else if (v === 0xffffff03) text = ' local-AS';
      else {
        text = ` ${v >>> 16}:${v & 0xffff}`;
        named = false;
      }
      if (named) {
        if (used + text.length >= BUFSIZ) continue;
      } else if (used + text.length > BUFSIZ - 1) text = text.slice(0, BUFSIZ - 1 - used);
      used += text.length;
      out.str(first ? text.slice(1) : text);
      first = false;
    }
  }
}

/** bgpdump's process_attr_aspath_string of b[s..e) into out; returns the AS count it computes. */
export function formatAsPath(out: TextBuf, b: Uint8Array, s: number, e: number, asnLen: number): PathScan {
  const start = out.p;
  let space = false;
  let prevType = 2;
  let count = 0;
  let p = s;
  let lastType = -1;
  while (p < e) {
    const type = b[p]!;
    const n = p + 1 < e ? b[p + 1]! : 0;
    if ((type !== 1 && type !== 2 && type !== 3 && type !== 4) || p + 2 + n * asnLen > e) {
      out.p = start;
      out.str('! Error !');
      return { ok: false, count: 0 };
    }
    if (prevType !== 2) out.ch(delimiter(prevType, false));
    if (space) out.ch(32);
    if (type !== 2) out.ch(delimiter(type, true));
    space = false;
    count += type === 2 || type === 3 ? n : 1;
    const sep = type === 1 || type === 4 ? 44 : 32;
    let q = p + 2;
    for (let i = 0; i < n; i++) {
      if (space) out.ch(sep);
      else space = true;
      const asn =
        asnLen === 4
          ? ((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) >>> 0
          : (b[q]! << 8) | b[q + 1]!;
      q += asnLen;
      out.u32(asn);
      if (out.p - start > MAX_ASPATH_LEN - 100) {
        out.str('...');
        return { ok: true, count };
      }
    }
    prevType = type;
    lastType = type;
    p += 2 + n * asnLen;
  }
  if (lastType !== -1 && lastType !== 2) out.ch(delimiter(lastType, false));
  return { ok: true, count };
}

function delimiter(type: number, start: boolean): number {
  switch (type) {
    case 1:
      return start ? 123 : 125; // { }
    case 3:
      return start ? 40 : 41; // ( )
    case 4:
      return start ? 91 : 93; // [ ]
    default:
      return 32;
  }
}
