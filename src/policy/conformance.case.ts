// Conformance cases: one tiny policy per construct, a RIB learned from one eBGP feeder, and what the
// router must send one eBGP neighbour (prefix for prefix, attribute for attribute). Each case is written
// for FRR and, where Junos has the same meaning, for Junos too; `policy.case.test.ts` runs both front ends
// over them and the FRR system test (vendors/frr/frr.system.test.ts) runs real bgpd over the FRR half.
// Addresses: the router is AS65001, the feeder AS65002 (10.0.0.2 / fd00::2), the receiver AS65003
// (10.0.1.3 / fd00:1::3). The routes' AS paths start with the feeder's AS, as bgpd would receive them.
import { loadConfig } from './load.js';
import type { Vendor } from './model.js';
import { parseRouteList } from './route.js';
import { exportRoute, locRib } from './verify/export.js';

export interface CaseRoute {
  prefix: string;
  /** AS path as the feeder sends it (its own AS first). */
  as_path: number[];
  med?: number;
  communities?: string[];
  large_communities?: string[];
  origin?: 'igp' | 'egp' | 'incomplete';
}

export interface Expected {
  prefix: string;
  /** Attributes after the export policy (before the router prepends its own AS on the wire). */
  as_path?: number[];
  local_pref?: number;
  med?: number;
  communities?: string[];
  large_communities?: string[];
}

export interface PolicyCase {
  name: string;
  /** FRR lines defining route-map OUT (and its lists); the neighbour's `route-map OUT out`. */
  frr?: string;
  /** Junos `policy-options { ... }` body defining policy-statement OUT; the neighbour's `export OUT`. */
  junos?: string;
  routes: CaseRoute[];
  expect: Expected[];
}

export const LOCAL_AS = 65001;
export const FEEDER = { v4: '10.0.0.2', v6: 'fd00::2', as: 65002 };
export const RECEIVER = { v4: '10.0.1.3', v6: 'fd00:1::3', as: 65003 };

const r = (prefix: string, extra: Partial<CaseRoute> = {}): CaseRoute => ({ prefix, as_path: [65002], ...extra });

const FOUR = [r('10.1.0.0/16'), r('10.1.1.0/24'), r('10.1.1.128/25'), r('10.2.0.0/16')];

