// AS_PATH and AS4_PATH (RFC 4271 §4.3, RFC 5065 confederation segments, RFC 6793 4-octet AS): decode,
// encode, and the AS4_PATH reconstruction of RFC 6793 §4.2.3 for sessions without 4-octet AS support.
import type { ByteWriter } from '../../lib/bytes.js';
import type { Aggregator, AsPathSegment, PathAttributes } from './types.js';
import { AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SET } from './types.js';

/** AS_TRANS (RFC 6793): stands in for a 4-byte AS in 2-byte fields. */
export const AS_TRANS = 23456;

/**
 * Reads AS path segments of `asSize` (2 or 4) bytes per AS from buf[p, end) into `out`. Returns null when
 * well-formed, else why not (segments read so far stay in `out`, zero-length segments included, so a
 * display can show what arrived). RFC 7606 §7.2: bad segment type, zero length, or an overrun is malformed.
 */
export function readAsPath(
  buf: Uint8Array,
  p: number,
  end: number,
  asSize: 2 | 4,
  out: AsPathSegment[],
): string | null {
  let zero: string | null = null;
  while (p < end) {
    if (end - p < 2) return `AS path segment header at offset ${p} needs 2 bytes, ${end - p} left`;
    const t = buf[p]!;
    const n = buf[p + 1]!;
    if (t < 1 || t > 4) return `AS path segment type ${t} at offset ${p} is not 1-4`;
    const need = n * asSize;
    if (end - p - 2 < need) {
      return `AS path segment at offset ${p} holds ${n} ASes (${need} bytes), ${end - p - 2} bytes left`;
    }
    p += 2;
    const asns: number[] = new Array(n);
    if (asSize === 4) {
      for (let i = 0; i < n; i++, p += 4) {
        asns[i] = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      }
    } else {
      for (let i = 0; i < n; i++, p += 2) asns[i] = (buf[p]! << 8) | buf[p + 1]!;
    }
    if (n === 0 && zero === null) zero = `AS path segment at offset ${p - 2} has length 0`;
    out.push({ type: t as 1 | 2 | 3 | 4, asns });
  }
  return zero;
}

/** Appends AS path segments; segments longer than 255 ASes are split (the wire count is one byte). */
export function writeAsPath(w: ByteWriter, segments: readonly AsPathSegment[], asSize: 2 | 4): void {
  for (const s of segments) {
    let i = 0;
    do {
      const n = Math.min(255, s.asns.length - i);
      w.u8(s.type).u8(n);
      for (let k = 0; k < n; k++) {
        const asn = s.asns[i + k]!;
        if (asSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
      i += n;
    } while (i < s.asns.length);
  }
}

/** Number of ASes in a path as RFC 4271 §9.1.2.2 counts them: an AS_SET counts 1, confederation segments 0. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === AS_SET) n += 1;
    else if (s.type !== AS_CONFED_SEQUENCE && s.type !== AS_CONFED_SET) n += s.asns.length;
  }
  return n;
}

/**
 * The AS path and aggregator as a 4-octet AS speaker sees them, from a session without 4-octet AS support
 * (RFC 6793 §4.2.3): when AGGREGATOR names an AS other than AS_TRANS, AS4_PATH and AS4_AGGREGATOR are
 * ignored; when AS_PATH is shorter than AS4_PATH, AS4_PATH is ignored; otherwise the leading ASes of AS_PATH
 * the AS4_PATH does not cover are kept and AS4_PATH follows (its confederation segments dropped).
 */
export function mergeAs4Path(attrs: PathAttributes): { asPath: AsPathSegment[]; aggregator?: Aggregator } {
  const asPath = attrs.asPath ?? [];
  let aggregator = attrs.aggregator;
  let as4 = attrs.as4Path;
  if (attrs.aggregator && attrs.aggregator.asn !== AS_TRANS) {
    as4 = undefined;
  } else if (attrs.as4Aggregator) {
    aggregator = attrs.as4Aggregator;
  }
  const result = (p: AsPathSegment[]) => (aggregator ? { asPath: p, aggregator } : { asPath: p });
  if (!as4) return result(asPath);
  const as4Clean = as4.filter((s) => s.type !== AS_CONFED_SEQUENCE && s.type !== AS_CONFED_SET);
  const n2 = asPathLength(asPath);
  const n4 = asPathLength(as4Clean);
  if (n2 < n4) return result(asPath);
  let keep = n2 - n4;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (s.type === AS_CONFED_SEQUENCE || s.type === AS_CONFED_SET) {
      out.push(s);
      continue;
    }
    if (keep === 0) break;
    if (s.type === AS_SET) {
      out.push(s);
      keep -= 1;
    } else if (s.asns.length <= keep) {
      out.push(s);
      keep -= s.asns.length;
    } else {
      out.push({ type: s.type, asns: s.asns.slice(0, keep) });
      keep = 0;
    }
  }
  // Join the tail to the head when both meet as AS_SEQUENCEs, as a 4-byte speaker would have sent it.
  for (const s of as4Clean) {
    const last = out[out.length - 1];
    if (last && last.type === 2 && s.type === 2) {
      out[out.length - 1] = { type: 2, asns: [...last.asns, ...s.asns] };
    } else {
      out.push(s);
    }
  }
  return result(out);
}
