// A prefix trie for IPv4 and IPv6: a path-compressed binary (Patricia) trie per family, stored in one
// Int32Array per family so that a 1.2M-prefix table costs tens of bytes per prefix and a lookup touches
// one small, contiguous record per level. See docs/lib.md for the layout and the measured figures.
//
// Node record (S = 3 + W int32s; W = 1 key word for IPv4, 4 for IPv6):
//   [child0, child1, meta, key word 0 .. W-1]
//   meta = len (low 8 bits) | (value slot + 1) << 8   (slot 0 = no value: a glue node or the bare root)
// Node 0 is nil; node 1 is the root (length 0, always present). Every other node without a value has two
// children (glue), so the trie has at most 2n nodes. Keys are stored masked to the node's length.
// Values live in one dense JS array indexed by slot; freed slots and nodes are reused.
import { FailsmallError } from './errors.js';
import { type Family, type Prefix, prefix4 } from './prefix.js';

const NIL = 0;
const ROOT = 1;
const LEN_MASK = 0xff;
const SLOT_SHIFT = 8;
const MAX_SLOTS = 2 ** 24 - 2;
const JUMP_BITS = 20;
const JUMP_SIZE = 1 << JUMP_BITS;
const JUMP_WORDS = 4;
const NO_JUMP = new Int32Array(0);
const NO_REFRESH = -1;
/** In a jump entry's meta: the candidate's length, and whether the slot field is the candidate's own. */
const J_LEN = 0x3f;
const J_OWN = 0x40;

export interface TrieEntry<V> {
  prefix: Prefix;
  value: V;
}

/** The node store of one family. */
class Pool {
  readonly w: number;
  readonly s: number;
  nodes: Int32Array;
  private next = ROOT + 1;
  private freeHead = NIL;
  private freed = 0;
  /** Nodes allocated since the last relayout: they sit wherever there was room, away from their subtree. */
  scattered = 0;
  /** Values by slot; relayout renumbers slots in the same depth-first order as the nodes. */
  vals: unknown[] = [];
  freeSlots: number[] = [];

  constructor(w: number) {
    this.w = w;
    this.s = 3 + w;
    this.nodes = new Int32Array(64 * this.s);
  }

  alloc(): number {
    const s = this.s;
    this.scattered++;
    if (this.freeHead !== NIL) {
      const n = this.freeHead;
      this.freeHead = this.nodes[n * s]!;
      this.nodes[n * s] = NIL;
      this.freed--;
      return n;
    }
    if ((this.next + 1) * s > this.nodes.length) {
      // Grow by 1.25x, not 2x: at most a fifth of the capacity is ever idle (memory per prefix is a goal).
      const cap = this.nodes.length / s;
      const grown = new Int32Array(Math.ceil(cap * 1.25) * s);
      grown.set(this.nodes);
      this.nodes = grown;
    }
    return this.next++;
  }

  release(n: number): void {
    const s = this.s;
    this.nodes.fill(0, n * s, n * s + s);
    this.nodes[n * s] = this.freeHead;
    this.freeHead = n;
    this.freed++;
  }

  /** Nodes in use, the root included. */
  get live(): number {
    return this.next - 1 - this.freed;
  }

  clear(): void {
    this.nodes = new Int32Array(64 * this.s);
    this.next = ROOT + 1;
    this.freeHead = NIL;
    this.freed = 0;
    this.scattered = 0;
    this.vals = [];
    this.freeSlots = [];
  }

