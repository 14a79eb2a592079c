// The world the API and store tests run in (test-only, a .case.ts file): the documentation and
// private ranges they use are lab space, and IRR route objects prove them for the documentation ASNs
// (RFC 5398: AS64496–AS64511) plus AS64512, which the fixtures register for their accounts. Tests of
// ownership itself (ownership.test.ts, the issue-10 HTTP test) use the production defaults instead.
import { parsePrefix } from '../lib/prefix.js';
import { type AnnounceSpace, DEFAULT_ANNOUNCE_SPACE } from './announce-space.js';
import type { IrrRoute, OwnershipEvidence } from './ownership.js';

export const TEST_ASNS: readonly number[] = Array.from({ length: 17 }, (_, i) => 64496 + i);

const LAB = ['10.0.0.0/8', '192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/22', '203.0.113.0/24', '2001:db8::/32'];
const IRR = [...LAB, '20.0.0.0/8', '45.0.0.0/8'];

export const TEST_SPACE: AnnounceSpace = { ...DEFAULT_ANNOUNCE_SPACE, labSpace: LAB.map(parsePrefix) };

export const TEST_EVIDENCE: OwnershipEvidence = {
  roas: null,
  irr: IRR.flatMap((cidr): IrrRoute[] =>
    TEST_ASNS.map((origin) => ({ prefix: parsePrefix(cidr), origin, source: 'TEST' })),
  ),
};

export const TEST_OWNERSHIP = { evidence: TEST_EVIDENCE, space: TEST_SPACE };
