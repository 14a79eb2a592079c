// Snapshots and rollouts at scale: compile + diff of 100,000 announcements; a staged rollout of a
// 100,000-announcement snapshot to 1,000 simulated agents (overhead = wall time beyond the configured
// bake times, which pass on a virtual clock); a global rollback to 1,000 agents on the fast path.
import { createSimulation } from '../src/sim/simulation.js';
import { syntheticDesired } from '../src/sim/synthetic.js';
import { simTopology } from '../src/sim/topology.js';
import { compile, seal } from '../src/snapshot/compile.js';
import { diffSnapshots } from '../src/snapshot/diff.js';
import { type Bench, bestOf } from './harness.js';

const BENCH = { kind: 'person', id: 'bench', account_id: null, scopes: ['operator'], request_id: 'bench' } as const;

const bench: Bench = async (ctx) => {
  const N = 100_000;
  const desired = syntheticDesired({ accounts: 2000, prefixes: N, bindingsPerPrefix: 1 });
  const topo40 = simTopology(40);
  const base = seal(compile(desired, { locations: topo40 }), {
    number: 1,
    parent: null,
    createdAt: '',
    origin: 'compile',
    reason: 'bench',
  });
  const changed = structuredClone(desired);
  for (let i = 0; i < 500; i++) changed.bgp_prefixes[i * 7]!.on_demand.advertised = false;
  for (let i = 0; i < 300; i++) changed.bgp_prefixes[i * 11 + 3]!.asn_prepend_count = 2;
  let withdrawals = 0;
  const compileDiff = bestOf(3, () => {
    const s = seal(compile(changed, { locations: topo40 }), {
      number: 2,
      parent: base.id,
      createdAt: '',
      origin: 'compile',
      reason: 'bench',
    });
    withdrawals = diffSnapshots(base, s, topo40).totals.withdraw;
  });
  ctx.log(`compile+diff ${N}: ${compileDiff.toFixed(3)} s (${withdrawals} withdrawals found)`);

  // 1,000 agents: 1,000 locations with one edge node each, 4 stages with 60 s (virtual) bake each.
  const topo = simTopology(1000, 1);
  const bakeMs = 60_000;
  const stages = [
    { name: 'canary', count: 1, bakeMs },
    { name: '5%', fraction: 0.05, bakeMs },
    { name: '25%', fraction: 0.25, bakeMs },
    { name: '100%', fraction: 1, bakeMs },
  ];
  const sim = await createSimulation({ locations: topo, engine: { stages, gateGraceMs: 5000 } });
  sim.fleet.deliveryLog = false;
  let t = performance.now();
  const first = await sim.engine.propose(compile(desired, { locations: topo }), {
    origin: 'compile',
    reason: 'initial',
    actor: 'bench',
  });
  await sim.settle(3600_000, 1000);
  const initialS = (performance.now() - t) / 1000;
  if (sim.engine.rollout(first.rollout.id).status !== 'completed') throw new Error('initial rollout did not complete');
  ctx.log(`initial fast-path deploy of ${N} announcements to 1000 agents: ${initialS.toFixed(2)} s`);

  const next = structuredClone(desired);
  for (let i = 0; i < 20; i++) next.bgp_prefixes[i * 101]!.on_demand.advertised = false;
  next.bindings.splice(0, 10);
  t = performance.now();
  const vt0 = sim.clock.now();
  const { rollout } = await sim.engine.propose(compile(next, { locations: topo }), {
    origin: 'compile',
    reason: 'change',
    actor: 'bench',
  });
  await sim.settle(3600_000, 1000);
  const rolloutWall = (performance.now() - t) / 1000;
  const r = sim.engine.rollout(rollout.id);
  if (r.status !== 'completed')
    throw new Error(`rollout ended ${r.status}: ${r.halt?.reason ?? r.pause?.reason ?? ''}`);
  const virtualS = (sim.clock.now() - vt0) / 1000;
  const bakeS = (stages.length * bakeMs) / 1000;
  const agentsOnIt = sim.fleet.all().filter((a) => a.agent.current()?.snapshotId === r.snapshotId).length;
  ctx.log(
    `staged rollout to ${agentsOnIt} agents: ${virtualS} s simulated (bakes ${bakeS} s), wall ${rolloutWall.toFixed(2)} s`,
  );

  const good = first.snapshot.number;
  t = performance.now();
  const rb = await sim.engine.rollback({ to: `#${good}`, actor: BENCH, reason: 'bench' });
  await sim.settle(3600_000, 1000);
  const rollbackWall = (performance.now() - t) / 1000;
  const back = sim.fleet.all().filter((a) => a.agent.current()?.snapshotId === rb.snapshot.id).length;
  if (back !== 1000 || sim.engine.rollout(rb.rollouts[rb.rollouts.length - 1]!.id).status !== 'completed')
    throw new Error('rollback did not reach every agent');
  ctx.log(`global rollback to ${back} agents: wall ${rollbackWall.toFixed(2)} s`);

  return [
    {
      name: 'snapshot.compile_diff_100k.s',
      unit: 's',
      value: Number(compileDiff.toFixed(4)),
      goal: '< 1',
      note: 'compile + seal (sha-256) + diff, 100,000 announcements, 40 locations; best of 3',
    },
    {
      name: 'rollout.staged_100k_1000_agents.overhead_s',
      unit: 's',
      value: Number(rolloutWall.toFixed(3)),
      goal: '< 5',
      note: `4 stages with ${bakeMs / 1000} s bake each on a virtual clock (so all wall time is overhead), 1-s engine ticks, ${virtualS} s simulated`,
    },
    {
      name: 'rollout.global_rollback_1000_agents.s',
      unit: 's',
      value: Number(rollbackWall.toFixed(3)),
      goal: '< 5',
      note: 'rollback --to the first snapshot: new snapshot, fast path, until all 1,000 agents applied it and gates passed',
    },
    {
      name: 'rollout.initial_deploy_100k_1000_agents.s',
      unit: 's',
      value: Number(initialS.toFixed(3)),
      note: 'first snapshot, fast path (restoring changes only)',
    },
  ];
};

export default bench;
