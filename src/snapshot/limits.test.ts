// The compiler accepts exactly the prepend counts the API schema, the service and the database accept:
// one limit, in src/addressing/limits.ts (it was 0..10 here while everything else said 0..3).
import { describe, expect, it } from 'vitest';
import { ASN_PREPEND_COUNT } from '../addressing/limits.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { compile } from './compile.js';

const topo = [{ id: 'ams', region: 'eu', tier: 1 }];

function withPrepends(n: number) {
  const d = syntheticDesired({ accounts: 1, prefixes: 1 });
  const b = d.bgp_prefixes[0];
  if (!b) throw new Error('no BGP prefix');
  b.on_demand.advertised = true;
  b.asn_prepend_count = n;
  return d;
}

describe('the prepend limit', () => {
  it(`compiles ${ASN_PREPEND_COUNT.min}..${ASN_PREPEND_COUNT.max} and refuses one more`, () => {
    for (let n = ASN_PREPEND_COUNT.min; n <= ASN_PREPEND_COUNT.max; n++)
      expect(compile(withPrepends(n), { locations: topo }).announcements[0]?.prepends).toBe(n);
    expect(() => compile(withPrepends(ASN_PREPEND_COUNT.max + 1), { locations: topo })).toThrow(
      expect.objectContaining({ code: 'E_SNAPSHOT_INVALID' }),
    );
    expect(ASN_PREPEND_COUNT.max).toBe(3);
  });
});
