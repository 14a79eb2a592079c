import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbPrefix, caught, maskBytes } from './arbitraries.case.js';
import {
  comparePrefix,
  type Family,
  formatAddress,
  formatPrefix,
  type Prefix,
  parseAddress,
  parsePrefix,
  prefix4,
  prefixContains,
  prefixEquals,
  prefixFromBytes,
  prefixHasHostBits,
  prefixKey,
  prefixOverlaps,
  sortPrefixes,
  tryParsePrefix,
} from './prefix.js';

const P = parsePrefix;

describe('parsePrefix / formatPrefix', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['255.255.255.255/32', '255.255.255.255/32'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001/128', '2001:db8::1/128'],
    ['2001:db8:0:0:1:0:0:1/128', '2001:db8::1:0:0:1/128'], // leftmost of equal runs
    ['2001:0:0:1:0:0:0:1/128', '2001:0:0:1::1/128'], // longest run wins
    ['2001:db8:0:1:1:1:1:1/128', '2001:db8:0:1:1:1:1:1/128'], // no "::" for one group
    ['::/0', '::/0'],
    ['::1/128', '::1/128'],
    ['1::/16', '1::/16'],
    ['1:2:3:4:5:6:7::/128', '1:2:3:4:5:6:7:0/128'],
    ['::ffff:1.2.3.4/128', '::ffff:1.2.3.4/128'],
    ['::ffff:0102:0304/128', '::ffff:1.2.3.4/128'],
    ['64:ff9b::192.0.2.33/128', '64:ff9b::c000:221/128'],
  ])('%s → %s', (input, canonical) => {
    expect(formatPrefix(P(input))).toBe(canonical);
  });

  it('names the canonical prefix when host bits are set', () => {
    const e = caught(() => P('10.0.0.1/24'));
    expect(e.code).toBe('E_PREFIX_HOST_BITS');
    expect(e.message).toContain('10.0.0.0/24');
    expect(e.details?.canonical).toBe('10.0.0.0/24');
    const e6 = caught(() => P('2001:db8::1/32'));
    expect(e6.details?.canonical).toBe('2001:db8::/32');
    expect(formatPrefix(P('10.128.0.0/9'))).toBe('10.128.0.0/9');
  });

  it.each([
    ['10.0.0.0/33', 'E_PREFIX_LENGTH'],
    ['::/129', 'E_PREFIX_LENGTH'],
    ['10.0.0.0/1000', 'E_PREFIX_LENGTH'],
    ['1.2.3/24', 'E_PREFIX_SYNTAX'],
    ['1.2.3.4.5/24', 'E_PREFIX_SYNTAX'],
    ['010.1.1.0/24', 'E_PREFIX_SYNTAX'],
    ['256.0.0.0/8', 'E_PREFIX_SYNTAX'],
    ['10.0.0.0', 'E_PREFIX_SYNTAX'],
    ['10.0.0.0/', 'E_PREFIX_SYNTAX'],
    ['10.0.0.0/x', 'E_PREFIX_SYNTAX'],
    ['10.0.0.0/08', 'E_PREFIX_SYNTAX'],
    ['10.0.0.0/-1', 'E_PREFIX_SYNTAX'],
    [' 10.0.0.0/8', 'E_PREFIX_SYNTAX'],
    ['10.0.0.0/8 ', 'E_PREFIX_SYNTAX'],
    ['10..0.0/8', 'E_PREFIX_SYNTAX'],
    ['/8', 'E_PREFIX_SYNTAX'],
    ['1:2:3:4:5:6:7:8:9/128', 'E_PREFIX_SYNTAX'],
    ['1:2:3:4:5:6:7/128', 'E_PREFIX_SYNTAX'],
    ['1:2:3:4:5:6:7:8::/128', 'E_PREFIX_SYNTAX'],
    ['1::2::3/128', 'E_PREFIX_SYNTAX'],
    [':1::/16', 'E_PREFIX_SYNTAX'],
    ['1::2:/128', 'E_PREFIX_SYNTAX'],
    ['12345::/16', 'E_PREFIX_SYNTAX'],
    ['g::/16', 'E_PREFIX_SYNTAX'],
    ['fe80::1%eth0/128', 'E_PREFIX_SYNTAX'],
    ['1:2:3:4:5:6:7:1.2.3.4/128', 'E_PREFIX_SYNTAX'],
    ['::1.2.3/128', 'E_PREFIX_SYNTAX'],
  ])('%s is rejected with %s', (input, code) => {
    const e = caught(() => P(input));
    expect(e.code).toBe(code);
    expect(e.message).toContain(JSON.stringify(input));
    const t = tryParsePrefix(input);
    expect(t.ok).toBe(false);
    if (!t.ok) expect(t.code).toBe(code);
  });

  it('says why', () => {
    expect(caught(() => P('1.2.3/24')).message).toContain('needs 4 dotted parts');
    expect(caught(() => P('010.1.1.0/24')).message).toContain('leading zero');
    expect(caught(() => P('10.0.0.0/33')).message).toContain('0-32');
    expect(caught(() => P('10.0.0.0')).message).toContain('missing "/length"');
  });
});

