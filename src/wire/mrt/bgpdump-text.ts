// Byte-level text building for the bgpdump formatter: every character bgpdump prints is ASCII, so lines
// are written straight into a Uint8Array (no intermediate strings in the hot path) and handed out in
// ~64 KB chunks. Addresses are written the way bgpdump writes them: IPv4 with a lookup table, IPv6 with
// bgpdump's own fmt_ipv6 rules (which differ from RFC 5952: a single zero group is compressed too, and
// IPv4-mapped and -compatible addresses are printed in dotted form).

const HEX = '0123456789abcdef';

/** OCTET[i*4] = length, then up to 3 digit bytes, for i in 0..255. */
const OCTET = (() => {
  const t = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    const s = String(i);
    t[i * 4] = s.length;
    for (let j = 0; j < s.length; j++) t[i * 4 + 1 + j] = s.charCodeAt(j);
  }
  return t;
})();

/** A growable byte buffer with bgpdump's number and address formats. */
export class TextBuf {
  b: Uint8Array;
  p = 0;

  constructor(size = 256) {
    this.b = new Uint8Array(size);
  }

  /** Make room for n more bytes. */
  room(n: number): void {
    if (this.p + n <= this.b.length) return;
    let size = this.b.length * 2;
    while (size < this.p + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.b.subarray(0, this.p), 0);
    this.b = nb;
  }

  reset(): void {
    this.p = 0;
  }

  /** ASCII text. */
  str(s: string): void {
    const n = s.length;
    this.room(n);
    const b = this.b;
    let p = this.p;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.p = p;
  }

  ch(c: number): void {
    if (this.p >= this.b.length) this.room(1);
    this.b[this.p++] = c;
  }

  /** Append bytes (a view made once and appended many times: no allocation per call). */
  appendView(v: Uint8Array): void {
    const n = v.length;
    this.room(n);
    this.b.set(v, this.p);
    this.p += n;
  }

  /** The bytes written so far, as a view (valid until the buffer grows or is reset). */
  view(): Uint8Array {
    return this.b.subarray(0, this.p);
  }

  /** Append another buffer's bytes. */
  append(o: TextBuf): void {
    const n = o.p;
    this.room(n);
    const b = this.b;
    const s = o.b;
    let p = this.p;
    if (n > 64) {
      b.set(s.subarray(0, n), p);
      p += n;
    } else for (let i = 0; i < n; i++) b[p++] = s[i]!;
    this.p = p;
  }

  /** Unsigned decimal of a uint32 (%u). */
  u32(v: number): void {
    this.room(10);
    const b = this.b;
    const p = this.p;
    if (v < 10) {
      b[p] = 48 + v;
      this.p = p + 1;
      return;
    }
    const digits =
      v < 100
        ? 2
        : v < 1000
          ? 3
          : v < 10000
            ? 4
            : v < 100000
              ? 5
              : v < 1000000
                ? 6
                : v < 10000000
                  ? 7
                  : v < 100000000
                    ? 8
                    : v < 1000000000
                      ? 9
                      : 10;
    let e = p + digits;
    this.p = e;
    if (v >= 0x80000000) {
      const q = Math.floor(v / 10);
      b[--e] = 48 + (v - q * 10);
      v = q;
    }
    // below 2^31 the integer division can use int32 arithmetic
    while (v >= 10) {
      const q = (v / 10) | 0;
      b[--e] = 48 + (v - q * 10);
      v = q;
    }
    b[--e] = 48 + v;
  }

  /** Signed decimal of a uint32 read as int32 (%d). */
  i32(v: number): void {
    v = v | 0;
    if (v < 0) {
      this.ch(45);
      this.u32(-v);
    } else this.u32(v);
  }

  /** Zero-padded to at least `width` digits (%0<width>u). */
  u32pad(v: number, width: number): void {
    let digits = 1;
    for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
    for (let i = digits; i < width; i++) this.ch(48);
    this.u32(v);
  }

  /** Dotted quad of a big-endian uint32 (inet_ntoa). */
  ipv4(a: number): void {
    this.room(15);
    const b = this.b;
    let p = this.p;
    for (let sh = 24; sh >= 0; sh -= 8) {
      const o = ((a >>> sh) & 255) * 4;
      const n = OCTET[o]!;
      b[p++] = OCTET[o + 1]!;
      if (n > 1) b[p++] = OCTET[o + 2]!;
      if (n > 2) b[p++] = OCTET[o + 3]!;
      if (sh) b[p++] = 46;
    }
    this.p = p;
  }

  /** bgpdump's fmt_ipv6 of the 16 bytes a[off..off+16). */
  ipv6(a: Uint8Array, off: number): void {
    this.room(48);
    let zero12 = true;
    for (let i = 0; i < 12; i++)
      if (a[off + i] !== 0) {
        zero12 = false;
        break;
      }
    const w = (i: number) => (a[off + 2 * i]! << 8) | a[off + 2 * i + 1]!;
    let zero10 = zero12;
    if (!zero12) {
      zero10 = true;
      for (let i = 0; i < 10; i++)
        if (a[off + i] !== 0) {
          zero10 = false;
          break;
        }
    }
    const mapped = zero10 && w(5) === 0xffff;
    const last = ((a[off + 12]! << 24) | (a[off + 13]! << 16) | (a[off + 14]! << 8) | a[off + 15]!) >>> 0;
    const compat = zero12 && last > 1;
    if (mapped || compat) {
      this.str(mapped ? '::ffff:' : '::');
      this.ipv4(last);
      return;
    }
    // Longest run of zero groups (first one wins a tie); a run of one group counts.
    let best = -1;
    let bestLen = 0;
    let run = 0;
    for (let i = 7; i >= 0; i--) {
      run = w(i) === 0 ? run + 1 : 0;
      if (run >= bestLen && run > 0) {
        best = i;
        bestLen = run;
      }
    }
    // The scan above runs backwards; bgpdump picks the first (lowest index) longest run, which the >= keeps.
    for (let i = 0; i < 8; i++) {
      if (i === best) {
        if (i === 0) this.ch(58);
        this.ch(58);
        i += bestLen - 1;
        continue;
      }
      const v = w(i);
      if (v >= 0x1000) this.ch(HEX.charCodeAt(v >> 12));
      if (v >= 0x100) this.ch(HEX.charCodeAt((v >> 8) & 15));
      if (v >= 0x10) this.ch(HEX.charCodeAt((v >> 4) & 15));
      this.ch(HEX.charCodeAt(v & 15));
      if (i !== 7) this.ch(58);
    }
  }
}

/** Output: a TextBuf that hands its bytes to `emit` whenever it passes `chunk` bytes. */
export class ChunkedOut extends TextBuf {
  constructor(
    private readonly emit: (chunk: Uint8Array) => void,
    private readonly chunk = 65536,
  ) {
    super(chunk * 2);
  }

  /** Call after each line: flushes once the buffer holds a chunk. */
  lineEnd(): void {
    if (this.p >= this.chunk) this.flush();
  }

  /** The emitted view is only valid during the call (the buffer is reused). */
  flush(): void {
    if (this.p > 0) {
      this.emit(this.b.subarray(0, this.p));
      this.p = 0;
    }
  }
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** bgpdump's time2str of a Unix time, in UTC: "MM/DD/YY HH:MM:SS". */
export function time2str(t: number): string {
  const d = new Date(t * 1000);
  return `${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())}/${pad2(d.getUTCFullYear() % 100)} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}
