import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FailsmallError } from '../lib/errors.js';
import { type Prefix, parsePrefix, prefix4, prefixContains, prefixFromBytes } from '../lib/prefix.js';
import { checkVrp, type Vrp, VrpIndex } from './rov.js';

const vrp = (prefix: string, maxLength: number, asn: number): Vrp => ({ prefix: parsePrefix(prefix), maxLength, asn });

describe('route origin validation (RFC 6811)', () => {
  const ix = new VrpIndex([
    vrp('192.0.2.0/24', 24, 64496),
    vrp('198.51.100.0/22', 24, 64497),
    vrp('198.51.100.0/22', 22, 64498),
    vrp('10.0.0.0/8', 8, 0), // AS0: never routed
    vrp('2001:db8::/32', 48, 64499),
    vrp('192.0.2.0/24', 24, 64496), // duplicate payload (another ROA or TA): stored once
  ]);

  it('stores each distinct payload once', () => expect(ix.size).toBe(5));

  it('Valid when a covering VRP names the origin within maxLength', () => {
    expect(ix.validate(parsePrefix('192.0.2.0/24'), 64496)).toBe('valid');
    expect(ix.validate(parsePrefix('198.51.101.0/24'), 64497)).toBe('valid');
    expect(ix.validate(parsePrefix('2001:db8:1::/48'), 64499)).toBe('valid');
    expect(ix.explain(parsePrefix('198.51.100.0/22'), 64498)).toMatchObject({ state: 'valid', reason: null });
  });

  it('Invalid with the reason: wrong origin, or too specific (maxLength exceeded)', () => {
    const wrong = ix.explain(parsePrefix('192.0.2.0/24'), 64511);
    expect(wrong).toMatchObject({ state: 'invalid', reason: 'wrong-origin' });
    expect(wrong.covering.map((v) => v.asn)).toEqual([64496]);
    const tooLong = ix.explain(parsePrefix('198.51.100.0/23'), 64498);
    expect(tooLong).toMatchObject({ state: 'invalid', reason: 'too-specific' });
    expect(tooLong.covering.map((v) => v.asn).sort()).toEqual([64497, 64498]);
    expect(ix.validate(parsePrefix('192.0.2.128/25'), 64496)).toBe('invalid');
    expect(ix.validate(parsePrefix('2001:db8:1:2::/64'), 64499)).toBe('invalid');
  });

  it('NotFound when no VRP covers the route (a less specific route is not covered)', () => {
    expect(ix.explain(parsePrefix('203.0.113.0/24'), 64496)).toMatchObject({ state: 'not-found', covering: [] });
    expect(ix.validate(parsePrefix('192.0.0.0/16'), 64496)).toBe('not-found');
    expect(ix.validate(parsePrefix('2001:db9::/32'), 64499)).toBe('not-found');
  });

  it('AS0 VRPs and origin NONE (AS_SET) never match', () => {
    expect(ix.validate(parsePrefix('10.1.0.0/16'), 0)).toBe('invalid');
    expect(ix.validate(parsePrefix('192.0.2.0/24'), null)).toBe('invalid');
    expect(ix.explain(parsePrefix('192.0.2.0/24'), null).reason).toBe('wrong-origin');
  });

  it('rejects inconsistent VRPs with E_RPKI_VRP', () => {
    expect(() => checkVrp(vrp('192.0.2.0/24', 23, 1), 'entry 3')).toThrow(FailsmallError);
    expect(() => checkVrp(vrp('192.0.2.0/24', 33, 1), 'x')).toThrow(/between the prefix length 24 and 32/);
    expect(() => checkVrp(vrp('192.0.2.0/24', 24, -1), 'x')).toThrow(/out of range/);
    expect(checkVrp(vrp('2001:db8::/32', 128, 1), 'x').maxLength).toBe(128);
  });
});

// ---- brute force: the index must agree with a linear scan of RFC 6811's definitions ----

function reference(vrps: readonly Vrp[], route: Prefix, origin: number | null): string {
  const covering = vrps.filter((v) => prefixContains(v.prefix, route));
  if (covering.length === 0) return 'not-found';
  const ok = covering.some((v) => origin !== null && origin !== 0 && v.asn === origin && route.len <= v.maxLength);
  return ok ? 'valid' : 'invalid';
}

// Addresses from a few /8../20 bases, so that VRPs and routes overlap often and both sides of the
// 16-bit shortcut (VRPs shorter than /16 on the path or not) are exercised.
const bases = [0x0a000000, 0x0a010000, 0x0a018000, 0xc0000200, 0x80000000];
const v4Prefix = fc
  .record({ base: fc.constantFrom(...bases), noise: fc.nat({ max: 0xffff }), len: fc.integer({ min: 0, max: 32 }) })
  .map(({ base, noise, len }) => prefix4((base | (noise << (noise & 1 ? 0 : 8))) >>> 0, len));
const v6Prefix = fc
  .record({
    hi: fc.constantFrom(0x20010db8, 0x20010db9),
    next: fc.nat({ max: 3 }),
    len: fc.integer({ min: 0, max: 64 }),
  })
  .map(({ hi, next, len }) =>
    prefixFromBytes(6, Uint8Array.of(hi >>> 24, hi >>> 16, hi >>> 8, hi, 0, next, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), len),
  );
const asnArb = fc.integer({ min: 0, max: 4 });
const vrpArb = fc.oneof(v4Prefix, v6Prefix).chain((prefix) =>
  fc.record({
    prefix: fc.constant(prefix),
    maxLength: fc.integer({ min: prefix.len, max: prefix.family === 4 ? 32 : 128 }),
    asn: asnArb,
  }),
);

describe('VrpIndex properties', () => {
  it('agrees with a linear scan of RFC 6811 for every route, both families, origin NONE included', () => {
    fc.assert(
      fc.property(
        fc.array(vrpArb, { maxLength: 40 }),
        fc.array(fc.tuple(fc.oneof(v4Prefix, v6Prefix), fc.option(asnArb, { nil: null })), { maxLength: 40 }),
        (vrps, routes) => {
          const ix = new VrpIndex(vrps);
          for (const [route, origin] of routes) {
            const want = reference(vrps, route, origin);
            expect(ix.validate(route, origin)).toBe(want);
            const why = ix.explain(route, origin);
            expect(why.state).toBe(want);
            expect(why.covering.length).toBe(
              new Set(vrps.filter((v) => prefixContains(v.prefix, route)).map((v) => JSON.stringify(v))).size,
            );
            if (want === 'invalid') {
              const tooSpecific = why.covering.some((v) => origin !== null && origin !== 0 && v.asn === origin);
              expect(why.reason).toBe(tooSpecific ? 'too-specific' : 'wrong-origin');
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
