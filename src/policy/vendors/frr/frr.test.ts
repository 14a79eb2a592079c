// The FRR front end, construct by construct: extraction into the model, and the evaluation of what FRR
// does around the route-maps (peer-groups, address families, ebgp-requires-policy, outbound prefix and
// filter lists, network/redistribute, RFC 9234 local-role with OTC at ingress and egress).
import { describe, expect, it } from 'vitest';
import { parseRouteList } from '../../route.js';
import { exportRoute, locRib } from '../../verify/export.js';
import { parseFrr } from './convert.js';

describe('extraction', () => {
  it('prefix-lists: seq, ge/le, any, families kept apart', () => {
    const p = parseFrr(
      'ip prefix-list A seq 10 permit 10.0.0.0/8 ge 16 le 24\nip prefix-list A seq 5 deny any\nipv6 prefix-list A permit 2001:db8::/32',
      'f.conf',
    );
    expect(p.prefixLists.get('ip:A')!.entries.map((e) => [e.seq, e.permit, e.min, e.max])).toEqual([
      [5, false, 0, 32],
      [10, true, 16, 24],
    ]);
    expect(p.prefixLists.get('ipv6:A')!.entries).toHaveLength(1);
  });
  it('community-lists (standard, expanded, numbered), large-community-lists, as-path access-lists', () => {
    const p = parseFrr(
      'bgp community-list standard S permit 1:1 no-export\nbgp community-list expanded E deny ^1:\nbgp community-list 120 permit _2:\nbgp large-community-list standard L permit 1:2:3\nbgp as-path access-list P seq 5 permit ^65002_',
      'f.conf',
    );
    expect(p.communities.get('S')!.entries[0]).toMatchObject({
      permit: true,
      match: 'each',
      members: [{ literal: '1:1' }, { literal: '65535:65281' }],
    });
    expect(p.communities.get('E')!.entries[0]).toMatchObject({ permit: false, match: 'string' });
    expect(p.communities.get('120')!.entries[0]!.match).toBe('string');
    expect(p.communities.get('large:L')!.large).toBe(true);
    expect(p.asPaths.get('P')!.entries[0]!.regex.test('65002 1')).toBe(true);
  });
  it('route-maps: entries sorted by sequence, flows from permit/deny, on-match, continue', () => {
    const p = parseFrr(
      'route-map M permit 20\n on-match goto 40\nroute-map M deny 10\nroute-map M permit 30\n continue\nroute-map M permit 40\n call X\nroute-map X permit 10',
      'f.conf',
    );
    const m = p.policies.get('M')!;
    expect(m.terms.map((t) => [t.seq, t.flow.kind])).toEqual([
      [10, 'reject'],
      [20, 'goto'],
      [30, 'next-term'],
      [40, 'accept'],
    ]);
    expect(m.atEnd).toBe('reject');
    expect(m.terms[3]!.actions[0]).toMatchObject({ kind: 'call', policy: 'X' });
  });
  it('router bgp: peer-groups, remote-as internal/external, address families, route-map in/out, local-role, rr clients', () => {
    const p = parseFrr(
      `router bgp 65001
 neighbor UP peer-group
 neighbor UP remote-as external
 neighbor UP local-role customer
 neighbor 192.0.2.1 peer-group UP
 neighbor 192.0.2.2 remote-as internal
 neighbor 2001:db8::1 remote-as 65010
 address-family ipv4 unicast
  neighbor UP route-map TO-UP out
  neighbor 192.0.2.2 route-reflector-client
  no neighbor 2001:db8::1 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8::1 activate
  neighbor 2001:db8::1 route-map V6 out
 exit-address-family
exit
route-map TO-UP permit 10
route-map V6 permit 10`,
      'f.conf',
    );
    const [a, b, c] = p.neighbors;
    expect(a).toMatchObject({
      address: '192.0.2.1',
      group: 'UP',
      internal: false,
      localRole: 'customer',
      exportChain: { 4: ['TO-UP'] },
      families: [4],
    });
    expect(b).toMatchObject({ internal: true, peerAs: 65001, reflectorClient: true, families: [4] });
    expect(c).toMatchObject({ peerAs: 65010, families: [6], exportChain: { 6: ['V6'] } });
    expect(p.warnings).toEqual([]);
  });
  it('match peer is reported unsupported (bgpd 8.4 matched nothing with it on an outbound map)', () => {
    const p = parseFrr('route-map M permit 10\n match peer 10.0.1.3\n', 'f.conf');
    expect(p.policies.get('M')!.terms[0]!.conditions[0]!.kind).toBe('unsupported');
  });
  it('unknown lines are unsupported warnings with their line; undefined lists are undefined references', () => {
    const p = parseFrr('route-map M permit 10\n match rpki invalid\n match ip address prefix-list NOPE\n', 'f.conf');
    expect(p.warnings.map((w) => [w.kind, w.line])).toEqual([
      ['unsupported', 2],
      ['undefined-reference', 3],
    ]);
  });
});

