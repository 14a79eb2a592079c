// The class-based verifier against the straightforward one: random FRR configurations (before and after),
// random RIBs whose routes share attribute sets and overlap in prefixes, random intents. The oracle
// exports every route to every neighbour on its own with exportRoute (no classes, no memo) and counts
// what each neighbour receives before and after, the intent violations and the RFC 7908 leaks.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixContains, tryParsePrefix } from '../../lib/prefix.js';
import { routeLeakType } from '../../routing/leaks.js';
import { parseCaidaRelationships } from '../../routing/relationships.js';
import { parseIntent } from '../intent.js';
import { loadConfig } from '../load.js';
import type { PolicyProgram } from '../model.js';
import { isInternal, parseRouteList, type Route } from '../route.js';
import { routeClasses } from './classes.js';
import { exportRoute, locRib } from './export.js';
import { verify } from './index.js';

type Value<A> = A extends fc.Arbitrary<infer T> ? T : never;

const LOCAL = 65001;
const NEIGHBORS = [
  { addr: '10.1.0.1', as: 64600 },
  { addr: '10.1.0.2', as: 64601 },
  { addr: '10.2.0.1', as: 64700 },
  { addr: '10.2.0.2', as: 64701 },
  { addr: '10.3.0.1', as: LOCAL },
];
const PREFIXES = [
  '192.0.2.0/24',
  '192.0.2.0/25',
  '192.0.2.128/25',
  '198.51.100.0/24',
  '198.51.100.0/22',
  '10.0.0.0/8',
  '10.1.0.0/16',
  '203.0.113.0/24',
  '2001:db8::/32',
  '2001:db8:1::/48',
  'fc00::/7',
];
const COMMUNITIES = ['65001:1', '65001:2', '65001:666', '64600:10', '65535:65281'];
const PATH_ASES = [64600, 64700, 64701, 64800, 64900, 65010];

const mapEntry = fc.record({
  permit: fc.boolean(),
  match: fc.constantFrom(
    '',
    ' match ip address prefix-list PL-A',
    ' match ip address prefix-list PL-B',
    ' match ipv6 address prefix-list PL6',
    ' match community CL-A',
    ' match as-path AP-A',
    ' match local-preference 200',
  ),
  set: fc.constantFrom(
    '',
    ' set community 65001:10 additive',
    ' set local-preference 300',
    ' set metric 50',
    ' set as-path prepend 65001 65001',
    ' set community none',
  ),
  next: fc.boolean(),
});

const config = fc.record({
  plA: fc.subarray(['192.0.2.0/24 le 25', '198.51.100.0/22 le 24', '10.0.0.0/8'], { minLength: 1 }),
  plB: fc.subarray(['203.0.113.0/24', '192.0.2.128/25', '10.1.0.0/16 ge 16'], { minLength: 1 }),
  maps: fc.array(fc.array(mapEntry, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 2 }),
  /** Which map each neighbour uses (0, 1, or none). */
  use: fc.array(fc.constantFrom(0, 1, -1), { minLength: NEIGHBORS.length, maxLength: NEIGHBORS.length }),
  requiresPolicy: fc.boolean(),
});

function frr(c: Value<typeof config>): string {
  const l = ['frr defaults traditional', 'hostname t'];
  for (const [i, p] of c.plA.entries()) l.push(`ip prefix-list PL-A seq ${i + 5} permit ${p}`);
  for (const [i, p] of c.plB.entries()) l.push(`ip prefix-list PL-B seq ${i + 5} permit ${p}`);
  l.push('ipv6 prefix-list PL6 seq 5 permit 2001:db8::/32 le 48');
  l.push('bgp community-list standard CL-A seq 5 permit 65001:1', 'bgp as-path access-list AP-A seq 5 permit _64700_');
  c.maps.forEach((entries, m) => {
    entries.forEach((e, i) => {
      l.push(`route-map MAP${m} ${e.permit ? 'permit' : 'deny'} ${(i + 1) * 10}`);
      if (e.match) l.push(e.match);
      if (e.permit && e.set) l.push(e.set);
      if (e.permit && e.next) l.push(' on-match next');
    });
  });
  l.push(`router bgp ${LOCAL}`, ' bgp router-id 10.0.0.1');
  if (!c.requiresPolicy) l.push(' no bgp ebgp-requires-policy');
  for (const n of NEIGHBORS) l.push(` neighbor ${n.addr} remote-as ${n.as === LOCAL ? 'internal' : n.as}`);
  for (const af of ['ipv4', 'ipv6']) {
    l.push(` address-family ${af} unicast`);
    NEIGHBORS.forEach((n, i) => {
      if (af === 'ipv6') l.push(`  neighbor ${n.addr} activate`);
      if (c.use[i]! >= 0) l.push(`  neighbor ${n.addr} route-map MAP${c.use[i]} out`);
    });
    l.push(' exit-address-family');
  }
  return `${l.join('\n')}\n`;
}

// Few attribute sets, many prefixes: routes share classes, and some are learned from the neighbours.
const route = fc.record({
  prefix: fc.constantFrom(...PREFIXES),
  as_path: fc.array(fc.constantFrom(...PATH_ASES), { minLength: 1, maxLength: 3 }),
  peer: fc.constantFrom('10.9.0.1', '10.1.0.1', '10.2.0.2', '10.3.0.1', '10.255.0.1'),
  local_pref: fc.constantFrom(100, 200),
  med: fc.option(fc.constantFrom(0, 10), { nil: undefined }),
  communities: fc.subarray(COMMUNITIES, { maxLength: 2 }),
});

