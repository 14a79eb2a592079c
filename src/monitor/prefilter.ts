// The monitor's fast path: most UPDATEs of a full feed touch nothing failsmall watches, and building
// objects for them (NLRI, prefixes, attributes, AS path segments) was most of the replay's time. This
// reads an UPDATE's raw bytes and answers one question, conservatively: "can this message change nothing?"
// Yes only when the whole message is well-formed the simple way (no duplicate path-carrying attribute, no
// overrun, known next-hop lengths) and none of its prefixes overlaps a watched prefix or is a route that
// shows a condition for this session, and no AS of its AS_PATH / AS4_PATH is one of ours or monitored.
// Anything else ("cannot tell") goes through the full decoder, so alerts are those of the full path.
import type { Prefix } from '../lib/prefix.js';

/** Bit lengths of the filter's levels per family: a watched prefix is filed at every level up to its length. */
const LEVELS4 = [8, 16, 24] as const;
const LEVELS6 = [16, 32, 48] as const;
/** Levels up to this many bits index their table directly; longer ones hash into 2^HASH_BITS bits. */
const DIRECT_BITS = 16;
const HASH_BITS = 20; // 128 KiB per table: about 1% false positives with 10,000 prefixes at a level

/** Table index of the top `level` bits (given as two masked words). */
function slot(w0: number, w1: number, level: number): number {
  if (level <= DIRECT_BITS) return w0 >>> (32 - level);
  // Fibonacci hashing of the two words: one multiply each, the high bits taken.
  return Math.imul(w0 ^ Math.imul(w1 ^ level, 0x85ebca6b), 0x9e3779b1) >>> (32 - HASH_BITS);
}

/** Mask of the top `bits` (0-32) bits of a word. */
function mask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? -1 : -1 << (32 - bits);
}

/** The 32-bit word at byte `b` of a prefix whose `n` address bytes start at buf[off] (missing bytes 0). */
function rawWord(buf: Uint8Array, off: number, n: number, b: number): number {
  if (n >= b + 4)
    return (buf[off + b]! << 24) | (buf[off + b + 1]! << 16) | (buf[off + b + 2]! << 8) | buf[off + b + 3]!;
  let x = 0;
  for (let i = 0; i < 4; i++) x = (x << 8) | (b + i < n ? buf[off + b + i]! : 0);
  return x;
}

class BitTable {
  readonly words: Uint32Array;
  constructor(bits: number) {
    this.words = new Uint32Array(Math.max(1, 1 << (bits - 5)));
  }
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }
}

/**
 * One family. At each level: `under`, "a watched prefix at least this long lies in this block"; and
 * `covering`, "a watched prefix whose deepest level is this one covers this block".
 */
class FamilyFilter {
  readonly under: BitTable[];
  readonly covering: BitTable[];
  /** A watched prefix shorter than the first level: every prefix may matter. */
  short = false;
  any = false;

  constructor(readonly levels: readonly number[]) {
    const bits = (l: number) => (l <= DIRECT_BITS ? l : HASH_BITS);
    this.under = levels.map((l) => new BitTable(bits(l)));
    this.covering = levels.map((l) => new BitTable(bits(l)));
  }

  add(addr: Uint8Array, len: number): void {
    this.any = true;
    const lv = this.levels;
    if (len < lv[0]!) {
      this.short = true;
      return;
    }
    const n = (len + 7) >>> 3;
    const w0 = rawWord(addr, 0, n, 0);
    const w1 = addr.length > 4 ? rawWord(addr, 0, n, 4) : 0;
    let deepest = 0;
    for (let i = 0; i < lv.length && lv[i]! <= len; i++) {
      const l = lv[i]!;
      this.under[i]!.set(slot(w0 & mask(l), w1 & mask(l - 32), l));
      deepest = i;
    }
    const l = lv[deepest]!;
    this.covering[deepest]!.set(slot(w0 & mask(l), w1 & mask(l - 32), l));
  }

  /**
   * P overlaps W when W lies under P or covers it. Level by level down to P's length: no watched prefix at
   * least this long in P's block means only shorter ones could overlap, and those that cover P were filed
   * in `covering` at a level already looked at; one filed in `covering` here may cover P.
   */
  mayOverlap(buf: Uint8Array, off: number, n: number, len: number): boolean {
    if (!this.any) return false;
    const lv = this.levels;
    if (this.short || len < lv[0]!) return true;
    const w0 = rawWord(buf, off, n, 0);
    const w1 = lv[0] === 16 && n > 4 ? rawWord(buf, off, n, 4) : 0;
    for (let i = 0; i < lv.length && lv[i]! <= len; i++) {
      const l = lv[i]!;
      const k = slot(w0 & mask(l), w1 & mask(l - 32), l);
      if (!this.under[i]!.has(k)) return false;
      if (this.covering[i]!.has(k)) return true;
    }
    return true;
  }
}

