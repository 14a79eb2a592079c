import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbPrefix } from './arbitraries.case.js';
import {
  addr4ToUint32,
  comparePrefix,
  type Family,
  formatPrefix,
  type Prefix,
  parsePrefix,
  prefix4,
  prefixContains,
  prefixKey,
} from './prefix.js';
import { xorshift32 } from './random.js';
import { PrefixTrie } from './trie.js';

const P = parsePrefix;

describe('PrefixTrie', () => {
  it('stores, replaces, matches and deletes', () => {
    const t = new PrefixTrie<string>();
    t.insert(P('10.0.0.0/8'), 'a');
    t.insert(P('10.1.0.0/16'), 'b');
    t.insert(P('10.1.2.0/24'), 'c');
    t.insert(P('2001:db8::/32'), 'v6');
    t.insert(P('10.1.0.0/16'), 'b2');
    expect(t.size).toBe(4);
    expect(t.get(P('10.1.0.0/16'))).toBe('b2');
    expect(t.get(P('10.1.0.0/17'))).toBeUndefined();
    expect(t.longestMatch(P('10.1.2.128/25'))?.value).toBe('c');
    expect(formatPrefix(t.longestMatch(P('10.1.3.0/24'))!.prefix)).toBe('10.1.0.0/16');
    expect(t.longestMatch(P('11.0.0.0/8'))).toBeUndefined();
    expect(t.longestMatchValue(P('10.1.2.128/25'))).toBe('c');
    expect(t.longestMatchValue(P('10.1.3.0/24'))).toBe('b2');
    expect(t.longestMatchValue(P('11.0.0.0/8'))).toBeUndefined();
    expect(t.longestMatchValue(P('2001:db8:1::/48'))).toBe('v6');
    expect(t.lookup4(addr4ToUint32(Uint8Array.of(10, 1, 2, 3)))).toBe('c');
    expect(t.lookup4(addr4ToUint32(Uint8Array.of(10, 9, 2, 3)))).toBe('a');
    expect(t.lookup4(0xffffffff)).toBeUndefined();
    expect(t.longestMatch(P('2001:db8:1::/48'))?.value).toBe('v6');
    expect(t.covering(P('10.1.2.0/24')).map((e) => e.value)).toEqual(['a', 'b2', 'c']);
    expect(t.covered(P('10.0.0.0/8')).map((e) => formatPrefix(e.prefix))).toEqual([
      '10.0.0.0/8',
      '10.1.0.0/16',
      '10.1.2.0/24',
    ]);
    expect(t.covered(P('::/0')).map((e) => e.value)).toEqual(['v6']);
    expect(t.delete(P('10.1.0.0/16'))).toBe(true);
    expect(t.delete(P('10.1.0.0/16'))).toBe(false);
    expect(t.delete(P('10.0.0.0/15'))).toBe(false);
    expect(t.size).toBe(3);
    expect(t.lookup4(addr4ToUint32(Uint8Array.of(10, 1, 3, 3)))).toBe('a');
    expect([...t.entries()].map((e) => formatPrefix(e.prefix))).toEqual(['10.0.0.0/8', '10.1.2.0/24', '2001:db8::/32']);
  });

  it('handles the default routes and host routes', () => {
    const t = new PrefixTrie<number>();
    t.insert(P('0.0.0.0/0'), 0);
    t.insert(P('::/0'), 6);
    t.insert(P('255.255.255.255/32'), 32);
    t.insert(P('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'), 128);
    expect(t.lookup4(0)).toBe(0);
    expect(t.lookup4(0xffffffff)).toBe(32);
    expect(t.lookup4(0xfffffffe)).toBe(0);
    expect(t.longestMatch(P('ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128'))?.value).toBe(6);
    expect(t.longestMatch(P('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'))?.value).toBe(128);
    expect(t.delete(P('0.0.0.0/0'))).toBe(true);
    expect(t.lookup4(0)).toBeUndefined();
    expect(t.covering(P('::/0')).map((e) => e.value)).toEqual([6]);
    t.clear();
    expect(t.size).toBe(0);
    expect([...t]).toEqual([]);
  });

  it('keeps undefined values apart from absence', () => {
    const t = new PrefixTrie<undefined>();
    t.insert(P('10.0.0.0/8'), undefined);
    expect(t.has(P('10.0.0.0/8'))).toBe(true);
    expect(t.has(P('10.0.0.0/9'))).toBe(false);
    expect(t.covering(P('10.0.0.0/24'))).toHaveLength(1);
  });

  it('grows and reuses freed nodes; the jump table appears only for a large IPv4 side', () => {
    const t = new PrefixTrie<number>();
    expect(t.stats().arrayBytes).toBeLessThan(10_000);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5000; i++) t.insert(P(`10.${i >> 8}.${i & 255}.0/24`), i);
      expect(t.size).toBe(5000);
      expect(t.lookup4(addr4ToUint32(Uint8Array.of(10, 19, 135, 1)))).toBe((19 << 8) | 135);
      expect(t.stats().jumpTable).toBe(false);
      for (let i = 0; i < 5000; i++) expect(t.delete(P(`10.${i >> 8}.${i & 255}.0/24`))).toBe(true);
      expect(t.size).toBe(0);
    }
    for (let i = 0; i < 12000; i++) t.insert(P(`10.${i >> 8}.${i & 255}.0/24`), i);
    expect(t.stats().jumpTable).toBe(true);
    expect(t.lookup4(addr4ToUint32(Uint8Array.of(10, 46, 223, 9)))).toBe((46 << 8) | 223);
    expect(t.lookup4(addr4ToUint32(Uint8Array.of(10, 47, 0, 9)))).toBeUndefined();
    t.clear();
    expect(t.stats().jumpTable).toBe(false);
    expect(t.lookup4(addr4ToUint32(Uint8Array.of(10, 46, 223, 9)))).toBeUndefined();
  });
});

