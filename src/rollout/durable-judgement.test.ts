// Durable judgement (issue 10): bake time counts only while the engine runs and hears from the agents, so
// a `kill -9` during a canary bake does not count the downtime; a verdict accepted before a crash is
// still there after it. The engine is killed by dropping it and opening a new one over the same store.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { makeContent } from '../snapshot/compile.js';
import type { Announcement, SnapshotContent } from '../snapshot/model.js';
import { ControlLoop } from './control-loop.js';
import { type EngineConfig, RolloutEngine } from './engine.js';
import { FakeFleet, FOUR_LOCATIONS } from './fake-fleet.case.js';
import { MemoryRolloutStore, VerdictBoard } from './memory.js';
import type { AgentReport, Fleet } from './ports.js';

/** The demo's bake (20 s), canary then everything. */
const STAGES = [
  { name: 'canary', count: 1, bakeMs: 20_000 },
  { name: 'all', fraction: 1, bakeMs: 20_000 },
];

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
const content = (n: number, without: readonly number[] = []): SnapshotContent =>
  makeContent(
    Array.from({ length: n }, (_, i) => i)
      .filter((i) => !without.includes(i))
      .map(ann),
    [],
    null,
  );

/** A fleet whose reports stop at `frozenAt` (agents cut off from the control plane, still announcing). */
class StallingFleet extends FakeFleet {
  frozenAt: number | null = null;
  override async reports(locations?: readonly string[]): Promise<readonly AgentReport[]> {
    const out = await super.reports(locations);
    const at = this.frozenAt;
    return at === null ? out : out.map((r) => ({ ...r, reportedAt: at }));
  }
}

async function world(config: EngineConfig = {}) {
  const clock = new ManualClock(Date.parse('2026-02-20T17:00:00Z'));
  const fleet = new StallingFleet(FOUR_LOCATIONS, clock);
  const store = new MemoryRolloutStore();
  const signals = new VerdictBoard();
  const open = (f: Fleet = fleet) =>
    RolloutEngine.open({ clock, store, fleet: f, signals }, { stages: STAGES, gateGraceMs: 5000, ...config });
  let engine = await open();
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(Math.min(1000, ms - t));
      await engine.tick();
    }
  };
  const first = await engine.propose(content(8), { origin: 'compile', reason: 'initial', actor: 'cli:test' });
  await run(1000);
  expect(engine.rollout(first.rollout.id).status).toBe('completed');
  return {
    clock,
    fleet,
    store,
    signals,
    run,
    get engine() {
      return engine;
    },
    /** kill -9: the engine object is gone; what it saved is what the next one opens. */
    async restart() {
      engine = await open();
      return engine;
    },
  };
}

