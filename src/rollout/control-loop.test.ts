// The control loop as one component: lifecycle (start, stop, reconfigure → applied or restarted), an
// empty fleet until agents register, the compile schedule, configured versus operational state
// (EdgeStatusPort) and the figures /metrics shows. Over the fake fleet and an in-memory desired state.
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../addressing/model.js';
import { ManualClock } from '../lib/clock.js';
import { formatPrefix, parsePrefix } from '../lib/prefix.js';
import { syntheticDesired } from '../sim/synthetic.js';
import type { LocationInfo } from '../snapshot/model.js';
import { ControlLoop, type ControlLoopConfig } from './control-loop.js';
import { FakeFleet, FOUR_LOCATIONS, TWO_STAGES } from './fake-fleet.case.js';
import { MemoryRolloutStore, VerdictBoard } from './memory.js';

const LOCS = FOUR_LOCATIONS;
const STAGES = TWO_STAGES;

async function setup(locations: LocationInfo[] = LOCS, config: ControlLoopConfig = {}) {
  const clock = new ManualClock(Date.parse('2026-02-20T17:00:00Z'));
  const fleet = new FakeFleet(locations, clock);
  const store = new MemoryRolloutStore();
  let desired: DesiredState = syntheticDesired({ accounts: 4, prefixes: 40, bindingsPerPrefix: 1 });
  const loop = await ControlLoop.open(
    { clock, store, fleet, signals: new VerdictBoard(), desired: { read: async () => desired } },
    { engine: { stages: STAGES, gateGraceMs: 5000 }, tickMs: 0, ...config },
  );
  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      clock.advance(1000);
      await loop.tick();
    }
  };
  const change = (f: (d: DesiredState) => void) => {
    desired = structuredClone(desired);
    f(desired);
    loop.markDirty();
  };
  return { clock, fleet, store, loop, run, change, desired: () => desired };
}

const canonical = (cidr: string) => formatPrefix(parsePrefix(cidr));

describe('control loop', () => {
  it('runs with an empty fleet: snapshots are compiled, rollouts wait queued until agents register', async () => {
    const { loop, fleet, run } = await setup([]);
    await loop.start();
    await run(5000);
    const [r] = loop.engine.listRollouts();
    expect(loop.engine.latestSnapshot()?.number).toBe(1);
    expect(r?.status).toBe('queued');
    expect(loop.engine.engineState().baselineId).toBeNull();
    fleet.setLocations(LOCS);
    await run(2000);
    expect(loop.engine.rollout(r?.id as string).status).toBe('completed');
    expect(fleet.handed.at(-1)?.locations).toHaveLength(4);
    await loop.stop();
  });

  it('has a lifecycle: start, reconfigure in place or by a restart that keeps the state, stop', async () => {
    const { loop, run } = await setup();
    expect(loop.status()).toBe('ready');
    await loop.start();
    expect(loop.status()).toBe('running');
    await run(3000);
    const good = loop.engine.engineState().baselineId;
    expect(good).not.toBeNull();
    const engine = loop.engine;
    const control = loop.control;
    const base = { engine: { stages: STAGES, gateGraceMs: 5000 }, tickMs: 0 };
    expect(await loop.reconfigure({ ...base, compileEveryMs: 30_000, resyncMs: 120_000 })).toBe('applied');
    expect(loop.engine).toBe(engine);
    const longer = [{ name: 'canary', count: 1, bakeMs: 60_000 }, STAGES[1] as (typeof STAGES)[number]];
    expect(await loop.reconfigure({ ...base, engine: { ...base.engine, stages: longer } })).toBe('restarted');
    expect(loop.engine).not.toBe(engine);
    expect(loop.engine.engineState().baselineId).toBe(good); // state is in the store, not in the engine
    expect(loop.control).toBe(control); // what the API registered reaches the new engine
    expect((await control.status()).baseline?.id).toBe(good);
    expect(control.rollouts()).toEqual(loop.engine.listRollouts());
    expect(loop.status()).toBe('running');
    await loop.stop();
    expect(loop.status()).toBe('stopped');
  });

  it('compiles on its grid: a change waits for the next slot, then one snapshot carries it', async () => {
    const { loop, run, change } = await setup(LOCS, { compileEveryMs: 30_000 });
    await loop.sync('initial');
    await loop.start();
    await run(25_000);
    change((d) => {
      (d.bgp_prefixes[0] as { on_demand: { advertised: boolean } }).on_demand.advertised = false;
    });
    await run(3000);
    expect(loop.engine.latestSnapshot()?.number).toBe(1);
    await run(3000);
    expect(loop.engine.latestSnapshot()?.number).toBe(2);
    await loop.stop();
  });

  it('says where a prefix is live: pending, deploying at N of M, live, held, withdrawn (from the read-back)', async () => {
    const { loop, run, change, desired, fleet } = await setup();
    await loop.start();
    await run(3000);
    const cidr = canonical(desired().bgp_prefixes[0]?.cidr as string);
    loop.edgeStatus(cidr, true);
    await run(3000);
    expect(loop.edgeStatus(cidr, true)).toEqual({ state: 'live', snapshot: 1, locations_live: 4, locations_total: 4 });
    change((d) => {
      (d.bgp_prefixes[0] as { on_demand: { advertised: boolean } }).on_demand.advertised = false;
    });
    expect(loop.edgeStatus(cidr, false)).toMatchObject({ state: 'pending', snapshot: null });
    await run(3000); // compiled, canary deployed
    expect(loop.edgeStatus(cidr, false)).toEqual({
      state: 'deploying',
      snapshot: 2,
      locations_live: 1,
      locations_total: 4,
    });
    const canary = loop.engine.listRollouts()[0]?.stages[0]?.locations[0] as string;
    fleet.broken.add(canary); // its speaker reads back something else: not live there, whatever it was handed
    await run(3000);
    expect(loop.edgeStatus(cidr, false).locations_live).toBeLessThan(4);
    fleet.broken.delete(canary);
    await run(3000);
    // The broken canary halted that rollout; desired state still says withdrawn: a later change carries it.
    expect(loop.edgeStatus(cidr, false).state).not.toBe('live');
    // A withdrawal over the guard's limits is held.
    change((d) => {
      for (const b of d.bgp_prefixes) (b as { on_demand: { advertised: boolean } }).on_demand.advertised = false;
    });
    await run(2000);
    const other = canonical(desired().bgp_prefixes[5]?.cidr as string);
    expect(loop.edgeStatus(other, false).state).toBe('held');
    await loop.stop();
  });

  it('gives /metrics its figures: snapshot number, rollouts by status, breaker, agents by health, holds', async () => {
    const { loop, run } = await setup();
    await loop.start();
    await run(3000);
    const f = await loop.figures();
    expect(f).toMatchObject({
      snapshotNumber: 1,
      baselineNumber: 1,
      breakerTripped: false,
      guardHolds: 0,
      locations: 4,
    });
    expect(f.rolloutsByStatus.completed).toBe(1);
    expect(f.agentsByHealth.ok).toBe(4);
    await loop.stop();
  });
});