  /** A slot holding value; returns slot + 1 (as stored in meta). */
  newSlot(value: unknown): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.vals.length >= MAX_SLOTS)
        throw new FailsmallError('E_TRIE_CAPACITY', `PrefixTrie holds at most ${MAX_SLOTS} prefixes a family`, {
          max: MAX_SLOTS,
        });
      slot = this.vals.length;
      this.vals.push(value);
    } else {
      this.vals[slot] = value;
    }
    return slot + 1;
  }

  /** True when enough nodes were placed out of order since the last relayout to make one worth its O(n). */
  get untidy(): boolean {
    return this.scattered > 4096 && this.scattered * 4 > this.live;
  }

  /**
   * Renumbers the nodes in depth-first order, so that every subtree is one contiguous run of records:
   * a lookup's last levels then fall in a few neighbouring cache lines and one page, instead of one
   * random cache line and page each. Drops the free list and trims the capacity to 1.125x the live nodes.
   */
  relayout(): void {
    const s = this.s;
    const old = this.nodes;
    const out = new Int32Array(Math.max(64, Math.ceil(this.live * 1.125) + 2) * s);
    const oldVals = this.vals;
    // Sized exactly: a pushed-to array keeps up to half its capacity idle.
    const vals: unknown[] = new Array(oldVals.length - this.freeSlots.length);
    let slots = 0;
    // Stack of (old node, index in `out` of the child pointer to patch); depth <= 129, two entries a level.
    const stack = new Int32Array(2 * 260);
    stack[0] = ROOT;
    stack[1] = -1;
    let top = 2;
    let next = ROOT;
    while (top > 0) {
      const patch = stack[--top]!;
      const o = stack[--top]!;
      const id = next++;
      for (let k = 2; k < s; k++) out[id * s + k] = old[o * s + k]!;
      const meta = old[o * s + 2]!;
      if (meta >>> SLOT_SHIFT !== 0) {
        vals[slots++] = oldVals[(meta >>> SLOT_SHIFT) - 1];
        out[id * s + 2] = (meta & LEN_MASK) | (slots << SLOT_SHIFT);
      }
      if (patch >= 0) out[patch] = id;
      const c1 = old[o * s + 1]!;
      const c0 = old[o * s]!;
      if (c1 !== NIL) {
        stack[top++] = c1;
        stack[top++] = id * s + 1;
      }
      if (c0 !== NIL) {
        stack[top++] = c0;
        stack[top++] = id * s;
      }
    }
    this.nodes = out;
    this.next = next;
    this.freeHead = NIL;
    this.freed = 0;
    this.scattered = 0;
    this.vals = vals;
    this.freeSlots = [];
  }
}

/** Bit i (0 = most significant) of the key in q. */
function bitOf(q: Int32Array, i: number): number {
  return (q[i >>> 5]! >>> (31 - (i & 31))) & 1;
}

/** Mask keeping the first `keep` bits (0..32) of a word. */
function wordMask(keep: number): number {
  return keep <= 0 ? 0 : keep >= 32 ? -1 : -1 << (32 - keep);
}

/** Length of the common leading bits of q and the key of node c, at most lim. */
function common(pool: Pool, q: Int32Array, c: number, lim: number): number {
  const nodes = pool.nodes;
  const base = c * pool.s + 3;
  for (let w = 0; w * 32 < lim; w++) {
    const x = q[w]! ^ nodes[base + w]!;
    if (x !== 0) {
      const at = w * 32 + Math.clz32(x);
      return Math.min(at, lim);
    }
  }
  return lim;
}

export class PrefixTrie<V> {
  private readonly p4 = new Pool(1);
  private readonly p6 = new Pool(4);
  private count = 0;
  /** Scratch key of the current query; no allocation per call. */
  private readonly q = new Int32Array(4);
  /** Scratch list of nodes found by walkCovering (at most one per length). */
  private readonly hits = new Int32Array(129);
  /**
   * IPv4 entry points by the first JUMP_BITS address bits (layout at setJump). Every node shorter than
   * JUMP_BITS is already decided for those bits, so a lookup reads one entry and then only the last levels.
   * It costs 16 MiB, so it exists only once the IPv4 side has `jumpFrom` nodes; until then lookup4 walks.
   */
  private jump = NO_JUMP;
  private readonly jumpFrom: number;

  /**
   * @param options.jumpTableFrom IPv4 node count from which lookup4 uses the 16 MiB jump table (default
   *   16384, about 8,000 prefixes); small tries, of which a program may hold many, stay small.
   */
  constructor(options: { jumpTableFrom?: number } = {}) {
    this.jumpFrom = options.jumpTableFrom ?? 16384;
  }

  get size(): number {
    return this.count;
  }

  /** Node counts and typed-array bytes, for tests and benchmarks. */
  stats(): { nodes4: number; nodes6: number; entries4: number; arrayBytes: number; jumpTable: boolean } {
    let entries4 = 0;
    for (const _ of this.subtree(this.p4, ROOT)) entries4++;
    return {
      nodes4: this.p4.live,
      nodes6: this.p6.live,
      entries4,
      arrayBytes: this.p4.nodes.byteLength + this.p6.nodes.byteLength + this.jump.byteLength,
      jumpTable: this.jump !== NO_JUMP,
    };
  }

