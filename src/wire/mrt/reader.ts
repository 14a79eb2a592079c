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

/** Record types IANA lists for MRT (RFC 6396 §4 and its registry); anything else is a damaged header. */
export function isMrtType(type: number): boolean {
  return type <= 17 || type === 32 || type === 33 || type === 48 || type === 49;
}

const YEAR = 366 * 86400;

export interface MrtReaderOptions {
  /** Longest record body accepted (default 16 MiB). */
  maxRecordLength?: number;
  /**
   * After a header that cannot be right (a type IANA does not list, a length over the maximum), look for the
   * next plausible header byte by byte instead of trusting the length (default true). Off, an over-long
   * record is skipped by its length and an unknown type is handed out like any other record.
   */
  resync?: boolean;
}

export class MrtStreamReader {
  /** Offset in the input of the next byte push() will see. */
  private base = 0;
  /** Bytes of an over-long record still to skip (resync off). */
  private skip = 0;
  /** A record that spans chunks: its bytes so far, and where it started. */
  private pend: Uint8Array | null = null;
  private pendFill = 0;
  private pendOffset = 0;
  /** Looking for the next plausible header after damage: since where, and the bytes not yet scanned. */
  private scanning = false;
  private scanFrom = 0;
  private carry: Uint8Array | null = null;
  private lastTs = -1;
  private readonly maxLen: number;
  private readonly resync: boolean;
  /** Records handed out so far. */
  records = 0;

  constructor(opts: MrtReaderOptions = {}) {
    this.maxLen = opts.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
    this.resync = opts.resync ?? true;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.base;
  }

  push(chunk: Uint8Array, sink: MrtSink): void {
    let buf = chunk;
    let bufBase = this.base;
    this.base += chunk.length;
    let p = 0;
    if (this.skip > 0) {
      p = Math.min(this.skip, buf.length);
      this.skip -= p;
    }
    for (;;) {
      if (this.scanning) {
        if (this.carry !== null) {
          const joined = new Uint8Array(this.carry.length + buf.length - p);
          joined.set(this.carry, 0);
          joined.set(buf.subarray(p), this.carry.length);
          bufBase = bufBase + p - this.carry.length;
          buf = joined;
          p = 0;
          this.carry = null;
        }
        const q = this.scan(buf, p);
        if (q < 0) {
          this.carry = buf.slice(Math.max(p, buf.length - 11));
          return;
        }
        this.resynced(bufBase + q, sink);
        p = q;
      }
      if (this.pend !== null && p < buf.length) {
        p = this.fillPending(buf, p, sink);
        if (this.scanning) continue;
      }
      const n = buf.length;
      while (n - p >= 12) {
        const len = ((buf[p + 8]! << 24) | (buf[p + 9]! << 16) | (buf[p + 10]! << 8) | buf[p + 11]!) >>> 0;
        const total = 12 + len;
        if (len > this.maxLen || (this.resync && !isMrtType((buf[p + 4]! << 8) | buf[p + 5]!))) {
          this.badHeader(buf, p, len, bufBase + p, sink);
          if (this.resync) {
            p += 1;
            break;
          }
          if (total <= n - p) p += total;
          else {
            this.skip = total - (n - p);
            p = n;
          }
          continue;
        }
        if (n - p < total) break;
        this.emit(buf, p, bufBase + p, total, sink);
        p += total;
      }
      if (this.scanning) continue;
      if (p < n && this.skip === 0) {
        // Keep the tail: a header fragment (< 12 bytes) or the start of a record longer than the rest.
        const rest = n - p;
        let size = 16;
        if (rest >= 12) {
          size = 12 + (((buf[p + 8]! << 24) | (buf[p + 9]! << 16) | (buf[p + 10]! << 8) | buf[p + 11]!) >>> 0);
        }
        // Sized exactly once the header is known (fillPending re-sizes a header-only buffer).
        this.pend = new Uint8Array(rest >= 12 ? size : 16);
        this.pend.set(buf.subarray(p, n), 0);
        this.pendFill = rest;
        this.pendOffset = bufBase + p;
      }
      return;
    }
  }

  /** A header that looks like the start of a record: listed type, sane subtype and length, near in time. */
  private plausible(b: Uint8Array, q: number): boolean {
    const type = (b[q + 4]! << 8) | b[q + 5]!;
    // Types 0-4 (NULL, START, DIE, I_AM_DEAD, PEER_DOWN) are left out: a run of zero bytes would look like them.
    if (type < 5 || !isMrtType(type) || b[q + 6] !== 0 || b[q + 7]! > 64) return false;
    const len = ((b[q + 8]! << 24) | (b[q + 9]! << 16) | (b[q + 10]! << 8) | b[q + 11]!) >>> 0;
    if (len > this.maxLen || (hasExtendedHeader(type) && len < 4)) return false;
    if (this.lastTs < 0) return true;
    const ts = ((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) >>> 0;
    return Math.abs(ts - this.lastTs) <= YEAR;
  }

  private scan(b: Uint8Array, from: number): number {
    for (let q = from; q + 12 <= b.length; q++) if (this.plausible(b, q)) return q;
    return -1;
  }

  private resynced(at: number, sink: MrtSink): void {
    this.scanning = false;
    sink.damage({
      offset: this.scanFrom,
      code: 'E_MRT_RESYNC',
      message: `skipped ${at - this.scanFrom} bytes after a damaged header; reading goes on at offset ${at}`,
    });
  }

  /** End of input: a record left incomplete is damage. */
  end(sink: MrtSink): void {
    if (this.scanning) {
      sink.damage({
        offset: this.scanFrom,
        code: 'E_MRT_RESYNC',
        message: `no plausible record header in the ${this.base - this.scanFrom} bytes after a damaged header`,
      });
      this.scanning = false;
      this.carry = null;
    }
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
      if (len > this.maxLen || (this.resync && !isMrtType((pend[4]! << 8) | pend[5]!))) {
        this.badHeader(pend, 0, len, this.pendOffset, sink);
        this.pend = null;
        if (this.resync) {
          this.carry = pend.slice(1, 12);
          return p;
        }
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

  /** Damage for a header that cannot be right; with resync on, starts looking for the next one. */
  private badHeader(b: Uint8Array, p: number, len: number, offset: number, sink: MrtSink): void {
    const type = (b[p + 4]! << 8) | b[p + 5]!;
    const subtype = (b[p + 6]! << 8) | b[p + 7]!;
    if (len > this.maxLen) {
      sink.damage({
        offset,
        code: 'E_MRT_RECORD_TOO_LONG',
        message: `record claims ${len} body bytes, more than the ${this.maxLen} allowed`,
        type,
        subtype,
      });
    } else {
      sink.damage({ offset, code: 'E_MRT_HEADER', message: `record type ${type} is not an MRT type`, type, subtype });
    }
    if (this.resync) {
      this.scanning = true;
      this.scanFrom = offset;
    }
  }

  private emit(b: Uint8Array, p: number, offset: number, total: number, sink: MrtSink): void {
    const type = (b[p + 4]! << 8) | b[p + 5]!;
    const subtype = (b[p + 6]! << 8) | b[p + 7]!;
    const timestamp = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
    this.lastTs = timestamp;
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