describe('parseAddress / formatAddress', () => {
  it('parses both families', () => {
    expect(parseAddress('192.0.2.1')).toEqual({ family: 4, addr: Uint8Array.of(192, 0, 2, 1) });
    const a = parseAddress('::FFFF:1.2.3.4');
    expect(a.family).toBe(6);
    expect(formatAddress(6, a.addr)).toBe('::ffff:1.2.3.4');
    expect(formatAddress(6, parseAddress('::').addr)).toBe('::');
  });
  it('rejects with E_ADDRESS_SYNTAX', () => {
    for (const s of ['', '1.2.3', '01.2.3.4', '1.2.3.4/32', ':::', 'x']) {
      expect(caught(() => parseAddress(s)).code).toBe('E_ADDRESS_SYNTAX');
    }
  });
});

describe('prefixFromBytes / prefixHasHostBits', () => {
  it('takes ceil(len/8) bytes and masks host bits', () => {
    const p = prefixFromBytes(4, Uint8Array.of(10, 1, 0xff), 20);
    expect(formatPrefix(p)).toBe('10.1.240.0/20');
    expect(formatPrefix(prefixFromBytes(6, Uint8Array.of(0x20, 0x01, 0x0d, 0xb8), 32))).toBe('2001:db8::/32');
    expect(formatPrefix(prefixFromBytes(4, new Uint8Array(0), 0))).toBe('0.0.0.0/0');
    expect(caught(() => prefixFromBytes(4, Uint8Array.of(10), 9)).code).toBe('E_BYTES_SHORT');
    expect(caught(() => prefixFromBytes(4, Uint8Array.of(10, 0, 0, 0, 0), 33)).code).toBe('E_PREFIX_LENGTH');
  });
  it('detects host bits in short byte strings', () => {
    expect(prefixHasHostBits(4, Uint8Array.of(10, 1, 0xff), 20)).toBe(true);
    expect(prefixHasHostBits(4, Uint8Array.of(10, 1, 0xf0), 20)).toBe(false);
    expect(prefixHasHostBits(4, Uint8Array.of(10, 0, 0, 1), 24)).toBe(true);
    expect(prefixHasHostBits(6, parseAddress('2001:db8::1').addr, 127)).toBe(true);
    expect(prefixHasHostBits(6, parseAddress('2001:db8::1').addr, 128)).toBe(false);
    expect(prefixHasHostBits(6, parseAddress('2001:db8::2').addr, 127)).toBe(false);
  });
  it('prefix4 masks the uint32 address', () => {
    expect(formatPrefix(prefix4(0xc0000201, 24))).toBe('192.0.2.0/24');
    expect(formatPrefix(prefix4(0xffffffff, 0))).toBe('0.0.0.0/0');
    expect(formatPrefix(prefix4(0xffffffff, 32))).toBe('255.255.255.255/32');
  });
});

describe('relations', () => {
  it('contains, overlaps, equals', () => {
    expect(prefixContains(P('10.0.0.0/8'), P('10.1.0.0/16'))).toBe(true);
    expect(prefixContains(P('10.1.0.0/16'), P('10.0.0.0/8'))).toBe(false);
    expect(prefixContains(P('10.0.0.0/8'), P('10.0.0.0/8'))).toBe(true);
    expect(prefixContains(P('10.0.0.0/8'), P('11.0.0.0/16'))).toBe(false);
    expect(prefixContains(P('::/0'), P('0.0.0.0/0'))).toBe(false);
    expect(prefixContains(P('10.0.0.0/9'), P('10.128.0.0/16'))).toBe(false);
    expect(prefixOverlaps(P('10.1.0.0/16'), P('10.0.0.0/8'))).toBe(true);
    expect(prefixOverlaps(P('10.1.0.0/16'), P('10.2.0.0/16'))).toBe(false);
    expect(prefixEquals(P('2001:db8::/32'), P('2001:0db8::/32'))).toBe(true);
    expect(prefixEquals(P('2001:db8::/32'), P('2001:db8::/33'))).toBe(false);
  });
  it('sorts by family, address, length', () => {
    const list = ['2001:db8::/32', '10.0.0.0/16', '10.0.0.0/8', '9.0.0.0/8', '::/0'].map(P);
    expect(sortPrefixes(list).map(formatPrefix)).toEqual([
      '9.0.0.0/8',
      '10.0.0.0/8',
      '10.0.0.0/16',
      '::/0',
      '2001:db8::/32',
    ]);
    expect(formatPrefix(list[0]!)).toBe('2001:db8::/32'); // input untouched
  });
});

