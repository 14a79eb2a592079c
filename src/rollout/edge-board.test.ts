import { describe, expect, it } from 'vitest';
import type { AgentReport } from '../snapshot/agent-report.js';
import { compile, seal } from '../snapshot/compile.js';
import type { LocationInfo, Snapshot } from '../snapshot/model.js';
import { syntheticDesired } from '../snapshot/synthetic.js';
import { EdgeStatusBoard } from './edge-board.js';

const topo: LocationInfo[] = ['ams', 'cdg', 'sjc'].map((id, i) => ({ id, region: `r${i}`, tier: 1 }));
const locations = topo.map((l) => l.id);
const desired = syntheticDesired({ accounts: 1, prefixes: 2 });
const [p0, p1] = desired.bgp_prefixes.map((b) => b.cidr) as [string, string];
const snap = (n: number, withdrawn: string[]): Snapshot => {
  const d = structuredClone(desired);
  for (const b of d.bgp_prefixes) if (withdrawn.includes(b.cidr)) b.on_demand.advertised = false;
  return seal(compile(d, { locations: topo }), {
    number: n,
    parent: null,
    createdAt: 'x',
    origin: 'compile',
    reason: 't',
  });
};
const s1 = snap(1, []);
const s2 = snap(2, [p1]);
const report = (location: string, s: Snapshot | null, state: AgentReport['state'] = 'ok'): AgentReport => ({
  agentId: `${location}-1`,
  location,
  node: 'edge1',
  appliedSnapshot: s?.id ?? null,
  announceDigest: null,
  announceCount: 0,
  bindingDigest: null,
  bindingCount: 0,
  state,
  detail: null,
  reportedAt: 0,
});
const board = (latest: Snapshot, held: boolean, at: Record<string, Snapshot | null>) => {
  const b = new EdgeStatusBoard();
  const reports = Object.entries(at).map(([l, s]) => report(l, s));
  b.refresh({ locations, latest, latestHeld: held, reports, applied: new Map([s1, s2].map((s) => [s.id, s])) });
  return b;
};

describe('EdgeStatusBoard', () => {
  it('live when every location reports a snapshot that announces it', () => {
    expect(board(s1, false, { ams: s1, cdg: s1, sjc: s1 }).edgeStatus(p0, true)).toEqual({
      state: 'live',
      snapshot: 1,
      locations_live: 3,
      locations_total: 3,
    });
  });

  it('a withdrawal rolling out: deploying while some location still announces it, then withdrawn', () => {
    expect(board(s2, false, { ams: s2, cdg: s1, sjc: s1 }).edgeStatus(p1, false)).toMatchObject({
      state: 'deploying',
      locations_live: 2,
    });
    expect(board(s2, false, { ams: s2, cdg: s2, sjc: s2 }).edgeStatus(p1, false)).toMatchObject({
      state: 'withdrawn',
      locations_live: 0,
    });
  });

  it('re-advertised but the latest snapshot does not carry it yet: pending; held by the guard: held', () => {
    expect(board(s2, false, { ams: s2, cdg: s2, sjc: s2 }).edgeStatus(p1, true)).toMatchObject({
      state: 'pending',
      snapshot: null,
    });
    expect(board(s1, true, { ams: s2, cdg: s2, sjc: s2 }).edgeStatus(p1, true)).toMatchObject({
      state: 'held',
      snapshot: 1,
      locations_live: 0,
    });
  });

  it('an agent in error or without a report does not count as announcing', () => {
    const b = new EdgeStatusBoard();
    b.refresh({
      locations,
      latest: s1,
      latestHeld: false,
      reports: [report('ams', s1, 'error'), report('cdg', s1)],
      applied: new Map([[s1.id, s1]]),
    });
    expect(b.edgeStatus(p0, true)).toMatchObject({ state: 'deploying', locations_live: 1, locations_total: 3 });
  });
});
