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

/**
 * A resync candidate is accepted when a plausible header follows its record within this many bytes: RIPE
 * RIS bviews of 2000 (bgpkit-parser's rrc00 bview.20000111.0032) have TABLE_DUMP lengths 4 bytes short, and
 * reading them record by record after each resync is worth more than stopping at the first.
 */
const RESYNC_SLACK = 8;

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

/** Bytes kept back until `need` of them are there (a header cut by a chunk, a look-ahead). */
class Held {
  private data: Uint8Array;
  fill: number;

  constructor(
    first: Uint8Array,
    readonly offset: number,
    readonly need: number,
  ) {
    this.data = new Uint8Array(Math.max(first.length, Math.min(need, 1 << 20)));
    this.data.set(first, 0);
    this.fill = first.length;
  }

  /** Appends `chunk`; the held bytes once there are `need` of them, else undefined. */
  add(chunk: Uint8Array): Uint8Array | undefined {
    if (this.fill + chunk.length > this.data.length) {
      let size = this.data.length * 2;
      while (size < this.fill + chunk.length) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.data.subarray(0, this.fill), 0);
      this.data = grown;
    }
    this.data.set(chunk, this.fill);
    this.fill += chunk.length;
    return this.fill >= this.need ? this.data.subarray(0, this.fill) : undefined;
  }

  bytes(): Uint8Array {
    return this.data.subarray(0, this.fill);
  }
}

const u32 = (b: Uint8Array, p: number) => ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;

