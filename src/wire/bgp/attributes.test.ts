import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePrefix } from '../../lib/prefix.js';
import { attrsArb, ctxOf, ctxSettingsArb, normalizeAttrs } from './arbitraries.case.js';
import { AS_TRANS, mergeAs4Path } from './as-path.js';
import { decodePathAttributes, encodePathAttributes } from './attributes.js';
import { decodeContext } from './context.js';
import { decodeNlri } from './nlri.js';
import type { PathAttributes, Rfc7606Action } from './types.js';

const ctx4 = decodeContext();
const ctx2 = decodeContext({ as4: false });

function h(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
}

function decode(hex: string, ctx = ctx4) {
  const b = h(hex);
  return decodePathAttributes(b, 0, b.length, ctx);
}

const ORIGIN = '400101 00';
const NEXT_HOP = '400304 c0000201';

describe('decodePathAttributes', () => {
  it('decodes the common attributes', () => {
    const r = decode(
      `${ORIGIN} 40020a 0202 0000fde8 0000fde9 ${NEXT_HOP} 800404 00000064 400504 000000c8 400600 c00708 0000fde8 0a000001
       c00808 fde80001 fde80002 800904 0a000002 800a08 01010101 02020202 c0100800020000fde80001 c0200c 000000010000000200000003
       c02304 0000fde8`,
    );
    expect(r.problems).toEqual([]);
    expect(r.action).toBe('none');
    const a = r.attrs;
    expect(a.origin).toBe(0);
    expect(a.asPath).toEqual([{ type: 2, asns: [65000, 65001] }]);
    expect([...a.nextHop!]).toEqual([192, 0, 2, 1]);
    expect(a.med).toBe(100);
    expect(a.localPref).toBe(200);
    expect(a.atomicAggregate).toBe(true);
    expect(a.aggregator?.asn).toBe(65000);
    expect(a.communities).toEqual([0xfde80001, 0xfde80002]);
    expect([...a.originatorId!]).toEqual([10, 0, 0, 2]);
    expect(a.clusterList?.length).toBe(2);
    expect(a.extendedCommunities?.length).toBe(1);
    expect(a.largeCommunities).toEqual([{ global: 1, local1: 2, local2: 3 }]);
    expect(a.otc).toBe(65000);
  });

  it('reads 2-byte AS paths and aggregators without the 4-octet AS capability', () => {
    const r = decode(`${ORIGIN} 400206 0202 fde8 fde9 ${NEXT_HOP} c00706 5ba0 0a000001`, ctx2);
    expect(r.problems).toEqual([]);
    expect(r.attrs.asPath).toEqual([{ type: 2, asns: [65000, 65001] }]);
    expect(r.attrs.aggregator?.asn).toBe(23456);
  });

  it('keeps unknown optional attributes raw with their flags', () => {
    const r = decode(`${ORIGIN} e06303 010203`);
    expect(r.attrs.unknown).toEqual([{ type: 99, flags: 0xe0, value: h('010203') }]);
    expect(r.action).toBe('none');
  });

  // RFC 7606 §7 per attribute; §3 (g) duplicates; §4 overruns.
  const cases: [string, string, Rfc7606Action, string][] = [
    ['ORIGIN of length 2', '400102 0000', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['ORIGIN value 3', '400101 03', 'treat-as-withdraw', 'E_BGP_ATTR_VALUE'],
    ['AS_PATH segment type 5', '400206 0501 0000fde8', 'treat-as-withdraw', 'E_BGP_ATTR_VALUE'],
    ['AS_PATH segment overrun', '400206 0202 0000fde8', 'treat-as-withdraw', 'E_BGP_ATTR_VALUE'],
    ['AS_PATH zero-length segment', '400202 0200', 'treat-as-withdraw', 'E_BGP_ATTR_VALUE'],
    ['NEXT_HOP of 5 bytes', '400305 0102030405', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['MED of 2 bytes', '800402 0001', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['LOCAL_PREF of 3 bytes', '400503 000001', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['ATOMIC_AGGREGATE of 1 byte', '400601 00', 'attribute-discard', 'E_BGP_ATTR_LENGTH'],
    ['AGGREGATOR of 6 bytes on a 4-octet session', 'c00706 fde80a000001', 'attribute-discard', 'E_BGP_ATTR_LENGTH'],
    ['COMMUNITIES of 6 bytes', 'c00806 000100020003', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['ORIGINATOR_ID of 2 bytes', '800902 0a00', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['CLUSTER_LIST of 5 bytes', '800a05 0101010101', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['EXTENDED_COMMUNITIES of 7 bytes', 'c01007 00020000fde800', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['AS4_PATH malformed', 'c01103 020100', 'attribute-discard', 'E_BGP_ATTR_VALUE'],
    ['AS4_AGGREGATOR of 6 bytes', 'c01206 fde80a000001', 'attribute-discard', 'E_BGP_ATTR_LENGTH'],
    ['LARGE_COMMUNITY of 0 bytes', 'c02000', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['OTC of 2 bytes', 'c02302 fde8', 'treat-as-withdraw', 'E_BGP_ATTR_LENGTH'],
    ['ORIGIN with optional flag', '800101 00', 'treat-as-withdraw', 'E_BGP_ATTR_FLAGS'],
    ['MP_REACH too short for afi/safi', '800e02 0002', 'session-reset', 'E_BGP_MP'],
    ['MP_REACH IPv6 next hop of 4 bytes', '800e09 00020104 0a000001 00 00', 'af-disable', 'E_BGP_MP'],
    ['MP_REACH NLRI over /128', '800e16 00020110 20010db8000000000000000000000001 00 81', 'af-disable', 'E_BGP_NLRI'],
    ['MP_UNREACH too short', '800f01 00', 'session-reset', 'E_BGP_MP'],
    ['duplicate MED', '800404 00000001 800404 00000002', 'attribute-discard', 'E_BGP_ATTR_DUPLICATE'],
    ['duplicate MP_UNREACH', '800f03 000201 800f03 000201', 'session-reset', 'E_BGP_ATTR_DUPLICATE'],
    ['attribute longer than the field', '800404 000000', 'treat-as-withdraw', 'E_BGP_ATTR_OVERRUN'],
    ['header cut short', `${ORIGIN} 40`, 'treat-as-withdraw', 'E_BGP_ATTR_OVERRUN'],
    ['overrun with MP_UNREACH before it', '800f03 000201 800404 00', 'session-reset', 'E_BGP_ATTR_OVERRUN'],
    ['unknown attribute marked well-known', '406302 0102', 'session-reset', 'E_BGP_ATTR_WELLKNOWN'],
  ];
  for (const [name, hex, action, code] of cases) {
    it(`${name} → ${action}`, () => {
      const r = decode(hex);
      expect(r.action).toBe(action);
      expect(r.problems.map((p) => p.code)).toContain(code);
      for (const p of r.problems) expect(p.offset).toBeGreaterThanOrEqual(0);
    });
  }

  it('keeps the first of duplicate attributes', () => {
    expect(decode('800404 00000001 800404 00000002').attrs.med).toBe(1);
  });

  it('never reads past `end` even when the buffer goes on', () => {
    const b = h('800404 00000001');
    const r = decodePathAttributes(b, 0, 5, ctx4);
    expect(r.action).toBe('treat-as-withdraw');
    expect(r.attrs.med).toBeUndefined();
  });

  it('decodes MP_REACH / MP_UNREACH for IPv6 unicast with global and link-local next hops', () => {
    const r = decode(
      `900e 0035 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 30 20010db80001 40 20010db800020000
       800f 08 000201 20 20010db8`,
    );
    expect(r.problems).toEqual([]);
    const mp = r.attrs.mpReach!;
    expect(mp.afi).toBe(2);
    expect(mp.nextHopLinkLocal?.[0]).toBe(0xfe);
    expect(mp.nlri?.map((n) => n.prefix)).toEqual([parsePrefix('2001:db8:1::/48'), parsePrefix('2001:db8:2::/64')]);
    expect(r.attrs.mpUnreach?.nlri?.map((n) => n.prefix)).toEqual([parsePrefix('2001:db8::/32')]);
    const b = h(
      `900e 0035 0002 01 20 20010db8000000000000000000000001 fe800000000000000000000000000001 00 30 20010db80001 40 20010db800020000
       800f 08 000201 20 20010db8`,
    );
    expect(Buffer.from(encodePathAttributes(r.attrs, ctx4)).equals(Buffer.from(b))).toBe(true);
  });

  it('reads the abbreviated MP_REACH of MRT RIB entries', () => {
    const ctx = decodeContext({ mrtRib: { afi: 2, safi: 1 } });
    const b = h('800e11 10 20010db8000000000000000000000001');
    const r = decodePathAttributes(b, 0, b.length, ctx);
    expect(r.problems).toEqual([]);
    expect(r.attrs.mpReach).toMatchObject({ afi: 2, safi: 1, abbreviated: true });
    expect(Buffer.from(encodePathAttributes(r.attrs, ctx)).equals(Buffer.from(b))).toBe(true);
  });

  it('keeps families it does not decode raw (FlowSpec)', () => {
    const r = decode('800e0c 000185 00 00 07 0118c0000201');
    expect(r.problems).toEqual([]);
    expect(r.attrs.mpReach?.nlri).toBeUndefined();
    expect(r.attrs.mpReach?.nlriBytes.length).toBe(7);
  });
});

describe('decodeNlri', () => {
  it('masks host bits but keeps the received bytes for re-encoding', () => {
    const r = decodeNlri(h('0d 0b0d'), 0, 3, 4, false);
    expect(r.problems).toEqual([]);
    expect(r.nlri[0]!.prefix).toEqual(parsePrefix('11.8.0.0/13'));
    expect([...r.nlri[0]!.hostBits!]).toEqual([0x0b, 0x0d]);
  });

  it('reads add-path identifiers', () => {
    const r = decodeNlri(h('00000007 18 c00002'), 0, 8, 4, true);
    expect(r.nlri).toEqual([{ prefix: parsePrefix('192.0.2.0/24'), pathId: 7 }]);
  });

  it('reports lengths over the family maximum and overruns', () => {
    expect(decodeNlri(h('21 01020304 05'), 0, 6, 4, false).problems[0]?.code).toBe('E_BGP_NLRI');
    const r = decodeNlri(h('18 c000'), 0, 3, 4, false);
    expect(r.problems[0]?.action).toBe('session-reset');
    expect(decodeNlri(h('81'), 0, 1, 6, false).problems).toHaveLength(1);
  });
});

describe('AS4_PATH merge (RFC 6793 §4.2.3)', () => {
  it('replaces AS_TRANS with the 4-byte ASes from AS4_PATH', () => {
    const a: PathAttributes = {
      asPath: [{ type: 2, asns: [65001, AS_TRANS, AS_TRANS, 65002] }],
      as4Path: [{ type: 2, asns: [4200000001, 4200000002, 65002] }],
    };
    expect(mergeAs4Path(a).asPath).toEqual([{ type: 2, asns: [65001, 4200000001, 4200000002, 65002] }]);
  });

  it('ignores AS4_PATH longer than AS_PATH', () => {
    const a: PathAttributes = { asPath: [{ type: 2, asns: [1] }], as4Path: [{ type: 2, asns: [2, 3] }] };
    expect(mergeAs4Path(a).asPath).toEqual([{ type: 2, asns: [1] }]);
  });

  it('ignores AS4_PATH and AS4_AGGREGATOR when AGGREGATOR is not AS_TRANS', () => {
    const address = Uint8Array.of(10, 0, 0, 1);
    const a: PathAttributes = {
      asPath: [{ type: 2, asns: [AS_TRANS] }],
      as4Path: [{ type: 2, asns: [4200000001] }],
      aggregator: { asn: 65000, address },
      as4Aggregator: { asn: 4200000001, address },
    };
    expect(mergeAs4Path(a)).toEqual({ asPath: a.asPath, aggregator: a.aggregator });
  });

  it('uses AS4_AGGREGATOR when AGGREGATOR is AS_TRANS, and counts an AS_SET as one', () => {
    const address = Uint8Array.of(10, 0, 0, 1);
    const a: PathAttributes = {
      asPath: [
        { type: 2, asns: [100, AS_TRANS] },
        { type: 1, asns: [AS_TRANS, 300] },
      ],
      as4Path: [
        { type: 2, asns: [4200000001] },
        { type: 1, asns: [4200000002, 300] },
      ],
      aggregator: { asn: AS_TRANS, address },
      as4Aggregator: { asn: 4200000003, address },
    };
    const m = mergeAs4Path(a);
    expect(m.aggregator?.asn).toBe(4200000003);
    expect(m.asPath).toEqual([
      { type: 2, asns: [100, 4200000001] },
      { type: 1, asns: [4200000002, 300] },
    ]);
  });
});

describe('attribute round trip (property)', () => {
  it('decode(encode(attrs)) = attrs and encode(decode(bytes)) = bytes', () => {
    fc.assert(
      fc.property(
        ctxSettingsArb.chain((s) => fc.tuple(fc.constant(s), attrsArb(s))),
        ([s, attrs]) => {
          const ctx = ctxOf(s);
          const bytes = encodePathAttributes(attrs, ctx);
          const r = decodePathAttributes(bytes, 0, bytes.length, ctx);
          expect(r.problems).toEqual([]);
          expect(normalizeAttrs(r.attrs)).toEqual(normalizeAttrs(attrs));
          expect(Buffer.from(encodePathAttributes(r.attrs, ctx)).equals(Buffer.from(bytes))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('encodePathAttributes', () => {
  it('splits AS path segments over 255 ASes and uses extended length for long values', () => {
    const asns = Array.from({ length: 300 }, (_, i) => 64512 + i);
    const bytes = encodePathAttributes(
      { origin: 0, asPath: [{ type: 2, asns }], nextHop: Uint8Array.of(1, 2, 3, 4) },
      ctx4,
    );
    const r = decodePathAttributes(bytes, 0, bytes.length, ctx4);
    expect(r.problems).toEqual([]);
    expect(r.attrs.asPath?.map((s) => s.asns.length)).toEqual([255, 45]);
    expect((r.attrs.layout![1]! >>> 8) & 0x10).toBe(0x10);
  });

  it('writes AS_TRANS for 4-byte ASes on a 2-byte session', () => {
    const bytes = encodePathAttributes({ asPath: [{ type: 2, asns: [4200000000, 65000] }] }, ctx2);
    const r = decodePathAttributes(bytes, 0, bytes.length, ctx2);
    expect(r.attrs.asPath).toEqual([{ type: 2, asns: [23456, 65000] }]);
  });

  it('throws E_BYTES_RANGE for values that do not fit', () => {
    expect(() => encodePathAttributes({ med: 2 ** 32 }, ctx4)).toThrow(/does not fit/);
  });
});