  // ---- keys ---------------------------------------------------------------------------------------

  /** Loads p's address into the scratch key, masked to p.len, and returns the family's pool. */
  private load(p: Prefix): Pool {
    const q = this.q;
    const a = p.addr;
    const len = p.len;
    if (p.family === 4) {
      q[0] = ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) & wordMask(len);
      return this.p4;
    }
    for (let w = 0; w < 4; w++) {
      const i = w * 4;
      q[w] = ((a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!) & wordMask(len - w * 32);
    }
    return this.p6;
  }

  private prefixOf(pool: Pool, n: number): Prefix {
    const nodes = pool.nodes;
    const base = n * pool.s;
    const len = nodes[base + 2]! & LEN_MASK;
    if (pool === this.p4) return prefix4(nodes[base + 3]! >>> 0, len);
    const addr = new Uint8Array(16);
    for (let w = 0; w < 4; w++) {
      const k = nodes[base + 3 + w]!;
      addr[w * 4] = k >>> 24;
      addr[w * 4 + 1] = k >>> 16;
      addr[w * 4 + 2] = k >>> 8;
      addr[w * 4 + 3] = k;
    }
    return { family: 6, addr, len };
  }

  private entryOf(pool: Pool, n: number): TrieEntry<V> {
    const slot = (pool.nodes[n * pool.s + 2]! >>> SLOT_SHIFT) - 1;
    return { prefix: this.prefixOf(pool, n), value: pool.vals[slot] as V };
  }

  // ---- updates ------------------------------------------------------------------------------------

  /** A new node for the scratch key cut to len, with a value slot or none. */
  private newNode(pool: Pool, len: number, slotPlus1: number): number {
    const n = pool.alloc();
    const nodes = pool.nodes;
    const base = n * pool.s;
    nodes[base] = NIL;
    nodes[base + 1] = NIL;
    nodes[base + 2] = len | (slotPlus1 << SLOT_SHIFT);
    for (let w = 0; w < pool.w; w++) nodes[base + 3 + w] = this.q[w]! & wordMask(len - w * 32);
    return n;
  }

  private newSlot(pool: Pool, value: V): number {
    const slotPlus1 = pool.newSlot(value);
    this.count++;
    return slotPlus1;
  }

  /** Inserts p, or replaces its value. */
  insert(p: Prefix, value: V): void {
    const pool = this.load(p);
    const touched = this.insertAt(pool, p.len, value);
    if (pool !== this.p4) return;
    if (this.jump !== NO_JUMP) {
      if (touched !== NO_REFRESH) this.refreshJump(touched);
    } else if (pool.live >= this.jumpFrom) {
      this.jump = new Int32Array(JUMP_WORDS * JUMP_SIZE);
      this.fillAllJump();
    }
  }

  /**
   * Inserts the scratch key at len. Returns the length whose IPv4 jump entries must be refreshed: that of
   * the shallowest node added or given a value, or NO_REFRESH when the change is out of the jump table's
   * sight (a value replaced, or a change strictly below the first node at or past JUMP_BITS that already
   * had children: the entries cache only that node and what lies above it).
   */
  private insertAt(pool: Pool, len: number, value: V): number {
    const q = this.q;
    const s = pool.s;
    let n = ROOT;
    let parentLen = -1;
    while (true) {
      let nodes = pool.nodes;
      const meta = nodes[n * s + 2]!;
      const nlen = meta & LEN_MASK;
      if (nlen === len) {
        const slotPlus1 = meta >>> SLOT_SHIFT;
        if (slotPlus1 !== 0) {
          pool.vals[slotPlus1 - 1] = value;
          return NO_REFRESH;
        }
        nodes[n * s + 2] = nlen | (this.newSlot(pool, value) << SLOT_SHIFT);
        return parentLen >= JUMP_BITS ? NO_REFRESH : len;
      }
      const b = bitOf(q, nlen);
      const c = nodes[n * s + b]!;
      if (c === NIL) {
        const m = this.newNode(pool, len, this.newSlot(pool, value));
        nodes = pool.nodes;
        nodes[n * s + b] = m;
        const hadChild = nodes[n * s + (b ^ 1)] !== NIL;
        return parentLen >= JUMP_BITS || (nlen >= JUMP_BITS && hadChild) ? NO_REFRESH : len;
      }
      const clen = nodes[c * s + 2]! & LEN_MASK;
      const cl = common(pool, q, c, Math.min(len, clen));
      if (cl === clen) {
        parentLen = nlen;
        n = c;
        continue;
      }
      // c's key leaves ours at bit cl (< clen): put a node at cl between n and c.
      const cBit = (nodes[c * s + 3 + (cl >>> 5)]! >>> (31 - (cl & 31))) & 1;
      if (cl === len) {
        const m = this.newNode(pool, len, this.newSlot(pool, value));
        nodes = pool.nodes;
        nodes[m * s + cBit] = c;
        nodes[n * s + b] = m;
        return nlen >= JUMP_BITS ? NO_REFRESH : len;
      }
      const leaf = this.newNode(pool, len, this.newSlot(pool, value));
      const glue = this.newNode(pool, cl, 0);
      nodes = pool.nodes;
      nodes[glue * s + cBit] = c;
      nodes[glue * s + (cBit ^ 1)] = leaf;
      nodes[n * s + b] = glue;
      return nlen >= JUMP_BITS ? NO_REFRESH : cl;
    }
  }