// ---- against a brute-force model ------------------------------------------------------------------

type Op = { k: 'insert'; p: Prefix; v: number } | { k: 'delete'; p: Prefix } | { k: 'optimize' };

/** Prefixes from a small key space so that inserts, deletes and queries collide often. */
function arbNear(family: Family): fc.Arbitrary<Prefix> {
  const n = family === 4 ? 4 : 16;
  return arbPrefix(family).map((p) => {
    const addr = p.addr.slice();
    // Keep a few bits of variety at the top and in the middle; zero the rest but keep the length.
    const v4Masks = [0xc3, 0x10, 0x11, 0x81]; // bits on both sides of the IPv4 jump table's 20
    for (let i = 0; i < n; i++) {
      addr[i] = addr[i]! & (n === 4 ? v4Masks[i]! : i === 0 ? 0xc3 : i === n - 1 ? 0x81 : i % 5 === 0 ? 0x11 : 0);
    }
    const len = p.len;
    const full = len >>> 3;
    const rem = len & 7;
    if (full < n) {
      if (rem !== 0) addr[full] = addr[full]! & ((0xff << (8 - rem)) & 0xff);
      addr.fill(0, rem !== 0 ? full + 1 : full);
    }
    return { family, addr, len };
  });
}

const arbAny = fc.oneof(arbNear(4), arbNear(6));
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(arbAny, fc.integer()).map(([p, v]) => ({ k: 'insert' as const, p, v })) },
  { weight: 2, arbitrary: arbAny.map((p) => ({ k: 'delete' as const, p })) },
  { weight: 1, arbitrary: fc.constant({ k: 'optimize' as const }) },
);

function model(ops: Op[]): Map<string, { prefix: Prefix; value: number }> {
  const m = new Map<string, { prefix: Prefix; value: number }>();
  for (const o of ops) {
    if (o.k === 'insert') m.set(prefixKey(o.p), { prefix: o.p, value: o.v });
    else if (o.k === 'delete') m.delete(prefixKey(o.p));
  }
  return m;
}

const show = (list: { prefix: Prefix; value: number }[]) => list.map((e) => `${formatPrefix(e.prefix)}=${e.value}`);
const sorted = (list: { prefix: Prefix; value: number }[]) =>
  show([...list].sort((a, b) => comparePrefix(a.prefix, b.prefix)));

