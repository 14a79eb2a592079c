import { describe, expect, it } from 'vitest';
import { readAll, sampleDump } from './sample.case.js';
import { formatStats, MrtStats } from './stats.js';

describe('MrtStats', () => {
  it('counts records by type, peers, prefixes per family and damage', () => {
    const dump = sampleDump();
    const stats = new MrtStats();
    const { records } = readAll(dump);
    for (const r of records) stats.record(r);
    // a truncated copy of the first record at the end: damage
    for (const d of readAll(dump.subarray(0, 20)).damage) stats.damage(d);
    const s = stats.summary();
    expect(s.records).toBe(6);
    expect(s.byType).toEqual({
      'BGP4MP/MESSAGE_AS4': 1,
      'BGP4MP/STATE_CHANGE': 1,
      'BGP4MP_ET/MESSAGE_AS4': 1,
      'TABLE_DUMP_V2/PEER_INDEX_TABLE': 1,
      'TABLE_DUMP_V2/RIB_IPV4_UNICAST': 1,
      'TABLE_DUMP_V2/RIB_IPV6_UNICAST_ADDPATH': 1,
    });
    expect(s.peerIndexPeers).toBe(2);
    expect(s.sessionPeers).toBe(1);
    expect(s.prefixes.ipv4).toEqual({ ribPrefixes: 1, ribEntries: 2, announced: 4, withdrawn: 2 });
    expect(s.prefixes.ipv6).toEqual({ ribPrefixes: 1, ribEntries: 1, announced: 0, withdrawn: 0 });
    expect(s.bgpMessages).toEqual({ UPDATE: 2 });
    expect(s.damaged).toBe(1);
    expect(s.damage[0]).toMatchObject({ offset: 0, code: 'E_MRT_TRUNCATED' });
    const text = formatStats(s);
    expect(text).toContain('TABLE_DUMP_V2/RIB_IPV4_UNICAST');
    expect(text).toMatch(/ipv4\s+1\s+2\s+4\s+2/);
    expect(text).toContain('offset 0: E_MRT_TRUNCATED');
  });
});
