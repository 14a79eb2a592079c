// The Junos front end, construct by construct: extraction (text → statements → model) and evaluation
// (model → what a neighbour receives) tested apart.
import { describe, expect, it } from 'vitest';
import { evaluateChain } from '../../evaluate.js';
import type { Condition } from '../../model.js';
import { parseRouteList, type Route } from '../../route.js';
import { exportRoute, locRib } from '../../verify/export.js';
import { parseJunos } from './convert.js';
import { parseJunosStatements } from './statements.js';

const words = (text: string) =>
  parseJunosStatements(text)
    .statements.filter((s) => s.inactiveAt === undefined)
    .map((s) => s.words.join(' '));

describe('statements: curly-brace and set form give the same list', () => {
  const curly = `policy-options {
    policy-statement P {
        term T {
            from { prefix-list [ A B ]; route-type internal; }
            then accept;
        }
    }
}`;
  const set = `set policy-options policy-statement P term T from prefix-list A
set policy-options policy-statement P term T from prefix-list B
set policy-options policy-statement P term T from route-type internal
set policy-options policy-statement P term T then accept`;
  it('same leaf statements', () => {
    const leaves = (t: string) => words(t).filter((w) => /(internal|accept|prefix-list [AB])$/.test(w));
    expect(leaves(curly)).toEqual(leaves(set));
    expect(leaves(set)).toHaveLength(4);
  });
  it('comments, quoted strings and annotations', () => {
    const s = words('/* c */ policy-options { # x\n as-path P ".* 64999 .*"; protect: community C members 1:2; }');
    expect(s).toContain('policy-options as-path P .* 64999 .*');
    expect(s).toContain('policy-options community C members 1:2');
  });
  it('inactive: deactivates a node and everything below it, at the word it stands on', () => {
    const p = parseJunosStatements('policy-options { policy-statement P { inactive: term T { then accept; } } }');
    const leaf = p.statements.find((s) => s.words.at(-1) === 'accept')!;
    expect(leaf.inactiveAt).toBe(4);
  });
  it('deactivate, activate and delete in set form', () => {
    const p = parseJunosStatements(`set policy-options policy-statement P term T from prefix-list A
set policy-options policy-statement P term T then accept
deactivate policy-options policy-statement P term T from prefix-list A
set policy-options policy-statement P term U then reject
delete policy-options policy-statement P term U`);
    expect(p.statements.map((s) => [s.words.slice(5).join(' '), s.inactiveAt])).toEqual([
      ['from prefix-list A', 7],
      ['then accept', undefined],
    ]);
    const q = parseJunosStatements('set a b c\ndeactivate a b\nactivate a b');
    expect(q.statements[0]!.inactiveAt).toBeUndefined();
  });
  it('apply-groups (basic): the group statements are added under the level that applies it', () => {
    const s = words(`groups { G { protocols { bgp { group <*> { peer-as 65010; } } } } }
protocols { bgp { group X { apply-groups G; neighbor 192.0.2.1; } } }`);
    expect(s).toContain('protocols bgp group X peer-as 65010');
    const top = words('groups { G { routing-options { autonomous-system 65009; } } }\napply-groups G;');
    expect(top).toContain('routing-options autonomous-system 65009');
  });
  it('reports unbalanced braces instead of throwing', () => {
    expect(parseJunosStatements('a { b;').problems[0]!.message).toContain('not closed');
  });
});

const cfg = (policies: string, bgp = '', extra = '') => `routing-options { autonomous-system 65001; ${extra} }
protocols { bgp {
  group EXT { type external; peer-as 65003; export OUT; neighbor 10.0.1.3; }
  group IBGP { type internal; neighbor 10.0.9.9; }
  ${bgp}
} }
policy-options { ${policies} }`;

function cond(policies: string): Condition[] {
  const p = parseJunos(cfg(policies), 'j.conf');
  return p.policies.get('OUT')!.terms[0]!.conditions;
}