const EBGP = { as_path: [65002], peer: '10.0.0.2', peer_as: 65002 };
const rib = (x: object[]) => parseRouteList(JSON.stringify(x));

function sends(conf: string, routes: object[], to: string): string[] {
  const p = parseFrr(conf, 'f.conf');
  const n = p.neighbors.find((x) => x.address === to)!;
  return locRib(p, rib(routes))
    .filter((r) => exportRoute(p, n, r).sent)
    .map((r) => r.key);
}

describe('evaluation around the route-maps', () => {
  const routes = [
    { prefix: '10.1.0.0/16', ...EBGP },
    { prefix: '10.2.0.0/16', as_path: [65020], peer: '10.0.9.9', peer_as: 65001 },
    { prefix: '10.3.0.0/16', as_path: [], peer: '0.0.0.0', peer_as: 65001, protocol: 'static' },
  ];
  const bgp = (extra: string) =>
    `router bgp 65001\n neighbor 10.0.0.2 remote-as 65002\n neighbor 10.0.9.9 remote-as 65001\n neighbor 10.0.1.3 remote-as 65003\n neighbor 10.0.9.8 remote-as 65001\n${extra}\n`;
  it('bgp ebgp-requires-policy (the default): nothing to an eBGP neighbour without an outbound policy', () => {
    expect(sends(bgp(''), routes, '10.0.1.3')).toEqual([]);
    expect(sends(bgp(' no bgp ebgp-requires-policy'), routes, '10.0.1.3')).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
  });
  it('iBGP: everything BGP has except iBGP-learned routes (unless a reflector client); never back to the source', () => {
    expect(sends(bgp(''), routes, '10.0.9.8')).toEqual(['10.1.0.0/16']);
    expect(sends(bgp(' neighbor 10.0.9.8 route-reflector-client'), routes, '10.0.9.8')).toEqual([
      '10.1.0.0/16',
      '10.2.0.0/16',
    ]);
    expect(sends(bgp(' no bgp ebgp-requires-policy'), routes, '10.0.0.2')).toEqual(['10.2.0.0/16']);
  });
  it('local routes are in BGP only through network or redistribute', () => {
    expect(sends(bgp(' redistribute static'), routes, '10.0.9.8')).toEqual(['10.1.0.0/16', '10.3.0.0/16']);
    expect(sends(bgp(' network 10.3.0.0/16'), routes, '10.0.9.8')).toEqual(['10.1.0.0/16', '10.3.0.0/16']);
  });
  it('an outbound prefix-list and filter-list run before the route-map', () => {
    const conf = `${bgp(' neighbor 10.0.1.3 prefix-list PL out\n neighbor 10.0.1.3 route-map OUT out')}ip prefix-list PL permit 10.1.0.0/16\nip prefix-list PL permit 10.2.0.0/16\nroute-map OUT permit 10\n`;
    expect(sends(conf, routes, '10.0.1.3')).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    const fl = `${bgp(' neighbor 10.0.1.3 filter-list F out')}bgp as-path access-list F permit ^65020$\n`;
    expect(sends(fl, routes, '10.0.1.3')).toEqual(['10.2.0.0/16']);
  });
  it('an undefined outbound route-map denies everything (and is reported)', () => {
    const p = parseFrr(bgp(' neighbor 10.0.1.3 route-map NOPE out'), 'f.conf');
    expect(p.warnings.some((w) => w.kind === 'undefined-reference' && w.message.includes('NOPE'))).toBe(true);
    const n = p.neighbors.find((x) => x.address === '10.0.1.3')!;
    const o = exportRoute(p, n, locRib(p, rib(routes))[0]!);
    expect(o.sent).toBe(false);
    expect(o.eval?.uncertain.length).toBeGreaterThan(0);
  });
  describe('local-role (RFC 9234)', () => {
    const conf = (role: string) =>
      `router bgp 65001\n no bgp ebgp-requires-policy\n neighbor 10.0.0.2 remote-as 65002\n neighbor 10.0.0.2 local-role customer\n neighbor 10.0.1.3 remote-as 65003\n neighbor 10.0.1.3 local-role ${role}\n`;
    it('ingress: a route from a provider gets OTC = its AS; egress: not sent to a provider or peer', () => {
      expect(sends(conf('customer'), [{ prefix: '10.1.0.0/16', ...EBGP }], '10.0.1.3')).toEqual([]);
      expect(sends(conf('peer'), [{ prefix: '10.1.0.0/16', ...EBGP }], '10.0.1.3')).toEqual([]);
      expect(sends(conf('provider'), [{ prefix: '10.1.0.0/16', ...EBGP }], '10.0.1.3')).toEqual(['10.1.0.0/16']);
    });
    it('egress to a customer adds OTC = the local AS when the route has none', () => {
      const p = parseFrr(
        `router bgp 65001\n no bgp ebgp-requires-policy\n neighbor 10.0.1.3 remote-as 65003\n neighbor 10.0.1.3 local-role provider\n`,
        'f.conf',
      );
      const o = exportRoute(p, p.neighbors[0]!, locRib(p, rib([{ prefix: '10.1.0.0/16', ...EBGP }]))[0]!);
      expect(o.sent && o.route.otc).toBe(65001);
    });
    it('ingress: a route with OTC from a customer is a leak and never enters the RIB', () => {
      const p = parseFrr(
        `router bgp 65001\n neighbor 10.0.0.2 remote-as 65002\n neighbor 10.0.0.2 local-role provider\n`,
        'f.conf',
      );
      expect(locRib(p, rib([{ prefix: '10.1.0.0/16', ...EBGP, otc: 64999 }]))).toEqual([]);
    });
  });
});

