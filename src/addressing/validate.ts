// Value checks of the addressing domain, over src/lib. Each failure is a FailsmallError with a stable
// code and a message that names the field.
import { formatPrefix, type Prefix as IpPrefix, prefixContains, tryParsePrefix } from '../lib/prefix.js';
import { addrError } from './errors.js';
import type { ServiceBinding } from './model.js';

/** The longest prefix the network announces to the Internet: shorter is filtered by most peers. */
export const MAX_ANNOUNCE_LEN = { 4: 24, 6: 48 } as const;

/** Parses `cidr` of field `field`; rejects non-canonical text (host bits, shorthand, upper case IPv6). */
export function parseCidr(field: string, cidr: string): IpPrefix {
  const r = tryParsePrefix(cidr);
  if (!r.ok) throw addrError('E_ADDR_CIDR', `${field}: ${r.message}`, { field, lib_code: r.code });
  const canonical = formatPrefix(r.prefix);
  if (canonical !== cidr) {
    throw addrError('E_ADDR_CIDR', `${field}: ${JSON.stringify(cidr)} is not canonical; write ${canonical}`, {
      field,
      canonical,
    });
  }
  return r.prefix;
}

export function checkAnnounceable(field: string, p: IpPrefix): void {
  const max = MAX_ANNOUNCE_LEN[p.family];
  if (p.len > max) {
    throw addrError(
      'E_ADDR_TOO_SPECIFIC',
      `${field}: ${formatPrefix(p)} is longer than /${max}, the longest announceable IPv${p.family} prefix`,
      { field, max },
    );
  }
}

export function checkInside(field: string, outer: IpPrefix, inner: IpPrefix, what: string): void {
  if (!prefixContains(outer, inner)) {
    throw addrError(
      'E_ADDR_OUTSIDE_PREFIX',
      `${field}: ${formatPrefix(inner)} is not inside ${what} ${formatPrefix(outer)}`,
      { field },
    );
  }
}

export function checkAsn(field: string, asn: number): void {
  if (!Number.isInteger(asn) || asn < 1 || asn > 4294967294 || asn === 23456) {
    throw addrError(
      'E_ADDR_INVALID',
      `${field}: ${asn} is not a usable AS number (1..4294967294, not AS_TRANS 23456)`,
      { field },
    );
  }
}

export function checkRange(field: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw addrError('E_ADDR_INVALID', `${field}: ${v} is outside ${min}..${max}`, { field, min, max });
  }
}

/**
 * The binding that decides the service for `cidr`: the most specific binding containing it.
 * Undefined when no binding covers it.
 */
export function effectiveBinding(bindings: readonly ServiceBinding[], cidr: IpPrefix): ServiceBinding | undefined {
  let best: { b: ServiceBinding; len: number } | undefined;
  for (const b of bindings) {
    const p = parseCidr('binding.cidr', b.cidr);
    if (prefixContains(p, cidr) && (best === undefined || p.len > best.len)) best = { b, len: p.len };
  }
  return best?.b;
}
