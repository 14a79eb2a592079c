// IPv4/IPv6 prefixes: strict parsing (no shorthand IPv4, no leading zeros, no host bits), RFC 5952
// canonical IPv6 output, and the set relations (contains, overlaps, order) the rest of failsmall uses.
// Parsing is hand-written over char codes, and prefixFromBytes is one small copy: the MRT decoder makes
// millions of prefixes.
import { FailsmallError } from './errors.js';

export type Family = 4 | 6;

/** An IP prefix; `addr` is 4 or 16 bytes with every bit past `len` zero. Treat it as immutable. */
export interface Prefix {
  readonly family: Family;
  readonly addr: Uint8Array;
  readonly len: number;
}

export type PrefixParseResult = { ok: true; prefix: Prefix } | { ok: false; code: string; message: string };

/** Bytes of an address of the family. */
export function addrBytes(family: Family): 4 | 16 {
  return family === 4 ? 4 : 16;
}

/** The longest prefix length of the family. */
export function maxLen(family: Family): 32 | 128 {
  return family === 4 ? 32 : 128;
}

// ---- address parsing ------------------------------------------------------------------------------

const C_0 = 48;
const C_9 = 57;
const C_DOT = 46;
const C_COLON = 58;

function hexVal(c: number): number {
  if (c >= C_0 && c <= C_9) return c - C_0;
  if (c >= 97 && c <= 102) return c - 87; // a-f
  if (c >= 65 && c <= 70) return c - 55; // A-F
  return -1;
}

function quote(text: string, start: number, end: number): string {
  return JSON.stringify(text.slice(start, end));
}

/** Parses dotted-quad IPv4 text[start, end) into out[at..at+4); returns an error reason or null. */
function parse4(text: string, start: number, end: number, out: Uint8Array, at: number): string | null {
  let part = 0;
  let i = start;
  while (true) {
    const partStart = i;
    let v = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < C_0 || c > C_9) break;
      v = v * 10 + (c - C_0);
      i++;
    }
    const digits = i - partStart;
    if (digits === 0) {
      if (i < end && text.charCodeAt(i) !== C_DOT) return `unexpected character ${quote(text, i, i + 1)}`;
      return 'empty IPv4 part';
    }
    if (digits > 1 && text.charCodeAt(partStart) === C_0) {
      return `IPv4 part ${quote(text, partStart, i)} has a leading zero (octal or decimal is ambiguous)`;
    }
    if (digits > 3 || v > 255) return `IPv4 part ${quote(text, partStart, i)} is over 255`;
    out[at + part] = v;
    part++;
    if (i === end) break;
    if (text.charCodeAt(i) !== C_DOT) return `unexpected character ${quote(text, i, i + 1)}`;
    if (part === 4) return 'IPv4 address has more than 4 dotted parts';
    i++;
  }
  if (part !== 4) return `IPv4 address needs 4 dotted parts, got ${part} (no shorthand forms)`;
  return null;
}

