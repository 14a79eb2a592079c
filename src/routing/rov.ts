// Route origin validation (RFC 6811) over an index built for speed: one binary trie per family, stored in
// typed arrays (children interleaved, VRPs of a node in a compressed-row slice), walked bit by bit down
// the route's prefix. The walk allocates nothing and stops at the first VRP that makes the route Valid;
// the hot path returns a string constant, and the reasons (which VRPs cover the route and why they do not
// match) are built only by rovExplain. A general PrefixTrie.covering() would allocate an array per call.
import { FailsmallError } from '../lib/errors.js';
import { addr4ToUint32, formatPrefix, maxLen, type Prefix, prefixKey } from '../lib/prefix.js';

/** A Validated ROA Payload: the route `prefix` up to `maxLength` may be originated by `asn`. */
export interface Vrp {
  readonly prefix: Prefix;
  readonly maxLength: number;
  readonly asn: number;
  /** Trust anchor, where the source names one. */
  readonly ta?: string;
}

export type RovState = 'valid' | 'invalid' | 'not-found';

/** Why a route is Invalid: no covering VRP names its origin, or one does but its maxLength is shorter. */
export type RovInvalidReason = 'wrong-origin' | 'too-specific';

export interface RovResult {
  state: RovState;
  /** Set when Invalid. 'too-specific' when some covering VRP has the route's origin but a shorter maxLength. */
  reason: RovInvalidReason | null;
  /** The VRPs that make the route Valid (empty unless Valid). */
  matched: Vrp[];
  /** Every VRP covering the route (RFC 6811 "Covered"), least specific first. */
  covering: Vrp[];
}

/** Throw E_RPKI_VRP unless the VRP is consistent (maxLength between the prefix length and the family's max). */
export function checkVrp(v: Vrp, where: string): Vrp {
  const max = maxLen(v.prefix.family);
  if (!Number.isInteger(v.maxLength) || v.maxLength < v.prefix.len || v.maxLength > max) {
    throw new FailsmallError(
      'E_RPKI_VRP',
      `${where}: maxLength ${v.maxLength} must be between the prefix length ${v.prefix.len} and ${max} for ${formatPrefix(v.prefix)}`,
      { where, prefix: formatPrefix(v.prefix), maxLength: v.maxLength },
    );
  }
  if (!Number.isInteger(v.asn) || v.asn < 0 || v.asn > 0xffffffff) {
    throw new FailsmallError('E_RPKI_VRP', `${where}: AS number ${v.asn} is out of range`, { where, asn: v.asn });
  }
  return v;
}

/** One family's binary trie in typed arrays. Node 0 is the root; a child index of 0 means "no child". */
class FamilyIndex {
  /** child[2n] / child[2n + 1]: the 0 / 1 child of node n. */
  readonly child: Int32Array;
  /** VRPs of node n are slots start[n] .. start[n + 1] - 1. */
  readonly start: Int32Array;
  readonly asn: Float64Array;
  readonly maxLength: Uint8Array;
  /** Slot -> index into the VRP list, for explanations. */
  readonly ref: Int32Array;
  readonly nodes: number;

  constructor(vrps: readonly Vrp[], indices: readonly number[]) {
    let cap = 1024;
    let child = new Int32Array(cap * 2);
    let nodes = 1;
    const nodeOf = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const p = vrps[indices[k]!]!.prefix;
      let node = 0;
      for (let d = 0; d < p.len; d++) {
        const bit = (p.addr[d >> 3]! >> (7 - (d & 7))) & 1;
        let next = child[node * 2 + bit]!;
        if (next === 0) {
          if (nodes === cap) {
            cap *= 2;
            const grown = new Int32Array(cap * 2);
            grown.set(child);
            child = grown;
          }
          next = nodes++;
          child[node * 2 + bit] = next;
        }
        node = next;
      }
      nodeOf[k] = node;
    }
    this.child = child.slice(0, nodes * 2);
    this.nodes = nodes;
    // Counting sort of the VRPs by node: compressed rows.
    const start = new Int32Array(nodes + 1);
    for (let k = 0; k < indices.length; k++) start[nodeOf[k]! + 1]!++;
    for (let n = 0; n < nodes; n++) start[n + 1]! += start[n]!;
    const fill = start.slice(0, nodes);
    this.asn = new Float64Array(indices.length);
    this.maxLength = new Uint8Array(indices.length);
    this.ref = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) {
      const slot = fill[nodeOf[k]!]!++;
      const v = vrps[indices[k]!]!;
      this.asn[slot] = v.asn;
      this.maxLength[slot] = v.maxLength;
      this.ref[slot] = indices[k]!;
    }
    this.start = start;
  }
}

/**
 * IPv4 shortcut over the first 16 levels: for each /16, the trie node at depth 16 (0 when the path ends
 * earlier) and whether any node above it holds VRPs. Most /16s have none above, so a route of length
 * >= 16 starts its walk at depth 16: 16 fewer steps for nearly every route.
 */
class Jump16 {
  readonly node16 = new Int32Array(65536);
  /** 1 when some node at depth 0..15 on the way to this /16 holds VRPs: then the full walk is needed. */
  readonly above = new Uint8Array(65536);

  constructor(ix: FamilyIndex) {
    const visit = (node: number, depth: number, bits: number, above: boolean): void => {
      const has = above || (depth < 16 && ix.start[node]! !== ix.start[node + 1]!);
      if (depth === 16) {
        this.node16[bits] = node;
        this.above[bits] = above ? 1 : 0;
        return;
      }
      const span = 1 << (16 - depth - 1);
      for (let bit = 0; bit < 2; bit++) {
        const c = ix.child[node * 2 + bit]!;
        const base = (bits << 1) | bit;
        if (c !== 0) visit(c, depth + 1, base, has);
        else if (has) this.above.fill(1, base * span, (base + 1) * span);
      }
    };
    visit(0, 0, 0, false);
  }
}