// ---- properties ---------------------------------------------------------------------------------

/** A reference IPv6 formatter: RFC 5952 by string manipulation, independent of the implementation. */
function refFormat6(addr: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((addr[i]! << 8) | addr[i + 1]!).toString(16));
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    return `::ffff:${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
  }
  let best = '';
  for (const m of groups.join(':').matchAll(/(?:^|:)(0(?::0)+)(?=:|$)/g)) if (m[1]!.length > best.length) best = m[1]!;
  if (!best) return groups.join(':');
  const joined = `:${groups.join(':')}:`;
  const at = joined.indexOf(`:${best}:`);
  const out = `${joined.slice(0, at)}::${joined.slice(at + best.length + 2)}`;
  return out.replace(/^:(?!:)/, '').replace(/(?<!:):$/, '');
}

describe('properties', () => {
  it('parse(format(p)) equals p, and format is canonical', () => {
    fc.assert(
      fc.property(arbPrefix(), (p) => {
        const s = formatPrefix(p);
        const q = parsePrefix(s);
        expect(prefixEquals(p, q)).toBe(true);
        expect(formatPrefix(q)).toBe(s);
        expect(prefixKey(q)).toBe(prefixKey(p));
        if (p.family === 6) {
          expect(s).toBe(`${refFormat6(p.addr)}/${p.len}`);
          expect(s).toBe(s.toLowerCase());
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('non-canonical spellings parse to the same prefix and format canonically', () => {
    fc.assert(
      fc.property(arbPrefix(6), fc.boolean(), (p, upper) => {
        const full: string[] = [];
        for (let i = 0; i < 16; i += 2) full.push(((p.addr[i]! << 8) | p.addr[i + 1]!).toString(16).padStart(4, '0'));
        let s = `${full.join(':')}/${p.len}`;
        if (upper) s = s.toUpperCase();
        const q = parsePrefix(s);
        expect(prefixEquals(p, q)).toBe(true);
        expect(formatPrefix(q)).toBe(formatPrefix(p));
      }),
    );
  });

  it('host bits are always reported with the canonical prefix', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 31 }), (b, len) => {
        const text = `${formatAddress(4, b)}/${len}`;
        const r = tryParsePrefix(text);
        const masked = maskBytes(b, len);
        if (masked.every((x, i) => x === b[i])) {
          expect(r.ok).toBe(true);
        } else {
          expect(r.ok).toBe(false);
          expect(caught(() => parsePrefix(text)).details?.canonical).toBe(`${formatAddress(4, masked)}/${len}`);
        }
      }),
    );
  });

  it('contains/overlaps agree with a bitwise model; compare is a total order', () => {
    const bit = (p: Prefix, i: number) => (p.addr[i >>> 3]! >>> (7 - (i & 7))) & 1;
    const contains = (o: Prefix, i: Prefix) => {
      if (o.family !== i.family || o.len > i.len) return false;
      for (let k = 0; k < o.len; k++) if (bit(o, k) !== bit(i, k)) return false;
      return true;
    };
    // Short lengths and few distinct bytes so that related pairs are common.
    const near = (f: Family) =>
      arbPrefix(f).map((p) =>
        prefixFromBytes(
          f,
          p.addr.map((x) => x & 0xc1),
          Math.min(p.len, 12),
        ),
      );
    const pair = fc.oneof(fc.tuple(near(4), near(4)), fc.tuple(near(6), near(6)), fc.tuple(near(4), near(6)));
    fc.assert(
      fc.property(pair, ([a, b]) => {
        expect(prefixContains(a, b)).toBe(contains(a, b));
        expect(prefixOverlaps(a, b)).toBe(contains(a, b) || contains(b, a));
        expect(Math.sign(comparePrefix(a, b)) + Math.sign(comparePrefix(b, a))).toBe(0);
        expect(comparePrefix(a, b) === 0).toBe(prefixEquals(a, b));
        if (contains(a, b) && !prefixEquals(a, b)) expect(comparePrefix(a, b)).toBeLessThan(0);
      }),
      { numRuns: 2000 },
    );
  });
});