export const POLICY_CASES: PolicyCase[] = [
  {
    name: 'permit all',
    frr: 'route-map OUT permit 10',
    junos: 'policy-statement OUT { then accept; }',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16' }],
  },
  {
    name: 'deny all',
    frr: 'route-map OUT deny 10',
    junos: 'policy-statement OUT { then reject; }',
    routes: [r('10.1.0.0/16')],
    expect: [],
  },
  {
    name: 'implicit deny at the end of a route-map',
    frr: 'ip prefix-list A seq 5 permit 10.2.0.0/16\nroute-map OUT permit 10\n match ip address prefix-list A',
    junos:
      'prefix-list A { 10.2.0.0/16; }\npolicy-statement OUT { term T { from prefix-list A; then accept; } term END { then reject; } }',
    routes: FOUR,
    expect: [{ prefix: '10.2.0.0/16' }],
  },
  {
    name: 'prefix exact',
    frr: 'ip prefix-list A seq 5 permit 10.1.1.0/24\nroute-map OUT permit 10\n match ip address prefix-list A',
    junos:
      'policy-statement OUT { term T { from route-filter 10.1.1.0/24 exact; then accept; } term END { then reject; } }',
    routes: FOUR,
    expect: [{ prefix: '10.1.1.0/24' }],
  },
  {
    name: 'prefix orlonger (le 32)',
    frr: 'ip prefix-list A seq 5 permit 10.1.0.0/16 le 32\nroute-map OUT permit 10\n match ip address prefix-list A',
    junos:
      'policy-statement OUT { term T { from route-filter 10.1.0.0/16 orlonger; then accept; } term END { then reject; } }',
    routes: FOUR,
    expect: [{ prefix: '10.1.0.0/16' }, { prefix: '10.1.1.0/24' }, { prefix: '10.1.1.128/25' }],
  },
  {
    name: 'prefix longer (ge 17)',
    frr: 'ip prefix-list A seq 5 permit 10.1.0.0/16 ge 17\nroute-map OUT permit 10\n match ip address prefix-list A',
    junos:
      'policy-statement OUT { term T { from route-filter 10.1.0.0/16 longer; then accept; } term END { then reject; } }',
    routes: FOUR,
    expect: [{ prefix: '10.1.1.0/24' }, { prefix: '10.1.1.128/25' }],
  },
  {
    name: 'prefix upto /24 (le 24)',
    frr: 'ip prefix-list A seq 5 permit 10.1.0.0/16 le 24\nroute-map OUT permit 10\n match ip address prefix-list A',
    junos:
      'policy-statement OUT { term T { from route-filter 10.1.0.0/16 upto /24; then accept; } term END { then reject; } }',
    routes: FOUR,
    expect: [{ prefix: '10.1.0.0/16' }, { prefix: '10.1.1.0/24' }],
  },
  {
    name: 'prefix length range (ge 24 le 25)',
    frr: 'ip prefix-list A seq 5 permit 10.0.0.0/8 ge 24 le 25\nroute-map OUT permit 10\n match ip address prefix-list A',
    junos:
      'policy-statement OUT { term T { from route-filter 10.0.0.0/8 prefix-length-range /24-/25; then accept; } term END { then reject; } }',
    routes: FOUR,
    expect: [{ prefix: '10.1.1.0/24' }, { prefix: '10.1.1.128/25' }],
  },
  {
    name: 'prefix-list: a deny entry before a permit entry',
    frr: 'ip prefix-list A seq 5 deny 10.1.1.0/24\nip prefix-list A seq 10 permit 10.0.0.0/8 le 32\nroute-map OUT permit 10\n match ip address prefix-list A',
    routes: FOUR,
    expect: [{ prefix: '10.1.0.0/16' }, { prefix: '10.1.1.128/25' }, { prefix: '10.2.0.0/16' }],
  },
  {
    name: 'prefix-list: sequence numbers decide the order, not the line order',
    frr: 'ip prefix-list A seq 20 permit 10.0.0.0/8 le 32\nip prefix-list A seq 10 deny 10.2.0.0/16\nroute-map OUT permit 10\n match ip address prefix-list A',
    routes: FOUR,
    expect: [{ prefix: '10.1.0.0/16' }, { prefix: '10.1.1.0/24' }, { prefix: '10.1.1.128/25' }],
  },
  {
    name: 'ipv6 prefix-list',
    frr: 'ipv6 prefix-list A6 seq 5 permit 2001:db8:1::/48 le 64\nroute-map OUT permit 10\n match ipv6 address prefix-list A6',
    junos:
      'policy-statement OUT { term T { from route-filter 2001:db8:1::/48 upto /64; then accept; } term END { then reject; } }',
    routes: [r('2001:db8:1::/48'), r('2001:db8:1:1::/64'), r('2001:db8:2::/48')],
    expect: [{ prefix: '2001:db8:1::/48' }, { prefix: '2001:db8:1:1::/64' }],
  },
  {
    name: 'set local-preference',
    frr: 'route-map OUT permit 10\n set local-preference 250',
    junos: 'policy-statement OUT { then { local-preference 250; accept; } }',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16', local_pref: 250 }],
  },
  {
    name: 'set metric',
    frr: 'route-map OUT permit 10\n set metric 77',
    junos: 'policy-statement OUT { then { metric 77; accept; } }',
    routes: [r('10.1.0.0/16', { med: 5 })],
    expect: [{ prefix: '10.1.0.0/16', med: 77 }],
  },
  {
    name: 'metric add: from nothing, the received MED was removed first',
    frr: 'route-map OUT permit 10\n set metric +10',
    routes: [r('10.1.0.0/16', { med: 5 })],
    expect: [{ prefix: '10.1.0.0/16', med: 10 }],
  },
  {
    name: 'metric add on Junos: to the MED the route carries',
    junos: 'policy-statement OUT { then { metric add 10; accept; } }',
    routes: [r('10.1.0.0/16', { med: 5 })],
    expect: [{ prefix: '10.1.0.0/16', med: 15 }],
  },
  {
    name: 'metric subtract after a set in the same entry',
    frr: 'route-map OUT permit 10\n set metric 20\n on-match next\nroute-map OUT permit 20\n set metric -3',
    junos: 'policy-statement OUT { term A { then metric 20; } term B { then { metric subtract 3; accept; } } }',
    routes: [r('10.1.0.0/16', { med: 5 })],
    expect: [{ prefix: '10.1.0.0/16', med: 17 }],
  },
  {
    name: 'set community (replace)',
    frr: 'route-map OUT permit 10\n set community 65001:100 65001:200',
    junos: 'community C members [ 65001:100 65001:200 ];\npolicy-statement OUT { then { community set C; accept; } }',
    routes: [r('10.1.0.0/16', { communities: ['65002:1'] })],
    expect: [{ prefix: '10.1.0.0/16', communities: ['65001:100', '65001:200'] }],
  },
  {
    name: 'community additive',
    frr: 'route-map OUT permit 10\n set community 65001:100 additive',
    junos: 'community C members 65001:100;\npolicy-statement OUT { then { community add C; accept; } }',
    routes: [r('10.1.0.0/16', { communities: ['65002:1'] })],
    expect: [{ prefix: '10.1.0.0/16', communities: ['65002:1', '65001:100'] }],
  },
  {
    name: 'set community none',
    frr: 'route-map OUT permit 10\n set community none',
    routes: [r('10.1.0.0/16', { communities: ['65002:1', '65002:2'] })],
    expect: [{ prefix: '10.1.0.0/16', communities: [] }],
  },
  {
    name: 'comm-list delete',
    frr: 'bgp community-list standard DEL seq 5 permit 65002:1\nroute-map OUT permit 10\n set comm-list DEL delete',
    junos: 'community DEL members 65002:1;\npolicy-statement OUT { then { community delete DEL; accept; } }',
    routes: [r('10.1.0.0/16', { communities: ['65002:1', '65002:2'] })],
    expect: [{ prefix: '10.1.0.0/16', communities: ['65002:2'] }],
  },
  {
    name: 'match community (standard list)',
    frr: 'bgp community-list standard C seq 5 permit 65002:7\nroute-map OUT permit 10\n match community C',
    junos:
      'community C members 65002:7;\npolicy-statement OUT { term T { from community C; then accept; } term END { then reject; } }',
    routes: [
      r('10.1.0.0/16', { communities: ['65002:7'] }),
      r('10.2.0.0/16', { communities: ['65002:8'] }),
      r('10.3.0.0/16'),
    ],
    expect: [{ prefix: '10.1.0.0/16', communities: ['65002:7'] }],
  },
  {
    name: 'match community: every value of a standard entry must be present',
    frr: 'bgp community-list standard C seq 5 permit 65002:7 65002:8\nroute-map OUT permit 10\n match community C',
    junos:
      'community C members [ 65002:7 65002:8 ];\npolicy-statement OUT { term T { from community C; then accept; } term END { then reject; } }',
    routes: [r('10.1.0.0/16', { communities: ['65002:7', '65002:8'] }), r('10.2.0.0/16', { communities: ['65002:8'] })],
    expect: [{ prefix: '10.1.0.0/16', communities: ['65002:7', '65002:8'] }],
  },
  {
    name: 'match community (expanded regex)',
    frr: 'bgp community-list expanded CX seq 5 permit ^65002:1[0-9]$\nroute-map OUT permit 10\n match community CX',
    routes: [r('10.1.0.0/16', { communities: ['65002:15'] }), r('10.2.0.0/16', { communities: ['65002:150'] })],
    expect: [{ prefix: '10.1.0.0/16', communities: ['65002:15'] }],
  },
  {
    name: 'community-list deny entry',
    frr: 'bgp community-list standard C seq 5 deny 65002:9\nbgp community-list standard C seq 10 permit internet\nroute-map OUT permit 10\n match community C',
    routes: [r('10.1.0.0/16', { communities: ['65002:9'] }), r('10.2.0.0/16', { communities: ['65002:8'] })],
    expect: [{ prefix: '10.2.0.0/16', communities: ['65002:8'] }],
  },
  {
    name: 'match large-community',
    frr: 'bgp large-community-list standard L seq 5 permit 65002:1:2\nroute-map OUT permit 10\n match large-community L',
    routes: [
      r('10.1.0.0/16', { large_communities: ['65002:1:2'] }),
      r('10.2.0.0/16', { large_communities: ['65002:1:3'] }),
    ],
    expect: [{ prefix: '10.1.0.0/16', large_communities: ['65002:1:2'] }],
  },
  {
    name: 'set large-community additive',
    frr: 'route-map OUT permit 10\n set large-community 65001:0:1 additive',
    routes: [r('10.1.0.0/16', { large_communities: ['65002:1:2'] })],
    expect: [{ prefix: '10.1.0.0/16', large_communities: ['65002:1:2', '65001:0:1'] }],
  },
  {
    name: 'match as-path (origin AS)',
    frr: 'bgp as-path access-list P seq 5 permit _64999$\nroute-map OUT permit 10\n match as-path P',
    junos:
      'as-path P ".* 64999";\npolicy-statement OUT { term T { from as-path P; then accept; } term END { then reject; } }',
    routes: [r('10.1.0.0/16', { as_path: [65002, 64999] }), r('10.2.0.0/16', { as_path: [65002, 64998] })],
    expect: [{ prefix: '10.1.0.0/16', as_path: [65002, 64999] }],
  },
  {
    name: 'match as-path (neighbour AS)',
    frr: 'bgp as-path access-list P seq 5 permit ^65002_\nroute-map OUT permit 10\n match as-path P',
    junos:
      'as-path P "65002 .*";\npolicy-statement OUT { term T { from as-path P; then accept; } term END { then reject; } }',
    routes: [r('10.1.0.0/16', { as_path: [65002, 64999] })],
    expect: [{ prefix: '10.1.0.0/16', as_path: [65002, 64999] }],
  },
  {
    name: 'as-path access-list deny then permit',
    frr: 'bgp as-path access-list P seq 5 deny _64998_\nbgp as-path access-list P seq 10 permit .*\nroute-map OUT permit 10\n match as-path P',
    routes: [r('10.1.0.0/16', { as_path: [65002, 64998, 64999] }), r('10.2.0.0/16', { as_path: [65002, 64999] })],
    expect: [{ prefix: '10.2.0.0/16', as_path: [65002, 64999] }],
  },
  {
    name: 'as-path prepend',
    frr: 'route-map OUT permit 10\n set as-path prepend 65001 65001',
    junos: 'policy-statement OUT { then { as-path-prepend "65001 65001"; accept; } }',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16', as_path: [65001, 65001, 65002] }],
  },
  {
    name: 'as-path exclude',
    frr: 'route-map OUT permit 10\n set as-path exclude 64999',
    routes: [r('10.1.0.0/16', { as_path: [65002, 64999, 64998] })],
    expect: [{ prefix: '10.1.0.0/16', as_path: [65002, 64998] }],
  },
  {
    name: 'match metric: bgpd matches the MED as received, then sends none',
    frr: 'route-map OUT permit 10\n match metric 50',
    routes: [r('10.1.0.0/16', { med: 50 }), r('10.2.0.0/16', { med: 51 })],
    expect: [{ prefix: '10.1.0.0/16', med: undefined }],
  },
  {
    name: 'match metric on Junos',
    junos: 'policy-statement OUT { term T { from metric 50; then accept; } term END { then reject; } }',
    routes: [r('10.1.0.0/16', { med: 50 }), r('10.2.0.0/16', { med: 51 })],
    expect: [{ prefix: '10.1.0.0/16', med: 50 }],
  },
  {
    name: 'match origin',
    frr: 'route-map OUT permit 10\n match origin incomplete',
    junos: 'policy-statement OUT { term T { from origin incomplete; then accept; } term END { then reject; } }',
    routes: [r('10.1.0.0/16', { origin: 'incomplete' }), r('10.2.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16' }],
  },
  {
    name: 'to neighbor: the neighbour the route is sent to',
    junos: 'policy-statement OUT { term T { to neighbor 10.0.1.3; then accept; } term END { then reject; } }',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16' }],
  },
  {
    name: 'to neighbor: not the neighbour the route came from',
    junos: 'policy-statement OUT { term T { to neighbor 10.0.0.2; then accept; } term END { then reject; } }',
    routes: [r('10.1.0.0/16')],
    expect: [],
  },
  {
    name: 'a received MED is not passed to an eBGP neighbour',
    frr: 'route-map OUT permit 10',
    routes: [r('10.1.0.0/16', { med: 42 })],
    expect: [{ prefix: '10.1.0.0/16', med: undefined }],
  },
  {
    name: 'two conditions in one entry are both required',
    frr: 'ip prefix-list A seq 5 permit 10.0.0.0/8 le 32\nbgp community-list standard C seq 5 permit 65002:7\nroute-map OUT permit 10\n match ip address prefix-list A\n match community C',
    junos:
      'community C members 65002:7;\npolicy-statement OUT { term T { from { route-filter 10.0.0.0/8 orlonger; community C; } then accept; } term END { then reject; } }',
    routes: [r('10.1.0.0/16', { communities: ['65002:7'] }), r('10.2.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16', communities: ['65002:7'] }],
  },
  {
    name: 'the first matching entry decides',
    frr: 'ip prefix-list A seq 5 permit 10.1.0.0/16\nroute-map OUT deny 10\n match ip address prefix-list A\nroute-map OUT permit 20',
    junos:
      'policy-statement OUT { term T1 { from route-filter 10.1.0.0/16 exact; then reject; } term T2 { then accept; } }',
    routes: [r('10.1.0.0/16'), r('10.2.0.0/16')],
    expect: [{ prefix: '10.2.0.0/16' }],
  },
  {
    name: 'on-match next (Junos: a term without a terminal action falls through)',
    frr: 'route-map OUT permit 10\n set local-preference 300\n on-match next\nroute-map OUT permit 20\n set metric 9',
    junos: 'policy-statement OUT { term T1 { then local-preference 300; } term T2 { then { metric 9; accept; } } }',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16', local_pref: 300, med: 9 }],
  },
  {
    name: 'on-match next then no further match: the end of the map denies',
    frr: 'ip prefix-list B seq 5 permit 10.9.0.0/16\nroute-map OUT permit 10\n set metric 4\n on-match next\nroute-map OUT permit 20\n match ip address prefix-list B\n set metric 8',
    routes: [r('10.1.0.0/16')],
    expect: [],
  },
  {
    name: 'on-match goto skips entries',
    frr: 'route-map OUT permit 10\n set metric 1\n on-match goto 30\nroute-map OUT deny 20\nroute-map OUT permit 30\n set local-preference 222',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16', med: 1, local_pref: 222 }],
  },
  {
    name: 'continue into a deny entry',
    frr: 'route-map OUT permit 10\n set metric 1\n continue 20\nroute-map OUT deny 20\n match metric 1',
    routes: [r('10.1.0.0/16')],
    expect: [],
  },
  {
    name: 'call: the called map modifies the route',
    frr: 'route-map SUB permit 10\n set local-preference 333\nroute-map OUT permit 10\n call SUB',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16', local_pref: 333 }],
  },
  {
    name: 'call: a deny of the called map denies the route',
    frr: 'ip prefix-list A seq 5 permit 10.1.0.0/16\nroute-map SUB deny 10\n match ip address prefix-list A\nroute-map SUB permit 20\nroute-map OUT permit 10\n call SUB',
    routes: [r('10.1.0.0/16'), r('10.2.0.0/16')],
    expect: [{ prefix: '10.2.0.0/16' }],
  },
  {
    name: 'local-preference add: an eBGP route has none, so bgpd adds to 0',
    frr: 'route-map OUT permit 10\n set local-preference +50',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16', local_pref: 50 }],
  },
  {
    name: 'local-preference add on Junos: to the default of 100',
    junos: 'policy-statement OUT { then { local-preference add 50; accept; } }',
    routes: [r('10.1.0.0/16')],
    expect: [{ prefix: '10.1.0.0/16', local_pref: 150 }],
  },
];

