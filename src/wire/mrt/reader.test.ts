import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MrtDamage, type MrtRawRecord, MrtStreamReader } from './reader.js';
import { cat, readAll, sampleDump } from './sample.case.js';
import { frameRecord } from './writer.js';

const bodyOf = (r: { buf: Uint8Array; start: number; end: number }) => Array.from(r.buf.subarray(r.start, r.end));

describe('MrtStreamReader', () => {
  const dump = sampleDump();
  const whole = readAll(dump);

  it('splits a dump into its records with offsets and headers', () => {
    expect(whole.damage).toEqual([]);
    expect(whole.records.map((r) => [r.type, r.subtype])).toEqual([
      [13, 1],
      [13, 2],
      [13, 10],
      [16, 4],
      [17, 4],
      [16, 0],
    ]);
    expect(whole.records[0]!.offset).toBe(0);
    const et = whole.records[4]!;
    expect(et.extended).toBe(true);
    expect(et.microseconds).toBe(123456);
    expect(et.timestamp).toBe(1700000001);
    // each record starts where the previous one ended
    for (let i = 1; i < whole.records.length; i++) {
      const prev = whole.records[i - 1]!;
      expect(whole.records[i]!.offset).toBe(prev.offset + (prev.extended ? 16 : 12) + (prev.end - prev.start));
    }
  });

  it('gives the same records however the input is chunked', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: dump.length }), { maxLength: 40 }), (cuts) => {
        const got = readAll(dump, cuts);
        expect(got.damage).toEqual([]);
        expect(got.records.map((r) => [r.offset, r.type, r.subtype, r.timestamp, r.microseconds, bodyOf(r)])).toEqual(
          whole.records.map((r) => [r.offset, r.type, r.subtype, r.timestamp, r.microseconds, bodyOf(r)]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('reports a truncated last record with its offset and keeps what came before', () => {
    const last = whole.records.at(-1)!;
    for (const cut of [last.offset + 5, last.offset + 12, dump.length - 1]) {
      const got = readAll(dump.subarray(0, cut), [cut >> 1]);
      expect(got.records).toHaveLength(whole.records.length - 1);
      expect(got.damage).toHaveLength(1);
      expect(got.damage[0]).toMatchObject({ offset: last.offset, code: 'E_MRT_TRUNCATED' });
    }
  });

  it('after an over-long record finds the next header and goes on', () => {
    const big = frameRecord(16, 4, { timestamp: 1 }, new Uint8Array(5000));
    const input = cat(big, dump);
    for (const cuts of [[], [7], [100, 2000, 4999, 5011], [5013, 5014, 5020]]) {
      const got = readAll(input, cuts, 4096);
      expect(got.damage).toEqual([
        expect.objectContaining({ offset: 0, code: 'E_MRT_RECORD_TOO_LONG', type: 16 }),
        expect.objectContaining({
          offset: 0,
          code: 'E_MRT_RESYNC',
          message: expect.stringContaining(`offset ${big.length}`),
        }),
      ]);
      expect(got.records.map((r) => r.offset)).toEqual(whole.records.map((r) => r.offset + big.length));
    }
  });

  it('skips an over-long record by its length when resync is off', () => {
    const big = frameRecord(16, 4, { timestamp: 1 }, new Uint8Array(5000));
    const reader = new MrtStreamReader({ maxRecordLength: 4096, resync: false });
    const records: number[] = [];
    const damage: string[] = [];
    const sink = { record: (r: MrtRawRecord) => records.push(r.offset), damage: (d: MrtDamage) => damage.push(d.code) };
    const input = cat(big, dump);
    for (let i = 0; i < input.length; i += 1000) reader.push(input.subarray(i, i + 1000), sink);
    reader.end(sink);
    expect(damage).toEqual(['E_MRT_RECORD_TOO_LONG']);
    expect(records).toEqual(whole.records.map((r) => r.offset + big.length));
  });

  it('resynchronises after garbage between records (property)', () => {
    const rec = whole.records;
    const second = rec[1]!.offset;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 12, maxLength: 300 }),
        fc.array(fc.integer({ min: 0, max: dump.length + 300 }), { maxLength: 5 }),
        (garbage, cuts) => {
          // garbage with an impossible type in front, so the reader cannot take it for a record
          garbage[4] = 0x7f;
          const input = cat(dump.subarray(0, second), garbage, dump.subarray(second));
          const got = readAll(input, cuts);
          expect(got.damage.map((d) => d.code)).toEqual([
            garbage[8]! > 0 ? 'E_MRT_RECORD_TOO_LONG' : 'E_MRT_HEADER',
            'E_MRT_RESYNC',
          ]);
          expect(got.damage[0]!.offset).toBe(second);
          // every record after the garbage is found again (the scan may not stop inside the garbage
          // on a header that points past the input, since those are not plausible in time)
          const tail = got.records.slice(-(rec.length - 1)).map((r) => r.offset - garbage.length);
          expect(tail).toEqual(rec.slice(1).map((r) => r.offset));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reports an extended-timestamp record too short for its microseconds and reads the next', () => {
    const bad = Uint8Array.from([0, 0, 0, 1, 0, 17, 0, 4, 0, 0, 0, 2, 9, 9]);
    const got = readAll(cat(bad, dump), [3, 13]);
    expect(got.damage).toEqual([expect.objectContaining({ offset: 0, code: 'E_MRT_HEADER' })]);
    expect(got.records).toHaveLength(whole.records.length);
  });

  it('reports a header cut short', () => {
    const got = readAll(Uint8Array.from([1, 2, 3, 4, 5]));
    expect(got.records).toEqual([]);
    expect(got.damage).toEqual([expect.objectContaining({ offset: 0, code: 'E_MRT_TRUNCATED' })]);
  });

  it('skips a record of an unknown type by its length when a plausible header follows it, as bgpdump does', () => {
    const unknown = frameRecord(0x0410, 4, { timestamp: 1700000000 }, new Uint8Array(40).fill(0xee));
    const input = cat(unknown, dump);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: input.length }), { maxLength: 8 }), (cuts) => {
        const got = readAll(input, cuts);
        expect(got.damage).toEqual([
          expect.objectContaining({ offset: 0, code: 'E_MRT_UNKNOWN_TYPE', type: 0x0410, subtype: 4 }),
        ]);
        expect(got.records.map((r) => r.offset)).toEqual(whole.records.map((r) => r.offset + unknown.length));
      }),
      { numRuns: 200 },
    );
    // the last record of the input, unknown: skipped too
    expect(readAll(cat(dump, unknown)).damage.map((d) => d.code)).toEqual(['E_MRT_UNKNOWN_TYPE']);
  });

  it('does not resynchronise on a false header whose length runs past the end of the input', () => {
    const first = whole.records[1]!.offset;
    // a damaged header (unknown type, a length that leads nowhere), then a plausible header claiming 1 MB
    const damaged = Uint8Array.from([0x65, 0x53, 0xf1, 0x00, 0x7f, 0x7f, 0, 0, 0, 0, 0, 3, 1, 2, 3]);
    const falseHeader = frameRecord(16, 4, { timestamp: 1700000000 }, new Uint8Array(0)).slice(0, 12);
    falseHeader.set([0, 0x0f, 0x42, 0x40], 8);
    const input = cat(dump.subarray(0, first), damaged, falseHeader, dump.subarray(first));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: input.length }), { maxLength: 6 }), (cuts) => {
        const got = readAll(input, cuts);
        expect(got.damage.map((d) => d.code)).toEqual(['E_MRT_HEADER', 'E_MRT_RESYNC']);
        expect(got.records).toHaveLength(whole.records.length);
      }),
      { numRuns: 200 },
    );
  });
});
