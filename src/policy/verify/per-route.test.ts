// verify() against verifyPerRoute(), the plain evaluation of every route for every neighbour and
// configuration: whole reports (counts, findings, examples and their traces, order) must be equal on random
// FRR configurations and tables. The generators aim at what the fast path shares: neighbours with the same
// route-map under one name or under copies with other names, routes of one UPDATE sharing their attribute
// lists (the same arrays), MEDs that bgpd removes toward eBGP, community lists changed in place, RFC 9234
// roles and `network` statements that make the before and after Loc-RIBs differ. The routes are frozen,
// so that an evaluation writing into its input throws instead of passing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCaidaRelationships } from '../../routing/relationships.js';
import { evaluateChain } from '../evaluate.js';
import { parseIntent } from '../intent.js';
import { loadConfig } from '../load.js';
import { parseRouteList, type Route } from '../route.js';
import { verify, verifyPerRoute } from './index.js';

type Value<A> = A extends fc.Arbitrary<infer T> ? T : never;

const LOCAL = 65001;
const NEIGHBORS = [
  { addr: '10.1.0.1', as: 64600 },
  { addr: '10.1.0.2', as: 64601 },
  { addr: '10.2.0.1', as: 64700 },
  { addr: '10.2.0.2', as: 64701 },
  { addr: '10.2.0.3', as: 64702 },
  { addr: '10.3.0.1', as: LOCAL },
];
const PREFIXES = [
  '192.0.2.0/24',
  '192.0.2.0/25',
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
    ' match metric 10',
  ),
  sets: fc.subarray([
    ' set community 65001:10 additive',
    ' set community 65001:1',
    ' set local-preference 300',
    ' set metric 50',
    ' set metric +5',
    ' set as-path prepend 65001 65001',
    ' set community none',
    ' set comm-list CL-A delete',
    ' set large-community 65001:1:1 additive',
  ]),
  next: fc.constantFrom('', ' on-match next', ' on-match goto 30'),
});

const config = fc.record({
  plA: fc.subarray(['192.0.2.0/24 le 25', '198.51.100.0/22 le 24', '10.0.0.0/8'], { minLength: 1 }),
  plB: fc.subarray(['203.0.113.0/24', '192.0.2.128/25', '10.1.0.0/16 ge 16'], { minLength: 1 }),
  maps: fc.array(fc.array(mapEntry, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 2 }),
  /** Which map each neighbour uses (0, 1, or none), and whether under its own copy of the map. */
  use: fc.array(fc.constantFrom(0, 1, -1), { minLength: NEIGHBORS.length, maxLength: NEIGHBORS.length }),
  copies: fc.array(fc.boolean(), { minLength: NEIGHBORS.length, maxLength: NEIGHBORS.length }),
  requiresPolicy: fc.boolean(),
  /** An RFC 9234 role on the first peer, and a network statement: the two Loc-RIBs differ. */
  role: fc.constantFrom('', 'peer', 'customer'),
  network: fc.boolean(),
});

function frr(c: Value<typeof config>): string {
  const l = ['frr defaults traditional', 'hostname t'];
  for (const [i, p] of c.plA.entries()) l.push(`ip prefix-list PL-A seq ${i + 5} permit ${p}`);
  for (const [i, p] of c.plB.entries()) l.push(`ip prefix-list PL-B seq ${i + 5} permit ${p}`);
  l.push('ipv6 prefix-list PL6 seq 5 permit 2001:db8::/32 le 48');
  l.push('bgp community-list standard CL-A seq 5 permit 65001:1', 'bgp as-path access-list AP-A seq 5 permit _64700_');
  const mapName = (m: number, i: number) => (c.copies[i] ? `MAP${m}-${NEIGHBORS[i]!.addr}` : `MAP${m}`);
  const names = new Map<string, number>();
  NEIGHBORS.forEach((_, i) => {
    if (c.use[i]! >= 0) names.set(mapName(c.use[i]!, i), c.use[i]!);
  });
  for (const m of [0, 1]) names.set(`MAP${m}`, m);
  for (const [name, m] of names) {
    c.maps[m]!.forEach((e, i) => {
      l.push(`route-map ${name} ${e.permit ? 'permit' : 'deny'} ${(i + 1) * 10}`);
      if (e.match) l.push(e.match);
      if (e.permit) l.push(...e.sets);
      if (e.permit && e.next) l.push(e.next);
    });
  }
  l.push(`router bgp ${LOCAL}`, ' bgp router-id 10.0.0.1');
  if (!c.requiresPolicy) l.push(' no bgp ebgp-requires-policy');
  for (const n of NEIGHBORS) l.push(` neighbor ${n.addr} remote-as ${n.as === LOCAL ? 'internal' : n.as}`);
  if (c.role) l.push(` neighbor 10.2.0.1 local-role ${c.role}`);
  for (const af of ['ipv4', 'ipv6']) {
    l.push(` address-family ${af} unicast`);
    if (af === 'ipv4' && c.network) l.push('  network 192.0.2.0/24');
    NEIGHBORS.forEach((n, i) => {
      if (af === 'ipv6') l.push(`  neighbor ${n.addr} activate`);
      if (c.use[i]! >= 0) l.push(`  neighbor ${n.addr} route-map ${mapName(c.use[i]!, i)} out`);
    });
    l.push(' exit-address-family');
  }
  return `${l.join('\n')}\n`;
}

