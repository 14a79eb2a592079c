// The rollout engine over a small fake fleet: the pure transition function (machine.ts) through its
// shell (engine.ts): stages, gates, holds, the one status table, effects committed only after they ran,
// audit entries in the one AuditEvent shape, and memory that stays bounded.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { makeContent } from '../snapshot/compile.js';
import { diffSnapshots } from '../snapshot/diff.js';
import type { Announcement, Binding, SnapshotContent } from '../snapshot/model.js';
import { APPROVER, OPERATOR } from '../testing/actors.js';
import { type EngineConfig, RolloutEngine } from './engine.js';
import { FakeFleet, FOUR_LOCATIONS, fleetPortCases, TWO_STAGES } from './fake-fleet.case.js';
import { DEFAULT_GUARD } from './guard.js';
import { canMove, initialModel, MOVES, type Move, nextAction, TERMINAL, transition } from './machine.js';
import { MemoryRolloutStore, VerdictBoard } from './memory.js';
import type { Rollout, RolloutStatus } from './ports.js';

const LOCS = FOUR_LOCATIONS;
const STAGES = TWO_STAGES;

function ann(i: number): Announcement {
  return {
    prefix: `10.0.${i}.0/24`,
    account: `acct${i % 4}`,
    origin: 64500,
    prepends: 0,
    communities: [],
    locations: '*',
  };
}
function bind(i: number): Binding {
  return {
    id: `b${String(i).padStart(3, '0')}`,
    account: `acct${i % 4}`,
    prefix: `10.0.${i}.0/24`,
    service: 'cdn',
    locations: '*',
  };
}
/** `n` prefixes announced, each bound, minus the announcements in `without`. */
function content(n: number, without: readonly number[] = []): SnapshotContent {
  const all = Array.from({ length: n }, (_, i) => i);
  return makeContent(all.filter((i) => !without.includes(i)).map(ann), all.map(bind), null);
}

async function setup(config: EngineConfig = {}) {
  const clock = new ManualClock(Date.parse('2026-02-20T17:00:00Z'));
  const fleet = new FakeFleet(LOCS, clock);
  const store = new MemoryRolloutStore();
  const signals = new VerdictBoard();
  const engine = await RolloutEngine.open(
    { clock, store, fleet, signals },
    { stages: STAGES, gateGraceMs: 5000, ...config },
  );
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      await engine.tick();
    }
  };
  return { clock, fleet, store, signals, engine, run };
}

/** The network converged on `n` prefixes (the first rollout, from nothing, is restoring: the fast path). */
async function converged(n = 8, config: EngineConfig = {}) {
  const e = await setup(config);
  const first = await e.engine.propose(content(n), { origin: 'compile', reason: 'initial', actor: 'cli:test' });
  await e.run(1000);
  expect(e.engine.rollout(first.rollout.id)).toMatchObject({ kind: 'fast', status: 'completed' });
  e.fleet.handed.length = 0;
  return { ...e, first };
}

describe('fake fleet', () => {
  fleetPortCases(async () => {
    const clock = new ManualClock(0);
    const fleet = new FakeFleet(LOCS, clock);
    const e = await setup();
    const { snapshot } = await e.engine.propose(content(3), { origin: 'compile', reason: 'x', actor: 'cli:test' });
    return { fleet, snapshot, settle: async () => {} };
  });
});

describe('the status table', () => {
  it('names every status, and the terminal ones are those no move leaves', () => {
    const all = new Set<RolloutStatus>(Object.values(MOVES).flatMap((m) => [m.to, ...m.from]));
    expect([...all].sort()).toEqual([
      'aborted',
      'completed',
      'held',
      'paused',
      'queued',
      'rolled-back',
      'running',
      'superseded',
    ]);
    expect([...TERMINAL].sort()).toEqual(['aborted', 'completed', 'rolled-back', 'superseded']);
    for (const s of TERMINAL)
      for (const m of Object.keys(MOVES) as Move[]) expect(canMove({ status: s }, m)).toBe(false);
  });

  it('refuses an operator command the table does not allow, with E_ROLLOUT_STATE', async () => {
    const { engine, run } = await setup();
    const { rollout } = await engine.propose(content(4), { origin: 'compile', reason: 'initial', actor: 'cli:test' });
    await expect(engine.resume(rollout.id, OPERATOR)).rejects.toMatchObject({ code: 'E_ROLLOUT_STATE' });
    await expect(engine.approve(rollout.id, APPROVER, 'why', '0'.repeat(64))).rejects.toMatchObject({
      code: 'E_ROLLOUT_STATE',
    });
    await expect(engine.pause(rollout.id, OPERATOR, 'x')).rejects.toMatchObject({ code: 'E_ROLLOUT_STATE' }); // queued
    await run(60_000);
    expect(engine.rollout(rollout.id).status).toBe('completed');
    await expect(engine.abort(rollout.id, OPERATOR, 'late')).rejects.toMatchObject({ code: 'E_ROLLOUT_STATE' });
  });
});