describe('PrefixTrie against a brute-force model (property)', () => {
  it('agrees on size, get, longestMatch, lookup4, covering, covered and entries', () => {
    // jumpTableFrom 0: lookup4 through the IPv4 jump table from the first insert; default: walking (small trie).
    const args = [fc.array(arbOp, { maxLength: 120 }), fc.array(arbAny, { maxLength: 30 }), fc.boolean()] as const;
    fc.assert(
      fc.property(...args, (ops, queries, jump) => {
        const t = new PrefixTrie<number>(jump ? { jumpTableFrom: 0 } : {});
        const deleted: boolean[] = [];
        const m0 = new Map<string, number>();
        for (const o of ops) {
          if (o.k === 'insert') {
            t.insert(o.p, o.v);
            m0.set(prefixKey(o.p), o.v);
          } else if (o.k === 'delete') {
            deleted.push(t.delete(o.p) === m0.delete(prefixKey(o.p)));
          } else {
            t.optimize();
          }
        }
        expect(deleted.every(Boolean)).toBe(true);
        const m = model(ops);
        const all = [...m.values()];
        expect(t.size).toBe(m.size);
        // Glue nodes always branch, so a family with k entries uses at most 2k nodes besides the root.
        const st = t.stats();
        expect(st.jumpTable).toBe(jump && ops.some((o) => o.k === 'insert' && o.p.family === 4));
        const k4 = all.filter((e) => e.prefix.family === 4 && e.prefix.len > 0).length;
        const k6 = all.filter((e) => e.prefix.family === 6 && e.prefix.len > 0).length;
        expect(st.entries4).toBe(all.filter((e) => e.prefix.family === 4).length);
        expect(st.nodes4).toBeLessThanOrEqual(1 + Math.max(0, 2 * k4 - 1));
        expect(st.nodes6).toBeLessThanOrEqual(1 + Math.max(0, 2 * k6 - 1));
        expect(show([...t.entries()])).toEqual(sorted(all));
        for (const q of [...queries, ...ops.flatMap((o) => (o.k === 'optimize' ? [] : [o.p]))]) {
          expect(t.get(q)).toBe(m.get(prefixKey(q))?.value);
          const cov = all.filter((e) => prefixContains(e.prefix, q)).sort((a, b) => a.prefix.len - b.prefix.len);
          expect(show(t.covering(q))).toEqual(show(cov));
          const lm = t.longestMatch(q);
          expect(lm ? show([lm]) : []).toEqual(show(cov.slice(-1)));
          expect(show(t.covered(q))).toEqual(sorted(all.filter((e) => prefixContains(q, e.prefix))));
          if (q.family === 4) {
            const host = { family: 4 as const, addr: q.addr, len: 32 };
            const best = all.filter((e) => prefixContains(e.prefix, host)).sort((a, b) => b.prefix.len - a.prefix.len);
            expect(t.lookup4(addr4ToUint32(q.addr))).toBe(best[0]?.value);
          }
        }
      }),
      { numRuns: 600 },
    );
  });
});

describe('PrefixTrie at scale: automatic relayout and the IPv4 jump table', () => {
  it('agrees with a brute-force lookup while thousands of inserts and deletes interleave with lookups', () => {
    const rand = xorshift32(12345);
    const t = new PrefixTrie<number>({ jumpTableFrom: 0 });
    const m = new Map<string, { prefix: Prefix; value: number }>();
    // Few top bits vary, so short prefixes (<= /16, the jump table's range) nest and collide often.
    const randomPrefix = (): Prefix => {
      const len = rand() % 5 === 0 ? rand() % 17 : 16 + (rand() % 17);
      return prefix4((rand() & 0xc30f0f0f) >>> 0, len);
    };
    const lpm = (a: number) => {
      let best: { prefix: Prefix; value: number } | undefined;
      for (const e of m.values()) {
        const len = e.prefix.len;
        if (
          (len === 0 || (a ^ addr4ToUint32(e.prefix.addr)) >>> (32 - len) === 0) &&
          (!best || len > best.prefix.len)
        ) {
          best = e;
        }
      }
      return best?.value;
    };
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 6000; i++) {
        const p = randomPrefix();
        if (rand() % 3 === 0) {
          expect(t.delete(p)).toBe(m.delete(prefixKey(p)));
        } else {
          t.insert(p, i);
          m.set(prefixKey(p), { prefix: p, value: i });
        }
        // After every change, lookup4 (jump table) agrees with longestMatch (a walk from the root) inside it.
        const inside = (addr4ToUint32(p.addr) | (p.len === 32 ? 0 : rand() >>> p.len)) >>> 0;
        expect(t.lookup4(inside)).toBe(t.longestMatch(prefix4(inside, 32))?.value);
        if (i % 500 === 0) {
          const a = (rand() & 0xc30f0f0f) >>> 0;
          expect(t.lookup4(a)).toBe(lpm(a));
          expect(t.longestMatchValue(prefix4(a, 32))).toBe(lpm(a));
          expect(t.longestMatchValue(p)).toBe(t.longestMatch(p)?.value);
        }
      }
      expect(t.size).toBe(m.size);
      for (let i = 0; i < 300; i++) {
        const a = (rand() & 0xc30f0f0f) >>> 0;
        expect(t.lookup4(a)).toBe(lpm(a));
      }
    }
    expect(t.stats().nodes4).toBeLessThanOrEqual(2 * m.size + 1);
    expect(t.stats().jumpTable).toBe(true);
  });
});