/** Parses IPv6 text[start, end) (with an optional trailing dotted IPv4) into out[0..16). */
function parse6(text: string, start: number, end: number, out: Uint8Array): string | null {
  // Groups before "::" go to the front; groups after it are collected, then moved to the back.
  let groups = 0; // 16-bit groups written so far
  let gap = -1; // group index where "::" stands
  let i = start;
  if (i < end && text.charCodeAt(i) === C_COLON) {
    if (i + 1 < end && text.charCodeAt(i + 1) === C_COLON) {
      gap = 0;
      i += 2;
      if (i === end) {
        out.fill(0, 0, 16);
        return null;
      }
    } else {
      return 'IPv6 address starts with a single ":"';
    }
  }
  while (true) {
    if (groups === 8) return 'IPv6 address has more than 8 groups';
    const gs = i;
    let v = 0;
    while (i < end && i - gs < 5) {
      const h = hexVal(text.charCodeAt(i));
      if (h < 0) break;
      v = (v << 4) | h;
      i++;
    }
    if (i < end && text.charCodeAt(i) === C_DOT) {
      // Embedded IPv4 in the last 32 bits.
      if (groups > 6) return 'IPv6 address has no room for an embedded IPv4 address';
      const err = parse4(text, gs, end, out, groups * 2);
      if (err) return err;
      groups += 2;
      i = end;
      break;
    }
    const digits = i - gs;
    if (digits === 0) {
      if (i === end) return 'IPv6 address ends with a single ":"';
      return text.charCodeAt(i) === C_COLON
        ? 'IPv6 address has more than one "::"'
        : `unexpected character ${quote(text, i, i + 1)}`;
    }
    if (digits > 4) return `IPv6 group ${quote(text, gs, i)} has more than 4 hex digits`;
    out[groups * 2] = v >>> 8;
    out[groups * 2 + 1] = v & 0xff;
    groups++;
    if (i === end) break;
    if (text.charCodeAt(i) !== C_COLON) return `unexpected character ${quote(text, i, i + 1)}`;
    i++;
    if (i < end && text.charCodeAt(i) === C_COLON) {
      if (gap >= 0) return 'IPv6 address has more than one "::"';
      gap = groups;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return 'IPv6 address ends with a single ":"';
    }
  }
  if (gap < 0) {
    if (groups !== 8) return `IPv6 address needs 8 groups or "::", got ${groups}`;
    return null;
  }
  if (groups > 7) return 'IPv6 address has "::" but already 8 groups';
  const tailBytes = (groups - gap) * 2;
  const gapBytes = 16 - groups * 2;
  out.copyWithin(gap * 2 + gapBytes, gap * 2, gap * 2 + tailBytes);
  out.fill(0, gap * 2, gap * 2 + gapBytes);
  return null;
}

/** Family of the address text[start, end), or an error reason, filling out (16 bytes; IPv4 uses 4). */
function parseAddr(text: string, start: number, end: number, out: Uint8Array): Family | string {
  if (start === end) return 'empty address';
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === C_COLON) {
      const err = parse6(text, start, end, out);
      return err ?? 6;
    }
    if (c === C_DOT) break;
  }
  const err = parse4(text, start, end, out, 0);
  return err ?? 4;
}

/** Parses an IPv4 or IPv6 address (no length). Throws E_ADDRESS_SYNTAX. */
export function parseAddress(text: string): { family: Family; addr: Uint8Array } {
  const out = new Uint8Array(16);
  const r = parseAddr(text, 0, text.length, out);
  if (typeof r === 'string') {
    throw new FailsmallError('E_ADDRESS_SYNTAX', `${JSON.stringify(text)} is not an IP address: ${r}`, {
      input: text,
      reason: r,
    });
  }
  return { family: r, addr: r === 4 ? out.slice(0, 4) : out };
}

// ---- prefix parsing -------------------------------------------------------------------------------

/** True when bits past len are set in bytes (which may be shorter than the full address). */
export function prefixHasHostBits(family: Family, bytes: Uint8Array, len: number): boolean {
  const n = Math.min(bytes.length, addrBytes(family));
  const full = len >>> 3;
  if (full < n) {
    const rem = len & 7;
    if (rem !== 0 && (bytes[full]! & (0xff >>> rem)) !== 0) return true;
    for (let i = rem === 0 ? full : full + 1; i < n; i++) if (bytes[i] !== 0) return true;
  }
  return false;
}

/** Zeroes the bits of addr past len, in place. */
function maskInPlace(addr: Uint8Array, len: number): void {
  const full = len >>> 3;
  if (full >= addr.length) return;
  const rem = len & 7;
  let i = full;
  if (rem !== 0) {
    addr[i] = addr[i]! & ((0xff << (8 - rem)) & 0xff);
    i++;
  }
  addr.fill(0, i);
}

function parseFail(code: string, message: string): { ok: false; code: string; message: string } {
  return { ok: false, code, message };
}

type ParseFailure = { ok: false; code: string; message: string; canonical?: string };

