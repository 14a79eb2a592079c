// Value checks of the addressing domain, over src/lib. Each failure is a FailsmallError with a stable
// code and a message that names the field.
import { formatPrefix, type Prefix as IpPrefix, prefixContains, tryParsePrefix } from '../lib/prefix.js';
import { addrError } from './errors.js';
import { inRange, MAX_ANNOUNCE_LEN, ORIGIN_ASN, type Range } from './limits.js';
import type { ServiceBinding } from './model.js';

export { MAX_ANNOUNCE_LEN };

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
  if (!inRange(ORIGIN_ASN, asn) || asn === 23456) {
    throw addrError(
      'E_ADDR_INVALID',
      `${field}: ${asn} is not a usable AS number (${ORIGIN_ASN.min}..${ORIGIN_ASN.max}, not AS_TRANS 23456)`,
      { field },
    );
  }
}

export function checkRange(field: string, v: number, r: Range): void {
  if (!inRange(r, v)) {
    throw addrError('E_ADDR_INVALID', `${field}: ${v} is outside ${r.min}..${r.max}`, {
      field,
      min: r.min,
      max: r.max,
    });
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
