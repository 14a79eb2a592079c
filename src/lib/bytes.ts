// Byte reader and writer over Uint8Array for the wire codecs (BGP, MRT, BMP). Big-endian, as every
// protocol we decode is. Errors name the absolute offset so a bad message can be found in a hex dump.
import { FailsmallError } from './errors.js';

function short(offset: number, wanted: number, have: number): FailsmallError {
  return new FailsmallError('E_BYTES_SHORT', `need ${wanted} bytes at offset ${offset}, ${have} left`, {
    offset,
    wanted,
    have,
  });
}

function badCount(what: string, n: number, offset: number): FailsmallError {
  return new FailsmallError('E_BYTES_RANGE', `${what}: ${n} is not a byte count (at offset ${offset})`, {
    offset,
    value: n,
  });
}

/** Reads big-endian integers and byte views from buf[start, end); `pos` is an absolute offset into buf. */
export class ByteReader {
  readonly buf: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, start = 0, end: number = buf.length) {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= buf.length)) {
      throw new FailsmallError(
        'E_BYTES_RANGE',
        `reader window [${start}, ${end}) does not fit a buffer of ${buf.length} bytes`,
        { offset: start, end, length: buf.length },
      );
    }
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws E_BYTES_SHORT unless n more bytes are available. */
  need(n: number): void {
    if (this.end - this.pos < n) throw short(this.pos, n, this.end - this.pos);
  }

  u8(): number {
    if (this.pos >= this.end) throw short(this.pos, 1, this.end - this.pos);
    return this.buf[this.pos++]!;
  }

  peekU8(): number {
    if (this.pos >= this.end) throw short(this.pos, 1, this.end - this.pos);
    return this.buf[this.pos]!;
  }

  u16(): number {
    const p = this.pos;
    if (this.end - p < 2) throw short(p, 2, this.end - p);
    const b = this.buf;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(): number {
    const p = this.pos;
    if (this.end - p < 4) throw short(p, 4, this.end - p);
    const b = this.buf;
    this.pos = p + 4;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  u64(): bigint {
    const p = this.pos;
    if (this.end - p < 8) throw short(p, 8, this.end - p);
    const hi = this.u32();
    const lo = this.u32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** The next n bytes as a view into the same buffer (no copy). */
  bytes(n: number): Uint8Array {
    const p = this.pos;
    if (!(Number.isInteger(n) && n >= 0)) throw badCount('bytes', n, p);
    if (this.end - p < n) throw short(p, n, this.end - p);
    this.pos = p + n;
    return this.buf.subarray(p, p + n);
  }

  skip(n: number): void {
    const p = this.pos;
    if (!(Number.isInteger(n) && n >= 0)) throw badCount('skip', n, p);
    if (this.end - p < n) throw short(p, n, this.end - p);
    this.pos = p + n;
  }

  /** A reader over the next n bytes; this reader moves past them. Offsets stay absolute. */
  sub(n: number): ByteReader {
    const p = this.pos;
    if (!(Number.isInteger(n) && n >= 0)) throw badCount('sub', n, p);
    if (this.end - p < n) throw short(p, n, this.end - p);
    this.pos = p + n;
    return new ByteReader(this.buf, p, p + n);
  }
}

function range(v: number, bits: number, at: number): FailsmallError {
  return new FailsmallError('E_BYTES_RANGE', `${v} does not fit ${bits} bits (at offset ${at})`, {
    offset: at,
    value: v,
    bits,
  });
}

const EMPTY = new Uint8Array(0);

/** Appends big-endian integers and bytes to a growing buffer; values that do not fit throw E_BYTES_RANGE. */
export class ByteWriter {
  private buf: Uint8Array;
  private len = 0;

  constructor(initialCapacity = 64) {
    this.buf = initialCapacity > 0 ? new Uint8Array(initialCapacity) : EMPTY;
  }

  get length(): number {
    return this.len;
  }

  private grow(n: number): number {
    const at = this.len;
    const need = at + n;
    if (need > this.buf.length) {
      let cap = this.buf.length * 2 || 64;
      while (cap < need) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.buf.subarray(0, at));
      this.buf = next;
    }
    this.len = need;
    return at;
  }

  u8(v: number): this {
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xff)) throw range(v, 8, this.len);
    const at = this.grow(1);
    this.buf[at] = v;
    return this;
  }

  u16(v: number): this {
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffff)) throw range(v, 16, this.len);
    const at = this.grow(2);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
    return this;
  }

  u32(v: number): this {
    if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw range(v, 32, this.len);
    const at = this.grow(4);
    const b = this.buf;
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
    return this;
  }

  u64(v: bigint): this {
    if (v < 0n || v > 0xffffffffffffffffn) {
      throw new FailsmallError('E_BYTES_RANGE', `${v} does not fit 64 bits (at offset ${this.len})`, {
        offset: this.len,
        value: String(v),
        bits: 64,
      });
    }
    this.u32(Number(v >> 32n));
    return this.u32(Number(v & 0xffffffffn));
  }

  bytes(b: Uint8Array): this {
    const at = this.grow(b.length);
    this.buf.set(b, at);
    return this;
  }

  /** Appends n zero bytes and returns their offset, for a length or checksum patched later. */
  reserve(n: number): number {
    if (!(Number.isInteger(n) && n >= 0)) throw badCount('reserve', n, this.len);
    const at = this.grow(n);
    this.buf.fill(0, at, at + n);
    return at;
  }

  private patchable(at: number, n: number, v: number, bits: number): void {
    if (!(Number.isInteger(at) && at >= 0 && at + n <= this.len)) {
      throw new FailsmallError('E_BYTES_RANGE', `cannot patch ${n} bytes at offset ${at}: ${this.len} written`, {
        offset: at,
        wanted: n,
        have: this.len,
      });
    }
    if (!(Number.isInteger(v) && v >= 0 && v <= 2 ** bits - 1)) throw range(v, bits, at);
  }

  setU8(at: number, v: number): void {
    this.patchable(at, 1, v, 8);
    this.buf[at] = v;
  }

  setU16(at: number, v: number): void {
    this.patchable(at, 2, v, 16);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v;
  }

  setU32(at: number, v: number): void {
    this.patchable(at, 4, v, 32);
    const b = this.buf;
    b[at] = v >>> 24;
    b[at + 1] = v >>> 16;
    b[at + 2] = v >>> 8;
    b[at + 3] = v;
  }

  /** The bytes written, as a view (no copy). The writer starts over empty, so the view is never overwritten. */
  finish(): Uint8Array {
    const out = this.buf.subarray(0, this.len);
    this.buf = EMPTY;
    this.len = 0;
    return out;
  }
}