// ROV hot-path results as constants (no allocation).
const VALID: RovState = 'valid';
const INVALID: RovState = 'invalid';
const NOT_FOUND: RovState = 'not-found';

/**
 * An immutable VRP index. Build once per RPKI data set (the store swaps whole indexes on reload).
 * `validate*` methods answer RFC 6811's three states; pass origin `null` for a route whose origin is
 * "NONE" (its path ends in an AS_SET): it can be NotFound or Invalid, never Valid. AS 0 never matches:
 * an AS0 VRP (RFC 6483 §4) only makes covered routes Invalid.
 */
export class VrpIndex {
  /** The distinct VRPs, in input order. */
  readonly vrps: readonly Vrp[];
  private readonly v4: FamilyIndex;
  private readonly v6: FamilyIndex;
  private readonly jump: Jump16;

  constructor(vrps: Iterable<Vrp>) {
    const seen = new Set<string>();
    const list: Vrp[] = [];
    const i4: number[] = [];
    const i6: number[] = [];
    for (const v of vrps) {
      const key = `${prefixKey(v.prefix)}-${v.maxLength}-${v.asn}`;
      if (seen.has(key)) continue; // the same payload from several ROAs or trust anchors
      seen.add(key);
      (v.prefix.family === 4 ? i4 : i6).push(list.length);
      list.push(v);
    }
    this.vrps = list;
    this.v4 = new FamilyIndex(list, i4);
    this.v6 = new FamilyIndex(list, i6);
    this.jump = new Jump16(this.v4);
  }

  static readonly empty: VrpIndex = new VrpIndex([]);

  get size(): number {
    return this.vrps.length;
  }

  /** Trie nodes of each family (for memory figures). */
  get nodeCounts(): { v4: number; v6: number } {
    return { v4: this.v4.nodes, v6: this.v6.nodes };
  }

  /** Validate an IPv4 route given as a uint32 address and a length (the fastest form). */
  validate4(addr: number, len: number, origin: number | null): RovState {
    const o = origin === null || origin === 0 ? -1 : origin;
    const ix = this.v4;
    const child = ix.child;
    const start = ix.start;
    const asn = ix.asn;
    const ml = ix.maxLength;
    let node = 0;
    let depth = 0;
    let found = false;
    if (len >= 16) {
      const top = addr >>> 16;
      if (this.jump.above[top] === 0) {
        node = this.jump.node16[top]!;
        if (node === 0) return NOT_FOUND;
        depth = 16;
      }
    }
    for (;;) {
      const s = start[node]!;
      const e = start[node + 1]!;
      if (s !== e) {
        found = true;
        for (let k = s; k < e; k++) if (asn[k] === o && ml[k]! >= len) return VALID;
      }
      if (depth === len) break;
      node = child[(node << 1) | ((addr >>> (31 - depth)) & 1)]!;
      if (node === 0) break;
      depth++;
    }
    return found ? INVALID : NOT_FOUND;
  }

  /** Validate a route: its prefix and origin AS (null for "NONE"). */
  validate(prefix: Prefix, origin: number | null): RovState {
    if (prefix.family === 4) return this.validate4(addr4ToUint32(prefix.addr), prefix.len, origin);
    return this.validateBytes(this.v6, prefix.addr, prefix.len, origin);
  }

  private validateBytes(ix: FamilyIndex, addr: Uint8Array, len: number, origin: number | null): RovState {
    const o = origin === null || origin === 0 ? -1 : origin;
    const child = ix.child;
    const start = ix.start;
    const asn = ix.asn;
    const ml = ix.maxLength;
    let node = 0;
    let depth = 0;
    let found = false;
    for (;;) {
      const s = start[node]!;
      const e = start[node + 1]!;
      if (s !== e) {
        found = true;
        for (let k = s; k < e; k++) if (asn[k] === o && ml[k]! >= len) return VALID;
      }
      if (depth === len) break;
      node = child[(node << 1) | ((addr[depth >> 3]! >> (7 - (depth & 7))) & 1)]!;
      if (node === 0) break;
      depth++;
    }
    return found ? INVALID : NOT_FOUND;
  }

  /** The VRPs covering `prefix` (RFC 6811 "Covered": same or shorter prefix containing it), least specific first. */
  covering(prefix: Prefix): Vrp[] {
    const ix = prefix.family === 4 ? this.v4 : this.v6;
    const out: Vrp[] = [];
    let node = 0;
    let depth = 0;
    for (;;) {
      for (let k = ix.start[node]!; k < ix.start[node + 1]!; k++) out.push(this.vrps[ix.ref[k]!]!);
      if (depth === prefix.len) break;
      node = ix.child[(node << 1) | ((prefix.addr[depth >> 3]! >> (7 - (depth & 7))) & 1)]!;
      if (node === 0) break;
      depth++;
    }
    return out;
  }

  /** Validate and say why: the matching VRPs, or the covering ones and the reason the route is Invalid. */
  explain(prefix: Prefix, origin: number | null): RovResult {
    const covering = this.covering(prefix);
    if (covering.length === 0) return { state: NOT_FOUND, reason: null, matched: [], covering };
    const sameOrigin = origin !== null && origin !== 0 ? covering.filter((v) => v.asn === origin) : [];
    const matched = sameOrigin.filter((v) => v.maxLength >= prefix.len);
    if (matched.length > 0) return { state: VALID, reason: null, matched, covering };
    return { state: INVALID, reason: sameOrigin.length > 0 ? 'too-specific' : 'wrong-origin', matched, covering };
  }
}
