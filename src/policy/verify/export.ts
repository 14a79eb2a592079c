// What one router sends one neighbour: the Adj-RIB-Out of a route, with the protocol rules around the
// policy chain that both vendors apply (family, split horizon toward the source, iBGP-to-iBGP, NO_EXPORT /
// NO_ADVERTISE, FRR's ebgp-requires-policy and local routes only through network/redistribute, the
// Junos default BGP export policy at the end of the chain, RFC 9234 OTC at egress).

import { formatPrefix, prefixEquals } from '../../lib/prefix.js';
import { neighborRoleOf, otcEgress, otcIngress } from '../../routing/roles.js';
import { type EvalContext, type EvalResult, evaluateChain } from '../evaluate.js';
import type { LocalRouteDef, Neighbor, Policy, PolicyProgram } from '../model.js';
import { activeRoutes, isInternal, type Route } from '../route.js';

const NO_EXPORT = '65535:65281';
const NO_ADVERTISE = '65535:65282';

export type ExportOutcome =
  | { sent: true; route: Route; eval: EvalResult | undefined }
  | { sent: false; why: string; eval: EvalResult | undefined };

const junosDefault = (r: Route): { accept: boolean; why: string } =>
  r.protocol === 'bgp'
    ? { accept: true, why: 'default BGP export: active BGP route' }
    : { accept: false, why: 'default BGP export: not a BGP route' };
const denyAtEnd = (): { accept: boolean; why: string } => ({ accept: false, why: 'end of policy chain' });

/** Export one active route to one neighbour. `trace` records every matched term. */
export function exportRoute(
  program: PolicyProgram,
  n: Neighbor,
  r: Route,
  trace = false,
  onTerm?: EvalContext['onTerm'],
): ExportOutcome {
  const family = r.prefix.family;
  if (!n.families.includes(family)) return { sent: false, why: 'family not configured', eval: undefined };
  if (r.peer === n.address) return { sent: false, why: 'learned from this neighbour', eval: undefined };
  const d = program.defaults;
  if (
    r.protocol !== 'bgp' &&
    !d.redistributed.includes(r.protocol) &&
    program.vendor === 'frr' &&
    !d.networks.some((p) => prefixEquals(p, r.prefix))
  ) {
    return { sent: false, why: `${r.protocol} route not in BGP (no network / redistribute)`, eval: undefined };
  }
  const internalRoute = isInternal(r, program.localAs);
  if (internalRoute && n.internal && !n.reflectorClient)
    return { sent: false, why: 'iBGP route to an iBGP neighbour', eval: undefined };
  if (r.communities.includes(NO_ADVERTISE)) return { sent: false, why: 'NO_ADVERTISE', eval: undefined };
  if (!n.internal && r.communities.includes(NO_EXPORT)) return { sent: false, why: 'NO_EXPORT', eval: undefined };
  const chain = n.exportChain[family];
  let ev: EvalResult | undefined;
  let out = r;
  // bgpd removes a MED it did not originate before sending to an eBGP neighbour (RFC 4271 §5.1.4),
  // before the outbound route-map runs (checked against bgpd 8.4). The evaluator sees the route that
  // way and copies it only when it writes or accepts it (most evaluations of a full table reject).
  const stripMed = program.vendor === 'frr' && !n.internal && r.protocol === 'bgp' && r.med !== undefined;
  if (chain.length === 0 && program.vendor === 'frr') {
    if (!n.internal && d.ebgpRequiresPolicy)
      return { sent: false, why: 'ebgp-requires-policy: no outbound policy', eval: undefined };
    if (stripMed) out = { ...r, med: undefined, receivedMed: r.med };
  } else {
    const ctx: EvalContext = { program, neighbor: n, trace, stripMed, onTerm };
    ev = evaluateChain(ctx, chain, r, program.defaults.chainEnd === 'bgp-default' ? junosDefault : denyAtEnd);
    if (!ev.accept) return { sent: false, why: `rejected by ${ev.decidedBy.policy} ${ev.decidedBy.term}`, eval: ev };
    out = ev.route;
  }
  if (n.localRole !== undefined) {
    const e = otcEgress(neighborRoleOf(n.localRole), n.localAs, out.otc);
    if (!e.send) return { sent: false, why: `OTC ${e.otc}: ${e.reason}`, eval: ev };
    if (e.added) out = { ...out, otc: e.otc };
  }
  return { sent: true, route: out, eval: ev };
}

