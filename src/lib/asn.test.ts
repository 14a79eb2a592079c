import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caught } from './arbitraries.case.js';
import { classifyAsn, formatAsn, isPrivateAsn, isPublicAsn, parseAsn } from './asn.js';

describe('parseAsn', () => {
  it.each([
    ['65000', 65000],
    ['AS65000', 65000],
    ['as65000', 65000],
    ['0', 0],
    ['4294967295', 4294967295],
    ['1.10', 65546],
    ['AS1.10', 65546],
    ['0.65000', 65000],
    ['65535.65535', 4294967295],
  ])('%s → %d', (text, asn) => {
    expect(parseAsn(text)).toBe(asn);
  });

  it.each([
    ['', 'E_ASN_SYNTAX'],
    ['AS', 'E_ASN_SYNTAX'],
    ['065000', 'E_ASN_SYNTAX'],
    ['65 000', 'E_ASN_SYNTAX'],
    [' 65000', 'E_ASN_SYNTAX'],
    ['-1', 'E_ASN_SYNTAX'],
    ['1.', 'E_ASN_SYNTAX'],
    ['.1', 'E_ASN_SYNTAX'],
    ['1.2.3', 'E_ASN_SYNTAX'],
    ['1e5', 'E_ASN_SYNTAX'],
    ['ASN65000', 'E_ASN_SYNTAX'],
    ['4294967296', 'E_ASN_RANGE'],
    ['99999999999999', 'E_ASN_RANGE'],
    ['65536.0', 'E_ASN_RANGE'],
    ['1.65536', 'E_ASN_RANGE'],
  ])('%j is rejected with %s', (text, code) => {
    const e = caught(() => parseAsn(text));
    expect(e.code).toBe(code);
    expect(e.message).toContain(JSON.stringify(text));
  });
});

describe('formatAsn', () => {
  it('formats the three styles', () => {
    expect(formatAsn(65546)).toBe('65546');
    expect(formatAsn(65546, 'asdot')).toBe('1.10');
    expect(formatAsn(65000, 'asdot')).toBe('65000');
    expect(formatAsn(65000, 'asdot+')).toBe('0.65000');
    expect(formatAsn(4294967295, 'asdot+')).toBe('65535.65535');
  });
  it('rejects values that are not AS numbers', () => {
    for (const v of [-1, 2 ** 32, 1.5, Number.NaN]) expect(caught(() => formatAsn(v)).code).toBe('E_ASN_RANGE');
  });
  it('round-trips every style (property)', () => {
    const asn = fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 70000 }));
    fc.assert(
      fc.property(asn, fc.constantFrom('asplain', 'asdot', 'asdot+') as fc.Arbitrary<'asplain'>, (n, style) => {
        expect(parseAsn(formatAsn(n, style))).toBe(n);
        expect(parseAsn(`AS${formatAsn(n, style)}`)).toBe(n);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('classifyAsn', () => {
  it.each([
    [0, 'reserved'],
    [1, 'public'],
    [13335, 'public'],
    [23456, 'as_trans'],
    [64495, 'public'],
    [64496, 'documentation'],
    [64511, 'documentation'],
    [64512, 'private'],
    [65534, 'private'],
    [65535, 'reserved'],
    [65536, 'documentation'],
    [65551, 'documentation'],
    [65552, 'reserved'],
    [131071, 'reserved'],
    [131072, 'public'],
    [4199999999, 'public'],
    [4200000000, 'private'],
    [4294967294, 'private'],
    [4294967295, 'reserved'],
  ])('AS%d is %s', (asn, cls) => {
    expect(classifyAsn(asn)).toBe(cls);
  });
  it('helpers agree', () => {
    expect(isPrivateAsn(64512)).toBe(true);
    expect(isPublicAsn(64512)).toBe(false);
    expect(isPublicAsn(3356)).toBe(true);
    expect(caught(() => classifyAsn(-1)).code).toBe('E_ASN_RANGE');
  });
});
