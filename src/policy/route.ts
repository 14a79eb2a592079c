// The routes the verifier pushes through policies: the router's Loc-RIB as a flat list, one object per
// path, with the attributes policies read and write. The JSON route list of `failsmall verify --rib` is
// parsed here (pure: text in, routes out); MRT loading is in the CLI, which builds the same objects.
import { FailsmallError } from '../lib/errors.js';
import { formatPrefix, type Prefix, tryParsePrefix } from '../lib/prefix.js';
import { type Origin, PROTOCOLS, type Protocol } from './model.js';

export interface Route {
  prefix: Prefix;
  /** The prefix as text (canonical): the key of Adj-RIB-Out diffs. */
  key: string;
  /** Flattened AS path, neighbour first (AS_SET members in place). */
  asPath: number[];
  nextHop: string;
  /** Address of the BGP peer the route was learned from; 0.0.0.0 / :: for local routes. */
  peer: string;
  peerAs: number;
  origin: Origin;
  localPref: number | undefined;
  med: number | undefined;
  communities: string[];
  largeCommunities: string[];
  protocol: Protocol;
  /** Only to Customer (RFC 9234), when the route carries it. */
  otc?: number | undefined;
  /**
   * The MED as received, when the export path removed it before the policy ran (FRR to an eBGP
   * neighbour): `match metric` still sees it, `set metric +N` starts from nothing.
   */
  receivedMed?: number | undefined;
}

const ORIGINS: readonly Origin[] = ['igp', 'egp', 'incomplete'];

/** A route is iBGP-learned when its peer is in the local AS. */
export function isInternal(r: Route, localAs: number | undefined): boolean {
  return r.protocol === 'bgp' && localAs !== undefined && r.peerAs === localAs;
}

/** The AS the route was learned from (its first AS), or undefined for a local route. */
export function neighborAsOf(r: Route): number | undefined {
  return r.asPath[0];
}

function fail(i: number, why: string): never {
  throw new FailsmallError('E_POLICY_RIB', `route ${i}: ${why}`, { index: i });
}

/** Parse the JSON route list of `--rib` (see the README); every field is checked. */
export function parseRouteList(text: string, file = 'rib.json'): Route[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new FailsmallError('E_POLICY_RIB', `${file} is not JSON: ${(e as Error).message}`, { file });
  }
  if (!Array.isArray(data)) throw new FailsmallError('E_POLICY_RIB', `${file}: expected a JSON array of routes`);
  return data.map((x, i) => routeFromJson(x, i));
}

function num(v: unknown, i: number, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff)
    fail(i, `${name} must be an unsigned 32-bit integer`);
  return v;
}

function strings(v: unknown, i: number, name: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) fail(i, `${name} must be a list of strings`);
  return v as string[];
}

export function routeFromJson(x: unknown, i: number): Route {
  if (typeof x !== 'object' || x === null) fail(i, 'expected an object');
  const o = x as Record<string, unknown>;
  if (typeof o.prefix !== 'string') fail(i, 'prefix is missing');
  const p = tryParsePrefix(o.prefix);
  if (!p.ok) fail(i, `prefix "${o.prefix}": ${p.message}`);
  const asPathRaw = o.as_path ?? [];
  if (!Array.isArray(asPathRaw)) fail(i, 'as_path must be a list of AS numbers');
  const asPath = asPathRaw.map((a, k) => num(a, i, `as_path[${k}]`)!);
  const protocol = (o.protocol ?? 'bgp') as Protocol;
  if (!PROTOCOLS.includes(protocol)) fail(i, `protocol "${String(o.protocol)}" is not one of ${PROTOCOLS.join(', ')}`);
  const origin = (o.origin ?? 'igp') as Origin;
  if (!ORIGINS.includes(origin)) fail(i, `origin "${String(o.origin)}" is not igp, egp or incomplete`);
  const peer = o.peer ?? (p.prefix.family === 4 ? '0.0.0.0' : '::');
  if (typeof peer !== 'string') fail(i, 'peer must be an address');
  const nextHop = o.next_hop ?? peer;
  if (typeof nextHop !== 'string') fail(i, 'next_hop must be an address');
  return {
    prefix: p.prefix,
    key: formatPrefix(p.prefix),
    asPath,
    nextHop,
    peer,
    peerAs: num(o.peer_as, i, 'peer_as') ?? asPath[0] ?? 0,
    origin,
    localPref: num(o.local_pref, i, 'local_pref'),
    med: num(o.med, i, 'med'),
    communities: strings(o.communities, i, 'communities'),
    largeCommunities: strings(o.large_communities, i, 'large_communities'),
    protocol,
    otc: num(o.otc, i, 'otc'),
  };
}

const ORIGIN_RANK: Record<Origin, number> = { igp: 0, egp: 1, incomplete: 2 };

/**
 * The BGP decision process, reduced to what a RIB dump tells: higher local-pref, shorter AS path, lower
 * origin, lower MED (any neighbour AS, as `always-compare-med` would), eBGP over iBGP, lower peer address.
 * Local routes (static, direct, aggregate) win over BGP, as their preference does on both vendors.
 */
export function betterRoute(a: Route, b: Route, localAs: number | undefined): boolean {
  const la = a.protocol !== 'bgp';
  const lb = b.protocol !== 'bgp';
  if (la !== lb) return la;
  const pa = a.localPref ?? 100;
  const pb = b.localPref ?? 100;
  if (pa !== pb) return pa > pb;
  if (a.asPath.length !== b.asPath.length) return a.asPath.length < b.asPath.length;
  if (a.origin !== b.origin) return ORIGIN_RANK[a.origin] < ORIGIN_RANK[b.origin];
  const ma = a.med ?? 0;
  const mb = b.med ?? 0;
  if (ma !== mb) return ma < mb;
  const ia = isInternal(a, localAs);
  const ib = isInternal(b, localAs);
  if (ia !== ib) return !ia;
  return a.peer < b.peer;
}

/** FNV-1a over the prefix text: equal keys hash alike. */
function keyHash(k: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * The active (best) route of every prefix, in input order of first appearance. An open-addressing table of
 * positions in the result (an Int32Array) rather than a Map of a million strings: a full table's Map
 * and its growth were a second's work and tens of MB of garbage.
 */
export function activeRoutes(routes: readonly Route[], localAs: number | undefined): Route[] {
  let size = 16;
  while (size < routes.length * 2) size *= 2;
  const mask = size - 1;
  const at = new Int32Array(size).fill(-1);
  const out: Route[] = [];
  for (const r of routes) {
    for (let s = keyHash(r.key) & mask; ; s = (s + 1) & mask) {
      const j = at[s]!;
      if (j === -1) {
        at[s] = out.length;
        out.push(r);
        break;
      }
      const cur = out[j]!;
      if (cur.key === r.key) {
        if (betterRoute(r, cur, localAs)) out[j] = r;
        break;
      }
    }
  }
  return out;
}
