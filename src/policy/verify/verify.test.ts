// The finding kinds the incident tests do not reach: term-empty, term-always-true, otc-violation,
// missing-safeguard, intent-violation; and the per-neighbour diff (added, removed, changed).
import { describe, expect, it } from 'vitest';
import { parseCaidaRelationships } from '../../routing/relationships.js';
import { parseIntent } from '../intent.js';
import { loadConfig } from '../load.js';
import { parseRouteList } from '../route.js';
import { verify } from './index.js';

const junos = (term: string, extra = '') => `routing-options { autonomous-system 65001; }
protocols { bgp { group UP { type external; peer-as 65010; export OUT; neighbor 10.0.1.1; } } }
policy-options { prefix-list OWN { 192.0.2.0/24; } community MARK members 65001:1; ${extra}
  policy-statement OUT { ${term} term REJECT { then reject; } } }`;

const rib = parseRouteList(
  JSON.stringify([
    { prefix: '192.0.2.0/24', as_path: [], peer: '0.0.0.0', peer_as: 65001, protocol: 'static' },
    { prefix: '198.51.100.0/24', as_path: [65020, 65021], peer: '10.0.2.2', peer_as: 65020 },
    { prefix: '203.0.113.0/24', as_path: [65030], peer: '10.0.3.3', peer_as: 65030, otc: 65030 },
  ]),
);
const rel = parseCaidaRelationships('65010|65001|-1\n65001|65020|0\n65001|65030|-1\n');

describe('findings', () => {
  it('term-empty: the change removed every condition of the term', () => {
    const before = loadConfig(junos('term OWN { from prefix-list OWN; then accept; }'), 'b.conf');
    const after = loadConfig(junos('term OWN { then accept; }'), 'a.conf');
    const r = verify(before, after, rib, { relationships: rel });
    const f = r.findings.find((x) => x.kind === 'term-empty')!;
    expect(f).toMatchObject({ neighbor: '10.0.1.1', policy: 'OUT', term: 'OWN', count: 2 });
    // The peer-learned route to the provider is also a type 4 leak.
    expect(r.findings.find((x) => x.kind === 'route-leak')).toMatchObject({ rfc7908_type: 4, count: 1 });
    expect(r.verdict).toBe('fail');
    expect(r.neighbors[0]).toMatchObject({ exported_before: 1, exported_after: 3, added: 2, removed: 0 });
  });
  it('term-always-true: what is left of a changed term matches every route that reaches it', () => {
    const before = loadConfig(
      junos('term ALL { from { protocol [ bgp static ]; prefix-list OWN; } then accept; }'),
      'b.conf',
    );
    const after = loadConfig(junos('term ALL { from protocol [ bgp static ]; then accept; }'), 'a.conf');
    const r = verify(before, after, rib, { relationships: rel });
    expect(r.findings.find((x) => x.kind === 'term-always-true')).toMatchObject({
      policy: 'OUT',
      term: 'ALL',
      count: 2,
    });
  });
  it('otc-violation: a route carrying OTC sent to a provider', () => {
    const before = loadConfig(junos('term OWN { from prefix-list OWN; then accept; }'), 'b.conf');
    const after = loadConfig(
      junos('term OWN { from prefix-list OWN; then accept; } term C { from neighbor 10.0.3.3; then accept; }'),
      'a.conf',
    );
    const r = verify(before, after, rib, { relationships: rel });
    expect(r.findings.map((x) => x.kind)).toEqual(['otc-violation']);
  });
  it('missing-safeguard: the configuration names an EXPORTABLE community; a new export lacks it', () => {
    const extra = 'community EXPORTABLE members 65001:999;';
    const before = loadConfig(
      junos('term OWN { from prefix-list OWN; then { community add EXPORTABLE; accept; } }', extra),
      'b.conf',
    );
    const after = loadConfig(
      junos(
        'term OWN { from prefix-list OWN; then { community add EXPORTABLE; accept; } } term C { from neighbor 10.0.3.3; then { community add MARK; accept; } }',
        extra,
      ),
      'a.conf',
    );
    const r = verify(before, after, rib, { relationships: rel });
    expect(r.findings.map((x) => x.kind).sort()).toEqual(['missing-safeguard', 'otc-violation']);
  });
  it('intent-violation: positive enumeration per neighbour (address or group); roles from the intent', () => {
    const cfg = loadConfig(junos('term ALL { then accept; }'), 'a.conf');
    const intent = parseIntent('neighbors:\n  UP: { role: provider, allow: [192.0.2.0/23] }\n');
    const r = verify(cfg, cfg, rib, { intent });
    expect(r.neighbors[0]!.role).toBe('provider');
    expect(r.findings.find((x) => x.kind === 'intent-violation')).toMatchObject({ count: 2 });
  });
  it('changed attributes are counted apart from added and removed', () => {
    const before = loadConfig(junos('term OWN { from prefix-list OWN; then accept; }'), 'b.conf');
    const after = loadConfig(
      junos('term OWN { from prefix-list OWN; then { community add MARK; accept; } }'),
      'a.conf',
    );
    const r = verify(before, after, rib);
    expect(r.neighbors[0]).toMatchObject({ added: 0, removed: 0, changed: 1 });
    expect(r.verdict).toBe('pass');
  });
  it('the intent file is checked strictly', () => {
    expect(() => parseIntent('neighbors:\n  X: { role: boss }\n')).toThrow(/role/);
    expect(() => parseIntent('neighbours: {}\n')).toThrow(/unknown key/);
  });
});
