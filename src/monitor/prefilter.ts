// The monitor's fast path: most UPDATEs of a full feed touch nothing failsmall watches, and building
// objects for them (NLRI, prefixes, attributes, AS path segments) was most of the replay's time. This
// reads an UPDATE's raw bytes and answers one question, conservatively: "can this message change nothing?"
// Yes only when the whole message is well-formed the simple way (no duplicate path-carrying attribute, no
// overrun, known next-hop lengths) and none of its prefixes overlaps a watched prefix or is a route that
// shows a condition for this session, and no AS of its AS_PATH / AS4_PATH is one of ours or monitored.
// Anything else ("cannot tell") goes through the full decoder, so alerts are those of the full path.
import type { Prefix } from '../lib/prefix.js';

/** Bits of the hashed count table of conditioned routes (saturating counts, see CountTable). */
const HASH_BITS = 20;

/** Table index of a hash of two masked words and a salt (Fibonacci hashing: one multiply each). */
function slot(w0: number, w1: number, salt: number): number {
  return Math.imul(w0 ^ Math.imul(w1 ^ salt, 0x85ebca6b), 0x9e3779b1) >>> (32 - HASH_BITS);
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

/** rawWord for an IPv4 prefix (n <= 4): a /24 has 3 bytes, and this is the hot path of a full feed. */
function word4(buf: Uint8Array, off: number, n: number): number {
  switch (n) {
    case 0:
      return 0;
    case 1:
      return buf[off]! << 24;
    case 2:
      return (buf[off]! << 24) | (buf[off + 1]! << 16);
    case 3:
      return (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8);
    default:
      return (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
  }
}

/** Flags of a block: a watched prefix lies in it (or is it), and: the block is itself a watched prefix. */
const UNDER = 1;
const WATCHED = 2;
const EMPTY = 0xff;

/**
 * An exact set of address blocks (length, top `length` bits) with flags, by open addressing: no false
 * answers either way, so a prefix near but beside a watched one is not sent to the full decoder.
 */
class BlockTable {
  private readonly keys: Int32Array;
  private readonly lens: Uint8Array;
  private readonly flags: Uint8Array;
  private readonly slots: number;

  constructor(
    /** Address words per key: 1 (IPv4) or 4 (IPv6). */
    private readonly w: number,
    expected: number,
  ) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2; // load at most 1/2: short probe runs
    this.slots = cap - 1;
    this.keys = new Int32Array(cap * w);
    this.lens = new Uint8Array(cap).fill(EMPTY);
    this.flags = new Uint8Array(cap);
  }

  /** The slot of key `q` (w words, masked to len): its own, or the empty one where it would go. */
  private find(q: Int32Array, len: number): number {
    const w = this.w;
    let h = Math.imul(len + 1, 0x9e3779b1);
    for (let k = 0; k < w; k++) h = Math.imul(h ^ q[k]!, 0x85ebca6b) ^ (h >>> 15);
    let i = (h ^ (h >>> 16)) & this.slots;
    const keys = this.keys;
    const lens = this.lens;
    while (true) {
      const l = lens[i]!;
      if (l === EMPTY) return i;
      if (l === len) {
        let same = true;
        for (let k = 0; k < w && same; k++) same = keys[i * w + k] === q[k];
        if (same) return i;
      }
      i = (i + 1) & this.slots;
    }
  }

  add(q: Int32Array, len: number, flag: number): void {
    const i = this.find(q, len);
    if (this.lens[i] === EMPTY) {
      this.lens[i] = len;
      for (let k = 0; k < this.w; k++) this.keys[i * this.w + k] = q[k]!;
    }
    this.flags[i]! |= flag;
  }

  /** Flags of the block, 0 when absent. */
  get(q: Int32Array, len: number): number {
    const i = this.find(q, len);
    return this.lens[i] === EMPTY ? 0 : this.flags[i]!;
  }
}

/**
 * One family: every watched prefix and each of its less-specifics (truncations to every shorter length)
 * as blocks, and the lengths watched prefixes have. P overlaps W exactly when W covers P (P cut to len(W)
 * is W) or W lies in P (P is a block). Lengths are tried shortest first: a length L where P cut to L is no
 * block means no watched prefix of L bits or more shares P's top L bits, so none covers or lies in P.
 */
class FamilyFilter {
  private readonly table: BlockTable;
  /** Distinct lengths of watched prefixes, ascending. */
  private readonly lens: Int32Array;
  readonly any: boolean;
  /** Scratch: the query's words, and the words cut to a length. */
  private readonly q: Int32Array;
  private readonly cut: Int32Array;

  constructor(
    private readonly w: 1 | 4,
    prefixes: readonly Prefix[],
  ) {
    let blocks = 0;
    const lens = new Set<number>();
    for (const p of prefixes) {
      blocks += p.len + 1;
      lens.add(p.len);
    }
    this.any = prefixes.length > 0;
    this.lens = Int32Array.from([...lens].sort((a, b) => a - b));
    this.table = new BlockTable(w, blocks);
    this.q = new Int32Array(w);
    this.cut = new Int32Array(w);
    for (const p of prefixes) {
      this.load(p.addr, 0, p.addr.length);
      for (let l = 0; l <= p.len; l++) this.table.add(this.cutTo(l), l, l === p.len ? UNDER | WATCHED : UNDER);
    }
  }

  private load(buf: Uint8Array, off: number, n: number): void {
    for (let k = 0; k < this.w; k++) this.q[k] = rawWord(buf, off, n, k * 4);
  }

  private cutTo(len: number): Int32Array {
    for (let k = 0; k < this.w; k++) this.cut[k] = this.q[k]! & mask(len - k * 32);
    return this.cut;
  }

  /** Does the prefix of `len` bits whose `n` address bytes start at buf[off] overlap a watched prefix? */
  overlaps(buf: Uint8Array, off: number, n: number, len: number): boolean {
    if (!this.any) return false;
    this.load(buf, off, n);
    const lens = this.lens;
    const t = this.table;
    for (let i = 0; i < lens.length; i++) {
      const l = lens[i]!;
      if (l >= len) break;
      const f = t.get(this.cutTo(l), l);
      if (f === 0) return false;
      if (f & WATCHED) return true;
    }
    return t.get(this.cutTo(len), len) !== 0;
  }
}

/** Bit of `Ipv4Filter.blocks`: a watched prefix longer than /16 lies in this /16. */
const DEEP = 1 << 17;

/**
 * IPv4, where a full feed's prefixes are: most questions end at one read of a table indexed by the top 16
 * bits. blocks[b] has bit l (0-16) when a watched prefix of l bits covers the /16 b, and DEEP when a watched
 * prefix longer than 16 bits lies in it; `shallow` holds every watched prefix cut to each length up to 16
 * (bit (1 << L) | top L bits). A prefix longer than /16 in a DEEP block looks up, in an exact table, only
 * the lengths that block's watched prefixes have (`deepLens`, bit l - 17).
 */
class Ipv4Filter {
  private readonly blocks = new Uint32Array(1 << 16);
  private readonly shallow = new Uint32Array((1 << 17) >>> 5);
  private readonly deepLens = new Uint16Array(1 << 16);
  /** Watched prefixes longer than /16 (WATCHED), and each cut to every length from 17 to its own (UNDER). */
  private readonly deep: BlockTable;
  private readonly q = new Int32Array(1);
  readonly any: boolean;

  constructor(prefixes: readonly Prefix[]) {
    this.any = prefixes.length > 0;
    let blocks = 0;
    for (const p of prefixes) if (p.len > 16) blocks += p.len - 16;
    this.deep = new BlockTable(1, blocks);
    for (const p of prefixes) {
      const x = rawWord(p.addr, 0, 4, 0) & mask(p.len);
      const b = x >>> 16;
      if (p.len <= 16) {
        for (let i = 0; i < 1 << (16 - p.len); i++) this.blocks[b + i]! |= 1 << p.len;
      } else {
        this.blocks[b]! |= DEEP;
        this.deepLens[b]! |= 1 << (p.len - 17);
        for (let l = 17; l <= p.len; l++) {
          this.q[0] = x & mask(l);
          this.deep.add(this.q, l, l === p.len ? UNDER | WATCHED : UNDER);
        }
      }
      for (let l = 0; l <= Math.min(16, p.len); l++) {
        const k = (1 << l) | (l === 0 ? 0 : x >>> (32 - l));
        this.shallow[k >>> 5]! |= 1 << (k & 31);
      }
    }
  }

  overlaps(buf: Uint8Array, off: number, n: number, len: number): boolean {
    if (!this.any) return false;
    const x = word4(buf, off, n) & mask(len);
    const b = x >>> 16;
    const bits = this.blocks[b]!;
    if (len <= 16) {
      // A watched prefix of at most `len` bits covers P's first /16, so P; or one of at least `len` bits lies in P.
      if ((bits & ((2 << len) - 1)) !== 0) return true;
      const k = (1 << len) | (len === 0 ? 0 : x >>> (32 - len));
      return (this.shallow[k >>> 5]! & (1 << (k & 31))) !== 0;
    }
    if ((bits & (DEEP - 1)) !== 0) return true; // a watched /16 or shorter covers P's /16
    if ((bits & DEEP) === 0) return false;
    const lens = this.deepLens[b]!;
    const q = this.q;
    // A watched prefix of l bits (16 < l < len) in this block covers P when P cut to l is it.
    for (let m = lens & ((1 << (len - 17)) - 1); m !== 0; m &= m - 1) {
      const l = 48 - Math.clz32(m & -m); // 17 + the bit's index
      q[0] = x & mask(l);
      if ((this.deep.get(q, l) & WATCHED) !== 0) return true;
    }
    // One of at least `len` bits lies in P (or is P) when P is one of the cut blocks.
    if (lens >>> (len - 17) === 0) return false;
    q[0] = x;
    return this.deep.get(q, len) !== 0;
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
    return slot(w0 ^ Math.imul(session + 1, 0x5bd1e995), w1, len + 200);
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
 * (equal, more- or less-specific; answered exactly) or is exactly a prefix whose route shows a condition
 * (hashed counts: a false answer is exact, a true one may be a collision and only costs a full decode).
 */
export class RelevanceFilter {
  private f4 = new Ipv4Filter([]);
  private f6 = new FamilyFilter(4, []);
  private readonly cond4 = new CountTable();
  private readonly cond6 = new CountTable();

  /** Replaces the watched prefixes. */
  setWatched(prefixes: Iterable<Prefix>): void {
    const all = [...prefixes];
    this.f4 = new Ipv4Filter(all.filter((p) => p.family === 4));
    this.f6 = new FamilyFilter(
      4,
      all.filter((p) => p.family === 6),
    );
  }

  /** The route of `p` from `session` started (+1) or stopped (-1) showing a condition. */
  conditioned(session: number, p: Prefix, delta: 1 | -1): void {
    (p.family === 4 ? this.cond4 : this.cond6).add(session, p, delta);
  }

  /**
   * Does a prefix of `len` bits whose `n` address bytes start at buf[off] overlap a watched prefix (equal,
   * more- or less-specific)? Exact: bytes past the length are ignored.
   */
  mayOverlap(family: 4 | 6, buf: Uint8Array, off: number, n: number, len: number): boolean {
    return (family === 4 ? this.f4 : this.f6).overlaps(buf, off, n, len);
  }

  /** mayOverlap for a decoded prefix: the monitor asks it before walking its tries. */
  overlaps(p: Prefix): boolean {
    return (p.family === 4 ? this.f4 : this.f6).overlaps(p.addr, 0, (p.len + 7) >>> 3, p.len);
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

/** What the scan found: counts, and where the classic-field prefixes that may matter are. */
export interface ScanResult {
  /** Prefixes announced / withdrawn, all fields. */
  announced: number;
  withdrawn: number;
  /** Of them, in the classic withdrawn-routes and NLRI fields. */
  classicAnnounced: number;
  classicWithdrawn: number;
  /** Byte ranges (start, end pairs; path id included) of classic-field prefixes that may matter. */
  keepWithdrawn: number[];
  keepAnnounced: number[];
  /** The path attributes, [attrsStart, nlriStart); the classic NLRI run from nlriStart to the end. */
  attrsStart: number;
  nlriStart: number;
}

export function newScanResult(): ScanResult {
  return {
    announced: 0,
    withdrawn: 0,
    classicAnnounced: 0,
    classicWithdrawn: 0,
    keepWithdrawn: [],
    keepAnnounced: [],
    attrsStart: 0,
    nlriStart: 0,
  };
}

const ATTR_AS_PATH = 2;
const ATTR_MP_REACH = 14;
const ATTR_MP_UNREACH = 15;
const ATTR_AS4_PATH = 17;

/**
 * Scans the BGP message buf[start, end) (header included). Returns undefined when the message may matter
 * in a way only the full decoder can say (anything unusual in its bytes, a path through our ASNs, an
 * MP_REACH/MP_UNREACH prefix that may matter); otherwise the counts, with the classic-field prefixes that
 * may matter in `keepWithdrawn` / `keepAnnounced` (both empty: the message certainly changes nothing; not an
 * UPDATE counts as such, with zero prefixes).
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
  out.classicAnnounced = 0;
  out.classicWithdrawn = 0;
  // (Setting an array's length costs more than reading it: most messages keep nothing.)
  if (out.keepWithdrawn.length > 0) out.keepWithdrawn.length = 0;
  if (out.keepAnnounced.length > 0) out.keepAnnounced.length = 0;
  if (type !== 2) return type >= 1 && type <= 5 ? out : undefined;
  if (length < 23) return undefined;
  const e = start + length;
  let p = start + 19;
  const wl = (buf[p]! << 8) | buf[p + 1]!;
  const wEnd = p + 2 + wl;
  if (wEnd + 2 > e) return undefined;
  const w = scanNlri(buf, p + 2, wEnd, 4, addPath, t, out.keepWithdrawn);
  if (w < 0) return undefined;
  out.withdrawn += w;
  out.classicWithdrawn = w;
  const al = (buf[wEnd]! << 8) | buf[wEnd + 1]!;
  p = wEnd + 2;
  const aEnd = p + al;
  if (aEnd > e) return undefined;
  out.attrsStart = p;
  out.nlriStart = aEnd;
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
      const n = scanNlri(buf, v + 5 + nh, v + len, fam, addPath, t, undefined);
      if (n < 0) return undefined;
      out.announced += n;
    } else {
      if (len < 3) return undefined;
      const fam = ipFamily((buf[v]! << 8) | buf[v + 1]!, buf[v + 2]!);
      if (fam === undefined) continue;
      const n = scanNlri(buf, v + 3, v + len, fam, addPath, t, undefined);
      if (n < 0) return undefined;
      out.withdrawn += n;
    }
  }
  const n = scanNlri(buf, aEnd, e, 4, addPath, t, out.keepAnnounced);
  if (n < 0) return undefined;
  out.announced += n;
  out.classicAnnounced = n;
  return out;
}

function ipFamily(afi: number, safi: number): 4 | 6 | undefined {
  if (safi !== 1 && safi !== 2) return undefined;
  return afi === 1 ? 4 : afi === 2 ? 6 : undefined;
}

/**
 * Prefixes in buf[p, end), or -1 when the field is malformed, or when one may matter and `keep` is
 * undefined; with `keep`, the byte ranges of those that may matter go there instead.
 */
function scanNlri(
  buf: Uint8Array,
  p: number,
  end: number,
  fam: 4 | 6,
  addPath: boolean,
  t: ScanTarget,
  keep: number[] | undefined,
): number {
  const max = fam === 4 ? 32 : 128;
  const f = t.filter;
  let count = 0;
  while (p < end) {
    const at = p;
    if (addPath) {
      if (end - p < 5) return -1;
      p += 4;
    }
    const len = buf[p++]!;
    if (len > max) return -1;
    const n = (len + 7) >>> 3;
    if (end - p < n) return -1;
    if (
      f.mayOverlap(fam, buf, p, n, len) ||
      (t.sessionConditioned && f.mayBeConditioned(t.session, fam, buf, p, n, len))
    ) {
      if (keep === undefined) return -1;
      keep.push(at, p + n);
    }
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
