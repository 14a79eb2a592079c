// AS numbers: parse (asplain, asdot, "AS" prefix), format (RFC 5396 asplain / asdot / asdot+), and the
// IANA special-purpose ranges, so policy and leak checks can tell a private or reserved ASN on sight.
import { FailsmallError } from './errors.js';

export const ASN_MAX = 0xffffffff;
export const AS_TRANS = 23456;

export type AsnStyle = 'asplain' | 'asdot' | 'asdot+';
export type AsnClass = 'public' | 'private' | 'reserved' | 'documentation' | 'as_trans';

function syntax(text: string, why: string): FailsmallError {
  return new FailsmallError('E_ASN_SYNTAX', `${JSON.stringify(text)} is not an AS number: ${why}`, {
    input: text,
  });
}

/** Decimal digits of text[start, end) as a number; -1 when empty, not digits, or with a leading zero. */
function digits(text: string, start: number, end: number): number {
  if (start >= end || end - start > 10) return end - start > 10 && /^\d+$/.test(text.slice(start, end)) ? -2 : -1;
  if (end - start > 1 && text.charCodeAt(start) === 48) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return v;
}

/**
 * "65000", "AS65000" / "as65000", asdot "1.10" (= 65546). Leading zeros and spaces are rejected.
 * Throws E_ASN_SYNTAX, or E_ASN_RANGE for a value past 4294967295 or an asdot half past 65535.
 */
export function parseAsn(text: string): number {
  let start = 0;
  if (text.length >= 2 && (text[0] === 'A' || text[0] === 'a') && (text[1] === 'S' || text[1] === 's')) start = 2;
  const dot = text.indexOf('.', start);
  if (dot < 0) {
    const v = digits(text, start, text.length);
    if (v === -1) throw syntax(text, 'expected decimal digits without leading zeros');
    if (v === -2 || v > ASN_MAX) {
      throw new FailsmallError('E_ASN_RANGE', `${JSON.stringify(text)} is out of range 0-4294967295`, { input: text });
    }
    return v;
  }
  const hi = digits(text, start, dot);
  const lo = digits(text, dot + 1, text.length);
  if (hi === -1 || lo === -1) throw syntax(text, 'asdot is two decimal numbers "high.low" without leading zeros');
  if (hi === -2 || lo === -2 || hi > 0xffff || lo > 0xffff) {
    throw new FailsmallError('E_ASN_RANGE', `${JSON.stringify(text)}: each half of an asdot AS number is 0-65535`, {
      input: text,
    });
  }
  return hi * 65536 + lo;
}

/** Throws E_ASN_RANGE unless asn is an integer in 0..4294967295. */
export function checkAsn(asn: number): number {
  if (!(Number.isInteger(asn) && asn >= 0 && asn <= ASN_MAX)) {
    throw new FailsmallError('E_ASN_RANGE', `${asn} is not an AS number (0-4294967295)`, { asn });
  }
  return asn;
}

/** asplain "65546"; asdot "1.10" only at 65536 and above; asdot+ always "high.low" ("0.65000"). */
export function formatAsn(asn: number, style: AsnStyle = 'asplain'): string {
  checkAsn(asn);
  if (style === 'asplain' || (style === 'asdot' && asn < 65536)) return String(asn);
  return `${Math.floor(asn / 65536)}.${asn % 65536}`;
}

/**
 * IANA special-purpose AS numbers: 0 (RFC 7607), 65535 and 4294967295 (RFC 7300) and 65552-131071 are
 * reserved; 64496-64511 and 65536-65551 are for documentation (RFC 5398); 64512-65534 and
 * 4200000000-4294967294 are private use (RFC 6996); 23456 is AS_TRANS (RFC 6793).
 */
export function classifyAsn(asn: number): AsnClass {
  checkAsn(asn);
  if (asn === AS_TRANS) return 'as_trans';
  if (asn === 0 || asn === 65535 || asn === ASN_MAX || (asn >= 65552 && asn <= 131071)) return 'reserved';
  if ((asn >= 64496 && asn <= 64511) || (asn >= 65536 && asn <= 65551)) return 'documentation';
  if ((asn >= 64512 && asn <= 65534) || asn >= 4200000000) return 'private';
  return 'public';
}

export function isPrivateAsn(asn: number): boolean {
  return classifyAsn(asn) === 'private';
}

/** True for an ASN that may appear in the global routing table (not private, reserved, documentation or AS_TRANS). */
export function isPublicAsn(asn: number): boolean {
  return classifyAsn(asn) === 'public';
}