describe('extraction: policy-options into the model', () => {
  it('route-filter match types become prefix ranges', () => {
    const ranges = (t: string) =>
      (
        cond(`policy-statement OUT { term T { from route-filter ${t}; then accept; } }`)[0] as {
          ranges: { min: number; max: number }[];
        }
      ).ranges.map((r) => [r.min, r.max]);
    expect(ranges('10.0.0.0/8 exact')).toEqual([[8, 8]]);
    expect(ranges('10.0.0.0/8 orlonger')).toEqual([[8, 32]]);
    expect(ranges('10.0.0.0/8 longer')).toEqual([[9, 32]]);
    expect(ranges('10.0.0.0/8 upto /16')).toEqual([[8, 16]]);
    expect(ranges('10.0.0.0/8 prefix-length-range /12-/20')).toEqual([[12, 20]]);
    expect(ranges('10.0.0.0/8 through 10.0.0.0/10')).toEqual([
      [8, 8],
      [9, 9],
      [10, 10],
    ]);
  });
  it('prefix-list, prefix-list-filter, community, as-path, as-path-group, protocol, route-type, neighbor, family', () => {
    const cs =
      cond(`prefix-list PL { 10.0.0.0/8; } community C members [ 1:2 65000:* ]; as-path A "65002 .*"; as-path-group G { as-path X ".* 1"; }
      policy-statement OUT { term T { from { prefix-list-filter PL orlonger; community C; as-path A; as-path-group G; protocol [ bgp static ]; route-type internal; neighbor 10.0.0.2; family inet6; } then accept; } }`);
    expect(cs.map((c) => c.kind).sort()).toEqual([
      'as-path',
      'as-path',
      'community',
      'family',
      'neighbor',
      'protocol',
      'route-filter',
      'route-type',
    ]);
  });
  it('then: terminal actions, next term / next policy, modifications', () => {
    const p = parseJunos(
      cfg(
        'community C members 1:2; policy-statement OUT { term A { then { community add C; local-preference 200; metric add 5; as-path-prepend "65001 65001"; as-path-expand last-as count 2; next-hop self; origin egp; next term; } } term B { then next policy; } term C { then reject; } }',
      ),
      'j.conf',
    );
    const [a, b, c] = p.policies.get('OUT')!.terms;
    expect(a!.actions.map((x) => x.kind)).toEqual([
      'community',
      'local-pref',
      'med',
      'prepend',
      'prepend-last-as',
      'next-hop',
      'origin',
    ]);
    expect([a!.flow.kind, b!.flow.kind, c!.flow.kind]).toEqual(['next-term', 'next-policy', 'reject']);
  });
  it('inactive conditions are kept as deactivated, not as conditions', () => {
    const p = parseJunos(
      cfg(
        'prefix-list PL { 10.0.0.0/8; } policy-statement OUT { term T { from { inactive: prefix-list PL; } then accept; } }',
      ),
      'j.conf',
    );
    const t = p.policies.get('OUT')!.terms[0]!;
    expect(t.conditions).toEqual([]);
    expect(t.deactivated.map((d) => d.text)).toEqual(['prefix-list PL']);
  });
  it('an inactive term is gone', () => {
    const p = parseJunos(
      cfg('policy-statement OUT { inactive: term T { then accept; } term U { then reject; } }'),
      'j.conf',
    );
    expect(p.policies.get('OUT')!.terms.map((t) => t.name)).toEqual(['U']);
  });
  it('unsupported and undefined constructs are warnings with their line', () => {
    const p = parseJunos(
      cfg('policy-statement OUT {\n term T {\n from { tag 5; prefix-list NOPE; }\n then accept; } }'),
      'j.conf',
    );
    expect(p.warnings.map((w) => [w.kind, w.line])).toEqual([
      ['unsupported', 9],
      ['undefined-reference', 9],
    ]);
  });
  it('protocols bgp: inheritance (the most specific level wins), type, peer-as, local-as, families', () => {
    const p = parseJunos(
      `routing-options { autonomous-system 65001; }
protocols { bgp { export GLOBAL;
  group G { type external; peer-as 65010; export GROUP; family inet6 { unicast; }
    neighbor 2001:db8::1; neighbor 2001:db8::2 { peer-as 65011; local-as 65099; export [ N1 N2 ]; } }
  group I { type internal; neighbor 10.9.9.9; } } }
policy-options { policy-statement GLOBAL { then accept; } policy-statement GROUP { then accept; } policy-statement N1 { then accept; } policy-statement N2 { then accept; } }`,
      'j.conf',
    );
    const [a, b, i] = p.neighbors;
    expect(a).toMatchObject({
      address: '2001:db8::1',
      group: 'G',
      peerAs: 65010,
      localAs: 65001,
      internal: false,
      families: [6],
      exportChain: { 6: ['GROUP'] },
    });
    expect(b).toMatchObject({ peerAs: 65011, localAs: 65099, exportChain: { 6: ['N1', 'N2'] } });
    expect(i).toMatchObject({ internal: true, peerAs: 65001, exportChain: { 4: ['GLOBAL'] }, families: [4] });
  });
  it('routing-options: static, aggregate and generate routes, inet6.0 included', () => {
    const p = parseJunos(
      'routing-options { autonomous-system 65001; static { route 192.0.2.0/24 discard; } aggregate { route 198.51.100.0/22; } generate { route 0.0.0.0/0; } rib inet6.0 { static { route 2001:db8::/32 discard; } } }',
      'j.conf',
    );
    expect(p.localRoutes.map((r) => r.protocol)).toEqual(['static', 'aggregate', 'aggregate', 'static']);
    expect(p.localAs).toBe(65001);
  });
});

