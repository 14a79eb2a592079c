// Test builders shared by the MRT tests: small, valid dumps made with the writer, and raw BGP UPDATEs.
import { ByteWriter } from '../../lib/bytes.js';
import { parsePrefix } from '../../lib/prefix.js';
import { type MrtDamage, type MrtRawRecord, MrtStreamReader } from './reader.js';
import { MrtDecoder, type MrtRecord } from './records.js';
import {
  concatRecords,
  encodeBgp4mpMessage,
  encodeBgp4mpStateChange,
  encodePeerIndexTable,
  encodeRib,
} from './writer.js';

export const ip4 = (s: string): Uint8Array => Uint8Array.from(s.split('.').map(Number));

/** A path attribute: flags, type, value (extended length when the value is over 255 bytes). */
export function attr(type: number, value: Uint8Array | number[], flags = 0x40): Uint8Array {
  const v = value instanceof Uint8Array ? value : Uint8Array.from(value);
  const w = new ByteWriter();
  if (v.length > 255)
    w.u8(flags | 0x10)
      .u8(type)
      .u16(v.length);
  else w.u8(flags).u8(type).u8(v.length);
  return w.bytes(v).finish();
}

export const cat = (...parts: Uint8Array[]): Uint8Array => concatRecords(parts);

/** AS_PATH of one AS_SEQUENCE. */
export function asPath(asns: number[], asSize: 2 | 4 = 4): Uint8Array {
  const w = new ByteWriter();
  w.u8(2).u8(asns.length);
  for (const a of asns) asSize === 4 ? w.u32(a) : w.u16(a);
  return attr(2, w.finish());
}

/** NLRI bytes of IPv4/IPv6 prefixes given as text. */
export function nlri(prefixes: string[], pathIds?: number[]): Uint8Array {
  const w = new ByteWriter();
  prefixes.forEach((t, i) => {
    const p = parsePrefix(t);
    if (pathIds) w.u32(pathIds[i]!);
    w.u8(p.len).bytes(p.addr.subarray(0, (p.len + 7) >> 3));
  });
  return w.finish();
}

/** A whole BGP UPDATE message: withdrawn NLRI, attributes, NLRI. */
export function update(withdrawn: Uint8Array, attrs: Uint8Array, announced: Uint8Array): Uint8Array {
  const w = new ByteWriter();
  for (let i = 0; i < 16; i++) w.u8(0xff);
  const len = 19 + 2 + withdrawn.length + 2 + attrs.length + announced.length;
  w.u16(len).u8(2).u16(withdrawn.length).bytes(withdrawn).u16(attrs.length).bytes(attrs).bytes(announced);
  return w.finish();
}

/** Standard attributes: ORIGIN IGP, AS_PATH, NEXT_HOP, MED, COMMUNITIES. */
export function basicAttrs(path: number[], nextHop: string, asSize: 2 | 4 = 4): Uint8Array {
  return cat(
    attr(1, [0]),
    asPath(path, asSize),
    attr(3, ip4(nextHop)),
    attr(4, [0, 0, 0, 50], 0x80),
    attr(8, [0xfd, 0xe8, 0, 1, 0xff, 0xff, 0xff, 0x01], 0xc0),
  );
}

/** The BGP4MP peer fields the samples use: AS64500 at 192.0.2.1, seen from AS65000 at 192.0.2.254. */
function bgp4mpPeer() {
  return {
    peerAs: 64500,
    localAs: 65000,
    ifIndex: 0,
    afi: 1,
    peerAddress: ip4('192.0.2.1'),
    localAddress: ip4('192.0.2.254'),
  };
}

/** A small dump with one record of each kind the writer writes. */
export function sampleDump(): Uint8Array {
  const t = { timestamp: 1700000000 };
  const peers = [
    { bgpId: ip4('192.0.2.1'), family: 4 as const, address: ip4('192.0.2.1'), asn: 64500, as4: false },
    {
      bgpId: ip4('192.0.2.2'),
      family: 6 as const,
      address: parsePrefix('2001:db8::2/128').addr,
      asn: 4200000000,
      as4: true,
    },
  ];
  const ribAttrs = basicAttrs([64500, 64501], '192.0.2.1');
  const upd = update(
    nlri(['198.51.100.0/24']),
    basicAttrs([64500, 65550], '192.0.2.9'),
    nlri(['203.0.113.0/24', '10.0.0.0/8']),
  );
  const common = bgp4mpPeer();
  return concatRecords([
    encodePeerIndexTable({ collectorId: ip4('192.0.2.254'), viewName: 'lab', peers }, t),
    encodeRib(
      {
        afi: 1,
        safi: 1,
        addPath: false,
        sequence: 0,
        prefix: parsePrefix('203.0.113.0/24'),
        entries: [
          { peerIndex: 0, originatedTime: 1699999000, attributes: ribAttrs, offset: 0 },
          { peerIndex: 1, originatedTime: 1699999001, attributes: ribAttrs, offset: 0 },
        ],
      },
      t,
    ),
    encodeRib(
      {
        afi: 2,
        safi: 1,
        addPath: true,
        sequence: 1,
        prefix: parsePrefix('2001:db8:1::/48'),
        entries: [{ peerIndex: 1, originatedTime: 1699999002, pathId: 7, attributes: ribAttrs, offset: 0 }],
      },
      t,
    ),
    encodeBgp4mpMessage({ ...common, as4: true, local: false, addPath: false, message: upd }, t),
    encodeBgp4mpMessage(
      { ...common, as4: true, local: false, addPath: false, message: upd },
      { timestamp: 1700000001, microseconds: 123456 },
    ),
    encodeBgp4mpStateChange({ ...common, as4: false, oldState: 1, newState: 6 }, t),
  ]);
}

