// The rollout engine over the simulated fleet: stages, gates, halts, rollbacks, guard, fail static.
import { describe, expect, it } from 'vitest';
import { compile } from '../snapshot/compile.js';
import type { SnapshotContent } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';
import { APPROVER } from '../testing/actors.js';
import { createSimulation } from './simulation.js';
import { syntheticDesired } from './synthetic.js';
import { simTopology } from './topology.js';

const topo = simTopology(12, 2);
const stages = [
  { name: 'canary', count: 1, bakeMs: 60_000 },
  { name: '25%', fraction: 0.25, bakeMs: 60_000 },
  { name: '100%', fraction: 1, bakeMs: 60_000 },
];
const desired = syntheticDesired({ accounts: 20, prefixes: 400, bindingsPerPrefix: 2 });
const content = (d = desired): SnapshotContent => compile(d, { locations: topo });
const actor = APPROVER;

async function started() {
  const sim = await createSimulation({ locations: topo, engine: { stages } });
  await sim.engine.propose(content(), { origin: 'compile', reason: 'initial', actor });
  await sim.settle();
  return sim;
}

function withdrawn(n: number) {
  const d = structuredClone(desired);
  for (let i = 0; i < n; i++) d.bgp_prefixes[i]!.on_demand.advertised = false;
  return d;
}

