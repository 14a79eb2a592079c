import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAsPath } from './as-path.js';
import { classifyPath, type LearnedFrom, routeLeakType } from './leaks.js';
import { parseCaidaRelationships } from './relationships.js';
import { BGP_ROLES } from './roles.js';

/** Matches a thrown FailsmallError with this code. */
const fails = (code: string) => expect.objectContaining({ name: 'FailsmallError', code });

// A tiny CAIDA serial-2 fixture: two tier-1s peering (1, 2), transit 10 under 1, 20 under 2,
// 10 and 20 peering, stubs 100 (under 10 and 20, multihomed) and 200 (under 20).
const SERIAL_2 = `# source:topology|BGP,RIPE
# a fixture for tests
1|2|0|bgp
1|10|-1|bgp
2|20|-1|bgp
10|20|0|mlp
10|100|-1|bgp
20|100|-1|bgp
20|200|-1|bgp
`;
const SERIAL_1 = SERIAL_2.replace(/\|(bgp|mlp)$/gm, '');

describe('CAIDA AS relationships', () => {
  it('reads serial-1 and serial-2 into the same graph', () => {
    for (const text of [SERIAL_1, SERIAL_2]) {
      const g = parseCaidaRelationships(text);
      expect([g.asCount, g.linkCount]).toEqual([6, 7]);
      expect(g.relationship(10, 1)).toBe('provider');
      expect(g.relationship(1, 10)).toBe('customer');
      expect(g.relationship(10, 20)).toBe('peer');
      expect(g.relationship(100, 200)).toBeUndefined();
      expect(g.providers(100)).toEqual([10, 20]);
      expect(g.customers(20)).toEqual([100, 200]);
      expect(g.peers(10)).toEqual([20]);
    }
  });
  it('rejects malformed lines and contradictions with a line number', () => {
    expect(() => parseCaidaRelationships('1|2|1\n')).toThrow(fails('E_ASREL_SYNTAX'));
    expect(() => parseCaidaRelationships('1|2\n')).toThrow(fails('E_ASREL_SYNTAX'));
    expect(() => parseCaidaRelationships('1|x|0\n')).toThrow(fails('E_ASREL_SYNTAX'));
    expect(() => parseCaidaRelationships('7|7|0\n')).toThrow(fails('E_ASREL_SYNTAX'));
    expect(() => parseCaidaRelationships('1|2|-1\n2|1|-1\n')).toThrow(fails('E_ASREL_CONFLICT'));
    expect(() => parseCaidaRelationships('1|2|-1\n\n1|2|0\n')).toThrow(/line 3/);
    expect(parseCaidaRelationships('1|2|-1\n1|2|-1|bgp\n').linkCount).toBe(1); // repeated, consistent
  });
});

describe('RFC 7908 leak types', () => {
  it('types 1-4 from how the route was learned and to whom it was sent', () => {
    expect(routeLeakType('provider', 'provider')).toBe(1);
    expect(routeLeakType('peer', 'peer')).toBe(2);
    expect(routeLeakType('provider', 'peer')).toBe(3);
    expect(routeLeakType('peer', 'provider')).toBe(4);
    // Route servers are lateral: like peers on both sides.
    expect(routeLeakType('rs', 'provider')).toBe(4);
    expect(routeLeakType('provider', 'rs')).toBe(3);
  });
  it('type 5 for re-origination, type 6 for internal prefixes', () => {
    expect(routeLeakType('provider', 'provider', true)).toBe(5);
    expect(routeLeakType('peer', 'provider', true)).toBe(5);
    expect(routeLeakType('internal', 'provider')).toBe(6);
    expect(routeLeakType('internal', 'peer')).toBe(6);
  });
  it('never a leak: customer routes to anyone, or anything to a customer or RS-client', () => {
    const from: LearnedFrom[] = [...BGP_ROLES, 'internal'];
    for (const f of from) {
      expect(routeLeakType(f, 'customer')).toBeNull();
      expect(routeLeakType(f, 'rs-client')).toBeNull();
    }
    for (const to of BGP_ROLES) expect(routeLeakType('customer', to)).toBeNull();
  });
  it('the incident of 22 January 2026: peer routes (AS32934) to transit (AS3356) are type 4, transit routes to peers type 3', () => {
    expect(routeLeakType('peer', 'provider')).toBe(4);
    expect(routeLeakType('provider', 'peer')).toBe(3);
  });
});

describe('valley-free classifier', () => {
  const g = parseCaidaRelationships(SERIAL_2);
  const classify = (path: string, receiver?: number) => classifyPath(g, parseAsPath(path), receiver);

  it('accepts up, across once, down (prepends collapsed)', () => {
    expect(classify('200 20 2 1 10 100').verdict).toBe('valley-free'); // up 100-10-1, peer 1-2, down 2-20-200
    expect(classify('200 20 20 20 100').verdict).toBe('valley-free');
    expect(classify('20 10 100').verdict).toBe('valley-free'); // up 100-10, across 10-20
    expect(classify('100').verdict).toBe('valley-free');
  });

  it('names the first valley and its RFC 7908 type', () => {
    // 100 learns from provider 10 and sends to provider 20: hairpin, type 1.
    expect(classify('20 100 10 1')).toMatchObject({
      verdict: 'valley',
      leaker: 100,
      receivedFrom: 10,
      sentTo: 20,
      learnedFromRole: 'provider',
      sentToRole: 'provider',
      leakType: 1,
    });
    // 20 learns from peer 10 and sends to its provider 2: type 4.
    expect(classify('2 20 10 100')).toMatchObject({ verdict: 'valley', leaker: 20, leakType: 4 });
    // 10 learns from provider 1 and sends to peer 20: type 3 (visible only with the receiver).
    expect(classify('10 1 2', 20)).toMatchObject({ verdict: 'valley', leaker: 10, sentTo: 20, leakType: 3 });
    // 2 -> 1 across, 1 -> 10 down, 10 -> 20 across: 10 sends a route from its provider to a peer.
    expect(classify('20 10 1 2 20 200')).toMatchObject({ verdict: 'valley', leaker: 10, leakType: 3 });
  });

  it('unknown links: incomplete unless a valley is certain anyway', () => {
    const r = classify('20 100 999');
    expect(r.verdict).toBe('incomplete');
    if (r.verdict === 'incomplete') expect(r.unknown).toEqual([{ from: 999, to: 100, rel: undefined }]);
    // 10 -> 100 is down; whatever 100 -> 200 is (not in the graph), 200 going up to 20 after it is a valley.
    expect(classify('20 200 100 10')).toMatchObject({ verdict: 'valley', leaker: 200, sentTo: 20, leakType: null });
    expect(classify('{1,2} 10').verdict).toBe('as-set');
  });

  it('a path the classifier calls valley-free has the shape up*, peer?, down*', () => {
    const ases = [1, 2, 10, 20, 100, 200];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ases), { minLength: 1, maxLength: 6 }), (p) => {
        const r = classifyPath(g, [{ type: 2, asns: p }]);
        if (r.verdict !== 'valley-free') return;
        const word = r.hops.map((h) => (h.rel === 'provider' ? 'u' : h.rel === 'peer' ? 'p' : 'd')).join('');
        expect(word).toMatch(/^u*p?d*$/);
      }),
    );
  });
});