/** The whole frr.conf of a case: the router, the feeder, and the receiver with `route-map OUT out`. */
export function frrConfig(c: PolicyCase): string {
  return `frr defaults traditional
hostname r1
!
${c.frr}
!
router bgp ${LOCAL_AS}
 bgp router-id 10.0.0.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor ${FEEDER.v4} remote-as ${FEEDER.as}
 neighbor ${FEEDER.v6} remote-as ${FEEDER.as}
 neighbor ${RECEIVER.v4} remote-as ${RECEIVER.as}
 neighbor ${RECEIVER.v6} remote-as ${RECEIVER.as}
 address-family ipv4 unicast
  neighbor ${RECEIVER.v4} route-map OUT out
  no neighbor ${FEEDER.v6} activate
  no neighbor ${RECEIVER.v6} activate
 exit-address-family
 address-family ipv6 unicast
  neighbor ${FEEDER.v6} activate
  neighbor ${RECEIVER.v6} activate
  neighbor ${RECEIVER.v6} route-map OUT out
 exit-address-family
exit
`;
}

/** The Junos configuration of a case (curly-brace form). */
export function junosConfig(c: PolicyCase): string {
  return `routing-options { autonomous-system ${LOCAL_AS}; }
protocols {
    bgp {
        group FEED { type external; peer-as ${FEEDER.as}; neighbor ${FEEDER.v4}; neighbor ${FEEDER.v6} { family inet6 unicast; } }
        group OUT {
            type external;
            peer-as ${RECEIVER.as};
            export OUT;
            neighbor ${RECEIVER.v4};
            neighbor ${RECEIVER.v6} { family inet6 unicast; }
        }
    }
}
policy-options {
${c.junos}
}
`;
}