export class MrtStreamReader {
  /** Offset in the input of the next byte push() will see. */
  private base = 0;
  /** Bytes of an over-long record still to skip (resync off). */
  private skip = 0;
  /** A record that spans chunks (its header is known and good): its bytes so far, and where it started. */
  private pend: Uint8Array | null = null;
  private pendFill = 0;
  private pendOffset = 0;
  /** Bytes waiting for more input before a decision can be made about them. */
  private held: Held | null = null;
  /** Looking for the next plausible header after damage, since where. */
  private scanning = false;
  private scanFrom = 0;
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
    if (this.held !== null) {
      const joined = this.held.add(buf.subarray(p));
      if (joined === undefined) return;
      bufBase = this.held.offset;
      buf = joined;
      p = 0;
      this.held = null;
    }
    if (this.pend !== null && p < buf.length) {
      p = this.fillPending(buf, p, sink);
      if (this.pend !== null) return;
    }
    this.process(buf, bufBase, p, sink, false);
  }

  /** Keep buf[p..] until `need` bytes from p are there. */
  private hold(buf: Uint8Array, p: number, bufBase: number, need: number): void {
    this.held = new Held(buf.slice(p), bufBase + p, need);
  }

  /** Splits buf[p..] into records; at the end of input (`eof`) nothing is held back. */
  private process(buf: Uint8Array, bufBase: number, p: number, sink: MrtSink, eof: boolean): void {
    const n = buf.length;
    for (;;) {
      if (this.scanning) {
        const q = this.scan(buf, p, bufBase, eof);
        if (q < 0) {
          if (eof) this.scanFailed(sink);
          return;
        }
        this.resynced(bufBase + q, sink);
        p = q;
      }
      while (n - p >= 12) {
        const len = u32(buf, p + 8);
        const total = 12 + len;
        if (len > this.maxLen) {
          this.badHeader(buf, p, len, bufBase + p, sink);
          if (this.resync) {
            p += 1;
            break;
          }
          if (total <= n - p) p += total;
          else {
            this.skip = total - (n - p);
            return;
          }
          continue;
        }
        if (this.resync && !isMrtType((buf[p + 4]! << 8) | buf[p + 5]!)) {
          // Plausible but unknown: skipped by its length, as bgpdump does, when a record starts where it
          // ends (or the input ends there); otherwise the header itself is the damage.
          const next = p + total;
          const ok = next === n && eof ? true : this.startsRecord(buf, next, eof);
          if (typeof ok === 'number') {
            this.hold(buf, p, bufBase, total + ok);
            return;
          }
          if (ok) {
            this.unknownType(buf, p, len, bufBase + p, sink);
            p = next;
            continue;
          }
          this.badHeader(buf, p, len, bufBase + p, sink);
          p += 1;
          break;
        }
        if (n - p < total) break;
        this.emit(buf, p, bufBase + p, total, sink);
        p += total;
      }
      if (this.scanning) continue;
      if (p >= n) return;
      const rest = n - p;
      if (rest < 12) {
        if (eof) this.truncated(bufBase + p, `input ends inside an MRT header (${rest} of 12 bytes)`, sink);
        else this.hold(buf, p, bufBase, 12);
        return;
      }
      // The start of a record longer than the rest: buffered at its exact size.
      this.pend = new Uint8Array(12 + u32(buf, p + 8));
      this.pend.set(buf.subarray(p, n), 0);
      this.pendFill = rest;
      this.pendOffset = bufBase + p;
      return;
    }
  }

  /** A header that looks like the start of a record: listed type, sane subtype and length, near in time. */
  private plausible(b: Uint8Array, q: number): boolean {
    const type = (b[q + 4]! << 8) | b[q + 5]!;
    // Types 0-4 (NULL, START, DIE, I_AM_DEAD, PEER_DOWN) are left out: a run of zero bytes would look like them.
    if (type < 5 || !isMrtType(type) || b[q + 6] !== 0 || b[q + 7]! > 64) return false;
    const len = u32(b, q + 8);
    if (len > this.maxLen || (hasExtendedHeader(type) && len < 4)) return false;
    if (this.lastTs < 0) return true;
    return Math.abs(u32(b, q) - this.lastTs) <= YEAR;
  }

  /**
   * Whether a record starts at q: a plausible header whose record ends at the end of the input or is
   * followed, within RESYNC_SLACK bytes, by another plausible header. A number: the bytes from q needed to
   * tell (only before the end of input).
   */
  private startsRecord(b: Uint8Array, q: number, eof: boolean): boolean | number {
    const n = b.length;
    if (q + 12 > n) return eof ? false : 12;
    if (!this.plausible(b, q)) return false;
    const next = q + 12 + u32(b, q + 8);
    if (next + RESYNC_SLACK + 12 <= n) {
      for (let s = 0; s <= RESYNC_SLACK; s++) if (this.plausible(b, next + s)) return true;
      return false;
    }
    if (!eof) return next + RESYNC_SLACK + 12 - q;
    if (next <= n && n - next <= RESYNC_SLACK) return true;
    for (let s = 0; next + s + 12 <= n; s++) if (this.plausible(b, next + s)) return true;
    return false;
  }

  /**
   * The next resync point at or after `from` (startsRecord). -1 when there is none in `b` (the bytes that
   * may still start one are held back unless at the end of input).
   */
  private scan(b: Uint8Array, from: number, bufBase: number, eof: boolean): number {
    const n = b.length;
    for (let q = from; q + 12 <= n; q++) {
      const ok = this.startsRecord(b, q, eof);
      if (ok === true) return q;
      if (typeof ok === 'number') {
        this.hold(b, q, bufBase, ok);
        return -1;
      }
    }
    if (!eof) this.hold(b, Math.max(from, n - 11), bufBase, 12);
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

  private scanFailed(sink: MrtSink): void {
    sink.damage({
      offset: this.scanFrom,
      code: 'E_MRT_RESYNC',
      message: `no plausible record header in the ${this.base - this.scanFrom} bytes after a damaged header`,
    });
    this.scanning = false;
  }

  private truncated(offset: number, message: string, sink: MrtSink, type?: number, subtype?: number): void {
    sink.damage({ offset, code: 'E_MRT_TRUNCATED', message, type, subtype });
  }

  /** End of input: held bytes are decided without look-ahead; a record left incomplete is damage. */
  end(sink: MrtSink): void {
    if (this.held !== null) {
      const held = this.held;
      this.held = null;
      this.process(held.bytes(), held.offset, 0, sink, true);
    }
    if (this.scanning) this.scanFailed(sink);
    if (this.pend !== null) {
      const pend = this.pend;
      this.truncated(
        this.pendOffset,
        `input ends inside a record: ${this.pendFill - 12} of ${pend.length - 12} body bytes`,
        sink,
        (pend[4]! << 8) | pend[5]!,
        (pend[6]! << 8) | pend[7]!,
      );
      this.pend = null;
    }
    this.skip = 0;
  }

  private fillPending(chunk: Uint8Array, p: number, sink: MrtSink): number {
    const pend = this.pend!;
    const total = pend.length;
    const k = Math.min(total - this.pendFill, chunk.length - p);
    pend.set(chunk.subarray(p, p + k), this.pendFill);
    this.pendFill += k;
    p += k;
    if (this.pendFill === total) {
      this.pend = null;
      this.emit(pend, 0, this.pendOffset, total, sink);
    }
    return p;
  }

  /** A record of a type IANA does not list, whose length leads to a plausible next header: skipped. */
  private unknownType(b: Uint8Array, p: number, len: number, offset: number, sink: MrtSink): void {
    const type = (b[p + 4]! << 8) | b[p + 5]!;
    const subtype = (b[p + 6]! << 8) | b[p + 7]!;
    sink.damage({
      offset,
      code: 'E_MRT_UNKNOWN_TYPE',
      message: `record type ${type} is not an MRT type; its ${len} body bytes are skipped by its length`,
      type,
      subtype,
    });
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
