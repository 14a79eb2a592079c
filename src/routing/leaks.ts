// Route leaks: the RFC 7908 type of a leak from how the leaking AS learned the route and to whom it sent
// it, and a Gao-Rexford valley-free classifier over an AS relationship graph that names the first valley
// (the AS that leaked, what it learned the route from, whom it sent it to) and its RFC 7908 type.
import { AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SET, type AsPath } from './as-path.js';
import type { AsGraph, Relationship } from './relationships.js';
import type { BgpRole } from './roles.js';

/** RFC 7908 §3 leak types. */
export type LeakType = 1 | 2 | 3 | 4 | 5 | 6;

export const LEAK_TYPE_NAMES: Readonly<Record<LeakType, string>> = {
  1: 'hairpin turn with full prefix (provider-learned route sent to another provider)',
  2: 'lateral ISP-ISP-ISP leak (peer-learned route sent to another peer)',
  3: 'leak of transit-provider prefixes to peer',
  4: 'leak of peer prefixes to transit provider',
  5: 'prefix re-origination with data path to legitimate origin',
  6: 'accidental leak of internal prefixes and more-specific prefixes',
};

/**
 * Where the leaking AS got the route: from a neighbour of a role (RFC 9234 names, the neighbour's role),
 * or 'internal' for its own internal prefixes and more-specifics that were never meant to leave it.
 */
export type LearnedFrom = BgpRole | 'internal';

/** Collapse RFC 9234 roles to the three business relationships the RFC 7908 types are written in. */
function kind(role: BgpRole): 'customer' | 'provider' | 'lateral' {
  // A route server is lateral: its routes are peer routes, and routes sent to it are sent to a peer.
  // Routes from RS-clients (this AS being the RS) are also lateral; sending to an RS-client is what an RS does.
  if (role === 'provider') return 'provider';
  if (role === 'customer') return 'customer';
  return 'lateral';
}

/**
 * The RFC 7908 type of sending a route learned `learnedFrom` to a neighbour whose role is `sentTo`, or null
 * when that is not a leak (customer routes go everywhere; anything may go to customers and RS-clients).
 * `reoriginated`: the AS announced the prefix as its own (AS path stripped) — type 5.
 */
export function routeLeakType(learnedFrom: LearnedFrom, sentTo: BgpRole, reoriginated = false): LeakType | null {
  const to = sentTo === 'rs-client' ? 'customer' : kind(sentTo);
  if (to === 'customer') return null;
  if (learnedFrom === 'internal') return 6;
  const from = kind(learnedFrom);
  if (from === 'customer') return null;
  if (reoriginated) return 5;
  if (from === 'provider') return to === 'provider' ? 1 : 3;
  return to === 'provider' ? 4 : 2;
}

/** One hop of the path, origin side first: `to` received the route from `from`, and is `rel` to it. */
export interface PathHop {
  from: number;
  to: number;
  /** What `to` is to `from` ('provider': `to` is `from`'s provider, the route went up), or undefined. */
  rel: Relationship | undefined;
}

export type PathClass =
  | { verdict: 'valley-free'; hops: PathHop[] }
  /** The first valley: `leaker` received the route from `learnedFrom` and sent it on to `sentTo`. */
  | {
      verdict: 'valley';
      hops: PathHop[];
      leaker: number;
      receivedFrom: number;
      sentTo: number;
      /** What the neighbours are to the leaker; undefined when that link is not in the graph. */
      learnedFromRole: Relationship | undefined;
      sentToRole: Relationship;
      leakType: LeakType | null;
    }
  /** No valley among the known links, but some links are unknown: the path cannot be called valley-free. */
  | { verdict: 'incomplete'; hops: PathHop[]; unknown: PathHop[] }
  | { verdict: 'as-set'; hops: [] };

/**
 * Classify a path (neighbour first, as received) as valley-free in the Gao-Rexford sense: from the origin
 * zero or more customer-to-provider hops, at most one peer hop, then only provider-to-customer hops.
 * Prepends are collapsed. An unknown link keeps the phase it is in (the most permissive reading), so a
 * reported valley is certain whatever the unknown links are. `receiver`, when given, is the AS that
 * received the path: its link to the neighbour is checked too (a leak to a provider is only visible there).
 */
export function classifyPath(graph: AsGraph, path: AsPath, receiver?: number): PathClass {
  const asns: number[] = receiver === undefined ? [] : [receiver];
  for (const s of path) {
    if (s.type === AS_CONFED_SEQUENCE || s.type === AS_CONFED_SET) continue;
    if (s.type === AS_SET && s.asns.length > 0) return { verdict: 'as-set', hops: [] };
    for (const a of s.asns) if (asns[asns.length - 1] !== a) asns.push(a);
  }
  asns.reverse(); // origin first
  const hops: PathHop[] = [];
  for (let i = 0; i + 1 < asns.length; i++) {
    const from = asns[i]!;
    const to = asns[i + 1]!;
    hops.push({ from, to, rel: graph.relationship(from, to) });
  }
  let climbing = true; // still on the up-ramp: going up or across is allowed
  for (let i = 0; i < hops.length; i++) {
    const h = hops[i]!;
    if (h.rel === undefined) continue;
    if (h.rel === 'customer') {
      climbing = false;
      continue;
    }
    if (climbing) {
      if (h.rel === 'peer') climbing = false;
      continue;
    }
    // Going up or across after the top: h.from leaked what it learned from hops[i - 1].from.
    const prev = hops[i - 1]!;
    const learnedFromRole = prev.rel === undefined ? undefined : invert(prev.rel);
    const sentToRole = h.rel;
    const leakType = learnedFromRole === undefined ? null : routeLeakType(roleOf(learnedFromRole), roleOf(sentToRole));
    return {
      verdict: 'valley',
      hops,
      leaker: h.from,
      receivedFrom: prev.from,
      sentTo: h.to,
      learnedFromRole,
      sentToRole,
      leakType,
    };
  }
  const unknown = hops.filter((h) => h.rel === undefined);
  return unknown.length > 0 ? { verdict: 'incomplete', hops, unknown } : { verdict: 'valley-free', hops };
}

/** If b is `rel` to a, what is a to b. */
function invert(rel: Relationship): Relationship {
  return rel === 'provider' ? 'customer' : rel === 'customer' ? 'provider' : 'peer';
}

function roleOf(rel: Relationship): BgpRole {
  return rel;
}
