// A whole control plane over a simulated fleet on a virtual clock: the same ControlLoop `serve` runs
// (src/rollout/control-loop.ts) over an in-memory store, a verdict board and in-process agents. Used by
// the incident replay, benchmarks and tests; `run` and `settle` drive its rounds on virtual time.
import { type Clock, ManualClock } from '../lib/clock.js';
import { ControlLoop, type ControlLoopConfig, type ControlLoopPorts } from '../rollout/control-loop.js';
import type { DesiredSource } from '../rollout/controller.js';
import type { EngineConfig, RolloutEngine } from '../rollout/engine.js';
import { MemoryRolloutStore, VerdictBoard } from '../rollout/memory.js';
import { SimulatedFleet } from './simulated-fleet.js';
import type { SimLocation } from './topology.js';

export interface Simulation {
  clock: Clock;
  /** Present when the simulation runs on virtual time. */
  virtual: ManualClock | null;
  fleet: SimulatedFleet;
  loop: ControlLoop;
  engine: RolloutEngine;
  store: MemoryRolloutStore;
  signals: VerdictBoard;
  /** Moves virtual time forward by `ms` in steps of `stepMs`, running one loop round after each step. */
  run(ms: number, stepMs?: number): Promise<void>;
  /** Runs rounds until the engine has nothing running or queued, or `maxMs` of virtual time passed. */
  settle(maxMs?: number, stepMs?: number): Promise<void>;
}

export interface SimulationOptions {
  locations: readonly SimLocation[];
  engine?: EngineConfig;
  /** The rest of the loop's configuration (its timer is always off: the simulation drives the rounds). */
  loop?: Omit<ControlLoopConfig, 'engine' | 'tickMs'>;
  desired?: DesiredSource;
  /** A virtual clock starting here (ms), a virtual clock of the caller's, or a real clock. Default virtual at 2026-02-20T17:00Z. */
  clock?: number | Clock;
  controlPlaneTimeoutMs?: number;
  applyDelayMs?: number;
  /** The Addressing API's recovery (reject and the bulk restores write desired state through it). */
  recovery?: ControlLoopPorts['recovery'];
  /** The one audit log's addressing changes, for attribution (who made a held change). */
  history?: ControlLoopPorts['history'];
}

export async function createSimulation(o: SimulationOptions): Promise<Simulation> {
  const virtual =
    o.clock instanceof ManualClock
      ? o.clock
      : typeof o.clock === 'object'
        ? null
        : new ManualClock(o.clock ?? Date.parse('2026-02-20T17:00:00Z'));
  const clock: Clock = virtual ?? (o.clock as Clock);
  const fleet = new SimulatedFleet({
    locations: o.locations,
    clock,
    controlPlaneTimeoutMs: o.controlPlaneTimeoutMs,
    applyDelayMs: o.applyDelayMs,
  });
  const store = new MemoryRolloutStore();
  const signals = new VerdictBoard();
  const loop = await ControlLoop.open(
    { clock, store, fleet, signals, desired: o.desired, recovery: o.recovery, history: o.history },
    { ...o.loop, engine: o.engine ?? {}, tickMs: 0 },
  );
  const busy = () =>
    loop.engine
      .listRollouts()
      .some(
        (r) => r.status === 'running' || r.status === 'queued' || (r.status === 'paused' && r.pause?.by === 'signals'),
      );
  const need = (what: string): ManualClock => {
    if (!virtual) throw new Error(`${what}() needs a virtual clock`);
    return virtual;
  };
  return {
    clock,
    virtual,
    fleet,
    loop,
    get engine() {
      return loop.engine;
    },
    store,
    signals,
    async run(ms, stepMs = 1000) {
      const v = need('run');
      const end = v.now() + ms;
      while (v.now() < end) {
        v.advance(Math.min(stepMs, end - v.now()));
        await loop.tick();
      }
    },
    async settle(maxMs = 24 * 3600_000, stepMs = 1000) {
      const v = need('settle');
      const end = v.now() + maxMs;
      await loop.tick();
      while (busy() && v.now() < end) {
        v.advance(stepMs);
        await loop.tick();
      }
    },
  };
}