  /** Removes p; false when it was not stored. */
  delete(p: Prefix): boolean {
    const pool = this.load(p);
    const touched = this.deleteAt(pool, p.len);
    if (touched < 0) return false;
    if (pool === this.p4 && this.jump !== NO_JUMP) this.refreshJump(touched);
    return true;
  }

  /** Removes the scratch key at len; returns the length of the shallowest node changed, or -1 when absent. */
  private deleteAt(pool: Pool, len: number): number {
    const q = this.q;
    const s = pool.s;
    const nodes = pool.nodes;
    let grand = NIL;
    let grandSide = 0;
    let parent = NIL;
    let side = 0;
    let n = ROOT;
    while (true) {
      const nlen = nodes[n * s + 2]! & LEN_MASK;
      if (nlen === len) break;
      const b = bitOf(q, nlen);
      const c = nodes[n * s + b]!;
      if (c === NIL) return -1;
      const clen = nodes[c * s + 2]! & LEN_MASK;
      if (clen > len || common(pool, q, c, clen) < clen) return -1;
      grand = parent;
      grandSide = side;
      parent = n;
      side = b;
      n = c;
    }
    const meta = nodes[n * s + 2]!;
    const slotPlus1 = meta >>> SLOT_SHIFT;
    if (slotPlus1 === 0) return -1;
    pool.vals[slotPlus1 - 1] = undefined;
    pool.freeSlots.push(slotPlus1 - 1);
    this.count--;
    nodes[n * s + 2] = meta & LEN_MASK;
    if (n === ROOT) return 0;
    const c0 = nodes[n * s]!;
    const c1 = nodes[n * s + 1]!;
    if (c0 !== NIL && c1 !== NIL) return len; // stays as glue
    if (c0 !== NIL || c1 !== NIL) {
      nodes[parent * s + side] = c0 !== NIL ? c0 : c1;
      pool.release(n);
      return len;
    }
    nodes[parent * s + side] = NIL;
    pool.release(n);
    // A glue parent left with one child is spliced out, keeping "glue has two children".
    if (parent !== ROOT && nodes[parent * s + 2]! >>> SLOT_SHIFT === 0) {
      const parentLen = nodes[parent * s + 2]! & LEN_MASK;
      nodes[grand * s + grandSide] = nodes[parent * s + (side ^ 1)]!;
      pool.release(parent);
      return parentLen;
    }
    return len;
  }

  /**
   * Recomputes the jump entries that a change at the scratch key cut to `len` can affect: the entries
   * under that prefix (2^(JUMP_BITS - len) of them; one for a change at or past JUMP_BITS).
   */
  private refreshJump(len: number): void {
    const t = Math.min(len, JUMP_BITS);
    const a = this.q[0]! & wordMask(t);
    const nodes = this.p4.nodes;
    // The deepest node shorter than JUMP_BITS (and not longer than t) on the path: its range holds the entries.
    let n = ROOT;
    let best = nodes[ROOT * 4 + 2]! >>> SLOT_SHIFT;
    while (true) {
      const c = nodes[n * 4 + ((a >>> (31 - (nodes[n * 4 + 2]! & LEN_MASK))) & 1)]!;
      if (c === NIL) break;
      const meta = nodes[c * 4 + 2]!;
      const clen = meta & LEN_MASK;
      if (clen > t || clen >= JUMP_BITS || (a ^ nodes[c * 4 + 3]!) >>> (32 - clen) !== 0) break;
      if (meta >>> SLOT_SHIFT !== 0) best = meta >>> SLOT_SHIFT;
      n = c;
    }
    const lo = a >>> (32 - JUMP_BITS);
    this.fillJump(n, best, lo, lo + (1 << (JUMP_BITS - t)));
  }