/**
 * Routes (session, prefix) that show a condition, as saturating counts by a hash of (session, top 64 bits,
 * length): zero is exact ("none"), non-zero may be a collision. A count that reaches the top stays there.
 */
class CountTable {
  private readonly counts = new Uint16Array(1 << HASH_BITS);

  private static slotOf(session: number, buf: Uint8Array, off: number, n: number, len: number): number {
    const w0 = rawWord(buf, off, n, 0) & mask(len);
    const w1 = n > 4 ? rawWord(buf, off, n, 4) & mask(len - 32) : 0;
    return slot(w0 ^ Math.imul(session + 1, 0x5bd1e995), w1, len + 200); // (level > DIRECT_BITS: hashed)
  }

  add(session: number, p: Prefix, delta: 1 | -1): void {
    const i = CountTable.slotOf(session, p.addr, 0, (p.len + 7) >>> 3, p.len);
    const c = this.counts[i]!;
    if (c === 0xffff) return;
    this.counts[i] = c + delta;
  }

  has(session: number, buf: Uint8Array, off: number, n: number, len: number): boolean {
    return this.counts[CountTable.slotOf(session, buf, off, n, len)] !== 0;
  }
}

/**
 * Which prefixes may matter to the monitor, from raw NLRI bytes: a prefix that overlaps a watched one
 * (equal, more- or less-specific) or is exactly a prefix whose route shows a condition. A false answer is
 * exact ("nothing there"); a true one may be wrong and only costs a full decode.
 */
export class RelevanceFilter {
  private f4 = new FamilyFilter(LEVELS4);
  private f6 = new FamilyFilter(LEVELS6);
  private readonly cond4 = new CountTable();
  private readonly cond6 = new CountTable();

  /** Replaces the watched prefixes. */
  setWatched(prefixes: Iterable<Prefix>): void {
    this.f4 = new FamilyFilter(LEVELS4);
    this.f6 = new FamilyFilter(LEVELS6);
    for (const p of prefixes) (p.family === 4 ? this.f4 : this.f6).add(p.addr, p.len);
  }

  /** The route of `p` from `session` started (+1) or stopped (-1) showing a condition. */
  conditioned(session: number, p: Prefix, delta: 1 | -1): void {
    (p.family === 4 ? this.cond4 : this.cond6).add(session, p, delta);
  }

  /** May a prefix of `len` bits whose `n` address bytes start at buf[off] overlap a watched prefix? */
  mayOverlap(family: 4 | 6, buf: Uint8Array, off: number, n: number, len: number): boolean {
    return (family === 4 ? this.f4 : this.f6).mayOverlap(buf, off, n, len);
  }

  /** May the route of this exact prefix from `session` show a condition? */
  mayBeConditioned(session: number, family: 4 | 6, buf: Uint8Array, off: number, n: number, len: number): boolean {
    return (family === 4 ? this.cond4 : this.cond6).has(session, buf, off, n, len);
  }
}

/** What the scan needs to know about the session and the monitor. */
export interface ScanTarget {
  filter: RelevanceFilter;
  /** The session (index), and whether it has routes that show a condition (else none need looking up). */
  session: number;
  sessionConditioned: boolean;
  /** Our ASNs and the monitored ones: a path through one of them is always judged. */
  asns: ReadonlySet<number> | { has(asn: number): boolean };
}

/** Counts of a message the scan found irrelevant (for the monitor's counters and its clock). */
export interface ScanResult {
  announced: number;
  withdrawn: number;
}

const ATTR_AS_PATH = 2;
const ATTR_MP_REACH = 14;
const ATTR_MP_UNREACH = 15;
const ATTR_AS4_PATH = 17;

/**
 * Scans the BGP message buf[start, end) (header included). Returns the counts when the message certainly
 * changes nothing in the monitor (not an UPDATE counts as such, with zero prefixes), or undefined when it
 * may (or is unusual in any way): then decode it fully.
 */