function rib(rs: Value<typeof route>[]): Route[] {
  return parseRouteList(
    JSON.stringify(
      rs.map((r) => ({
        ...r,
        peer_as: r.peer === '10.3.0.1' || r.peer === '10.255.0.1' ? LOCAL : r.as_path[0],
        next_hop: r.peer,
      })),
    ),
  );
}

const graph = parseCaidaRelationships('64600|65001|-1\n64601|65001|-1\n65001|64700|0\n65001|64701|0\n65001|64800|-1\n');
const intent = parseIntent('neighbors:\n  "10.2.0.1": { role: peer, allow: [192.0.2.0/24, 2001:db8::/32] }\n');

/** The straightforward verifier: every route to every neighbour on its own. */
function oracle(before: PolicyProgram, after: PolicyProgram, routes: Route[]) {
  const ribB = locRib(before, routes);
  const ribA = locRib(after, routes);
  const allow = [tryParsePrefix('192.0.2.0/24'), tryParsePrefix('2001:db8::/32')].map((p) => (p.ok ? p.prefix : null)!);
  const roleOf = (as: number) => (as === LOCAL ? 'internal' : graph.relationship(LOCAL, as));
  return after.neighbors.map((n) => {
    const nb = before.neighbors.find((x) => x.address === n.address)!;
    const sentB = new Map<string, Route>();
    for (const r of ribB) {
      const o = exportRoute(before, nb, r);
      if (o.sent) sentB.set(r.key, o.route);
    }
    let after_ = 0;
    let added = 0;
    let changed = 0;
    let intentViolations = 0;
    let leaks = 0;
    const role = n.address === '10.2.0.1' ? 'peer' : roleOf(n.peerAs);
    for (const r of ribA) {
      const o = exportRoute(after, n, r);
      if (!o.sent) continue;
      after_++;
      if (n.address === '10.2.0.1' && !allow.some((p) => prefixContains(p, r.prefix))) intentViolations++;
      const b = sentB.get(r.key);
      if (b === undefined) {
        added++;
        const src = after.neighbors.find((x) => x.address === r.peer);
        const learned =
          src && !src.internal && !isInternal(r, LOCAL)
            ? src.address === '10.2.0.1'
              ? 'peer'
              : roleOf(src.peerAs)
            : roleOf(r.asPath[0]!);
        if (learned && learned !== 'internal' && role && role !== 'internal' && routeLeakType(learned, role) !== null)
          leaks++;
      } else if (JSON.stringify(norm(b)) !== JSON.stringify(norm(o.route))) changed++;
    }
    const removed = [...sentB.keys()].filter((k) => {
      const r = ribA.find((x) => x.key === k);
      return r === undefined || !exportRoute(after, n, r).sent;
    }).length;
    return {
      counts: { exported_before: sentB.size, exported_after: after_, added, removed, changed },
      intentViolations,
      leaks,
    };
  });
}

const norm = (r: Route) => [
  r.localPref,
  r.med,
  r.origin,
  r.nextHop,
  r.otc,
  r.asPath,
  [...r.communities].sort(),
  [...r.largeCommunities].sort(),
];

describe('route classes', () => {
  it('group routes that differ only in their prefix when no prefix condition tells them apart', () => {
    const p = loadConfig(
      'router bgp 65001\n neighbor 10.1.0.1 remote-as 64600\n address-family ipv4 unicast\n  neighbor 10.1.0.1 route-map M out\n exit-address-family\nroute-map M permit 10\n match ip address prefix-list P\nip prefix-list P seq 5 permit 192.0.2.0/24 le 25\n',
      'c.conf',
      'frr',
    );
    const routes = rib([
      { prefix: '192.0.2.0/24', as_path: [64600], peer: '10.9.0.1', local_pref: 100, med: undefined, communities: [] },
      { prefix: '192.0.2.0/25', as_path: [64600], peer: '10.9.0.1', local_pref: 100, med: undefined, communities: [] },
      { prefix: '10.0.0.0/8', as_path: [64600], peer: '10.9.0.1', local_pref: 100, med: undefined, communities: [] },
      { prefix: '10.1.0.0/16', as_path: [64600], peer: '10.9.0.1', local_pref: 100, med: undefined, communities: [] },
      { prefix: '10.1.0.0/16', as_path: [64601], peer: '10.9.0.1', local_pref: 100, med: undefined, communities: [] },
    ]);
    const c = routeClasses(routes, [p]);
    expect([...c.of]).toEqual([0, 0, 1, 1, 2]);
    expect([...c.sizes]).toEqual([2, 2, 1]);
  });

  it('the class-based verifier counts what the straightforward one does', () => {
    fc.assert(
      fc.property(config, config, fc.array(route, { minLength: 1, maxLength: 60 }), (cb, ca, rs) => {
        const before = loadConfig(frr(cb), 'before.conf', 'frr');
        const after = loadConfig(frr(ca), 'after.conf', 'frr');
        const routes = rib(rs);
        const report = verify(before, after, routes, { relationships: graph, intent, maxExamples: 2 });
        const want = oracle(before, after, routes);
        for (const [i, n] of after.neighbors.entries()) {
          const got = report.neighbors.find((x) => x.neighbor === n.address)!;
          const { exported_before, exported_after, added, removed, changed } = got;
          expect({ exported_before, exported_after, added, removed, changed }, n.address).toEqual(want[i]!.counts);
          const count = (kind: string) =>
            report.findings.filter((f) => f.kind === kind && f.neighbor === n.address).reduce((s, f) => s + f.count, 0);
          expect(count('intent-violation'), `${n.address} intent`).toBe(want[i]!.intentViolations);
          expect(count('route-leak'), `${n.address} leaks`).toBe(want[i]!.leaks);
          for (const f of report.findings) expect(f.examples.length).toBeLessThanOrEqual(2);
        }
      }),
      { numRuns: 150 },
    );
  });
});
