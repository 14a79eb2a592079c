// Location (PoP) layouts for the simulated fleet: real-looking codes spread over regions and tiers.
import type { LocationInfo } from '../snapshot/model.js';

export interface SimLocation extends LocationInfo {
  /** Edge nodes (one agent each). */
  nodes: number;
}

const CODES: readonly [string, string][] = [
  ['ams', 'eu'],
  ['fra', 'eu'],
  ['lhr', 'eu'],
  ['cdg', 'eu'],
  ['mad', 'eu'],
  ['waw', 'eu'],
  ['arn', 'eu'],
  ['mxp', 'eu'],
  ['iad', 'na'],
  ['ord', 'na'],
  ['dfw', 'na'],
  ['sjc', 'na'],
  ['sea', 'na'],
  ['mia', 'na'],
  ['yyz', 'na'],
  ['atl', 'na'],
  ['nrt', 'apac'],
  ['sin', 'apac'],
  ['hkg', 'apac'],
  ['syd', 'apac'],
  ['bom', 'apac'],
  ['icn', 'apac'],
  ['kix', 'apac'],
  ['mel', 'apac'],
  ['gru', 'sa'],
  ['bog', 'sa'],
  ['scl', 'sa'],
  ['eze', 'sa'],
  ['lim', 'sa'],
  ['gig', 'sa'],
  ['jnb', 'af'],
  ['cpt', 'af'],
  ['los', 'af'],
  ['nbo', 'af'],
  ['cai', 'af'],
  ['dxb', 'me'],
  ['tlv', 'me'],
  ['doh', 'me'],
  ['ruh', 'me'],
  ['bah', 'me'],
];
const REGIONS = ['eu', 'na', 'apac', 'sa', 'af', 'me'];

/**
 * `count` locations: the first 40 carry real airport codes, the rest `popNNNN`; tier 1 for every fifth,
 * tier 2 for every other, tier 3 for the rest; `nodesPerLocation` agents each.
 */
export function simTopology(count: number, nodesPerLocation = 1): SimLocation[] {
  const out: SimLocation[] = [];
  for (let i = 0; i < count; i++) {
    const known = CODES[i];
    const id = known ? known[0] : `pop${String(i).padStart(4, '0')}`;
    const region = known ? known[1] : (REGIONS[i % REGIONS.length] as string);
    const tier = i % 5 === 0 ? 1 : i % 2 === 0 ? 2 : 3;
    out.push({ id, region, tier, nodes: nodesPerLocation });
  }
  return out;
}
