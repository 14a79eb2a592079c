// The monitor's per-location verdicts through the Signals port into today's rollout engine over the
// simulated fleet: while the canary bakes, the monitor sees its prefix disappear from every session
// (visibility-loss), publishes `fail` for the canary's location, and the engine halts, rolls back and trips the breaker;
// before that the verdicts are `pass`, and with no session carrying the prefix, `no-data`.
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../lib/clock.js';
import { parsePrefix } from '../lib/prefix.js';
import { parsePrefixesYml } from '../monitor/config.js';
import { Monitor } from '../monitor/monitor.js';
import { locationVerdicts } from '../monitor/signals.js';
import { ControlLoop } from '../rollout/control-loop.js';
import { FakeFleet, FOUR_LOCATIONS } from '../rollout/fake-fleet.case.js';
import { MemoryRolloutStore, VerdictBoard } from '../rollout/memory.js';
import { createSimulation } from '../sim/simulation.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { simTopology } from '../sim/topology.js';
import { compile, makeContent } from '../snapshot/compile.js';
import { MonitorSignalBridge, watchFromDesired } from './monitor-serve.js';

const topo = simTopology(12, 2);
const stages = [
  { name: 'canary', count: 1, bakeMs: 60_000 },
  { name: '100%', fraction: 1, bakeMs: 60_000 },
];
const desired = syntheticDesired({ accounts: 5, prefixes: 40, bindingsPerPrefix: 1 });
const actor = 'cli:test';

describe('monitor verdicts halt a running rollout', () => {
  it('visibility-loss at the canary fails its gate: halt and roll back', async () => {
    const sim = await createSimulation({ locations: topo, engine: { stages } });
    await sim.engine.propose(compile(desired, { locations: topo }), { origin: 'compile', reason: 'initial', actor });
    await sim.settle();
    const good = sim.engine.engineState().baselineId;
    const changed = structuredClone(desired);
    changed.bgp_prefixes[0]!.on_demand.advertised = false;
    const { rollout } = await sim.engine.propose(compile(changed, { locations: topo }), {
      origin: 'compile',
      reason: 'x',
      actor,
    });
    await sim.run(2000);
    const canary = sim.engine.rollout(rollout.id).stages[0]!.locations[0]!;
    expect(sim.engine.rollout(rollout.id).status).toBe('running');

    const m = new Monitor({
      asns: [64500],
      watch: parsePrefixesYml('198.51.100.0/24:\n  asn: 64500\n  description: served at the canary\n'),
      visibility: { min_peers_fraction: 0.8, fade_off_s: 0 },
      onAlert: () => {},
    });
    const locations = { [canary]: ['198.51.100.0/24'] };
    const bridge = new MonitorSignalBridge(sim.loop.control, () => sim.clock.now());
    expect(locationVerdicts(m, locations)[0]!.status).toBe('no-data');
    const peers = [1, 2, 3].map((i) => m.peer(`bgp:10.0.0.${i} AS6451${i}`, 64510 + i));
    const seg = (a: number) => [{ type: 2 as const, asns: [a, 64500] }];
    for (const p of peers) m.announce(p, parsePrefix('198.51.100.0/24'), seg(64510 + p), undefined, sim.clock.now());
    expect(await bridge.sync(locationVerdicts(m, locations))).toBe(1);
    expect(sim.signals.verdicts(0).at(-1)).toMatchObject({ source: 'monitor', location: canary, status: 'pass' });
    await sim.run(2000);
    expect(sim.engine.rollout(rollout.id).status).toBe('running');

    for (const p of peers) m.withdraw(p, parsePrefix('198.51.100.0/24'), sim.clock.now());
    await bridge.sync(locationVerdicts(m, locations));
    expect(sim.signals.verdicts(0).at(-1)).toMatchObject({ status: 'fail', location: canary });
    expect(sim.signals.verdicts(0).at(-1)!.reason).toMatch(/visibility-loss 198\.51\.100\.0\/24/);
    await sim.run(2000);
    const r = sim.engine.rollout(rollout.id);
    expect(r.status).toBe('rolled-back');
    expect(r.halt?.reason).toMatch(/monitor@.*visibility-loss/);
    for (const a of sim.fleet.at(canary)) expect(a.agent.current()?.snapshotId).toBe(good);
    // A health failure trips the breaker: no further rollout until someone resets it.
    expect(sim.engine.engineState().guard.breaker).toMatchObject({
      tripped: true,
      reason: expect.stringMatching(/monitor at/),
    });
  });

  it('the watch list of the Addressing API: advertised BGP prefixes and their origin AS', () => {
    const w = watchFromDesired(desired);
    const advertised = desired.bgp_prefixes.filter((b) => b.on_demand.advertised);
    expect(w.prefixes).toHaveLength(advertised.length);
    expect(w.prefixes[0]!.asns).toHaveLength(1);
  });
});

// In-process verdicts go through the one durable path (VerdictSink = RolloutControl.publishVerdict, as
// POST /v1/verdicts): the monitor's fail for the canary, then a kill -9 before any tick judged it. The
// engine opened again on the same store, with an empty Signals board, still halts the condemned rollout.
describe('an in-process verdict survives a restart', () => {
  it("the monitor's fail at the canary, then a restart on the same store: the rollout is rolled back", async () => {
    const clock = new ManualClock(Date.parse('2026-02-20T17:00:00Z'));
    const fleet = new FakeFleet(FOUR_LOCATIONS, clock);
    const store = new MemoryRolloutStore();
    const open = () =>
      ControlLoop.open(
        { clock, store, fleet, signals: new VerdictBoard() }, // a restart loses what was in memory
        { engine: { stages: [...stages], gateGraceMs: 5000 }, tickMs: 0 },
      );
    let loop = await open();
    const run = async (ms: number) => {
      for (let t = 0; t < ms; t += 1000) {
        clock.advance(1000);
        await loop.tick();
      }
    };
    const content = (n: number) =>
      makeContent(
        Array.from({ length: n }, (_, i) => ({
          prefix: `10.0.${i}.0/24`,
          account: `acct${i % 4}`,
          origin: 64500,
          prepends: 0,
          communities: [],
          locations: '*' as const,
        })),
        [],
        null,
      );
    await loop.engine.propose(content(8), { origin: 'compile', reason: 'initial', actor });
    await run(1000);
    const { rollout } = await loop.engine.propose(content(7), { origin: 'compile', reason: 'w', actor });
    await run(3000); // canary deployed and baking
    const canary = loop.engine.rollout(rollout.id).stages[0]?.locations[0] as string;
    const bridge = new MonitorSignalBridge(loop.control, () => clock.now());
    const verdict = {
      source: 'monitor' as const,
      rolloutId: null,
      location: canary,
      status: 'fail' as const,
      reason: 'visibility-loss 10.0.1.0/24',
    };
    expect(await bridge.sync([verdict])).toBe(1);
    loop = await open(); // before any tick judged the verdict
    await run(60_000);
    const r = loop.engine.rollout(rollout.id);
    expect(r.status).toBe('rolled-back');
    expect(r.halt?.reason).toContain('visibility-loss 10.0.1.0/24');
  });
});