  /** Writes the jump entries in [lo, hi) under node n (shorter than JUMP_BITS; best includes n's value). */
  private fillJump(n: number, best: number, lo: number, hi: number): void {
    const nodes = this.p4.nodes;
    const nlen = nodes[n * 4 + 2]! & LEN_MASK;
    const half = 1 << (JUMP_BITS - nlen - 1);
    const base = nodes[n * 4 + 3]! >>> (32 - JUMP_BITS);
    for (let side = 0; side < 2; side++) {
      const sLo = Math.max(lo, base + side * half);
      const sHi = Math.min(hi, base + side * half + half);
      if (sLo >= sHi) continue;
      const c = nodes[n * 4 + side]!;
      if (c === NIL) {
        this.setJump(sLo, sHi, NIL, best);
        continue;
      }
      const meta = nodes[c * 4 + 2]!;
      const clen = meta & LEN_MASK;
      const cLo = nodes[c * 4 + 3]! >>> (32 - JUMP_BITS);
      const cHi = cLo + (clen < JUMP_BITS ? 1 << (JUMP_BITS - clen) : 1);
      // Entries of this side outside c's range miss c: only `best` applies.
      this.setJump(sLo, Math.min(sHi, cLo), NIL, best);
      this.setJump(Math.max(sLo, cHi), sHi, NIL, best);
      const inLo = Math.max(sLo, cLo);
      const inHi = Math.min(sHi, cHi);
      if (inLo >= inHi) continue;
      if (clen < JUMP_BITS) this.fillJump(c, meta >>> SLOT_SHIFT !== 0 ? meta >>> SLOT_SHIFT : best, inLo, inHi);
      else this.setJump(inLo, inHi, c, best);
    }
  }

  private setJump(lo: number, hi: number, candidate: number, best: number): void {
    const jump = this.jump;
    const nodes = this.p4.nodes;
    let key = 0;
    let meta = 0;
    let inner = NIL;
    if (candidate !== NIL) {
      // A copy of the candidate's key and length, and the candidate itself only when it has children: a
      // leaf candidate is decided without reading its record. The slot field holds the candidate's slot,
      // or for a glue node its first descendant's: after a relayout the slots of a subtree are neighbours,
      // so lookup4 can fetch that value early, in parallel with the node reads.
      key = nodes[candidate * 4 + 3]!;
      const cmeta = nodes[candidate * 4 + 2]!;
      let first = candidate;
      while (nodes[first * 4 + 2]! >>> SLOT_SHIFT === 0) first = nodes[first * 4]!;
      meta =
        (cmeta & LEN_MASK) |
        (cmeta >>> SLOT_SHIFT !== 0 ? J_OWN : 0) |
        ((nodes[first * 4 + 2]! >>> SLOT_SHIFT) << SLOT_SHIFT);
      if (nodes[candidate * 4]! !== NIL || nodes[candidate * 4 + 1]! !== NIL) inner = candidate;
    }
    for (let h = lo; h < hi; h++) {
      const j = h * JUMP_WORDS;
      jump[j] = inner;
      jump[j + 1] = best;
      jump[j + 2] = key;
      jump[j + 3] = meta;
    }
  }

  private fillAllJump(): void {
    if (this.jump === NO_JUMP) return;
    const nodes = this.p4.nodes;
    this.fillJump(ROOT, nodes[ROOT * 4 + 2]! >>> SLOT_SHIFT, 0, JUMP_SIZE);
  }

  /** Relayouts a pool whose recent nodes are scattered (amortized: after >= 1/4 of its nodes were added). */
  private tidy(pool: Pool): void {
    if (!pool.untidy) return;
    pool.relayout();
    if (pool === this.p4) this.fillAllJump();
  }

  /** Renumbers both families' nodes in depth-first order now (queries otherwise do it when worthwhile). */
  optimize(): void {
    this.p4.relayout();
    this.p6.relayout();
    this.fillAllJump();
  }

