// NLRI (RFC 4271 §4.3, RFC 4760) with optional add-path identifiers (RFC 7911): decode by direct index
// arithmetic on the buffer (this is the MRT reader's hot loop), encode with a ByteWriter.
import type { ByteWriter } from '../../lib/bytes.js';
import type { Family } from '../../lib/prefix.js';
import type { Nlri, NlriResult, WireProblem } from './types.js';

/**
 * Reads NLRI entries of one family from buf[start, end) into `out`. Stops at the first malformed entry and
 * pushes one problem (action 'session-reset', the caller may soften it). Returns false when it stopped early.
 */
export function readNlri(
  buf: Uint8Array,
  start: number,
  end: number,
  family: Family,
  addPath: boolean,
  out: Nlri[],
  problems: WireProblem[],
): boolean {
  const size = family === 4 ? 4 : 16;
  const maxLen = size * 8;
  let p = start;
  while (p < end) {
    const at = p;
    let pathId = 0;
    if (addPath) {
      if (end - p < 5) return overrun(problems, at, end - p, 'an add-path NLRI needs a 4-byte path id and a length');
      pathId = ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
      p += 4;
    }
    const len = buf[p++]!;
    if (len > maxLen) {
      problems.push({
        action: 'session-reset',
        code: 'E_BGP_NLRI',
        message: `NLRI prefix length ${len} at offset ${p - 1} is over ${maxLen} for IPv${family}`,
        offset: p - 1,
        notify: [3, 10],
      });
      return false;
    }
    const n = (len + 7) >>> 3;
    if (end - p < n) return overrun(problems, at, end - p, `a /${len} NLRI needs ${n} address bytes`);
    const addr = new Uint8Array(size);
    for (let i = 0; i < n; i++) addr[i] = buf[p + i]!;
    let hostBits: Uint8Array | undefined;
    const rem = len & 7;
    if (rem !== 0) {
      const last = addr[n - 1]!;
      const masked = last & ((0xff << (8 - rem)) & 0xff);
      if (masked !== last) {
        hostBits = buf.slice(p, p + n);
        addr[n - 1] = masked;
      }
    }
    p += n;
    const entry: Nlri = { prefix: { family, addr, len } };
    if (addPath) entry.pathId = pathId;
    if (hostBits) entry.hostBits = hostBits;
    out.push(entry);
  }
  return true;
}

function overrun(problems: WireProblem[], at: number, left: number, what: string): false {
  problems.push({
    action: 'session-reset',
    code: 'E_BGP_NLRI',
    message: `${what} at offset ${at}, ${left} bytes left in the field`,
    offset: at,
    notify: [3, 10],
  });
  return false;
}

/** Decodes NLRI of one family (IPv4 or IPv6) from buf[start, end); add-path when `addPath`. Never throws. */
export function decodeNlri(buf: Uint8Array, start: number, end: number, family: Family, addPath: boolean): NlriResult {
  const nlri: Nlri[] = [];
  const problems: WireProblem[] = [];
  readNlri(buf, start, Math.min(end, buf.length), family, addPath, nlri, problems);
  return { nlri, problems };
}

/** Appends NLRI entries; a path id is written when `addPath` (0 when an entry has none). */
export function writeNlri(w: ByteWriter, list: readonly Nlri[], addPath: boolean): void {
  for (const e of list) {
    if (addPath) w.u32(e.pathId ?? 0);
    const { len, addr } = e.prefix;
    w.u8(len);
    const n = (len + 7) >>> 3;
    const src = e.hostBits && e.hostBits.length === n ? e.hostBits : addr;
    w.bytes(n === src.length ? src : src.subarray(0, n));
  }
}