/** The case's routes as the JSON route list of `--rib` (learned from the feeder over eBGP). */
export function caseRib(c: PolicyCase): object[] {
  return c.routes.map((x) => {
    const v6 = x.prefix.includes(':');
    const peer = v6 ? FEEDER.v6 : FEEDER.v4;
    return {
      prefix: x.prefix,
      as_path: x.as_path,
      next_hop: peer,
      peer,
      peer_as: FEEDER.as,
      origin: x.origin ?? 'igp',
      ...(x.med !== undefined ? { med: x.med } : {}),
      communities: x.communities ?? [],
      large_communities: x.large_communities ?? [],
      protocol: 'bgp',
    };
  });
}

/** What the verifier predicts the receiver gets, in the shape of the expectations. */
export function predict(c: PolicyCase, vendor: Vendor): Expected[] {
  const program = loadConfig(vendor === 'frr' ? frrConfig(c) : junosConfig(c), `${c.name}.conf`, vendor);
  const routes = locRib(program, parseRouteList(JSON.stringify(caseRib(c))));
  const out: Expected[] = [];
  for (const r of routes) {
    const n = program.neighbors.find((x) => x.address === (r.prefix.family === 4 ? RECEIVER.v4 : RECEIVER.v6))!;
    const o = exportRoute(program, n, r);
    if (!o.sent) continue;
    const e = o.route;
    out.push({
      prefix: e.key,
      as_path: e.asPath,
      local_pref: e.localPref ?? 100,
      ...(e.med !== undefined ? { med: e.med } : {}),
      communities: [...e.communities].sort(),
      large_communities: [...e.largeCommunities].sort(),
    });
  }
  return out;
}

/** The expectation filled in with the unchanged attributes of the route it came from. */
export function completed(c: PolicyCase): Expected[] {
  return c.expect.map((x) => {
    const src = c.routes.find((r) => r.prefix === x.prefix)!;
    const med = 'med' in x ? x.med : src.med;
    return {
      prefix: x.prefix,
      as_path: x.as_path ?? src.as_path,
      local_pref: x.local_pref ?? 100,
      ...(med !== undefined ? { med } : {}),
      communities: [...(x.communities ?? src.communities ?? [])].sort(),
      large_communities: [...(x.large_communities ?? src.large_communities ?? [])].sort(),
    };
  });
}
