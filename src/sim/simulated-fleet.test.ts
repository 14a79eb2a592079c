// The simulated fleet keeps the Fleet port's contract, and a long-running demo does not grow it without bound.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { fleetPortCases } from '../rollout/fake-fleet.case.js';
import { compile, seal } from '../snapshot/compile.js';
import { MAX_DELIVERIES, SimulatedFleet } from './simulated-fleet.js';
import { syntheticDesired } from './synthetic.js';
import { simTopology } from './topology.js';

const topo = simTopology(3, 2);
const snapshot = seal(compile(syntheticDesired({ accounts: 2, prefixes: 10 }), { locations: topo }), {
  number: 1,
  parent: null,
  createdAt: '2026-02-20T17:00:00.000Z',
  origin: 'compile',
  reason: 'test',
});

describe('simulated fleet', () => {
  fleetPortCases(async () => {
    const clock = new ManualClock(Date.parse('2026-02-20T17:00:00Z'));
    const fleet = new SimulatedFleet({ locations: topo, clock, applyDelayMs: 500 });
    return {
      fleet,
      snapshot,
      settle: async () => {
        clock.advance(1000);
        await fleet.tick();
      },
    };
  });

  it('keeps only the newest MAX_DELIVERIES hand-overs, and counts them all', async () => {
    const clock = new ManualClock(0);
    const fleet = new SimulatedFleet({ locations: topo, clock });
    const all = topo.map((l) => l.id);
    const rounds = Math.ceil((MAX_DELIVERIES + 500) / all.length);
    for (let i = 0; i < rounds; i++) {
      clock.advance(1);
      await fleet.deploy(snapshot, all);
    }
    expect(fleet.deliveryCount).toBe(rounds * all.length);
    expect(fleet.deliveries).toHaveLength(MAX_DELIVERIES);
    expect(fleet.deliveries.at(-1)?.at).toBe(rounds);
  });
});