function parsePrefixResult(text: string): { ok: true; prefix: Prefix } | ParseFailure {
  const slash = text.indexOf('/');
  const q = JSON.stringify(text);
  if (slash < 0) {
    return parseFail('E_PREFIX_SYNTAX', `${q} is not a prefix: missing "/length" (an address alone is not a prefix)`);
  }
  const out = new Uint8Array(16);
  const fam = parseAddr(text, 0, slash, out);
  if (typeof fam === 'string') return parseFail('E_PREFIX_SYNTAX', `${q} is not a prefix: ${fam}`);
  const ls = slash + 1;
  const le = text.length;
  if (ls === le) return parseFail('E_PREFIX_SYNTAX', `${q} is not a prefix: empty length after "/"`);
  let len = 0;
  for (let i = ls; i < le; i++) {
    const c = text.charCodeAt(i);
    if (c < C_0 || c > C_9) {
      return parseFail('E_PREFIX_SYNTAX', `${q} is not a prefix: length ${quote(text, ls, le)} is not a number`);
    }
    len = len * 10 + (c - C_0);
  }
  if (le - ls > 1 && text.charCodeAt(ls) === C_0) {
    return parseFail('E_PREFIX_SYNTAX', `${q} is not a prefix: length ${quote(text, ls, le)} has a leading zero`);
  }
  const max = maxLen(fam);
  if (len > max) {
    return parseFail(
      'E_PREFIX_LENGTH',
      `${q}: /${text.slice(ls)} is out of range, an IPv${fam} prefix length is 0-${max}`,
    );
  }
  const addr = fam === 4 ? out.slice(0, 4) : out;
  if (prefixHasHostBits(fam, addr, len)) {
    maskInPlace(addr, len);
    const canonical = formatPrefix({ family: fam, addr, len });
    return {
      ok: false,
      code: 'E_PREFIX_HOST_BITS',
      message: `${q} has host bits set past /${len}; the prefix is ${canonical}`,
      canonical,
    };
  }
  return { ok: true, prefix: { family: fam, addr, len } };
}

/** Parses "addr/len". Throws E_PREFIX_SYNTAX, E_PREFIX_LENGTH, or E_PREFIX_HOST_BITS (details.canonical). */
export function parsePrefix(text: string): Prefix {
  const r = parsePrefixResult(text);
  if (r.ok) return r.prefix;
  const details: Record<string, unknown> = { input: text };
  if (r.canonical !== undefined) details.canonical = r.canonical;
  throw new FailsmallError(r.code, r.message, details);
}

/** parsePrefix without throwing. */
export function tryParsePrefix(text: string): PrefixParseResult {
  const r = parsePrefixResult(text);
  if (r.ok) return r;
  return { ok: false, code: r.code, message: r.message };
}

/** Builds a prefix, checking the length and that no host bits are set (throws like parsePrefix). */
export function makePrefix(family: Family, addr: Uint8Array, len: number): Prefix {
  const max = maxLen(family);
  if (!(Number.isInteger(len) && len >= 0 && len <= max)) {
    throw new FailsmallError('E_PREFIX_LENGTH', `/${len} is out of range, an IPv${family} prefix length is 0-${max}`, {
      len,
    });
  }
  if (addr.length !== addrBytes(family)) {
    throw new FailsmallError(
      'E_PREFIX_SYNTAX',
      `an IPv${family} address has ${addrBytes(family)} bytes, not ${addr.length}`,
    );
  }
  if (prefixHasHostBits(family, addr, len)) {
    const copy = addr.slice();
    maskInPlace(copy, len);
    const canonical = formatPrefix({ family, addr: copy, len });
    throw new FailsmallError(
      'E_PREFIX_HOST_BITS',
      `${formatAddress(family, addr)}/${len} has host bits set past /${len}; the prefix is ${canonical}`,
      { canonical },
    );
  }
  return { family, addr, len };
}

/**
 * A prefix from wire NLRI bytes: `bytes` holds at least ceil(len/8) bytes (extra bytes are ignored);
 * host bits are masked off. Throws E_PREFIX_LENGTH for a length out of range, E_BYTES_SHORT for too few bytes.
 */