describe('as-path lists bgpd reads otherwise than POSIX (glibc regexec, libc-regex.ts)', () => {
  const config = (regex: string) => `router bgp 65001
 neighbor 10.0.1.1 remote-as 65010
 address-family ipv4 unicast
  neighbor 10.0.1.1 route-map OUT out
 exit-address-family
!
bgp as-path access-list LONG seq 5 permit ${regex}
route-map OUT deny 10
 match as-path LONG
route-map OUT permit 20
`;
  const rib = parseRouteList(
    JSON.stringify([{ prefix: '198.51.100.0/24', as_path: [4826, 38803, 56203], peer: '10.0.2.2', peer_as: 4826 }]),
  );

  it('a counted repetition holding `_`: a warning at the list line, and the match is uncertain', () => {
    const p = parseFrr(config('^([0-9]+_){12}'), 'r.conf');
    expect(p.warnings).toContainEqual(
      expect.objectContaining({
        file: 'r.conf',
        line: 7,
        kind: 'unsupported',
        message: expect.stringMatching(/glibc/),
      }),
    );
    const o = exportRoute(p, p.neighbors[0]!, locRib(p, rib)[0]!);
    // POSIX: three ASes are not twelve, the route is sent; bgpd denies it. Not guessed either way.
    expect(o.sent).toBe(true);
    expect(o.eval?.uncertain.map((u) => u.src.line)).toEqual([9]);
  });

  it('the same list written without an anchor in the counted group is evaluated as usual', () => {
    const p = parseFrr(config('^[0-9]+( [0-9]+){11}'), 'r.conf');
    expect(p.warnings.filter((w) => w.kind === 'unsupported')).toEqual([]);
    const o = exportRoute(p, p.neighbors[0]!, locRib(p, rib)[0]!);
    expect(o.sent).toBe(true);
    expect(o.eval?.uncertain ?? []).toEqual([]);
  });
});
