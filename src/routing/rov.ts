// Route origin validation (RFC 6811) over an index built for speed: one binary trie per family, stored in
// typed arrays (children interleaved, VRPs of a node in a compressed-row slice), walked bit by bit down
// the route's prefix. The walk allocates nothing and stops at the first VRP that makes the route Valid;
// the hot path returns a string constant, and the reasons (which VRPs cover the route and why they do not
// match) are built only by rovExplain. A general PrefixTrie.covering() would allocate an array per call.
import { FailsmallError } from '../lib/errors.js';
import { addr4ToUint32, formatPrefix, maxLen, type Prefix, prefixKey } from '../lib/prefix.js';
import { JumpTable, VrpTrie } from './vrp-trie.js';

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
  private readonly v4: VrpTrie;
  private readonly v6: VrpTrie;
  /** IPv4: every /16, directly indexed. IPv6: every /32 that has a trie node, through a map. */
  private readonly j4: JumpTable;
  private readonly j6: JumpTable;

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
    this.v4 = new VrpTrie(list, i4);
    this.v6 = new VrpTrie(list, i6);
    this.j4 = new JumpTable(this.v4, 16, false);
    this.j6 = new JumpTable(this.v6, 32, true);
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
      // Start at depth 16: check the VRPs above it on this /16's path, then walk on from its node.
      const j = this.j4;
      const top = addr >>> 16;
      const s = j.start[top]!;
      const e = j.end[top]!;
      if (s !== e) {
        found = true;
        for (let k = s; k < e; k++) if (j.asn[k] === o && j.maxLength[k]! >= len) return VALID;
      }
      node = j.node[top]!;
      if (node === 0) return found ? INVALID : NOT_FOUND;
      depth = 16;
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
    return this.validate6(prefix.addr, prefix.len, origin);
  }

  private validate6(addr: Uint8Array, len: number, origin: number | null): RovState {
    const o = origin === null || origin === 0 ? -1 : origin;
    const ix = this.v6;
    const child = ix.child;
    const start = ix.start;
    const asn = ix.asn;
    const ml = ix.maxLength;
    let node = 0;
    let depth = 0;
    let found = false;
    if (len >= 32) {
      // Start at depth 32 when this /32 has a trie node (else the path ends above it: walk from the root).
      const j = this.j6;
      const at = j.keys!.get(((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0);
      if (at !== undefined) {
        const s = j.start[at]!;
        const e = j.end[at]!;
        if (s !== e) {
          found = true;
          for (let k = s; k < e; k++) if (j.asn[k] === o && j.maxLength[k]! >= len) return VALID;
        }
        node = j.node[at]!;
        depth = 32;
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