/** Reads a whole dump (optionally cut into chunks at `cuts`) into raw records and damage. */
export function readAll(
  bytes: Uint8Array,
  cuts: number[] = [],
  maxRecordLength?: number,
): { records: MrtRawRecord[]; damage: MrtDamage[] } {
  const reader = new MrtStreamReader(maxRecordLength === undefined ? {} : { maxRecordLength });
  const records: MrtRawRecord[] = [];
  const damage: MrtDamage[] = [];
  const sink = { record: (r: MrtRawRecord) => records.push(r), damage: (d: MrtDamage) => damage.push(d) };
  let at = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length)].sort((a, b) => a - b).concat(bytes.length)) {
    if (c > at) reader.push(bytes.subarray(at, c), sink);
    at = Math.max(at, c);
  }
  reader.end(sink);
  return { records, damage };
}

/** Decodes every record of a dump; damage from the reader and the decoder together. */
export function decodeAll(bytes: Uint8Array): { records: MrtRecord[]; damage: MrtDamage[] } {
  const { records, damage } = readAll(bytes);
  const dec = new MrtDecoder();
  const out: MrtRecord[] = [];
  for (const r of records) {
    const res = dec.decode(r);
    if (res.ok) out.push(res.record);
    else damage.push(res.damage);
  }
  return { records: out, damage };
}

/**
 * Every BGP4MP message variant (AS4 or not, LOCAL or not, add-path or not, ET or not, IPv4 and IPv6 peers)
 * with IPv4 NLRI, MP_REACH / MP_UNREACH IPv6, and an IPv6 state change: for comparing with bgpdump.
 */
export function variantsDump(): Uint8Array {
  const common = bgp4mpPeer();
  const common6 = {
    ...common,
    afi: 2,
    peerAddress: parsePrefix('2001:db8::1/128').addr,
    localAddress: parsePrefix('2001:db8::fe/128').addr,
  };
  const t = { timestamp: 1700000000 };
  const attrs = basicAttrs([64500, 65550], '192.0.2.9');
  const upd = update(nlri(['198.51.100.0/24']), attrs, nlri(['203.0.113.0/24']));
  const updAp = update(nlri(['198.51.100.0/24'], [5]), attrs, nlri(['203.0.113.0/24'], [6]));
  const mpr = cat(
    Uint8Array.from([0, 2, 1, 16]),
    parsePrefix('2001:db8::9/128').addr,
    Uint8Array.from([0]),
    nlri(['2001:db8:5::/48']),
  );
  const mpu = cat(Uint8Array.from([0, 2, 1]), nlri(['2001:db8:6::/48']));
  const upd6 = update(
    new Uint8Array(0),
    cat(basicAttrs([64500], '192.0.2.9'), attr(14, mpr, 0x80), attr(15, mpu, 0x80)),
    new Uint8Array(0),
  );
  const recs = [sampleDump()];
  for (const local of [false, true])
    for (const addPath of [false, true])
      for (const as4 of [false, true]) {
        const message = addPath ? updAp : upd;
        recs.push(encodeBgp4mpMessage({ ...common, as4, local, addPath, message }, t));
        recs.push(
          encodeBgp4mpMessage({ ...common, as4, local, addPath, message }, { timestamp: 1700000005, microseconds: 42 }),
        );
        recs.push(encodeBgp4mpMessage({ ...common, as4, local, addPath, message: upd6 }, t));
        recs.push(encodeBgp4mpMessage({ ...common6, as4, local, addPath, message: upd6 }, t));
      }
  recs.push(
    encodeBgp4mpStateChange(
      { ...common6, as4: true, oldState: 6, newState: 1 },
      { timestamp: 1700000009, microseconds: 1 },
    ),
  );
  return concatRecords(recs);
}