export function prefixFromBytes(family: Family, bytes: Uint8Array, len: number): Prefix {
  const size = family === 4 ? 4 : 16;
  if (!(len >= 0 && len <= size * 8) || (len | 0) !== len) {
    throw new FailsmallError(
      'E_PREFIX_LENGTH',
      `/${len} is out of range, an IPv${family} prefix length is 0-${size * 8}`,
      {
        len,
      },
    );
  }
  const n = (len + 7) >>> 3;
  if (bytes.length < n) {
    throw new FailsmallError('E_BYTES_SHORT', `a /${len} prefix needs ${n} bytes, ${bytes.length} given`, {
      wanted: n,
      have: bytes.length,
    });
  }
  const addr = new Uint8Array(size);
  for (let i = 0; i < n; i++) addr[i] = bytes[i]!;
  const rem = len & 7;
  if (rem !== 0) addr[n - 1] = addr[n - 1]! & ((0xff << (8 - rem)) & 0xff);
  return { family, addr, len };
}

/** An IPv4 prefix from a uint32 address; host bits are masked off. */
export function prefix4(addr: number, len: number): Prefix {
  const a = len === 0 ? 0 : (addr >>> (32 - len)) << (32 - len);
  return { family: 4, addr: Uint8Array.of(a >>> 24, a >>> 16, a >>> 8, a), len };
}

/** The IPv4 address bytes as a uint32. */
export function addr4ToUint32(addr: Uint8Array): number {
  return ((addr[0]! << 24) | (addr[1]! << 16) | (addr[2]! << 8) | addr[3]!) >>> 0;
}

// ---- formatting -----------------------------------------------------------------------------------

function format4(a: Uint8Array, at: number): string {
  return `${a[at]}.${a[at + 1]}.${a[at + 2]}.${a[at + 3]}`;
}

/** RFC 5952: lowercase, no leading zeros, the longest run (>= 2) of zero groups as "::", leftmost on a tie. */
function format6(a: Uint8Array): string {
  // IPv4-mapped addresses (::ffff:0:0/96) use the mixed notation RFC 5952 section 5 recommends.
  let mapped = a[10] === 0xff && a[11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (a[i] !== 0) mapped = false;
  if (mapped) return `::ffff:${format4(a, 12)}`;
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    const zero = g < 8 && a[g * 2] === 0 && a[g * 2 + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      if (g - runStart > bestLen) {
        bestStart = runStart;
        bestLen = g - runStart;
      }
      runStart = -1;
    }
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += '::';
      g += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    s += ((a[g * 2]! << 8) | a[g * 2 + 1]!).toString(16);
  }
  return s;
}

export function formatAddress(family: Family, addr: Uint8Array): string {
  return family === 4 ? format4(addr, 0) : format6(addr);
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.family, p.addr)}/${p.len}`;
}

// ---- relations ------------------------------------------------------------------------------------

/** True when the first `len` bits of a and b agree. */
function samePrefixBits(a: Uint8Array, b: Uint8Array, len: number): boolean {
  const full = len >>> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rem = len & 7;
  if (rem === 0) return true;
  const mask = (0xff << (8 - rem)) & 0xff;
  return ((a[full]! ^ b[full]!) & mask) === 0;
}

/** True when inner is equal to or more specific than outer. */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && outer.len <= inner.len && samePrefixBits(outer.addr, inner.addr, outer.len);
}

/** True when the two prefixes share any address (one contains the other). */
export function prefixOverlaps(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && samePrefixBits(a.addr, b.addr, Math.min(a.len, b.len));
}

export function prefixEquals(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family || a.len !== b.len) return false;
  const x = a.addr;
  const y = b.addr;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Order: IPv4 before IPv6, then by address, then shorter before longer (a covering prefix first). */
export function comparePrefix(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  const x = a.addr;
  const y = b.addr;
  for (let i = 0; i < x.length; i++) {
    const d = x[i]! - y[i]!;
    if (d !== 0) return d;
  }
  return a.len - b.len;
}

/** A sorted copy (comparePrefix order); the input is left as it is. */
export function sortPrefixes(list: readonly Prefix[]): Prefix[] {
  return list.slice().sort(comparePrefix);
}

/** A compact, stable map key: the canonical text (unique per prefix). */
export function prefixKey(p: Prefix): string {
  return formatPrefix(p);
}
