// The lab replay's reject-only recovery of the 20 February incident (src/lab/byoip-replay.ts, recovery
// 'reject'), on virtual time: a job's paced withdrawals trip the breaker, the trip's own restoring rollout
// (onTrip 'restore-window') is deploying, and the approver rejects the tripping change then. Afterwards
// every prefix the snapshot before the job announced must be announced at every edge, and stay so through
// several compile periods. It once ended with the job's earlier, admitted withdrawals withdrawn again: the
// reject returned desired state to the last good snapshot from before the restore, which still lacked them.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Actor } from '../addressing/model.js';
import { AddressingService } from '../addressing/service.js';
import { demoFleet, seedDemo } from '../bin/demo.js';
import { ManualClock } from '../lib/clock.js';
import type { Snapshot } from '../snapshot/model.js';
import { viewAnnouncements, viewFor } from '../snapshot/view.js';
import { KyselyAuditLog } from '../store/audit-log.js';
import { openStore } from '../store/harness.js';
import { createSimulation } from './simulation.js';
import { simTopology } from './topology.js';

const T0 = Date.parse('2026-02-20T17:56:00Z');
/** The rogue job's actor: an operator's CLI credentials (the reject's approver made none of its changes). */
const JOB: Actor = {
  kind: 'cli',
  id: 'cli:cleanup-job',
  account_id: null,
  scopes: ['admin', 'operator'],
  request_id: 'j',
};
const APPROVER: Actor = {
  kind: 'person',
  id: 'person:on-call',
  account_id: null,
  scopes: ['operator', 'approver'],
  request_id: 'a',
};
const RESYNC_MS = 60_000;

async function lab() {
  const env = { FAILSMALL_DEMO_BYOIP: '60', FAILSMALL_DEMO_BAKE_S: '20' };
  let n = 0;
  const ids = { next: () => createHash('sha256').update(`rej-${n++}`).digest('hex').slice(0, 32) };
  const opened = await openStore({ dataDir: 'memory://' });
  const clock = new ManualClock(T0 - 3 * 3600_000);
  const service = new AddressingService(opened.store, clock, ids);
  const sim = await createSimulation({
    locations: simTopology(12, 2),
    clock,
    // Agents take 5 s to apply: the restoring rollout deploys, then waits for its gates that long.
    applyDelayMs: 5000,
    desired: { read: () => service.exportDesiredState() },
    recovery: service.recovery,
    history: new KyselyAuditLog(opened.database.db),
    engine: demoFleet(env).loop.engine,
    loop: { resyncMs: RESYNC_MS },
  });
  await seedDemo({ service, opened }, env);
  service.onChange(() => sim.loop.markDirty());
  await sim.loop.sync('initial state');
  await sim.settle(30 * 60_000);
  clock.set(T0);
  return { sim, service, clock, opened };
}

/** Per location, the prefixes `good` announces there that the location's agents do not announce. */
function missingAtEdge(sim: Awaited<ReturnType<typeof lab>>['sim'], good: Snapshot): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of sim.fleet.all()) {
    const have = a.speaker.prefixes();
    const lost = [...viewAnnouncements(viewFor(good, a.agent.location))]
      .map((x) => x.prefix)
      .filter((p) => !have.has(p));
    if (lost.length) out.set(a.agent.id, lost);
  }
  return out;
}

describe('reject while the breaker restore is deploying', () => {
  it('puts back everything the job withdrew, and it stays announced at every edge', async () => {
    const { sim, service, clock, opened } = await lab();
    try {
      const good = (await sim.engine.baseline()) as Snapshot;
      expect(missingAtEdge(sim, good).size).toBe(0);
      const advertised = (await service.exportDesiredState()).bgp_prefixes.filter((b) => b.on_demand.advertised);
      await sim.loop.start();

      // The job: one withdrawal, compiled and rolled out through every stage, then the next, until the
      // guard holds one (the cumulative windows) and trips the breaker.
      let held: string | undefined;
      for (const b of advertised) {
        await service.bgp.edit(JOB, b.account_id, b.prefix_id, b.id, { on_demand: { advertised: false } });
        for (let i = 0; i < 600 && !held; i++) {
          clock.advance(1000);
          await sim.loop.tick();
          held = sim.engine.listRollouts().find((r) => r.status === 'held')?.id;
          const busy = sim.engine.listRollouts().some((r) => r.status === 'queued' || r.status === 'running');
          if (!busy && i > 0) break;
        }
        if (held) break;
      }
      expect(held).toBeDefined();
      expect(sim.engine.engineState().guard.breaker.tripped).toBe(true);
      const admitted = sim.engine
        .listRollouts()
        .filter((r) => r.status === 'completed' && r.snapshotNumber > good.number && r.kind === 'progressive');
      expect(admitted.length).toBeGreaterThan(0); // the job's earlier withdrawals reached the edge

      // The trip's restoring rollout: run rounds until it is deployed but not yet done (its gates wait for
      // the agents to apply), and reject the tripping change right then.
      const restoring = () => sim.engine.listRollouts().find((r) => r.createdBy === 'system:guard');
      for (let i = 0; i < 30 && restoring()?.stages[0]?.deployedAt == null; i++) {
        clock.advance(1000);
        await sim.loop.tick();
      }
      expect(restoring()).toMatchObject({ kind: 'fast', status: 'running' });
      expect(restoring()?.stages[0]?.deployedAt).not.toBeNull();
      const r = await sim.loop.control.reject({ id: held as string, actor: APPROVER, reason: 'INC-2002: cleanup job' });
      expect(r.rollout).toMatchObject({ id: held, status: 'aborted' });
      expect(sim.engine.engineState().guard.breaker.tripped).toBe(false);

      // Several compile periods later every prefix of the snapshot before the job is announced everywhere,
      // at every check on the way, once the restore is done.
      let restored = false;
      const end = clock.now() + 6 * RESYNC_MS;
      while (clock.now() < end) {
        clock.advance(1000);
        await sim.loop.tick();
        if (restoring()?.status === 'completed') restored = true;
        if (restored && clock.now() % 10_000 < 1000) expect(Object.fromEntries(missingAtEdge(sim, good))).toEqual({});
      }
      expect(restored).toBe(true);
      expect(Object.fromEntries(missingAtEdge(sim, good))).toEqual({});
      // And desired state says so: nothing the next compile could withdraw again.
      const now = new Set(
        (await service.exportDesiredState()).bgp_prefixes.filter((b) => b.on_demand.advertised).map((b) => b.id),
      );
      expect(advertised.filter((b) => !now.has(b.id)).map((b) => b.id)).toEqual([]);
    } finally {
      await sim.loop.stop();
      await opened.close?.();
    }
  }, 120_000);
});