describe('rollout engine over the simulated fleet', () => {
  it('rolls a snapshot out stage by stage with bake times and makes it the last good one', async () => {
    const sim = await started();
    const r0 = sim.engine.listRollouts()[0]!;
    expect(r0.status).toBe('completed');
    const { snapshot, rollout } = await sim.engine.propose(content(withdrawn(3)), {
      origin: 'compile',
      reason: 'withdraw 3',
      actor,
    });
    await sim.run(1000);
    const r = sim.engine.rollout(rollout.id);
    expect(r.stages.map((s) => s.locations.length)).toEqual([1, 2, 9]);
    expect(r.touched).toHaveLength(1); // still baking the canary
    await sim.run(61_000);
    expect(sim.engine.rollout(rollout.id).touched).toHaveLength(3);
    await sim.settle();
    expect(sim.engine.rollout(rollout.id).status).toBe('completed');
    expect(sim.engine.engineState().baselineId).toBe(snapshot.id);
    for (const a of sim.fleet.all()) expect(a.agent.current()?.snapshotId).toBe(snapshot.id);
    const canaryAt = sim.engine.rollout(rollout.id).stages[0]!.deployedAt!;
    const doneAt = sim.engine.rollout(rollout.id).stages[2]!.passedAt!;
    expect(doneAt - canaryAt).toBeGreaterThanOrEqual(180_000);
  });

  it('a failing canary halts the rollout and rolls the canary back before any other location sees it', async () => {
    const sim = await started();
    const good = sim.engine.engineState().baselineId;
    const { rollout } = await sim.engine.propose(content(withdrawn(2)), { origin: 'compile', reason: 'x', actor });
    await sim.engine.tick();
    const canary = sim.engine.rollout(rollout.id).stages[0]!.locations[0]!;
    // The canary's speaker silently drops routes: it applies, but announces less than the snapshot says.
    for (const a of sim.fleet.at(canary)) a.speaker.fault = { kind: 'drop', keep: 10 };
    await sim.engine.propose(content(withdrawn(3)), { origin: 'compile', reason: 'y', actor }); // queued behind
    await sim.run(5000);
    const r = sim.engine.rollout(rollout.id);
    expect(r.status).toBe('rolled-back');
    expect(r.halt?.reason).toMatch(/applied-exactly|prefix-count/);
    expect(r.touched).toEqual([canary]);
    for (const a of sim.fleet.all()) expect(a.agent.current()?.snapshotId).toBe(good);
    expect(sim.engine.engineState().guard.breaker.tripped).toBe(true);
  });

  it('an external canary verdict of fail reaches the engine and halts it (the GCE 2016 lesson)', async () => {
    const sim = await started();
    const good = sim.engine.engineState().baselineId;
    const { rollout } = await sim.engine.propose(content(withdrawn(1)), { origin: 'compile', reason: 'x', actor });
    await sim.run(2000);
    const canary = sim.engine.rollout(rollout.id).stages[0]!.locations[0]!;
    expect(sim.engine.rollout(rollout.id).status).toBe('running');
    sim.signals.publish({
      source: 'canary-analysis',
      rolloutId: rollout.id,
      location: canary,
      status: 'fail',
      reason: 'probe loss 40%',
      at: sim.clock.now(),
    });
    await sim.run(1000);
    const r = sim.engine.rollout(rollout.id);
    expect(r.status).toBe('rolled-back');
    expect(r.halt?.reason).toContain('probe loss 40%');
    expect(sim.fleet.at(canary)[0]!.agent.current()?.snapshotId).toBe(good);
    expect(sim.engine.deploySteps().filter((s) => s.rolloutId === rollout.id && s.kind === 'progressive')).toHaveLength(
      1,
    );
  });

  it('no data pauses and never passes; the rollout continues once agents report', async () => {
    const sim = await started();
    const { rollout } = await sim.engine.propose(content(withdrawn(1)), { origin: 'compile', reason: 'x', actor });
    await sim.engine.tick();
    const canary = sim.engine.rollout(rollout.id).stages[0]!.locations[0]!;
    const ids = sim.fleet.at(canary).map((a) => a.agent.id);
    await sim.fleet.setReachable(ids, false);
    // The canary applied before the cut, but its reports go stale: no data, so the bake cannot pass.
    await sim.run(120_000);
    let r = sim.engine.rollout(rollout.id);
    expect(r.touched).toEqual([canary]);
    expect(r.status).toBe('paused');
    expect(r.pause?.reason).toMatch(/no-data/);
    await sim.fleet.setReachable(ids, true);
    await sim.settle();
    r = sim.engine.rollout(rollout.id);
    expect(r.status).toBe('completed');
  });

  it('holds a change over the limits, trips the breaker, and deploys it only after an audited approval', async () => {
    const sim = await started();
    const { rollout } = await sim.engine.propose(content(withdrawn(60)), { origin: 'compile', reason: 'big', actor });
    expect(rollout.status).toBe('held');
    expect(rollout.guard?.violations.some((v) => v.scope === 'global')).toBe(true);
    expect(sim.engine.engineState().guard.breaker.tripped).toBe(true);
    await sim.run(10_000);
    expect(sim.fleet.all().every((a) => a.speaker.prefixes().size === 400)).toBe(true);
    // Another destructive change is blocked by the tripped breaker, a restoring one is not.
    const small = await sim.engine.propose(content(withdrawn(1)), { origin: 'compile', reason: 'small', actor });
    expect(small.rollout.status).toBe('held');
    const digest = sim.engine.rollout(small.rollout.id).change?.digest ?? '';
    await expect(sim.engine.approve(rollout.id, actor, '', digest)).rejects.toMatchObject({
      code: 'E_ROLLOUT_REASON_REQUIRED',
    });
    await expect(sim.engine.approve(rollout.id, actor, 'ok', digest)).rejects.toMatchObject({
      code: 'E_ROLLOUT_STATE',
    }); // superseded
    await sim.engine.approve(small.rollout.id, actor, 'ticket 42', digest);
    await sim.settle();
    expect(sim.engine.rollout(small.rollout.id).status).toBe('completed');
    const audit = await sim.store.listAudit();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['breaker.trip', 'rollout.approve']));
    await sim.engine.resetBreaker(actor, 'reviewed');
    expect(sim.engine.engineState().guard.breaker.tripped).toBe(false);
    await expect(sim.engine.resetBreaker(actor, 'again')).rejects.toMatchObject({ code: 'E_GUARD_NOT_TRIPPED' });
  });

  it('operators pause, resume, promote and abort', async () => {
    const sim = await started();
    const { rollout } = await sim.engine.propose(content(withdrawn(1)), { origin: 'compile', reason: 'x', actor });
    await sim.engine.tick();
    await sim.engine.pause(rollout.id, actor, 'lunch');
    await sim.run(300_000);
    expect(sim.engine.rollout(rollout.id).stageIndex).toBe(0);
    await sim.engine.resume(rollout.id, actor);
    await sim.run(2000);
    await sim.engine.promote(rollout.id, actor, 'looks fine');
    await sim.run(1000);
    expect(sim.engine.rollout(rollout.id).touched.length).toBeGreaterThan(1);
    await sim.engine.abort(rollout.id, actor, 'changed my mind');
    const r = sim.engine.rollout(rollout.id);
    expect(r.status).toBe('aborted');
    const good = sim.engine.engineState().baselineId;
    for (const a of sim.fleet.all()) expect(a.agent.current()?.snapshotId).toBe(good);
    await expect(sim.engine.resume(rollout.id, actor)).rejects.toMatchObject({ code: 'E_ROLLOUT_STATE' });
  });

  it('rolls the network, or one account, back to a known-good snapshot on the fast path', async () => {
    const sim = await started();
    const s1 = sim.engine.engineState().baselineId!;
    const n1 = (await sim.engine.snapshot(s1)).number;
    await sim.engine.propose(content(withdrawn(5)), { origin: 'compile', reason: 'w5', actor });
    await sim.settle();
    const acct = desired.accounts[0]!.id; // prefixes 0..19 belong to account 0
    const t0 = sim.clock.now();
    const { snapshot, rollouts } = await sim.engine.rollback({
      to: `#${n1}`,
      account: acct,
      actor,
      reason: 'customer asked',
    });
    expect(rollouts.map((r) => r.kind)).toEqual(['fast']);
    await sim.settle();
    expect(sim.clock.now() - t0).toBeLessThanOrEqual(2000);
    for (const a of sim.fleet.all()) expect(a.agent.current()?.snapshotId).toBe(snapshot.id);
    expect(sim.fleet.all()[0]!.speaker.prefixes().size).toBe(400);
    // Global rollback to the same snapshot: already equal, a no-op change on the fast path.
    const g = await sim.engine.rollback({ to: n1.toString(), actor, reason: 'all' });
    await sim.settle();
    expect(sim.engine.rollout(g.rollouts[0]!.id).status).toBe('completed');
    await expect(sim.engine.rollback({ to: '#999', actor, reason: 'x' })).rejects.toMatchObject({
      code: 'E_SNAPSHOT_NOT_FOUND',
    });
  });

  it('a restoring rollout whose gate fails pauses instead of undoing the restore', async () => {
    const sim = await started();
    const n1 = (await sim.engine.baseline())!.number;
    await sim.engine.propose(content(withdrawn(5)), { origin: 'compile', reason: 'w5', actor });
    await sim.settle();
    const bad = sim.fleet.all()[3]!;
    bad.speaker.fault = { kind: 'drop', keep: 1 };
    const { snapshot, rollouts } = await sim.engine.rollback({ to: `#${n1}`, actor, reason: 'restore' });
    await sim.run(5000);
    const r = sim.engine.rollout(rollouts[0]!.id);
    expect(r.status).toBe('paused');
    expect(r.pause?.reason).toMatch(/not rolled back/);
    for (const a of sim.fleet.all()) expect(a.agent.current()?.snapshotId).toBe(snapshot.id);
    bad.speaker.fault = { kind: 'none' };
    await sim.settle();
    expect(sim.engine.rollout(r.id).status).toBe('completed');
  });

  it('a failing customer-health signal trips the breaker: destructive changes wait, restoring ones do not', async () => {
    const sim = await started();
    sim.signals.publish({
      source: 'customer-health',
      rolloutId: null,
      location: null,
      status: 'fail',
      reason: 'HTTP errors for 12 accounts',
      at: sim.clock.now(),
    });
    await sim.run(1000);
    expect(sim.engine.engineState().guard.breaker).toMatchObject({ tripped: true });
    expect(sim.engine.engineState().guard.breaker.reason).toContain('customer-health');
    const w = await sim.engine.propose(content(withdrawn(1)), { origin: 'compile', reason: 'w1', actor });
    expect(w.rollout.status).toBe('held');
    const back = await sim.engine.propose(content(), { origin: 'compile', reason: 'back', actor });
    expect(back.rollout.status).toBe('queued');
  });

  it('agents fail static without the control plane and refuse an unmarked withdraw-all', async () => {
    const sim = await started();
    const a = sim.fleet.all()[0]!;
    await sim.fleet.setReachable([a.agent.id], false);
    await sim.run(60_000);
    const rep = await a.agent.report();
    expect(rep.state).toBe('fail-static');
    expect(rep.announceCount).toBe(400);
    const empty = await sim.engine.propose(
      { announcements: [], bindings: [], withdrawAll: null },
      { origin: 'compile', reason: 'empty', actor },
    );
    expect(empty.rollout.status).toBe('held');
    expect(empty.rollout.guard?.violations.some((v) => v.kind === 'withdraw-all')).toBe(true);
    // Even if an unmarked empty snapshot reached an agent, it keeps announcing.
    const b = sim.fleet.all()[1]!;
    const res = await b.agent.receive(empty.snapshot);
    expect(res.outcome).toBe('refused');
    expect(b.speaker.prefixes().size).toBe(400);
    expect(viewFor(empty.snapshot, b.agent.location).announceCount).toBe(0);
  });
});
