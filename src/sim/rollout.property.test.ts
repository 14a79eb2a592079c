// Property: for random sequences of desired-state changes, rollouts, failing and inconclusive gates,
// agents cut off, operator pauses, promotions, aborts, approvals, breaker resets and rollbacks,
// (1) every agent ends on a snapshot that completed a rollout (a good one), the last good one, and
// (2) no deployed step exceeded the guard's limits without an approval — checked independently from
// what the fleet was handed, not from the engine's own bookkeeping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../addressing/model.js';
import type { RolloutEngine } from '../rollout/engine.js';
import { allowed, DEFAULT_GUARD } from '../rollout/guard.js';
import { compile } from '../snapshot/compile.js';
import { diffSnapshots } from '../snapshot/diff.js';
import type { Snapshot } from '../snapshot/model.js';
import { createSimulation, type Simulation } from './simulation.js';
import { syntheticDesired } from './synthetic.js';
import { simTopology } from './topology.js';

const topo = simTopology(6);
const stages = [
  { name: 'canary', count: 1, bakeMs: 30_000 },
  { name: 'half', fraction: 0.5, bakeMs: 30_000 },
  { name: 'all', fraction: 1, bakeMs: 30_000 },
];
const guard = {
  ...DEFAULT_GUARD,
  withdrawals: {
    account: { count: 6, fraction: 0 },
    location: { count: 8, fraction: 0 },
    region: { count: 8, fraction: 0 },
    global: { count: 8, fraction: 0 },
  },
  unbinds: {
    account: { count: 6, fraction: 0 },
    location: { count: 8, fraction: 0 },
    region: { count: 8, fraction: 0 },
    global: { count: 8, fraction: 0 },
  },
  window: { ms: 300_000, withdrawals: { count: 12, fraction: 0 }, unbinds: { count: 12, fraction: 0 } },
};
const N = 60;