describe('transition is pure', () => {
  it('leaves the model it was given untouched and returns the effects instead of running them', async () => {
    const { engine, first } = await converged(4);
    const { rollout } = await engine.propose(content(4, [0]), {
      origin: 'compile',
      reason: 'withdraw',
      actor: 'cli:test',
    });
    const model = initialModel(structuredClone(engine.engineState()), [structuredClone(rollout)]);
    const frozen = JSON.stringify({ state: model.state, rollouts: [...model.rollouts.values()] });
    const ctx = {
      now: Date.parse('2026-02-20T17:00:01Z'),
      guard: DEFAULT_GUARD,
      stages: STAGES,
      gateGraceMs: 5000,
      reportGapMs: 10_000,
      topology: LOCS,
      originOf: () => 'compile' as const,
    };
    const a = nextAction(model, LOCS.length);
    expect(a).toEqual({ type: 'activate', id: rollout.id });
    const diff = diffSnapshots(first.snapshot, content(4, [0]), LOCS);
    const started = transition(model, { type: 'activate', id: rollout.id, diff, marked: false }, ctx);
    expect(started.model.rollouts.get(rollout.id)?.status).toBe('running');
    const deployed = transition(started.model, { type: 'deploy-stage', id: rollout.id }, ctx);
    expect(deployed.effects).toEqual([
      expect.objectContaining({
        type: 'deploy',
        rolloutId: rollout.id,
        snapshotId: rollout.snapshotId,
        kind: 'progressive',
      }),
    ]);
    const canary = (deployed.effects[0] as { locations: readonly string[] }).locations;
    expect(canary).toHaveLength(1);
    expect(deployed.model.state.assigned[canary[0] as string]).toBe(rollout.snapshotId);
    expect(model.state.assigned[canary[0] as string]).toBe(first.snapshot.id);
    expect(JSON.stringify({ state: model.state, rollouts: [...model.rollouts.values()] })).toBe(frozen);
    expect(nextAction(model, 0)).toBeNull(); // no location: a queued rollout waits
  });
});