// ---- evaluation ------------------------------------------------------------------------------------

const rib = (routes: object[]): Route[] => parseRouteList(JSON.stringify(routes));
const EBGP = { as_path: [65002], peer: '10.0.0.2', peer_as: 65002 };
const IBGP = { as_path: [65020], peer: '10.0.9.9', peer_as: 65001 };
const LOCAL = { as_path: [], peer: '0.0.0.0', peer_as: 65001 };

function sends(policies: string, routes: object[], to = '10.0.1.3', extra = ''): string[] {
  const p = parseJunos(cfg(policies, '', extra), 'j.conf');
  const n = p.neighbors.find((x) => x.address === to)!;
  return locRib(p, rib(routes))
    .filter((r) => exportRoute(p, n, r).sent)
    .map((r) => r.key);
}

describe('evaluation: Junos semantics one by one', () => {
  const three = [
    { prefix: '10.1.0.0/16', ...EBGP },
    { prefix: '10.2.0.0/16', ...IBGP },
    { prefix: '10.3.0.0/16', ...LOCAL, protocol: 'static' },
  ];
  it('route-type internal matches every non-external route: iBGP-learned and local routes', () => {
    expect(
      sends('policy-statement OUT { term T { from route-type internal; then accept; } then reject; }', three),
    ).toEqual(['10.2.0.0/16', '10.3.0.0/16']);
  });
  it('route-type external matches eBGP-learned routes only', () => {
    expect(
      sends('policy-statement OUT { term T { from route-type external; then accept; } then reject; }', three),
    ).toEqual(['10.1.0.0/16']);
  });
  it('protocol bgp / static', () => {
    expect(sends('policy-statement OUT { term T { from protocol static; then accept; } then reject; }', three)).toEqual(
      ['10.3.0.0/16'],
    );
    expect(sends('policy-statement OUT { term T { from protocol bgp; then accept; } then reject; }', three)).toEqual([
      '10.1.0.0/16',
      '10.2.0.0/16',
    ]);
  });
  it('protocol direct, aggregate, local', () => {
    const routes = [
      { prefix: '10.4.0.0/16', ...LOCAL, protocol: 'direct' },
      { prefix: '10.5.0.0/16', ...LOCAL, protocol: 'aggregate' },
      { prefix: '10.6.0.1/32', ...LOCAL, protocol: 'local' },
    ];
    expect(
      sends(
        'policy-statement OUT { term T { from protocol [ direct aggregate ]; then accept; } then reject; }',
        routes,
      ),
    ).toEqual(['10.4.0.0/16', '10.5.0.0/16']);
    expect(sends('policy-statement OUT { term T { from protocol local; then accept; } then reject; }', routes)).toEqual(
      ['10.6.0.1/32'],
    );
  });
  it('from neighbor: the peer the route was learned from; to neighbor: the one it is sent to', () => {
    expect(
      sends('policy-statement OUT { term T { from neighbor 10.0.9.9; then accept; } then reject; }', three),
    ).toEqual(['10.2.0.0/16']);
    expect(sends('policy-statement OUT { term T { to neighbor 10.0.1.3; then reject; } then accept; }', three)).toEqual(
      [],
    );
  });
  it('the default BGP export policy: active BGP routes only, when no policy decides', () => {
    expect(
      sends('policy-statement OUT { term T { from community NONE; then reject; } } community NONE members 9:9;', three),
    ).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
  });
  it('iBGP-learned routes are not sent to iBGP peers, whatever the policy says', () => {
    const p = parseJunos(
      cfg('policy-statement ALL { then accept; }', 'group I2 { type internal; export ALL; neighbor 10.0.9.8; }'),
      'j.conf',
    );
    const n = p.neighbors.find((x) => x.address === '10.0.9.8')!;
    expect(
      locRib(p, rib(three))
        .filter((r) => exportRoute(p, n, r).sent)
        .map((r) => r.key),
    ).toEqual(['10.1.0.0/16', '10.3.0.0/16']);
  });
  it('an empty from matches everything; so does a from whose conditions are all inactive', () => {
    expect(sends('policy-statement OUT { term T { then accept; } }', three)).toHaveLength(3);
    expect(
      sends(
        'prefix-list PL { 10.9.0.0/16; } policy-statement OUT { term T { from { inactive: prefix-list PL; } then accept; } }',
        three,
      ),
    ).toHaveLength(3);
  });
  it('a then without a terminal action falls through to the next term, keeping its modifications', () => {
    const p = parseJunos(
      cfg(
        'policy-statement OUT { term A { then local-preference 300; } term B { from local-preference 300; then accept; } then reject; }',
      ),
      'j.conf',
    );
    const r = locRib(p, rib([{ prefix: '10.1.0.0/16', ...EBGP }]))[0]!;
    const o = exportRoute(p, p.neighbors[0]!, r, true);
    expect(o.sent && o.route.localPref).toBe(300);
    expect(o.eval?.trace.map((s) => [s.term, s.result])).toEqual([
      ['A', 'none'],
      ['B', 'accept'],
    ]);
  });
  it('chain order: the first policy that decides wins; next policy goes on; the default ends the chain', () => {
    const pol =
      'policy-statement P1 { term T { from route-filter 10.1.0.0/16 exact; then reject; } } policy-statement P2 { term T { then accept; } } policy-statement P3 { then next policy; }';
    const p = parseJunos(cfg(pol), 'j.conf');
    const routes = locRib(p, rib(three));
    const run = (chain: string[]) =>
      routes
        .filter((r) => evaluateChain({ program: p }, chain, r, () => ({ accept: false, why: 'end' })).accept)
        .map((r) => r.key);
    expect(run(['P1', 'P2'])).toEqual(['10.2.0.0/16', '10.3.0.0/16']);
    expect(run(['P2', 'P1'])).toHaveLength(3);
    expect(run(['P3'])).toEqual([]);
    expect(run(['P3', 'P2'])).toHaveLength(3);
  });
  it('route-filter: only the longest matching filter prefix counts', () => {
    const pol =
      'policy-statement OUT { term T { from { route-filter 10.0.0.0/8 orlonger; route-filter 10.1.0.0/16 exact; } then accept; } then reject; }';
    expect(
      sends(pol, [
        { prefix: '10.1.1.0/24', ...EBGP },
        { prefix: '10.1.0.0/16', ...EBGP },
        { prefix: '10.2.0.0/16', ...EBGP },
      ]),
    ).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
  });
  it('route-filter through', () => {
    const pol =
      'policy-statement OUT { term T { from route-filter 10.0.0.0/8 through 10.1.0.0/16; then accept; } then reject; }';
    expect(
      sends(pol, [
        { prefix: '10.0.0.0/9', ...EBGP },
        { prefix: '10.1.0.0/16', ...EBGP },
        { prefix: '10.128.0.0/9', ...EBGP },
      ]),
    ).toEqual(['10.0.0.0/9', '10.1.0.0/16']);
  });
  it('prefix-list matches exactly; prefix-list-filter with a modifier', () => {
    const base = 'prefix-list PL { 10.1.0.0/16; }';
    const routes = [
      { prefix: '10.1.0.0/16', ...EBGP },
      { prefix: '10.1.1.0/24', ...EBGP },
    ];
    expect(
      sends(`${base} policy-statement OUT { term T { from prefix-list PL; then accept; } then reject; }`, routes),
    ).toEqual(['10.1.0.0/16']);
    expect(
      sends(
        `${base} policy-statement OUT { term T { from prefix-list-filter PL longer; then accept; } then reject; }`,
        routes,
      ),
    ).toEqual(['10.1.1.0/24']);
  });
  it('community: every member of a named community must be present; regex members; any of several names', () => {
    const routes = [
      { prefix: '10.1.0.0/16', ...EBGP, communities: ['65002:1', '65002:2'] },
      { prefix: '10.2.0.0/16', ...EBGP, communities: ['65002:1'] },
      { prefix: '10.3.0.0/16', ...EBGP, communities: ['65003:77'] },
    ];
    expect(
      sends(
        'community B members [ 65002:1 65002:2 ]; policy-statement OUT { term T { from community B; then accept; } then reject; }',
        routes,
      ),
    ).toEqual(['10.1.0.0/16']);
    expect(
      sends(
        'community R members "^65003:7.$"; community B members 65002:2; policy-statement OUT { term T { from community [ R B ]; then accept; } then reject; }',
        routes,
      ),
    ).toEqual(['10.1.0.0/16', '10.3.0.0/16']);
    expect(
      sends(
        'community W members 65003:*; policy-statement OUT { term T { from community W; then accept; } then reject; }',
        routes,
      ),
    ).toEqual(['10.3.0.0/16']);
  });
  it('as-path regexes are over whole AS numbers, anchored; as-path-group matches any member', () => {
    const routes = [
      { prefix: '10.1.0.0/16', as_path: [65002, 64999], peer: '10.0.0.2', peer_as: 65002 },
      { prefix: '10.2.0.0/16', as_path: [65002, 649990], peer: '10.0.0.2', peer_as: 65002 },
    ];
    expect(
      sends(
        'as-path A ".* 64999"; policy-statement OUT { term T { from as-path A; then accept; } then reject; }',
        routes,
      ),
    ).toEqual(['10.1.0.0/16']);
    expect(
      sends(
        'as-path-group G { as-path X "65002 649990"; as-path Y "1 2"; } policy-statement OUT { term T { from as-path-group G; then accept; } then reject; }',
        routes,
      ),
    ).toEqual(['10.2.0.0/16']);
    expect(
      sends(
        'as-path A "65002 64990-65000"; policy-statement OUT { term T { from as-path A; then accept; } then reject; }',
        routes,
      ),
    ).toEqual(['10.1.0.0/16']);
  });
  it('from policy: a subroutine is true when it accepts; its modifications stay', () => {
    const p = parseJunos(
      cfg(
        'policy-statement SUB { term T { from route-filter 10.1.0.0/16 exact; then { local-preference 222; accept; } } then reject; } policy-statement OUT { term T { from policy SUB; then accept; } then reject; }',
      ),
      'j.conf',
    );
    const out = locRib(p, rib(three))
      .map((r) => exportRoute(p, p.neighbors[0]!, r))
      .filter((o) => o.sent);
    expect(out.map((o) => o.sent && [o.route.key, o.route.localPref])).toEqual([['10.1.0.0/16', 222]]);
  });
  it('an unsupported condition is evaluated conservatively and reported', () => {
    const p = parseJunos(cfg('policy-statement OUT { term T { from tag 5; then accept; } then reject; }'), 'j.conf');
    const o = exportRoute(p, p.neighbors[0]!, locRib(p, rib(three))[0]!);
    expect(o.sent).toBe(true);
    expect(o.eval?.uncertain.map((u) => u.reason).join()).toContain('tag');
  });
  it('static routes from routing-options are in the RIB and exported only when a policy accepts them', () => {
    const extra = 'static { route 192.0.2.0/24 discard; }';
    expect(sends('policy-statement OUT { then reject; }', [], '10.0.1.3', extra)).toEqual([]);
    expect(
      sends('policy-statement OUT { term S { from protocol static; then accept; } }', [], '10.0.1.3', extra),
    ).toEqual(['192.0.2.0/24']);
  });
});