  clear(): void {
    this.jump = NO_JUMP;
    this.p4.clear();
    this.p6.clear();
    this.count = 0;
  }

  // ---- queries ------------------------------------------------------------------------------------

  /** The node holding exactly the scratch key at len (value or not), or NIL. */
  private find(pool: Pool, len: number): number {
    const q = this.q;
    const s = pool.s;
    const nodes = pool.nodes;
    let n = ROOT;
    while (true) {
      const nlen = nodes[n * s + 2]! & LEN_MASK;
      if (nlen === len) return n;
      const c = nodes[n * s + bitOf(q, nlen)]!;
      if (c === NIL) return NIL;
      const clen = nodes[c * s + 2]! & LEN_MASK;
      if (clen > len || common(pool, q, c, clen) < clen) return NIL;
      n = c;
    }
  }

  /** Exact match. */
  get(p: Prefix): V | undefined {
    const pool = this.load(p);
    const n = this.find(pool, p.len);
    if (n === NIL) return undefined;
    const slotPlus1 = pool.nodes[n * pool.s + 2]! >>> SLOT_SHIFT;
    return slotPlus1 === 0 ? undefined : (pool.vals[slotPlus1 - 1] as V);
  }

  has(p: Prefix): boolean {
    const pool = this.load(p);
    const n = this.find(pool, p.len);
    return n !== NIL && pool.nodes[n * pool.s + 2]! >>> SLOT_SHIFT !== 0;
  }

  /** Nodes with a value on the path to the scratch key at len, least specific first, into `this.hits`. */
  private walkCovering(pool: Pool, len: number): number {
    this.tidy(pool);
    const q = this.q;
    const s = pool.s;
    const nodes = pool.nodes;
    const hits = this.hits;
    let found = 0;
    let n = ROOT;
    if (nodes[ROOT * s + 2]! >>> SLOT_SHIFT !== 0) hits[found++] = ROOT;
    while (true) {
      const nlen = nodes[n * s + 2]! & LEN_MASK;
      if (nlen >= len) return found;
      const c = nodes[n * s + bitOf(q, nlen)]!;
      if (c === NIL) return found;
      const clen = nodes[c * s + 2]! & LEN_MASK;
      if (clen > len || common(pool, q, c, clen) < clen) return found;
      if (nodes[c * s + 2]! >>> SLOT_SHIFT !== 0) hits[found++] = c;
      n = c;
    }
  }

  /** The most specific stored prefix containing p (p itself included). */
  longestMatch(p: Prefix): TrieEntry<V> | undefined {
    const pool = this.load(p);
    const found = this.walkCovering(pool, p.len);
    return found === 0 ? undefined : this.entryOf(pool, this.hits[found - 1]!);
  }

  /**
   * The value of longestMatch(p), without building its prefix (an address array each): for hot callers
   * whose values know their own prefix (the monitor's watch list, ~9% of judging a route there).
   */
  longestMatchValue(p: Prefix): V | undefined {
    const pool = this.load(p);
    const found = this.walkCovering(pool, p.len);
    if (found === 0) return undefined;
    return pool.vals[(pool.nodes[this.hits[found - 1]! * pool.s + 2]! >>> SLOT_SHIFT) - 1] as V;
  }

  /** Every stored prefix containing p, least specific first, p itself included. */
  covering(p: Prefix): TrieEntry<V>[] {
    const pool = this.load(p);
    const found = this.walkCovering(pool, p.len);
    const out: TrieEntry<V>[] = [];
    for (let i = 0; i < found; i++) out.push(this.entryOf(pool, this.hits[i]!));
    return out;
  }

  /** Every stored prefix inside p (p itself included), in address order. */
  covered(p: Prefix): TrieEntry<V>[] {
    const pool = this.load(p);
    this.tidy(pool);
    const q = this.q;
    const len = p.len;
    const s = pool.s;
    const nodes = pool.nodes;
    let n = ROOT;
    while ((nodes[n * s + 2]! & LEN_MASK) < len) {
      const c = nodes[n * s + bitOf(q, nodes[n * s + 2]! & LEN_MASK)]!;
      if (c === NIL) return [];
      const clen = nodes[c * s + 2]! & LEN_MASK;
      const lim = Math.min(clen, len);
      if (common(pool, q, c, lim) < lim) return [];
      n = c;
    }
    return [...this.subtree(pool, n)];
  }