describe('rollout engine over a fake fleet', () => {
  it('deploys canary then the rest, after the bake and passing gates, and makes the snapshot good', async () => {
    const { engine, fleet, run } = await converged(8);
    const { snapshot, rollout } = await engine.propose(content(8, [3]), {
      origin: 'compile',
      reason: 'withdraw',
      actor: 'cli:test',
    });
    await engine.tick();
    expect(fleet.handed).toEqual([{ snapshotId: snapshot.id, locations: [expect.any(String)] }]);
    await run(9000);
    expect(fleet.handed).toHaveLength(1); // still baking
    await run(20_000);
    expect(fleet.handed.map((h) => h.locations.length)).toEqual([1, 3]);
    expect(engine.rollout(rollout.id).status).toBe('completed');
    expect(engine.engineState().baselineId).toBe(snapshot.id);
  });

  it('halts on a broken canary and sends it back to the last good snapshot', async () => {
    const { engine, fleet, run, first } = await converged(8);
    const next = await engine.propose(content(8, [1]), { origin: 'compile', reason: 'withdraw 1', actor: 'cli:test' });
    await engine.tick();
    const canary = engine.rollout(next.rollout.id).stages[0]?.locations[0] as string;
    fleet.broken.add(canary);
    await run(3000);
    const r = engine.rollout(next.rollout.id);
    expect(r.status).toBe('rolled-back');
    expect(fleet.running(canary)?.id).toBe(first.snapshot.id);
    expect(engine.engineState().guard.breaker.tripped).toBe(true);
  });

  it('holds a change over the limits, trips the breaker and writes AuditEvents through the one port', async () => {
    const { engine, store } = await converged(40, { guard: { ...DEFAULT_GUARD, onTrip: 'hold' } });
    const big = await engine.propose(
      content(
        40,
        Array.from({ length: 30 }, (_, i) => i),
      ),
      {
        origin: 'compile',
        reason: 'withdraw 30',
        actor: 'cli:test',
      },
    );
    expect(big.rollout.status).toBe('held');
    const audit = await store.listAudit();
    const trip = audit.find((a) => a.action === 'breaker.trip');
    expect(trip).toMatchObject({
      actor_kind: 'system',
      actor_id: 'system:guard',
      object_type: 'rollout',
      object_id: big.rollout.id,
    });
    expect(Date.parse(trip?.at ?? '')).toBeGreaterThan(0);
    const change = engine.rollout(big.rollout.id).change;
    expect(change?.digest).toMatch(/^[0-9a-f]{64}$/);
    await engine.approve(
      big.rollout.id,
      { kind: 'person', id: 'ops:alice', account_id: null, scopes: ['approver'], request_id: 'req-7' },
      'ticket 7',
      change?.digest ?? '',
    );
    const approve = (await store.listAudit()).find((a) => a.action === 'rollout.approve');
    expect(approve).toMatchObject({
      actor_kind: 'person',
      actor_id: 'ops:alice',
      request_id: 'req-7',
      reason: 'ticket 7',
    });
    expect(approve?.before).toMatchObject({ status: 'held' });
    expect(approve?.after).toMatchObject({ status: 'queued' });
  });

  it('a new announcement is a progressive change: canary first, never the fast path (issue 10)', async () => {
    const { engine, fleet, run } = await converged(8);
    const { rollout } = await engine.propose(content(10), { origin: 'compile', reason: 'announce 2', actor: 'cli:t' });
    expect(rollout.kind).toBe('progressive');
    expect(rollout.guard).toMatchObject({ verdict: 'allow', restoringOnly: false, announcements: 2 });
    await engine.tick();
    expect(fleet.handed.map((h) => h.locations.length)).toEqual([1]); // the canary only
    await run(30_000);
    expect(fleet.handed.map((h) => h.locations.length)).toEqual([1, 3]);
    expect(engine.rollout(rollout.id).status).toBe('completed');
  });

  it('holds a new announcement while the breaker is tripped; re-announcing what the guard took is restoring', async () => {
    const { engine, fleet, run, first } = await converged(8);
    // one admitted withdrawal completes, then a broken canary trips the breaker
    const w = await engine.propose(content(8, [2]), { origin: 'compile', reason: 'withdraw 2', actor: 'cli:t' });
    await run(30_000);
    expect(engine.rollout(w.rollout.id).status).toBe('completed');
    const bad = await engine.propose(content(8, [2, 3]), { origin: 'compile', reason: 'withdraw 3', actor: 'cli:t' });
    await engine.tick();
    fleet.broken.add(engine.rollout(bad.rollout.id).stages[0]?.locations[0] as string);
    await run(3000);
    expect(engine.engineState().guard.breaker.tripped).toBe(true);
    fleet.broken.clear();
    fleet.handed.length = 0;
    // a prefix no good state announced: held while tripped, nothing handed to any location
    const fresh = await engine.propose(
      makeContent([...content(8, [2]).announcements, ann(9)], first.snapshot.bindings, null),
      {
        origin: 'compile',
        reason: 'announce 9',
        actor: 'cli:t',
      },
    );
    expect(fresh.rollout.status).toBe('held');
    expect(fresh.rollout.guard?.violations.map((v) => v.kind)).toEqual(['breaker']);
    await run(5000);
    expect(fleet.handed).toEqual([]);
    // putting back prefix 2 (which the guard admitted withdrawing from a good snapshot) is restoring
    const back = await engine.propose(content(8), { origin: 'compile', reason: 're-advertise 2', actor: 'cli:t' });
    expect(back.rollout).toMatchObject({ kind: 'fast', status: 'queued' });
    expect(back.rollout.guard?.restoringOnly).toBe(true);
  });

  it('commits nothing when a deploy fails: the step is retried on the next tick', async () => {
    const { engine, fleet, run } = await converged(4);
    const { rollout } = await engine.propose(content(4, [0]), {
      origin: 'compile',
      reason: 'withdraw',
      actor: 'cli:test',
    });
    await engine.tick(); // started and canary deployed
    await run(9000); // the canary bakes
    fleet.failNext = true;
    const before = structuredClone(engine.rollout(rollout.id));
    await expect(run(2000)).rejects.toThrow('transport down');
    const after = engine.rollout(rollout.id);
    expect(after.stageIndex).toBe(before.stageIndex + 1); // the stage pass was its own committed step
    expect(after.stages[after.stageIndex]?.deployedAt).toBeNull(); // the failed deploy left no trace
    expect(Object.values(engine.assigned()).filter((id) => id === after.snapshotId)).toHaveLength(1);
    await run(30_000);
    expect(engine.rollout(rollout.id).status).toBe('completed');
  });

  it('keeps memory bounded: deploy steps and finished rollouts beyond the limits are dropped', async () => {
    const { engine, run, store } = await setup({ memory: { deploySteps: 5, finishedRollouts: 3 } });
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      const { rollout } = await engine.propose(content(4 + i), {
        origin: 'compile',
        reason: `change ${i}`,
        actor: 'cli:test',
      });
      ids.push(rollout.id);
      await run(30_000);
    }
    expect(engine.deploySteps().length).toBe(5);
    const inMemory = engine.listRollouts().map((r: Rollout) => r.id);
    expect(inMemory).toHaveLength(3);
    expect(inMemory).toEqual(ids.slice(-3).reverse());
    expect(await store.listRollouts()).toHaveLength(8); // the store keeps history
  });
});