/**
 * The router's Loc-RIB for one configuration: the given routes plus the local routes the configuration
 * defines and the RIB lacks, with RFC 9234 ingress applied for neighbours that have a role (an OTC leak
 * makes the route ineligible), reduced to the active route per prefix.
 */
export function locRib(program: PolicyProgram, routes: readonly Route[]): Route[] {
  const byPeer = new Map<string, Neighbor>();
  for (const n of program.neighbors) if (n.localRole !== undefined) byPeer.set(n.address, n);
  // Without roles or local routes the Loc-RIB is the best of the given routes: no copy of the list.
  if (byPeer.size === 0 && program.localRoutes.length === 0) return activeRoutes(routes, program.localAs);
  const out: Route[] = [];
  for (const r of routes) {
    const n = byPeer.get(r.peer);
    if (n === undefined || n.localRole === undefined) {
      out.push(r);
      continue;
    }
    const ing = otcIngress(neighborRoleOf(n.localRole), n.peerAs, r.otc);
    if (ing.leak) continue;
    out.push(ing.otc === r.otc ? r : { ...r, otc: ing.otc });
  }
  if (program.localRoutes.length > 0) {
    const have = new Set(routes.map((r) => r.key));
    for (const l of program.localRoutes)
      if (!have.has(formatPrefix(l.prefix))) out.push(localRoute(l, program.localAs ?? 0));
  }
  return activeRoutes(out, program.localAs);
}

function localRoute(l: LocalRouteDef, localAs: number): Route {
  const v4 = l.prefix.family === 4;
  return {
    prefix: l.prefix,
    key: formatPrefix(l.prefix),
    asPath: [],
    nextHop: v4 ? '0.0.0.0' : '::',
    peer: v4 ? '0.0.0.0' : '::',
    peerAs: localAs,
    origin: 'igp',
    localPref: 100,
    med: undefined,
    communities: [],
    largeCommunities: [],
    protocol: l.protocol,
  };
}

/** JSON of model values without where they were written (`src`), regexes by their text. */
function contentJson(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) =>
    k === 'src' ? undefined : x instanceof RegExp ? `/${x.source}/${x.flags}` : x instanceof Map ? [...x] : x,
  );
}

/** The policies a chain reaches (itself, subroutines, calls), in the order first reached. */
function reached(program: PolicyProgram, chain: readonly string[], out: Map<string, Policy | null>): void {
  for (const name of chain) {
    if (out.has(name)) continue;
    const p = program.policies.get(name);
    // An undefined policy is part of the content too (FRR denies, Junos skips).
    out.set(name, p ?? null);
    if (!p) continue;
    for (const t of p.terms) {
      for (const c of t.conditions) if (c.kind === 'policy') reached(program, c.names, out);
      for (const a of t.actions) if (a.kind === 'call') reached(program, [a.policy], out);
    }
  }
}

/**
 * Everything exportRoute() reads of a program and a neighbour, by content: the vendor and its defaults, the
 * local AS, the session, the export chains, the policies they reach and every named set of the program,
 * without the file and lines they were written at. Two pairs with the same key send every route alike (the same decision and
 * the same route), though the decisions name their own files: the verifier evaluates an export path the
 * change left alone once, not before and after.
 */
export function exportPathKey(program: PolicyProgram, n: Neighbor): string {
  const policies = new Map<string, Policy | null>();
  for (const f of n.families) reached(program, n.exportChain[f], policies);
  return contentJson([
    program.vendor,
    program.localAs,
    program.defaults,
    [n.address, n.peerAs, n.localAs, n.internal, n.families, n.exportChain, n.localRole, n.reflectorClient],
    policies,
    program.prefixLists,
    program.communities,
    program.asPaths,
  ]);
}