/** Raw AS path attribute from segments [type, asns] with 2- or 4-byte ASNs. */
export function asPathSegments(segs: [number, number[]][], asSize: 2 | 4, type = 2): Uint8Array {
  const w = new ByteWriter();
  for (const [t, asns] of segs) {
    w.u8(t).u8(asns.length);
    for (const a of asns) asSize === 4 ? w.u32(a) : w.u16(a);
  }
  return attr(type, w.finish(), type === 17 ? 0xc0 : 0x40);
}

/**
 * Records that exercise bgpdump's quirks: AS4_PATH merge (2-byte sessions), AS_SET and confederation
 * segments, a malformed AS_PATH, AS4_AGGREGATOR with AS_TRANS and without, named communities, atomic
 * aggregate, LOCAL_PREF over 2^31 on an IPv4 MP_REACH, and a RIB entry with an abbreviated IPv4 next hop.
 */
export function quirksDump(): Uint8Array {
  const common = bgp4mpPeer();
  const t = { timestamp: 1600000000 };
  const origin = attr(1, [2]);
  const nh = attr(3, ip4('192.0.2.9'));
  const msg = (attrs: Uint8Array, as4 = false) =>
    encodeBgp4mpMessage(
      {
        ...common,
        as4,
        local: false,
        addPath: false,
        message: update(new Uint8Array(0), attrs, nlri(['203.0.113.0/24'])),
      },
      t,
    );
  const comms = attr(
    8,
    [0xff, 0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0x02, 0xff, 0xff, 0xff, 0x03, 0xff, 0xff, 0xff, 0x04],
    0xc0,
  );
  const agg2 = (as: number) => attr(7, [as >> 8, as & 255, 10, 0, 0, 1], 0xc0);
  const agg4 = attr(18, [0, 1, 0x11, 0x70, 10, 0, 0, 2], 0xc0);
  const lp = attr(5, [0x80, 0, 0, 5]);
  const mpr4 = attr(
    14,
    cat(Uint8Array.from([0, 1, 1, 4]), ip4('192.0.2.77'), Uint8Array.from([0]), nlri(['198.18.0.0/15'])),
    0x80,
  );
  const records = [
    // AS4 merge: AS_PATH [1 2][3 4 5] (count 5), AS4_PATH [70000 70001]: bgpdump copies the first segment twice
    msg(
      cat(
        origin,
        asPathSegments(
          [
            [2, [1, 2]],
            [2, [3, 4, 5]],
          ],
          2,
        ),
        nh,
        asPathSegments([[2, [70000, 70001]]], 4, 17),
      ),
    ),
    // AS4_PATH longer than AS_PATH: no merge
    msg(cat(origin, asPathSegments([[2, [1]]], 2), nh, asPathSegments([[2, [70000, 70001]]], 4, 17))),
    // AS_TRANS aggregator replaced by AS4_AGGREGATOR; then a non-AS_TRANS aggregator cancels the AS4 merge
    msg(
      cat(origin, asPathSegments([[2, [23456, 7]]], 2), nh, agg2(23456), agg4, asPathSegments([[2, [70000]]], 4, 17)),
    ),
    msg(cat(origin, asPathSegments([[2, [23456, 7]]], 2), nh, agg2(9), agg4, asPathSegments([[2, [70000]]], 4, 17))),
    // sets and confederations, 4-byte
    msg(
      cat(
        origin,
        asPathSegments(
          [
            [3, [65001, 65002]],
            [4, [65003, 65004]],
            [2, [10, 20]],
            [1, [30, 40]],
          ],
          4,
        ),
        nh,
        comms,
        attr(6, []),
      ),
      true,
    ),
    // a malformed AS_PATH (segment type 9)
    msg(cat(origin, asPathSegments([[9, [1]]], 4), nh), true),
    // IPv4 MP_REACH with LOCAL_PREF over 2^31 (printed signed) and an empty segment
    msg(
      cat(
        origin,
        asPathSegments(
          [
            [2, []],
            [2, [5]],
          ],
          4,
        ),
        lp,
        mpr4,
      ),
      true,
    ),
  ];
  const table = encodePeerIndexTable(
    {
      collectorId: ip4('192.0.2.254'),
      viewName: '',
      peers: [{ bgpId: ip4('192.0.2.1'), family: 4, address: ip4('192.0.2.1'), asn: 64500, as4: false }],
    },
    t,
  );
  // RIB entry with RFC 6396 abbreviated MP_REACH (next-hop length 4): bgpdump reads it as IPv6
  const abbreviated = attr(14, cat(Uint8Array.from([4]), ip4('192.0.2.66')), 0x80);
  const rib = encodeRib(
    {
      afi: 1,
      safi: 1,
      addPath: false,
      sequence: 0,
      prefix: parsePrefix('198.51.100.0/24'),
      entries: [
        {
          peerIndex: 0,
          originatedTime: 1,
          attributes: cat(origin, asPathSegments([[2, [64500]]], 4), abbreviated),
          offset: 0,
        },
      ],
    },
    t,
  );
  return concatRecords([...records, table, rib]);
}
