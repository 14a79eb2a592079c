import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FailsmallError } from '../lib/errors.js';
import {
  AS_CONFED_SEQUENCE,
  AS_CONFED_SET,
  AS_SEQUENCE,
  AS_SET,
  type AsPathSegment,
  collapsePrepends,
  flattenPath,
  formatAsPath,
  hasAsSet,
  originAsn,
  parseAsPath,
} from './as-path.js';

describe('AS path text', () => {
  it('parses sequences, sets and confederation segments', () => {
    expect(parseAsPath('64496 AS64497 1.10 {64498,64499} (65001 65002) [65003 65004]')).toEqual([
      { type: AS_SEQUENCE, asns: [64496, 64497, 65546] },
      { type: AS_SET, asns: [64498, 64499] },
      { type: AS_CONFED_SEQUENCE, asns: [65001, 65002] },
      { type: AS_CONFED_SET, asns: [65003, 65004] },
    ]);
    expect(parseAsPath('')).toEqual([]);
    expect(parseAsPath('{1 2}')).toEqual([{ type: AS_SET, asns: [1, 2] }]);
  });
  it('rejects malformed text with E_ASPATH_SYNTAX', () => {
    for (const bad of ['1 {2', '1 }', '{}', '1 x2', '1 {2 {3}}', '4294967296', '(1]']) {
      try {
        parseAsPath(bad);
        throw new Error(`accepted ${bad}`);
      } catch (e) {
        expect(e, bad).toBeInstanceOf(FailsmallError);
        expect((e as FailsmallError).code, bad).toBe('E_ASPATH_SYNTAX');
      }
    }
  });
  it('formats back to the same text (round trip)', () => {
    const seg = fc.oneof(
      fc.record({ type: fc.constant(AS_SEQUENCE as 2), asns: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }) }),
      fc.record({ type: fc.constant(AS_SET as 1), asns: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }) }),
      fc.record({ type: fc.constant(AS_CONFED_SET as 4), asns: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }) }),
    );
    fc.assert(
      fc.property(fc.array(seg, { maxLength: 5 }), (segs) => {
        // Adjacent sequences are one segment once written out.
        const merged: AsPathSegment[] = [];
        for (const s of segs) {
          const prev = merged[merged.length - 1];
          if (prev && prev.type === AS_SEQUENCE && s.type === AS_SEQUENCE) (prev.asns as number[]).push(...s.asns);
          else merged.push({ type: s.type, asns: [...s.asns] });
        }
        expect(parseAsPath(formatAsPath(merged))).toEqual(merged);
      }),
    );
  });
});

describe('AS path helpers', () => {
  const p = parseAsPath('(65001) 64496 64496 64497 {64498,64499}');
  it('origin is the last AS of the final AS_SEQUENCE, NONE after an AS_SET, undefined when empty', () => {
    expect(originAsn(parseAsPath('64496 64497'))).toBe(64497);
    expect(originAsn(p)).toBeNull();
    expect(originAsn(parseAsPath('(65001)'))).toBeUndefined();
    expect(originAsn([])).toBeUndefined();
  });
  it('flattens without confederation segments, spots sets, collapses prepends', () => {
    expect(flattenPath(p)).toEqual([64496, 64496, 64497, 64498, 64499]);
    expect(hasAsSet(p)).toBe(true);
    expect(hasAsSet(parseAsPath('1 2'))).toBe(false);
    expect(formatAsPath(collapsePrepends(parseAsPath('1 1 1 2 2 3 {4,4}')))).toBe('1 2 3 {4,4}');
  });
});