export function scanUpdate(
  buf: Uint8Array,
  start: number,
  end: number,
  as4: boolean,
  addPath: boolean,
  t: ScanTarget,
  out: ScanResult,
): ScanResult | undefined {
  if (end - start < 19) return undefined;
  for (let i = 0; i < 16; i++) if (buf[start + i] !== 0xff) return undefined;
  const length = (buf[start + 16]! << 8) | buf[start + 17]!;
  const type = buf[start + 18]!;
  if (length < 19 || length > end - start) return undefined;
  out.announced = 0;
  out.withdrawn = 0;
  if (type !== 2) return type >= 1 && type <= 5 ? out : undefined;
  if (length < 23) return undefined;
  const e = start + length;
  let p = start + 19;
  const wl = (buf[p]! << 8) | buf[p + 1]!;
  const wEnd = p + 2 + wl;
  if (wEnd + 2 > e) return undefined;
  const w = scanNlri(buf, p + 2, wEnd, 4, addPath, t);
  if (w < 0) return undefined;
  out.withdrawn += w;
  const al = (buf[wEnd]! << 8) | buf[wEnd + 1]!;
  p = wEnd + 2;
  const aEnd = p + al;
  if (aEnd > e) return undefined;
  let seen = 0;
  while (p < aEnd) {
    const flags = buf[p]!;
    const hdr = flags & 0x10 ? 4 : 3;
    if (aEnd - p < hdr) return undefined;
    const at = buf[p + 1]!;
    const len = hdr === 4 ? (buf[p + 2]! << 8) | buf[p + 3]! : buf[p + 2]!;
    const v = p + hdr;
    if (aEnd - v < len) return undefined;
    p = v + len;
    const bit =
      at === ATTR_AS_PATH ? 1 : at === ATTR_MP_REACH ? 2 : at === ATTR_MP_UNREACH ? 4 : at === ATTR_AS4_PATH ? 8 : 0;
    if (bit === 0) continue;
    if (seen & bit) return undefined;
    seen |= bit;
    if (bit === 1 || bit === 8) {
      if (!scanAsPath(buf, v, v + len, bit === 8 || as4 ? 4 : 2, t.asns)) return undefined;
    } else if (bit === 2) {
      if (len < 5) return undefined;
      const afi = (buf[v]! << 8) | buf[v + 1]!;
      const safi = buf[v + 2]!;
      const fam = ipFamily(afi, safi);
      if (fam === undefined) continue; // the decoder keeps other families raw: no routes for the monitor
      const nh = buf[v + 3]!;
      if (5 + nh > len || !(nh === 16 || nh === 32 || (fam === 4 && nh === 4))) return undefined;
      const n = scanNlri(buf, v + 5 + nh, v + len, fam, addPath, t);
      if (n < 0) return undefined;
      out.announced += n;
    } else {
      if (len < 3) return undefined;
      const fam = ipFamily((buf[v]! << 8) | buf[v + 1]!, buf[v + 2]!);
      if (fam === undefined) continue;
      const n = scanNlri(buf, v + 3, v + len, fam, addPath, t);
      if (n < 0) return undefined;
      out.withdrawn += n;
    }
  }
  const n = scanNlri(buf, aEnd, e, 4, addPath, t);
  if (n < 0) return undefined;
  out.announced += n;
  return out;
}

function ipFamily(afi: number, safi: number): 4 | 6 | undefined {
  if (safi !== 1 && safi !== 2) return undefined;
  return afi === 1 ? 4 : afi === 2 ? 6 : undefined;
}

/** Prefixes in buf[p, end), or -1 when one may matter or the field is malformed. */
function scanNlri(buf: Uint8Array, p: number, end: number, fam: 4 | 6, addPath: boolean, t: ScanTarget): number {
  const max = fam === 4 ? 32 : 128;
  const f = t.filter;
  let count = 0;
  while (p < end) {
    if (addPath) {
      if (end - p < 5) return -1;
      p += 4;
    }
    const len = buf[p++]!;
    if (len > max) return -1;
    const n = (len + 7) >>> 3;
    if (end - p < n) return -1;
    if (f.mayOverlap(fam, buf, p, n, len)) return -1;
    if (t.sessionConditioned && f.mayBeConditioned(t.session, fam, buf, p, n, len)) return -1;
    p += n;
    count++;
  }
  return count;
}

/** True when the segments in buf[p, end) are well-formed and name none of `asns`. */
function scanAsPath(
  buf: Uint8Array,
  p: number,
  end: number,
  size: 2 | 4,
  asns: { has(asn: number): boolean },
): boolean {
  while (p < end) {
    if (end - p < 2) return false;
    const st = buf[p]!;
    const n = buf[p + 1]!;
    if (st < 1 || st > 4 || n === 0 || end - p - 2 < n * size) return false;
    p += 2;
    for (let i = 0; i < n; i++, p += size) {
      const a =
        size === 4
          ? ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0
          : (buf[p]! << 8) | buf[p + 1]!;
      if (asns.has(a)) return false;
    }
  }
  return true;
}
