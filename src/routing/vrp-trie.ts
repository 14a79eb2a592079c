// The ROV index's data structures: one binary trie per address family in typed arrays, and jump tables
// that let a lookup start deep in the trie. See rov.ts for how they are walked.
import type { Prefix } from '../lib/prefix.js';

/** What the trie needs of a VRP (rov.ts's Vrp). */
interface VrpPayload {
  readonly prefix: Prefix;
  readonly maxLength: number;
  readonly asn: number;
}

/** One family's binary trie in typed arrays. Node 0 is the root; a child index of 0 means "no child". */
export class VrpTrie {
  /** child[2n] / child[2n + 1]: the 0 / 1 child of node n. */
  readonly child: Int32Array;
  /** VRPs of node n are slots start[n] .. start[n + 1] - 1. */
  readonly start: Int32Array;
  readonly asn: Float64Array;
  readonly maxLength: Uint8Array;
  /** Slot -> index into the VRP list, for explanations. */
  readonly ref: Int32Array;
  readonly nodes: number;

  constructor(vrps: readonly VrpPayload[], indices: readonly number[]) {
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
 * A shortcut to depth `depth` (16 for IPv4, 32 for IPv6): per entry, the trie node at that depth (0 when
 * the path ends above it) and the VRPs held by the nodes above it on the path (slots start..end of the
 * entry's own asn/maxLength arrays). A lookup of a route at least that long checks those VRPs and walks on
 * from the node: 16 or 32 steps fewer for nearly every route.
 * Direct (IPv4 /16): entry = the top 16 bits, every value present. Keyed (IPv6 /32): `keys` maps the top
 * 32 bits to an entry, for the /32s that have a trie node; other routes walk from the root.
 */
export class JumpTable {
  readonly node: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly asn: Float64Array;
  readonly maxLength: Uint8Array;
  readonly keys: Map<number, number> | null;

  constructor(trie: VrpTrie, depth: 16 | 32, keyed: boolean) {
    const entries = keyed ? 0 : 2 ** depth;
    const node: number[] = [];
    const start: number[] = [];
    const end: number[] = [];
    const asn: number[] = [];
    const maxLength: number[] = [];
    const keys = keyed ? new Map<number, number>() : null;
    if (!keyed) {
      node.length = start.length = end.length = entries;
      node.fill(0);
      start.fill(0);
      end.fill(0);
    }
    const above: number[] = []; // VRP slots on the current path, above `depth`
    // Write one entry range: the entries under `bits` at `level` share the node and the above list.
    const emit = (bits: number, level: number, at: number): void => {
      const s = asn.length;
      for (const k of above) {
        asn.push(trie.asn[k]!);
        maxLength.push(trie.maxLength[k]!);
      }
      if (keys) {
        keys.set(bits, node.length);
        node.push(at);
        start.push(s);
        end.push(asn.length);
        return;
      }
      const span = 2 ** (depth - level);
      for (let i = bits * span; i < (bits + 1) * span; i++) {
        node[i] = at;
        start[i] = s;
        end[i] = asn.length;
      }
    };
    const visit = (n: number, level: number, bits: number): void => {
      if (level === depth) {
        emit(bits, level, n);
        return;
      }
      const pushed = trie.start[n + 1]! - trie.start[n]!;
      for (let k = trie.start[n]!; k < trie.start[n + 1]!; k++) above.push(k);
      for (let bit = 0; bit < 2; bit++) {
        const c = trie.child[n * 2 + bit]!;
        const b = bits * 2 + bit;
        if (c !== 0) visit(c, level + 1, b);
        else if (!keys && above.length > 0) emit(b, level + 1, 0); // covered, but no node below: node 0
      }
      above.length -= pushed;
    };
    visit(0, 0, 0);
    this.node = Int32Array.from(node);
    this.start = Int32Array.from(start);
    this.end = Int32Array.from(end);
    this.asn = Float64Array.from(asn);
    this.maxLength = Uint8Array.from(maxLength);
    this.keys = keys;
  }
}