  /**
   * Longest-prefix match of an IPv4 address given as a uint32: the hot path of forwarding-style lookups.
   * Allocates nothing.
   */
  lookup4(addr: number): V | undefined {
    const pool = this.p4;
    if (pool.untidy) this.tidy(pool);
    const jump = this.jump;
    const vals = pool.vals;
    const a = addr | 0;
    if (jump === NO_JUMP) return this.walk4(a);
    const j = (a >>> (32 - JUMP_BITS)) * JUMP_WORDS;
    let best = jump[j + 1]!;
    const cmeta = jump[j + 3]!;
    // cmeta is 0 when no node at or past JUMP_BITS lies under these bits (a candidate has len >= 1).
    if (cmeta === 0) return best === 0 ? undefined : (vals[best - 1] as V);
    const hint = cmeta >>> SLOT_SHIFT;
    // Read now, so the cache miss overlaps the node reads below; the answer's value is usually beside it.
    const early = vals[hint - 1];
    const clen = cmeta & J_LEN;
    // Path compression skips bits: check that the candidate agrees with the address on its first clen bits.
    if ((a ^ jump[j + 2]!) >>> (32 - clen) === 0) {
      if ((cmeta & J_OWN) !== 0) best = hint;
      const cand = jump[j]!;
      if (cand !== NIL && clen < 32) {
        const nodes = pool.nodes;
        let c = nodes[cand * 4 + ((a >>> (31 - clen)) & 1)]!;
        while (c !== NIL) {
          const meta = nodes[c * 4 + 2]!;
          const len = meta & LEN_MASK;
          if ((a ^ nodes[c * 4 + 3]!) >>> (32 - len) !== 0) break;
          if (meta >>> SLOT_SHIFT !== 0) best = meta >>> SLOT_SHIFT;
          if (len === 32) break;
          c = nodes[c * 4 + ((a >>> (31 - len)) & 1)]!;
        }
      }
    }
    if (best === hint) return early as V;
    return best === 0 ? undefined : (vals[best - 1] as V);
  }
  /** lookup4 without the jump table: a walk from the root, one node record per level. */
  private walk4(a: number): V | undefined {
    const pool = this.p4;
    const nodes = pool.nodes;
    let best = nodes[ROOT * 4 + 2]! >>> SLOT_SHIFT;
    let n = ROOT;
    let nlen = 0;
    while (true) {
      const c = nodes[n * 4 + ((a >>> (31 - nlen)) & 1)]!;
      if (c === NIL) break;
      const meta = nodes[c * 4 + 2]!;
      const clen = meta & LEN_MASK;
      if ((a ^ nodes[c * 4 + 3]!) >>> (32 - clen) !== 0) break;
      if (meta >>> SLOT_SHIFT !== 0) best = meta >>> SLOT_SHIFT;
      if (clen === 32) break;
      n = c;
      nlen = clen;
    }
    return best === 0 ? undefined : (pool.vals[best - 1] as V);
  }

  // ---- iteration ----------------------------------------------------------------------------------

  /** Entries of the subtree under n, in address order (a node before its more specifics). */
  private *subtree(pool: Pool, top: number): Generator<TrieEntry<V>> {
    const s = pool.s;
    const stack = [top];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const nodes = pool.nodes;
      const base = n * s;
      if (nodes[base + 2]! >>> SLOT_SHIFT !== 0) yield this.entryOf(pool, n);
      if (nodes[base + 1] !== NIL) stack.push(nodes[base + 1]!);
      if (nodes[base] !== NIL) stack.push(nodes[base]!);
    }
  }

  /** Every entry: IPv4 then IPv6, each in address order. */
  *entries(): IterableIterator<TrieEntry<V>> {
    this.tidy(this.p4);
    this.tidy(this.p6);
    yield* this.subtree(this.p4, ROOT);
    yield* this.subtree(this.p6, ROOT);
  }

  [Symbol.iterator](): IterableIterator<TrieEntry<V>> {
    return this.entries();
  }

  /** Entries of one family. */
  *entriesOf(family: Family): IterableIterator<TrieEntry<V>> {
    const pool = family === 4 ? this.p4 : this.p6;
    this.tidy(pool);
    yield* this.subtree(pool, ROOT);
  }
}
