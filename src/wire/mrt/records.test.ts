import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPrefix, parsePrefix } from '../../lib/prefix.js';
import { MrtDecoder } from './records.js';
import { decodeAll, ip4, readAll, sampleDump } from './sample.case.js';
import { encodeBgp4mpMessage, encodePeerIndexTable, encodeRecord, encodeRib, frameRecord } from './writer.js';

describe('MrtDecoder and the writer', () => {
  it('decodes every kind the writer writes', () => {
    const { records, damage } = decodeAll(sampleDump());
    expect(damage).toEqual([]);
    const kinds = records.map((r) => r.body.kind);
    expect(kinds).toEqual([
      'peer_index_table',
      'rib',
      'rib',
      'bgp4mp_message',
      'bgp4mp_message',
      'bgp4mp_state_change',
    ]);
    const [table, rib4, rib6, msg, msgEt, state] = records.map((r) => r.body);
    if (table?.kind !== 'peer_index_table' || rib4?.kind !== 'rib' || rib6?.kind !== 'rib') throw new Error('kinds');
    expect(table.viewName).toBe('lab');
    expect(table.peers.map((p) => [p.family, p.asn, p.as4])).toEqual([
      [4, 64500, false],
      [6, 4200000000, true],
    ]);
    expect(formatPrefix(rib4.prefix)).toBe('203.0.113.0/24');
    expect(rib4.entries.map((e) => e.peerIndex)).toEqual([0, 1]);
    expect(formatPrefix(rib6.prefix)).toBe('2001:db8:1::/48');
    expect(rib6.entries[0]!.pathId).toBe(7);
    if (msg?.kind !== 'bgp4mp_message' || state?.kind !== 'bgp4mp_state_change') throw new Error('kinds');
    expect([msg.as4, msg.local, msg.addPath, msg.peerAs, msg.localAs, msg.message[18]]).toEqual([
      true,
      false,
      false,
      64500,
      65000,
      2,
    ]);
    expect(records[4]!.header).toMatchObject({ type: 17, microseconds: 123456 });
    expect(msgEt?.kind).toBe('bgp4mp_message');
    expect([state.oldState, state.newState, state.as4]).toEqual([1, 6, false]);
  });

  it('re-encodes each decoded record to the same bytes', () => {
    const dump = sampleDump();
    const { records } = readAll(dump);
    const dec = new MrtDecoder();
    for (const raw of records) {
      const res = dec.decode(raw);
      if (!res.ok) throw new Error(res.damage.message);
      const hdr = raw.extended ? 16 : 12;
      expect(Array.from(encodeRecord(res.record))).toEqual(
        Array.from(dump.subarray(raw.offset, raw.end - raw.start + raw.offset + hdr)),
      );
    }
  });

  it('round-trips arbitrary RIB and BGP4MP records (property)', () => {
    const peer = fc.record({
      bgpId: fc.uint8Array({ minLength: 4, maxLength: 4 }),
      family: fc.constantFrom(4 as const, 6 as const),
      asn: fc.nat({ max: 0xffffffff }),
      as4: fc.boolean(),
    });
    const entry = fc.record({
      peerIndex: fc.nat({ max: 2 }),
      originatedTime: fc.nat({ max: 0xffffffff }),
      pathId: fc.nat({ max: 0xffffffff }),
      attributes: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(
      fc.property(
        fc.array(peer, { minLength: 3, maxLength: 3 }),
        fc.boolean(),
        fc.constantFrom(1 as const, 2 as const),
        fc.constantFrom(1 as const, 2 as const),
        fc.nat({ max: 128 }),
        fc.array(entry, { maxLength: 4 }),
        fc.uint8Array({ minLength: 19, maxLength: 60 }),
        (peers, addPath, afi, safi, len, entries, message) => {
          const time = { timestamp: 1 };
          const table = encodePeerIndexTable(
            {
              collectorId: ip4('10.0.0.1'),
              viewName: '',
              peers: peers.map((p) => ({
                ...p,
                as4: p.as4 || p.asn > 0xffff,
                address: new Uint8Array(p.family === 4 ? 4 : 16).fill(7),
              })),
            },
            time,
          );
          const prefix = parsePrefix(
            afi === 1 ? `10.0.0.0/${Math.max(8, Math.min(len, 32))}` : `2001:db8::/${Math.max(32, len)}`,
          );
          const rib = encodeRib(
            {
              afi,
              safi,
              addPath,
              sequence: 9,
              prefix,
              entries: entries.map((e) => ({ ...e, pathId: addPath ? e.pathId : undefined, offset: 0 })),
            },
            time,
          );
          const msg = encodeBgp4mpMessage(
            {
              peerAs: 1,
              localAs: 2,
              ifIndex: 3,
              afi: 1,
              peerAddress: ip4('1.2.3.4'),
              localAddress: ip4('5.6.7.8'),
              as4: false,
              local: addPath,
              addPath,
              message,
            },
            { timestamp: 5, microseconds: 77 },
          );
          const all = new Uint8Array(table.length + rib.length + msg.length);
          all.set(table, 0);
          all.set(rib, table.length);
          all.set(msg, table.length + rib.length);
          const { records, damage } = decodeAll(all);
          expect(damage).toEqual([]);
          const again = records.map((r) => encodeRecord(r));
          expect(Array.from(again[0]!)).toEqual(Array.from(table));
          expect(Array.from(again[1]!)).toEqual(Array.from(rib));
          expect(Array.from(again[2]!)).toEqual(Array.from(msg));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reports damage with the offset of the bad field', () => {
    const rib = encodeRib(
      {
        afi: 1,
        safi: 1,
        addPath: false,
        sequence: 0,
        prefix: parsePrefix('10.0.0.0/8'),
        entries: [{ peerIndex: 0, originatedTime: 0, attributes: new Uint8Array(0), offset: 0 }],
      },
      { timestamp: 0 },
    );
    // no PEER_INDEX_TABLE before the RIB record
    let got = decodeAll(rib);
    expect(got.damage).toEqual([expect.objectContaining({ code: 'E_MRT_PEER_INDEX', offset: 12 + 4 + 2 + 2 })]);
    // a prefix length of 33
    const bad = rib.slice();
    bad[16] = 33;
    const table = encodePeerIndexTable({ collectorId: ip4('1.1.1.1'), viewName: '', peers: [] }, { timestamp: 0 });
    got = decodeAll(new Uint8Array([...table, ...bad]));
    expect(got.damage).toEqual([expect.objectContaining({ code: 'E_MRT_PREFIX', offset: table.length + 16 })]);
    // a body cut inside a field (the record length says so)
    const short = frameRecord(16, 4, { timestamp: 0 }, Uint8Array.from([0, 0, 0, 1, 0, 0]));
    got = decodeAll(short);
    expect(got.damage).toEqual([expect.objectContaining({ code: 'E_MRT_SHORT', offset: 16 })]);
    // bytes left after a state change
    const state = frameRecord(
      16,
      0,
      { timestamp: 0 },
      new Uint8Array([0, 1, 0, 2, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2, 9]),
    );
    got = decodeAll(state);
    expect(got.damage).toEqual([expect.objectContaining({ code: 'E_MRT_TRAILING', offset: 12 + 20 })]);
  });

  it('writer refuses values that do not fit', () => {
    expect(() =>
      encodeBgp4mpMessage(
        {
          peerAs: 70000,
          localAs: 1,
          ifIndex: 0,
          afi: 1,
          peerAddress: ip4('1.1.1.1'),
          localAddress: ip4('1.1.1.2'),
          as4: false,
          local: false,
          addPath: false,
          message: new Uint8Array(19),
        },
        { timestamp: 0 },
      ),
    ).toThrow(expect.objectContaining({ code: 'E_MRT_ENCODE' }));
    expect(() =>
      encodeRib(
        { afi: 2, safi: 1, addPath: false, sequence: 0, prefix: parsePrefix('10.0.0.0/8'), entries: [] },
        { timestamp: 0 },
      ),
    ).toThrow(expect.objectContaining({ code: 'E_MRT_ENCODE' }));
  });
});
