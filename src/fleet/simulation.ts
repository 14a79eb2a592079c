// A whole control plane over a simulated fleet on a virtual clock: engine, store, signals and agents,
// wired the way src/bin wires the real ones. Used by the incident replay, the demo, benchmarks and tests.
import { type EngineConfig, RolloutEngine } from '../rollout/engine.js';
import { MemoryRolloutStore, VerdictBoard, VirtualClock } from '../rollout/memory.js';
import type { Clock } from '../rollout/ports.js';
import { SimulatedFleet } from './simulated.js';
import type { SimLocation } from './topology.js';

export interface Simulation {
  clock: Clock;
  /** Present when the simulation runs on virtual time. */
  virtual: VirtualClock | null;
  fleet: SimulatedFleet;
  engine: RolloutEngine;
  store: MemoryRolloutStore;
  signals: VerdictBoard;
  /** Moves virtual time forward by `ms` in steps of `stepMs`, ticking the engine after each step. */
  run(ms: number, stepMs?: number): Promise<void>;
  /** Ticks until the engine has nothing running or queued, or `maxMs` of virtual time passed. */
  settle(maxMs?: number, stepMs?: number): Promise<void>;
}

export interface SimulationOptions {
  locations: readonly SimLocation[];
  engine?: EngineConfig;
  /** A virtual clock starting here (ms), or a real clock. Default virtual at 2026-02-20T17:00Z. */
  clock?: number | Clock;
  controlPlaneTimeoutMs?: number;
  applyDelayMs?: number;
}

export async function createSimulation(o: SimulationOptions): Promise<Simulation> {
  const virtual = typeof o.clock === 'object' ? null : new VirtualClock(o.clock ?? Date.parse('2026-02-20T17:00:00Z'));
  const clock: Clock = virtual ?? (o.clock as Clock);
  const fleet = new SimulatedFleet({
    locations: o.locations,
    clock,
    controlPlaneTimeoutMs: o.controlPlaneTimeoutMs,
    applyDelayMs: o.applyDelayMs,
  });
  const store = new MemoryRolloutStore();
  const signals = new VerdictBoard();
  const engine = await RolloutEngine.open({ clock, store, fleet, signals }, o.engine ?? {});
  const busy = () =>
    engine
      .listRollouts()
      .some(
        (r) => r.status === 'running' || r.status === 'queued' || (r.status === 'paused' && r.pause?.by === 'signals'),
      );
  const sim: Simulation = {
    clock,
    virtual,
    fleet,
    engine,
    store,
    signals,
    async run(ms, stepMs = 1000) {
      if (!virtual) throw new Error('run() needs a virtual clock');
      const end = virtual.now() + ms;
      while (virtual.now() < end) {
        virtual.advance(Math.min(stepMs, end - virtual.now()));
        await fleet.pump();
        fleet.heartbeat();
        await engine.tick();
      }
    },
    async settle(maxMs = 24 * 3600_000, stepMs = 1000) {
      if (!virtual) throw new Error('settle() needs a virtual clock');
      const end = virtual.now() + maxMs;
      fleet.heartbeat();
      await engine.tick();
      while (busy() && virtual.now() < end) {
        virtual.advance(stepMs);
        await fleet.pump();
        fleet.heartbeat();
        await engine.tick();
      }
    },
  };
  return sim;
}
