// Which address space the network may announce at all, whoever asks: never the default route, nothing
// longer than /24 (IPv4) or /48 (IPv6), nothing shorter than the configured minimum, and nothing in
// special-purpose or bogon space. The table follows IANA's IPv4 and IPv6 Special-Purpose Address
// Registries (RFC 6890 and its updates): an entry whose "Globally Reachable" is False (or N/A) is refused,
// and so is any prefix that covers one. Entries IANA marks globally reachable inside a refused block
// (AMT, AS112, ORCHIDv2, DRIP inside 2001::/23) stay announceable. Bogons beyond the registries:
// IPv4 multicast (224.0.0.0/4, RFC 5771) and, for IPv6, everything outside 2000::/3 (the only block
// IANA allocates for global unicast). Labs that announce documentation or benchmarking space between
// their own routers name it in `labSpace` (never in production).
import { formatPrefix, type Prefix as IpPrefix, parsePrefix, prefixContains, prefixOverlaps } from '../lib/prefix.js';
import { addrError } from './errors.js';
import { MAX_ANNOUNCE_LEN } from './limits.js';

/** One entry of the registries: refused unless `reachable`. */
export interface SpecialPurposeEntry {
  readonly cidr: string;
  readonly name: string;
  readonly rfc: string;
  /** IANA "Globally Reachable" = True: a globally reachable island inside a refused block. */
  readonly reachable?: boolean;
}

/**
 * IANA IPv4 / IPv6 Special-Purpose Address Registries (entries that fit an announceable length or
 * cover one; /32 and /128 host entries are too long to announce anyway), plus the bogons above.
 */
export const SPECIAL_PURPOSE: readonly SpecialPurposeEntry[] = [
  { cidr: '0.0.0.0/8', name: '"this network"', rfc: 'RFC 791' },
  { cidr: '10.0.0.0/8', name: 'private-use', rfc: 'RFC 1918' },
  { cidr: '100.64.0.0/10', name: 'shared address space', rfc: 'RFC 6598' },
  { cidr: '127.0.0.0/8', name: 'loopback', rfc: 'RFC 1122' },
  { cidr: '169.254.0.0/16', name: 'link local', rfc: 'RFC 3927' },
  { cidr: '172.16.0.0/12', name: 'private-use', rfc: 'RFC 1918' },
  { cidr: '192.0.0.0/24', name: 'IETF protocol assignments', rfc: 'RFC 6890' },
  { cidr: '192.0.2.0/24', name: 'documentation (TEST-NET-1)', rfc: 'RFC 5737' },
  { cidr: '192.31.196.0/24', name: 'AS112-v4', rfc: 'RFC 7535', reachable: true },
  { cidr: '192.52.193.0/24', name: 'AMT', rfc: 'RFC 7450', reachable: true },
  { cidr: '192.88.99.0/24', name: 'deprecated 6to4 relay anycast', rfc: 'RFC 7526' },
  { cidr: '192.168.0.0/16', name: 'private-use', rfc: 'RFC 1918' },
  { cidr: '192.175.48.0/24', name: 'direct delegation AS112 service', rfc: 'RFC 7534', reachable: true },
  { cidr: '198.18.0.0/15', name: 'benchmarking', rfc: 'RFC 2544' },
  { cidr: '198.51.100.0/24', name: 'documentation (TEST-NET-2)', rfc: 'RFC 5737' },
  { cidr: '203.0.113.0/24', name: 'documentation (TEST-NET-3)', rfc: 'RFC 5737' },
  { cidr: '224.0.0.0/4', name: 'multicast', rfc: 'RFC 5771' },
  { cidr: '240.0.0.0/4', name: 'reserved', rfc: 'RFC 1112' },
  {
    cidr: '::/3',
    name: 'outside global unicast 2000::/3 (loopback, IPv4-mapped, NAT64, discard, ...)',
    rfc: 'RFC 4291',
  },
  { cidr: '2001::/23', name: 'IETF protocol assignments', rfc: 'RFC 2928' },
  { cidr: '2001:3::/32', name: 'AMT', rfc: 'RFC 7450', reachable: true },
  { cidr: '2001:4:112::/48', name: 'AS112-v6', rfc: 'RFC 7535', reachable: true },
  { cidr: '2001:20::/28', name: 'ORCHIDv2', rfc: 'RFC 7343', reachable: true },
  { cidr: '2001:30::/28', name: 'drone remote ID (DET)', rfc: 'RFC 9374', reachable: true },
  { cidr: '2001:db8::/32', name: 'documentation', rfc: 'RFC 3849' },
  { cidr: '2002::/16', name: '6to4', rfc: 'RFC 3056' },
  { cidr: '3fff::/20', name: 'documentation', rfc: 'RFC 9637' },
  { cidr: '4000::/2', name: 'outside global unicast 2000::/3', rfc: 'RFC 4291' },
  { cidr: '8000::/1', name: 'outside global unicast 2000::/3 (ULA, link local, multicast, ...)', rfc: 'RFC 4291' },
];

interface Entry extends SpecialPurposeEntry {
  readonly p: IpPrefix;
}
const ENTRIES: readonly Entry[] = SPECIAL_PURPOSE.map((e) => ({ ...e, p: parsePrefix(e.cidr) }));

/** Where announcing is allowed, as configured. */
export interface AnnounceSpace {
  /** The shortest announceable prefix per family (a customer does not bring a /4). */
  readonly minLength: { readonly 4: number; readonly 6: number };
  /** Special-purpose space a lab announces between its own routers; empty in production. */
  readonly labSpace: readonly IpPrefix[];
}

/**
 * Production defaults: no RIR has allocated an IPv4 block shorter than /8 or an IPv6 block shorter
 * than /19 since the registries began, so anything shorter is not a customer's to bring.
 */
export const DEFAULT_ANNOUNCE_SPACE: AnnounceSpace = { minLength: { 4: 8, 6: 19 }, labSpace: [] };

/** Why `p` may not be announced, or null when it may. */
export function announceRefusal(p: IpPrefix, space: AnnounceSpace = DEFAULT_ANNOUNCE_SPACE): string | null {
  const text = formatPrefix(p);
  if (p.len === 0) return `${text} is a default route`;
  const max = MAX_ANNOUNCE_LEN[p.family];
  if (p.len > max) return `${text} is longer than /${max}, the longest announceable IPv${p.family} prefix`;
  const min = space.minLength[p.family];
  if (p.len < min) return `${text} is shorter than /${min}, the shortest announceable IPv${p.family} prefix configured`;
  if (space.labSpace.some((l) => prefixContains(l, p))) return null;
  for (const e of ENTRIES) {
    if (e.reachable || !prefixOverlaps(e.p, p)) continue;
    // Inside a refused block, a more specific globally reachable entry that holds `p` lets it through.
    const island = ENTRIES.find((r) => r.reachable && prefixContains(e.p, r.p) && prefixContains(r.p, p));
    if (island) continue;
    const how = prefixContains(e.p, p) ? 'is inside' : 'covers';
    return `${text} ${how} special-purpose space ${e.cidr} (${e.name}, ${e.rfc})`;
  }
  return null;
}

/** Throws E_ADDR_NOT_ANNOUNCEABLE naming the field and the reason when `p` may not be announced. */
export function checkAnnounceSpace(field: string, p: IpPrefix, space?: AnnounceSpace): void {
  const why = announceRefusal(p, space);
  if (why !== null) throw addrError('E_ADDR_NOT_ANNOUNCEABLE', `${field}: ${why}`, { field });
}