describe('bake time counts only while the engine runs and hears from the agents', () => {
  it('a kill -9 4.6 s into a 20 s canary bake, 45 s down: the canary does not pass at the first tick after', async () => {
    const w = await world();
    const { rollout } = await w.engine.propose(content(8, [2]), { origin: 'compile', reason: 'w', actor: 'cli:test' });
    await w.engine.tick(); // canary deployed
    await w.run(4600); // judged at +1 … +4.6 s
    w.clock.advance(45_000); // the server is down
    const e = await w.restart();
    await e.tick();
    let r = e.rollout(rollout.id);
    expect(r.stageIndex).toBe(0);
    expect(r.stages[0]?.passedAt).toBeNull();
    expect(r.events.some((x) => x.event === 'bake-interrupted')).toBe(true);
    const baked = r.stages[0]?.bakedMs ?? -1;
    expect(baked).toBeGreaterThanOrEqual(0); // what was saved before the kill (at most BAKE_SAVE_MS is lost)
    expect(baked).toBeLessThanOrEqual(4600);
    const restartedAt = w.clock.now();
    await w.run(14_000); // at most 4.6 + 14 < 20 s of bake
    expect(e.rollout(rollout.id).stages[0]?.passedAt).toBeNull();
    await w.run(10_000);
    r = e.rollout(rollout.id);
    const passedAt = r.stages[0]?.passedAt ?? 0;
    expect(passedAt).toBeGreaterThan(0);
    // passed after 20 s of running since the deploy, not 20 s of the wall clock: the 45 s down did not count
    expect(passedAt - restartedAt).toBeGreaterThanOrEqual(20_000 - baked);
    expect(passedAt - (r.stages[0]?.deployedAt ?? 0)).toBeGreaterThanOrEqual(20_000 + 45_000);
  });

  it('agents that stop reporting stop the bake: only reportGapMs after their last report counts', async () => {
    const w = await world({ reportGapMs: 3000 });
    const { rollout } = await w.engine.propose(content(8, [5]), { origin: 'compile', reason: 'w', actor: 'cli:test' });
    await w.engine.tick();
    await w.run(2000);
    w.fleet.frozenAt = w.clock.now(); // the agents' reports stop arriving; the gates still pass (30 s max age)
    await w.run(25_000);
    const r = w.engine.rollout(rollout.id);
    expect(r.stages[0]?.passedAt).toBeNull();
    expect(r.stages[0]?.bakedMs).toBe(5000); // 2 s heard + 3 s of grace after the last report
    w.fleet.frozenAt = null; // reports again; the bake goes on (paused by the stale gate, then resumed)
    await w.run(40_000);
    expect(w.engine.rollout(rollout.id).stages[0]?.passedAt).not.toBeNull();
  });

  it('saves the counted bake every 5 s and the gate results when they change (a crash loses at most 5 s of bake)', async () => {
    const w = await world();
    const { rollout } = await w.engine.propose(content(8, [1]), { origin: 'compile', reason: 'w', actor: 'cli:test' });
    await w.engine.tick();
    await w.run(7000);
    const saved = await w.store.getRollout(rollout.id);
    expect(saved?.stages[0]?.bakedMs).toBe(5000); // saved every BAKE_SAVE_MS of bake: at most 5 s lost to a crash
    expect(saved?.gates.map((g) => g.status)).toEqual(['pass', 'pass', 'pass']);
  });
});

describe('verdicts are durable', () => {
  async function loopWorld() {
    const clock = new ManualClock(Date.parse('2026-02-20T17:00:00Z'));
    const fleet = new FakeFleet(FOUR_LOCATIONS, clock);
    const store = new MemoryRolloutStore();
    const open = () =>
      ControlLoop.open(
        { clock, store, fleet, signals: new VerdictBoard() }, // a restart loses what was in memory
        { engine: { stages: STAGES, gateGraceMs: 5000 }, tickMs: 0 },
      );
    let loop = await open();
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 1000) {
        clock.advance(1000);
        await loop.tick();
      }
    };
    await loop.engine.propose(content(8), { origin: 'compile', reason: 'initial', actor: 'cli:test' });
    await run(1000);
    return {
      run,
      get loop() {
        return loop;
      },
      async restart() {
        loop = await open();
        return loop;
      },
    };
  }

  it('a fail verdict accepted, then a kill -9: the condemned rollout is halted after the restart, not completed', async () => {
    const w = await loopWorld();
    const { rollout } = await w.loop.engine.propose(content(8, [3]), {
      origin: 'compile',
      reason: 'w',
      actor: 'cli:test',
    });
    await w.run(3000); // canary deployed and baking
    const v = await w.loop.control.publishVerdict({
      source: 'canary-analysis',
      rolloutId: rollout.id,
      location: null,
      status: 'fail',
      reason: 'error rate 4x at the canary',
    });
    expect(v.id).toMatch(/^[0-9a-f-]{36}$/);
    const after = await w.restart(); // before any tick judged the verdict
    await w.run(60_000);
    const r = after.engine.rollout(rollout.id);
    expect(r.status).toBe('rolled-back');
    expect(r.halt?.reason).toContain('error rate 4x at the canary');
  });

  it('a verdict taken in before a restart is not taken in again: a reset breaker stays reset', async () => {
    const w = await loopWorld();
    await w.loop.control.publishVerdict({
      source: 'customer-health',
      rolloutId: null,
      location: null,
      status: 'fail',
      reason: 'support tickets spike',
    });
    await w.run(1000);
    expect(w.loop.engine.engineState().guard.breaker.tripped).toBe(true);
    const approver = {
      kind: 'person',
      id: 'ops:alice',
      account_id: null,
      scopes: ['approver'],
      request_id: 'r',
    } as const;
    await w.loop.control.resetBreaker(approver, 'tickets explained');
    const after = await w.restart();
    await w.run(2000);
    expect(after.engine.engineState().guard.breaker.tripped).toBe(false);
  });
});
