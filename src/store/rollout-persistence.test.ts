// The rollout engine over the persistent store survives a restart: an engine and store reopened on the
// same PGlite data directory see the same snapshots, rollouts, last good snapshot and audit, and
// `rollback --to <earlier snapshot>` works after the reopen.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { RolloutEngine } from '../rollout/engine.js';
import { DEFAULT_GUARD, type GuardConfig } from '../rollout/guard.js';
import { VerdictBoard } from '../rollout/memory.js';
import { SimulatedFleet } from '../sim/simulated-fleet.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { simTopology } from '../sim/topology.js';
import { compile, makeContent } from '../snapshot/compile.js';
import type { Announcement, Snapshot, SnapshotContent } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';
import { person } from '../testing/actors.js';
import { openDatabase } from './db.js';
import { KyselyRolloutStore } from './rollout-store.js';

const locations = simTopology(6, 2);
const stages = [
  { name: 'canary', count: 1, bakeMs: 60_000 },
  { name: '100%', fraction: 1, bakeMs: 60_000 },
];
const wide = { count: 1000, fraction: 1 };
const wideKinds = { account: wide, location: wide, global: wide };
const PERSISTENCE_GUARD: GuardConfig = {
  ...DEFAULT_GUARD,
  windows: DEFAULT_GUARD.windows.map((w) => ({
    ...w,
    withdrawals: wideKinds,
    unbinds: wideKinds,
    modifications: wideKinds,
  })),
  drift: { ...DEFAULT_GUARD.drift, withdrawals: wideKinds, unbinds: wideKinds, modifications: wideKinds },
};
const clock = new ManualClock(Date.parse('2026-02-20T17:00:00Z'));
const dir = mkdtempSync(join(tmpdir(), 'failsmall-rollout-persist-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One control-plane process: the database on `dir`, a fresh simulated fleet, the engine. */
async function start() {
  const database = await openDatabase({ dataDir: dir });
  const store = new KyselyRolloutStore(database.db);
  const fleet = new SimulatedFleet({ locations, clock });
  const engine = await RolloutEngine.open(
    { clock, store, fleet, signals: new VerdictBoard() },
    // The test is about persistence: the guard's cumulative limits (1% of this 60-prefix network per hour)
    // would hold its second change, so they are widened; the per-change limits stay.
    { stages, gateGraceMs: 5000, guard: PERSISTENCE_GUARD },
  );
  // The bus keeps each location's current snapshot across a control-plane restart (NATS KV in a real
  // deployment); the simulated one lives in this process, so hand the agents what the engine assigned.
  for (const [loc, id] of Object.entries(engine.assigned())) await fleet.deploy(await engine.snapshot(id), [loc]);
  const settle = async () => {
    const busy = () => engine.listRollouts().some((r) => r.status === 'running' || r.status === 'queued');
    fleet.heartbeat();
    await engine.tick();
    for (let i = 0; i < 3600 && busy(); i++) {
      clock.advance(1000);
      await fleet.pump();
      fleet.heartbeat();
      await engine.tick();
    }
    expect(busy()).toBe(false);
  };
  return { database, store, fleet, engine, settle };
}

const v1 = compile(syntheticDesired({ accounts: 4, prefixes: 60, bindingsPerPrefix: 2, tag: 'persist' }), {
  locations,
});

/** v1 without the announcements (and their bindings) at the given indexes, prepending on some others. */
function changed(drop: readonly number[], prepend: readonly number[]): SnapshotContent {
  const gone = new Set(drop.map((i) => (v1.announcements[i] as Announcement).prefix));
  const more = new Set(prepend.map((i) => (v1.announcements[i] as Announcement).prefix));
  return makeContent(
    v1.announcements.filter((a) => !gone.has(a.prefix)).map((a) => (more.has(a.prefix) ? { ...a, prepends: 2 } : a)),
    v1.bindings.filter((b) => !gone.has(b.prefix)),
    null,
  );
}

/** Every agent applied `s` and its speaker announces exactly its location's view. */
async function fleetRuns(fleet: SimulatedFleet, s: Snapshot): Promise<void> {
  for (const r of await fleet.reports()) {
    expect(r.appliedSnapshot, r.agentId).toBe(s.id);
    expect(r.state).toBe('ok');
    const view = viewFor(s, r.location);
    expect(r.announceCount).toBe(view.announceCount);
    expect(r.announceDigest).toBe(view.announceDigest);
  }
}

describe('rollout engine over the persistent store, across restarts (PGlite data directory)', () => {
  let first: Snapshot;
  let third: Snapshot;
  let before: {
    snapshots: unknown;
    rollouts: unknown;
    state: unknown;
    audit: unknown;
  };

  it('runs three snapshots to completion, then stops', async () => {
    const cp = await start();
    first = (await cp.engine.propose(v1, { origin: 'compile', reason: 'v1', actor: 'test' })).snapshot;
    await cp.settle();
    await cp.engine.propose(changed([3, 17, 40], [5, 6, 7, 8, 9]), { origin: 'compile', reason: 'v2', actor: 'test' });
    await cp.settle();
    third = (
      await cp.engine.propose(changed([3, 17, 40, 41, 55], [5, 6, 7, 8, 9]), {
        origin: 'compile',
        reason: 'v3',
        actor: 'test',
      })
    ).snapshot;
    await cp.settle();
    expect(cp.engine.listRollouts().map((r) => r.status)).toEqual(['completed', 'completed', 'completed']);
    expect(cp.engine.engineState().baselineId).toBe(third.id);
    await fleetRuns(cp.fleet, third);
    before = {
      snapshots: await cp.store.listSnapshots(),
      rollouts: cp.engine.listRollouts(),
      state: cp.engine.engineState(),
      audit: await cp.store.listAudit(),
    };
    await cp.database.close();
  });

  it('a restarted engine sees the same snapshots, rollouts, last good snapshot and state', async () => {
    const cp = await start();
    try {
      expect(await cp.store.listSnapshots()).toEqual(before.snapshots);
      expect(cp.engine.listRollouts()).toEqual(before.rollouts);
      expect(cp.engine.engineState()).toEqual(before.state);
      expect(await cp.store.listAudit()).toEqual(before.audit);
      expect((await cp.engine.baseline())?.id).toBe(third.id);
      expect(cp.engine.latestSnapshot()).toEqual(third);
      expect(await cp.engine.resolveSnapshot('#1')).toEqual(first);
      await fleetRuns(cp.fleet, third);
    } finally {
      await cp.database.close();
    }
  });

  it('rollback --to an earlier snapshot works after the restart, and is itself kept', async () => {
    let back: Snapshot;
    {
      const cp = await start();
      const r = await cp.engine.rollback({ to: '#1', actor: person('ops:alice'), reason: 'v2 and v3 broke customers' });
      back = r.snapshot;
      expect(back.digest).toBe(first.digest);
      expect(back.number).toBeGreaterThan(third.number);
      await cp.settle();
      expect(cp.engine.engineState().baselineId).toBe(back.id);
      // the restoring part (re-announce) on the fast path, then the rest (prepends back) staged
      expect(r.rollouts.map((x) => [cp.engine.rollout(x.id).kind, cp.engine.rollout(x.id).status])).toEqual([
        ['fast', 'completed'],
        ['progressive', 'completed'],
      ]);
      await fleetRuns(cp.fleet, back);
      await cp.database.close();
    }
    const cp = await start();
    try {
      expect((await cp.engine.baseline())?.digest).toBe(first.digest);
      expect(cp.engine.engineState().goodIds).toContain(back.id);
      expect(
        (await cp.store.listAudit()).some((a) => a.action === 'rollback.global' && a.actor_id === 'ops:alice'),
      ).toBe(true);
      expect((await cp.store.listSnapshots())[0]?.id).toBe(back.id);
      await fleetRuns(cp.fleet, back);
    } finally {
      await cp.database.close();
    }
  });
});
