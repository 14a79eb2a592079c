import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { caught } from './arbitraries.case.js';
import { ByteReader, ByteWriter } from './bytes.js';

describe('ByteReader', () => {
  it('reads big-endian integers and advances', () => {
    const r = new ByteReader(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 0xff, 0xff, 0xff, 0xff, 9));
    expect(r.u8()).toBe(1);
    expect(r.u16()).toBe(0x0203);
    expect(r.u32()).toBe(0x04050607);
    expect(r.peekU8()).toBe(0xff);
    expect(r.u32()).toBe(0xffffffff);
    expect(r.pos).toBe(11);
    expect(r.remaining).toBe(1);
  });

  it('reads u64 as bigint', () => {
    const r = new ByteReader(Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 1));
    expect(r.u64()).toBe(0xff00000000000001n);
  });

  it('bytes() is a view, sub() keeps absolute offsets and advances the parent', () => {
    const buf = Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7);
    const r = new ByteReader(buf, 1);
    const v = r.bytes(2);
    expect([...v]).toEqual([1, 2]);
    buf[1] = 99;
    expect(v[0]).toBe(99);
    const s = r.sub(3);
    expect(r.pos).toBe(6);
    expect(s.pos).toBe(3);
    expect(s.end).toBe(6);
    s.skip(2);
    expect(s.u8()).toBe(5);
    const e = caught(() => s.u8());
    expect(e.code).toBe('E_BYTES_SHORT');
    expect(e.details).toEqual({ offset: 6, wanted: 1, have: 0 });
  });

  it('errors name the offset, the wanted and the available count', () => {
    const r = new ByteReader(new Uint8Array(19), 15);
    r.u16();
    const e = caught(() => r.u32());
    expect(e.code).toBe('E_BYTES_SHORT');
    expect(e.message).toBe('need 4 bytes at offset 17, 2 left');
    expect(e.details).toEqual({ offset: 17, wanted: 4, have: 2 });
    expect(r.pos).toBe(17); // a failed read does not move
    expect(caught(() => r.bytes(3)).message).toContain('offset 17');
    expect(caught(() => r.sub(3)).code).toBe('E_BYTES_SHORT');
    expect(caught(() => r.skip(-1)).code).toBe('E_BYTES_RANGE');
    expect(caught(() => r.u64()).details).toEqual({ offset: 17, wanted: 8, have: 2 });
  });

  it('rejects a window that does not fit', () => {
    expect(caught(() => new ByteReader(new Uint8Array(4), 2, 5)).code).toBe('E_BYTES_RANGE');
    expect(caught(() => new ByteReader(new Uint8Array(4), 3, 2)).code).toBe('E_BYTES_RANGE');
  });
});

describe('ByteWriter', () => {
  it('writes big-endian and patches reserved fields', () => {
    const w = new ByteWriter(1);
    const at = w.reserve(2);
    w.u8(1).u16(0x0203).u32(0x04050607).bytes(Uint8Array.of(8, 9));
    w.setU16(at, w.length);
    expect([...w.finish()]).toEqual([0, 11, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(w.length).toBe(0);
  });

  it('finish() output is not overwritten by later writes', () => {
    const w = new ByteWriter();
    const a = w.u32(1).finish();
    w.u32(0xffffffff);
    expect([...a]).toEqual([0, 0, 0, 1]);
    expect([...w.finish()]).toEqual([255, 255, 255, 255]);
  });

  it('rejects values that do not fit, naming the offset', () => {
    const w = new ByteWriter();
    w.u8(0);
    const e = caught(() => w.u16(70000));
    expect(e.code).toBe('E_BYTES_RANGE');
    expect(e.message).toBe('70000 does not fit 16 bits (at offset 1)');
    expect(caught(() => w.u8(-1)).code).toBe('E_BYTES_RANGE');
    expect(caught(() => w.u8(1.5)).code).toBe('E_BYTES_RANGE');
    expect(caught(() => w.u32(2 ** 32)).code).toBe('E_BYTES_RANGE');
    expect(caught(() => w.u64(-1n)).code).toBe('E_BYTES_RANGE');
    expect(caught(() => w.setU16(0, 1)).code).toBe('E_BYTES_RANGE'); // only 1 byte written
    expect(caught(() => w.setU8(0, 256)).code).toBe('E_BYTES_RANGE');
  });

  it('round-trips through the reader (property)', () => {
    type Op = { k: 'u8' | 'u16' | 'u32'; v: number } | { k: 'u64'; v: bigint } | { k: 'bytes'; v: Uint8Array };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.integer({ min: 0, max: 0xff }).map((v) => ({ k: 'u8' as const, v })),
      fc.integer({ min: 0, max: 0xffff }).map((v) => ({ k: 'u16' as const, v })),
      fc.integer({ min: 0, max: 0xffffffff }).map((v) => ({ k: 'u32' as const, v })),
      fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }).map((v) => ({ k: 'u64' as const, v })),
      fc.uint8Array({ maxLength: 40 }).map((v) => ({ k: 'bytes' as const, v })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const w = new ByteWriter(4);
        for (const o of ops) {
          if (o.k === 'bytes') w.bytes(o.v);
          else if (o.k === 'u64') w.u64(o.v);
          else w[o.k](o.v);
        }
        const r = new ByteReader(w.finish());
        for (const o of ops) {
          if (o.k === 'bytes') expect([...r.bytes(o.v.length)]).toEqual([...o.v]);
          else if (o.k === 'u64') expect(r.u64()).toBe(o.v);
          else expect(r[o.k]()).toBe(o.v);
        }
        expect(r.remaining).toBe(0);
      }),
    );
  });
});
