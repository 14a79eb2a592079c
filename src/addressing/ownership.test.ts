// Ownership proofs (issue 10): what counts as evidence for which ASN. The ROA side over real VRPs is
// src/bin/ownership-config.test.ts; the whole path through HTTP is src/bin/announce-ownership.test.ts.
import { describe, expect, it } from 'vitest';
import { formatPrefix, type Prefix, parsePrefix } from '../lib/prefix.js';
import { findProof, type OwnershipEvidence, parseIrrRoutes, type RoaEvidence } from './ownership.js';

const RPSL = `% a dump of an IRR database
route:          45.10.0.0/16
descr:          Acme Retail
origin:         AS64600
mnt-by:         ACME-MNT
source:         RIPE

route6:         2a0e:1000::/29
origin:         as64600   # lower case is fine
source:         RIPE

aut-num:        AS64600
as-name:        ACME

route:          not-a-prefix
origin:         AS64600

route:          45.20.0.0/16
origin:         64600
`;

describe('IRR route objects', () => {
  it('reads route and route6 objects with origin and source; reports the unreadable by line', () => {
    const { routes, skipped } = parseIrrRoutes(RPSL);
    expect(routes.map((r) => [formatPrefix(r.prefix), r.origin, r.source])).toEqual([
      ['45.10.0.0/16', 64600, 'RIPE'],
      ['2a0e:1000::/29', 64600, 'RIPE'],
    ]);
    expect(skipped).toEqual([15, 18]);
  });
});

describe('findProof', () => {
  const irr = parseIrrRoutes(RPSL).routes;
  const roas: RoaEvidence = {
    // one VRP: 8.8.8.0/24-24 AS15169
    authorising: (p: Prefix, asn: number) =>
      formatPrefix(p) === '8.8.8.0/24' && asn === 15169 ? '8.8.8.0/24-24 AS15169' : null,
  };
  const e: OwnershipEvidence = { roas, irr };

  it('a ROA proves a prefix only for an ASN the account holds (another network cannot be borrowed)', () => {
    expect(findProof(e, parsePrefix('8.8.8.0/24'), 15169, [64600])).toBeNull();
    expect(findProof(e, parsePrefix('8.8.8.0/24'), 15169, [15169])).toEqual({
      method: 'rpki',
      evidence: 'ROA 8.8.8.0/24-24 AS15169',
    });
  });

  it('an IRR route object for the prefix or a covering one, with the origin', () => {
    expect(findProof(e, parsePrefix('45.10.3.0/24'), 64600, [64600])).toEqual({
      method: 'irr',
      evidence: 'route 45.10.0.0/16 origin AS64600 (RIPE)',
    });
    expect(findProof(e, parsePrefix('45.10.3.0/24'), 64601, [64601])).toBeNull(); // other origin
    expect(findProof(e, parsePrefix('45.11.0.0/24'), 64600, [64600])).toBeNull(); // not covered
    expect(findProof(e, parsePrefix('45.0.0.0/8'), 64600, [64600])).toBeNull(); // less specific than the object
  });

  it('no evidence proves nothing', () => {
    expect(findProof({ roas: null, irr: [] }, parsePrefix('45.10.0.0/16'), 64600, [64600])).toBeNull();
  });
});