type Cmd =
  | { k: 'change'; flip: number[]; unbind: number[] }
  | { k: 'run'; s: number }
  | { k: 'verdict'; status: 'fail' | 'inconclusive' | 'pass' }
  | { k: 'fault'; loc: number }
  | { k: 'cut'; loc: number; on: boolean }
  | { k: 'op'; op: 'pause' | 'resume' | 'promote' | 'abort' | 'approve' }
  | { k: 'reset' }
  | { k: 'rollback'; back: number; account: number | null };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('change' as const),
      flip: fc.uniqueArray(fc.nat(N - 1), { maxLength: 20 }),
      unbind: fc.uniqueArray(fc.nat(N - 1), { maxLength: 10 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('run' as const), s: fc.integer({ min: 1, max: 200 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('verdict' as const),
      status: fc.constantFrom('fail' as const, 'inconclusive' as const, 'pass' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('fault' as const), loc: fc.nat(topo.length - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('cut' as const), loc: fc.nat(topo.length - 1), on: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('op' as const),
      op: fc.constantFrom(
        'pause' as const,
        'resume' as const,
        'promote' as const,
        'abort' as const,
        'approve' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reset' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('rollback' as const),
      back: fc.nat(5),
      account: fc.option(fc.nat(2), { nil: null }),
    }),
  },
);

/** Every hand-over of the fleet, with what each location ran before it. */
interface Handover {
  at: number;
  snapshot: Snapshot;
  locations: string[];
  before: Map<string, Snapshot | null>;
}

function recordHandovers(sim: Simulation): Handover[] {
  const log: Handover[] = [];
  const running = new Map<string, Snapshot | null>();
  const deploy = sim.fleet.deploy.bind(sim.fleet);
  sim.fleet.deploy = async (snapshot, locations) => {
    const before = new Map(locations.map((l) => [l, running.get(l) ?? null]));
    log.push({ at: sim.clock.now(), snapshot, locations: [...locations], before });
    for (const l of locations) running.set(l, snapshot);
    return deploy(snapshot, locations);
  };
  return log;
}

const tolerated = (e: unknown) => {
  const code = (e as { code?: string }).code ?? '';
  if (!/^E_(ROLLOUT_STATE|GUARD_NOT_TRIPPED|ROLLOUT_NO_BASELINE|SNAPSHOT_NOT_FOUND|ROLLOUT_NOT_FOUND)$/.test(code))
    throw e;
};

function active(engine: RolloutEngine) {
  return engine.listRollouts().find((r) => r.status === 'running' || r.status === 'paused');
}

async function play(cmds: Cmd[]) {
  const sim = await createSimulation({ locations: topo, engine: { stages, guard } });
  const handovers = recordHandovers(sim);
  const desired: DesiredState = syntheticDesired({ accounts: 3, prefixes: N, bindingsPerPrefix: 1 });
  const propose = (reason: string) =>
    sim.engine.propose(compile(desired, { locations: topo }), { origin: 'compile', reason, actor: 'prop' });
  await propose('initial');
  await sim.settle();
  const removed = new Map<number, DesiredState['bindings'][number]>();
  for (const c of cmds) {
    try {
      switch (c.k) {
        case 'change':
          for (const i of c.flip) {
            const b = desired.bgp_prefixes[i];
            if (b) b.on_demand.advertised = !b.on_demand.advertised;
          }
          for (const i of c.unbind) {
            const back = removed.get(i);
            if (back) {
              desired.bindings.push(back);
              removed.delete(i);
            } else {
              const at = desired.bindings.findIndex((b) => b.prefix_id === desired.prefixes[i]?.id);
              if (at >= 0) removed.set(i, desired.bindings.splice(at, 1)[0] as DesiredState['bindings'][number]);
            }
          }
          await propose('change');
          break;
        case 'run':
          await sim.run(c.s * 1000, 1000);
          break;
        case 'verdict': {
          const r = active(sim.engine);
          if (r?.touched[0])
            sim.signals.publish({
              source: 'canary',
              rolloutId: r.id,
              location: r.touched[0],
              status: c.status,
              reason: c.status,
              at: sim.clock.now(),
            });
          break;
        }
        case 'fault':
          for (const a of sim.fleet.at(topo[c.loc]!.id)) a.speaker.fault = { kind: 'drop', keep: 5 };
          break;
        case 'cut':
          await sim.fleet.setReachable(
            sim.fleet.at(topo[c.loc]!.id).map((a) => a.agent.id),
            !c.on,
          );
          break;
        case 'op': {
          const r =
            c.op === 'approve' ? sim.engine.listRollouts().find((x) => x.status === 'held') : active(sim.engine);
          if (r) await sim.engine[c.op](r.id, 'prop', 'property test');
          break;
        }
        case 'reset':
          await sim.engine.resetBreaker('prop', 'property test');
          break;
        case 'rollback': {
          const good = sim.engine.engineState().goodIds;
          const to = good[Math.max(0, good.length - 1 - c.back)] as string;
          const target = await sim.engine.snapshot(to);
          const account = c.account === null ? undefined : desired.accounts[c.account]?.id;
          await sim.engine.rollback({
            to: `#${target.number}`,
            ...(account ? { account } : {}),
            actor: 'prop',
            reason: 'property test',
          });
          break;
        }
      }
    } catch (e) {
      tolerated(e);
    }
  }
  // Operators clean up: faults repaired, agents reconnected, unfinished rollouts aborted.
  for (const a of sim.fleet.all()) a.speaker.fault = { kind: 'none' };
  await sim.fleet.setReachable(
    sim.fleet.all().map((a) => a.agent.id),
    true,
  );
  for (let i = 0; i < 10; i++) {
    for (const r of sim.engine.listRollouts()) {
      if (r.status === 'paused' || r.status === 'held' || r.status === 'queued' || r.status === 'running') {
        await sim.engine.abort(r.id, 'prop', 'end of test').catch(tolerated);
      }
    }
    await sim.settle(3600_000);
    if (
      !sim.engine.listRollouts().some((r) => !['completed', 'rolled-back', 'aborted', 'superseded'].includes(r.status))
    )
      break;
  }
  return { sim, handovers };
}

describe('rollout engine properties', () => {
  it('every agent ends on a good snapshot and no unapproved step exceeds the guard', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) => {
        const { sim, handovers } = await play(cmds);
        const state = sim.engine.engineState();
        // (1) good snapshots only, and every agent on the last good one.
        for (const a of sim.fleet.all()) {
          const id = a.agent.current()?.snapshotId;
          expect(state.goodIds).toContain(id);
          expect(id).toBe(state.baselineId);
        }
        // (2) the guard, re-checked from the fleet's hand-overs.
        const steps = sim.engine.deploySteps();
        const windowed: { at: number; prefixes: string[] }[] = [];
        for (const [i, h] of handovers.entries()) {
          const step = steps[i];
          expect(step?.snapshotId).toBe(h.snapshot.id);
          if (!step || step.kind === 'rollback' || step.approvalId !== null) continue;
          const started = sim.engine.rollout(step.rolloutId).events.find((e) => e.event === 'started')?.at ?? h.at;
          const prefixes = new Set<string>();
          const groups = new Map<Snapshot | null, string[]>();
          for (const [l, s] of h.before) groups.set(s, [...(groups.get(s) ?? []), l]);
          for (const [before, locs] of groups) {
            const d = diffSnapshots(before, h.snapshot, topo, new Set(locs));
            if (d.emptiedLocations.length) expect(h.snapshot.withdrawAll).not.toBeNull();
            expect(d.totals.withdraw).toBeLessThanOrEqual(allowed(guard.withdrawals.global, d.before.announcements));
            expect(d.totals.unbind).toBeLessThanOrEqual(allowed(guard.unbinds.global, d.before.bindings));
            for (const [acct, c] of Object.entries(d.byAccount)) {
              expect(c.withdraw).toBeLessThanOrEqual(
                allowed(guard.withdrawals.account, d.before.byAccount[acct]?.announcements ?? 0),
              );
            }
            for (const c of d.announcements) if (c.kind === 'withdraw') prefixes.add(c.prefix);
          }
          windowed.push({ at: started, prefixes: [...prefixes] });
        }
        for (const w of windowed) {
          const inWindow = new Set<string>();
          for (const x of windowed)
            if (x.at <= w.at && x.at > w.at - guard.window.ms) for (const p of x.prefixes) inWindow.add(p);
          expect(inWindow.size).toBeLessThanOrEqual(allowed(guard.window.withdrawals, N));
        }
      }),
      { numRuns: Number(process.env.FAILSMALL_PROPERTY_RUNS ?? 100) },
    );
  });
});
