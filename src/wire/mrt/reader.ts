// Streaming MRT record splitter: feed it the bytes of a dump in chunks of any size (as they come out of a
// file or a decompressor) and it hands out one raw record at a time, each a view into the input with its
// file offset. Memory stays bounded by the largest record (and records longer than `maxRecordLength` are
// skipped without being buffered), so a 100 MB dump is read in constant memory. A record whose header is
// unusable or that the input ends inside is reported as damage with its offset; the stream goes on with the
// next record, which the length field of the damaged one still locates.
import { MRT_BGP4MP_ET } from './constants.js';

/** One MRT record as found in the input: the common header and a view of its body. */
export interface MrtRawRecord {
  /** Offset of the record's first header byte in the (decompressed) input. */
  offset: number;
  /** Seconds since the epoch (header). */
  timestamp: number;
  type: number;
  subtype: number;
  /** Extended-timestamp types (BGP4MP_ET, ISIS_ET, OSPFv3_ET): the microsecond field, else 0. */
  microseconds: number;
  /** The header had the extended-timestamp field. */
  extended: boolean;
  /** The body is buf[start, end): a view, valid while the chunk it came from is. */
  buf: Uint8Array;
  start: number;
  end: number;
}

/** Something wrong with the input, found at `offset` (absolute in the decompressed input). */
export interface MrtDamage {
  offset: number;
  /** Stable code from WIRE_ERROR_CODES (E_MRT_*). */
  code: string;
  message: string;
  type?: number;
  subtype?: number;
}

export interface MrtSink {
  record(r: MrtRawRecord): void;
  damage(d: MrtDamage): void;
}

/** Types whose header has a 4-byte microsecond field counted in the length (RFC 6396 §3). */
export function hasExtendedHeader(type: number): boolean {
  return type === MRT_BGP4MP_ET || type === 33 || type === 49;
}

export const DEFAULT_MAX_RECORD_LENGTH = 16 * 1024 * 1024;

export class MrtStreamReader {
  /** Offset in the input of the next byte push() will see. */
  private base = 0;
  /** Bytes of an over-long record still to skip. */
  private skip = 0;
  /** A record that spans chunks: its bytes so far, and where it started. */
  private pend: Uint8Array | null = null;
  private pendFill = 0;
  private pendOffset = 0;
  private readonly maxLen: number;
  /** Records handed out so far. */
  records = 0;

  constructor(opts: { maxRecordLength?: number } = {}) {
    this.maxLen = opts.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.base;
  }

  push(chunk: Uint8Array, sink: MrtSink): void {
    const n = chunk.length;
    let p = 0;
    if (this.skip > 0) {
      p = Math.min(this.skip, n);
      this.skip -= p;
    }
    if (this.pend !== null && p < n) p = this.fillPending(chunk, p, sink);
    while (n - p >= 12) {
      const len = ((chunk[p + 8]! << 24) | (chunk[p + 9]! << 16) | (chunk[p + 10]! << 8) | chunk[p + 11]!) >>> 0;
      const total = 12 + len;
      if (len > this.maxLen) {
        this.tooLong(chunk, p, len, sink);
        if (total <= n - p) p += total;
        else {
          this.skip = total - (n - p);
          p = n;
        }
        continue;
      }
      if (n - p < total) break;
      this.emit(chunk, p, this.base + p, total, sink);
      p += total;
    }
    if (p < n && this.skip === 0) {
      // Keep the tail: a header fragment (< 12 bytes) or the start of a record longer than the rest.
      const rest = n - p;
      let size = 16;
      if (rest >= 12) {
        size = 12 + (((chunk[p + 8]! << 24) | (chunk[p + 9]! << 16) | (chunk[p + 10]! << 8) | chunk[p + 11]!) >>> 0);
      }
      // Sized exactly once the header is known (fillPending re-sizes a header-only buffer).
      this.pend = new Uint8Array(rest >= 12 ? size : 16);
      this.pend.set(chunk.subarray(p, n), 0);
      this.pendFill = rest;
      this.pendOffset = this.base + p;
    }
    this.base += n;
  }

