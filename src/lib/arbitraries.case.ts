// fast-check arbitraries shared by the src/lib property tests (test-only: *.case.ts is not built).
import fc from 'fast-check';
import { FailsmallError } from './errors.js';
import type { Family, Prefix } from './prefix.js';

/** bytes with every bit past len cleared. */
export function maskBytes(bytes: Uint8Array, len: number): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, len - i * 8));
    out[i] = out[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

/** Prefixes with addresses biased toward zero runs, so "::" compression is exercised. */
export function arbPrefix(family?: Family): fc.Arbitrary<Prefix> {
  const byFamily = (f: Family): fc.Arbitrary<Prefix> => {
    const n = f === 4 ? 4 : 16;
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    const bytes =
      f === 4
        ? fc.uint8Array({ minLength: 4, maxLength: 4 })
        : fc.array(group, { minLength: 8, maxLength: 8 }).map((gs) => {
            const b = new Uint8Array(16);
            gs.forEach((g, i) => {
              b[i * 2] = g >>> 8;
              b[i * 2 + 1] = g & 0xff;
            });
            return b;
          });
    return fc
      .tuple(bytes, fc.integer({ min: 0, max: n * 8 }))
      .map(([b, len]) => ({ family: f, addr: maskBytes(b, len), len }));
  };
  return family ? byFamily(family) : fc.oneof(byFamily(4), byFamily(6));
}

/** The FailsmallError fn throws; fails the test when it throws nothing or something else. */
export function caught(fn: () => unknown): FailsmallError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FailsmallError) return e;
    throw e;
  }
  throw new Error('expected a FailsmallError');
}