const attrs = fc.record({
  as_path: fc.array(fc.constantFrom(...PATH_ASES), { minLength: 1, maxLength: 3 }),
  peer: fc.constantFrom('10.9.0.1', '10.1.0.1', '10.2.0.1', '10.2.0.2', '10.3.0.1', '10.255.0.1'),
  local_pref: fc.constantFrom(100, 200),
  med: fc.option(fc.constantFrom(0, 10), { nil: undefined }),
  communities: fc.subarray(COMMUNITIES, { maxLength: 2 }),
  otc: fc.option(fc.constantFrom(64700), { nil: undefined, freq: 4 }),
});
/**
 * UPDATEs: one attribute set, several prefixes (one route per prefix, sharing the attribute lists). The
 * attribute sets come from a small pool and differ in one field or two (MED, local-pref), so that routes
 * alike but for one attribute meet in one table.
 */
const update = fc.record({
  attrs: fc.nat(3),
  med: fc.constantFrom(undefined, 0, 10, 50),
  local_pref: fc.constantFrom(100, 200, 300),
  prefixes: fc.subarray(PREFIXES, { minLength: 1, maxLength: 4 }),
});
const updates = (max: number) =>
  fc.record({
    pool: fc.array(attrs, { minLength: 4, maxLength: 4 }),
    list: fc.array(update, { minLength: 1, maxLength: max }),
  });

function table({ pool, list }: Value<ReturnType<typeof updates>>): Route[] {
  const out: Route[] = [];
  for (const u of list) {
    const a = { ...pool[u.attrs]!, med: u.med, local_pref: u.local_pref };
    const [first, ...rest] = parseRouteList(
      JSON.stringify(
        u.prefixes.map((prefix) => ({
          ...a,
          prefix,
          peer_as: a.peer === '10.3.0.1' || a.peer === '10.255.0.1' ? LOCAL : a.as_path[0],
          next_hop: a.peer,
        })),
      ),
    );
    out.push(first!);
    // The other routes of the UPDATE share the first one's lists, as decoders hand them out.
    for (const r of rest) out.push({ ...first!, prefix: r.prefix, key: r.key });
  }
  for (const r of out) {
    Object.freeze(r.asPath);
    Object.freeze(r.communities);
    Object.freeze(r.largeCommunities);
    Object.freeze(r);
  }
  return out;
}

const graph = parseCaidaRelationships('64600|65001|-1\n64601|65001|-1\n65001|64700|0\n65001|64701|0\n65001|64800|-1\n');
const intent = parseIntent('neighbors:\n  "10.2.0.2": { role: peer, allow: [192.0.2.0/24, 2001:db8::/32] }\n');

const alikeness = fc.constantFrom('apart', 'map 0 alike', 'all alike');

describe('verify() against the per-route evaluation', () => {
  it('the same report on random configurations and tables', () => {
    fc.assert(
      fc.property(config, config, updates(30), fc.boolean(), alikeness, (cb, ca0, us, withContext, alike) => {
        // The change often leaves a map (or all of them, changing only which neighbour uses which)
        // alone: those export paths are evaluated once for both configurations.
        const ca =
          alike === 'apart'
            ? ca0
            : alike === 'map 0 alike'
              ? { ...ca0, plA: cb.plA, plB: cb.plB, maps: [cb.maps[0]!, ca0.maps[1]!] }
              : { ...cb, use: ca0.use };
        const before = loadConfig(frr(cb), 'before.conf', 'frr');
        const after = loadConfig(frr(ca), 'after.conf', 'frr');
        const routes = table(us);
        const opts = withContext ? { relationships: graph, intent, maxExamples: 2 } : { maxExamples: 2 };
        expect(verify(before, after, routes, opts)).toEqual(verifyPerRoute(before, after, routes, opts));
      }),
      { numRuns: 250 },
    );
  });

  it('before and after the same: no finding, nothing added or removed', () => {
    fc.assert(
      fc.property(config, updates(15), (c, us) => {
        const p = loadConfig(frr(c), 'same.conf', 'frr');
        const r = verify(p, p, table(us));
        expect(r.findings.filter((f) => f.kind !== 'unsupported')).toEqual([]);
        for (const n of r.neighbors) expect([n.added, n.removed, n.changed]).toEqual([0, 0, 0]);
      }),
      { numRuns: 60 },
    );
  });
});

describe('the MED-less view of the evaluator (bgpd toward eBGP)', () => {
  it('equals evaluating a copy without the MED, and writes nothing into the route', () => {
    fc.assert(
      fc.property(config, updates(3), (c, us) => {
        const p = loadConfig(frr(c), 'm.conf', 'frr');
        for (const r of table(us)) {
          if (r.med === undefined) continue;
          const copy = { ...r, med: undefined, receivedMed: r.med };
          for (const name of ['MAP0', 'MAP1']) {
            const end = () => ({ accept: false, why: 'end' });
            const got = evaluateChain({ program: p, stripMed: true, trace: true }, [name], r, end);
            const want = evaluateChain({ program: p, trace: true }, [name], copy, end);
            expect({ ...got, route: got.accept ? got.route : null }).toEqual({
              ...want,
              route: want.accept ? want.route : null,
            });
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