  /** End of input: a record left incomplete is damage. */
  end(sink: MrtSink): void {
    if (this.pend !== null) {
      const have = this.pendFill;
      const pend = this.pend;
      let msg = `input ends inside an MRT header (${have} of 12 bytes)`;
      let type: number | undefined;
      let subtype: number | undefined;
      if (have >= 12) {
        const len = ((pend[8]! << 24) | (pend[9]! << 16) | (pend[10]! << 8) | pend[11]!) >>> 0;
        type = (pend[4]! << 8) | pend[5]!;
        subtype = (pend[6]! << 8) | pend[7]!;
        msg = `input ends inside a record: ${have - 12} of ${len} body bytes`;
      }
      sink.damage({ offset: this.pendOffset, code: 'E_MRT_TRUNCATED', message: msg, type, subtype });
      this.pend = null;
    } else if (this.skip > 0) {
      this.skip = 0;
    }
  }

  private fillPending(chunk: Uint8Array, p: number, sink: MrtSink): number {
    const n = chunk.length;
    let pend = this.pend!;
    if (this.pendFill < 12) {
      const k = Math.min(12 - this.pendFill, n - p);
      pend.set(chunk.subarray(p, p + k), this.pendFill);
      this.pendFill += k;
      p += k;
      if (this.pendFill < 12) return p;
      const len = ((pend[8]! << 24) | (pend[9]! << 16) | (pend[10]! << 8) | pend[11]!) >>> 0;
      if (len > this.maxLen) {
        this.tooLong(pend, 0, len, sink, this.pendOffset);
        this.pend = null;
        const k2 = Math.min(len, n - p);
        this.skip = len - k2;
        return p + k2;
      }
      if (pend.length !== 12 + len) {
        const exact = new Uint8Array(12 + len);
        exact.set(pend.subarray(0, 12), 0);
        this.pend = pend = exact;
      }
    }
    const total = pend.length;
    const k = Math.min(total - this.pendFill, n - p);
    pend.set(chunk.subarray(p, p + k), this.pendFill);
    this.pendFill += k;
    p += k;
    if (this.pendFill === total) {
      this.pend = null;
      this.emit(pend, 0, this.pendOffset, total, sink);
    }
    return p;
  }

  private tooLong(b: Uint8Array, p: number, len: number, sink: MrtSink, offset = this.base + p): void {
    sink.damage({
      offset,
      code: 'E_MRT_RECORD_TOO_LONG',
      message: `record claims ${len} body bytes, more than the ${this.maxLen} allowed; skipped`,
      type: (b[p + 4]! << 8) | b[p + 5]!,
      subtype: (b[p + 6]! << 8) | b[p + 7]!,
    });
  }

  private emit(b: Uint8Array, p: number, offset: number, total: number, sink: MrtSink): void {
    const type = (b[p + 4]! << 8) | b[p + 5]!;
    const subtype = (b[p + 6]! << 8) | b[p + 7]!;
    const timestamp = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    if (hasExtendedHeader(type)) {
      if (total < 16) {
        sink.damage({
          offset,
          code: 'E_MRT_HEADER',
          message: `extended-timestamp record has length ${total - 12}, less than its 4-byte microsecond field`,
          type,
          subtype,
        });
        return;
      }
      const us = ((b[p + 12]! << 24) | (b[p + 13]! << 16) | (b[p + 14]! << 8) | b[p + 15]!) >>> 0;
      this.records++;
      sink.record({
        offset,
        timestamp,
        type,
        subtype,
        microseconds: us,
        extended: true,
        buf: b,
        start: p + 16,
        end: p + total,
      });
      return;
    }
    this.records++;
    sink.record({
      offset,
      timestamp,
      type,
      subtype,
      microseconds: 0,
      extended: false,
      buf: b,
      start: p + 12,
      end: p + total,
    });
  }
}
