// The rollout CLI against a real HTTP server (the rollout routes over a simulated fleet).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutServer } from '../api/fixture.case.js';
import { engineControl } from '../rollout/control.js';
import { createSimulation, type Simulation } from '../sim/simulation.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { simTopology } from '../sim/topology.js';
import { compile } from '../snapshot/compile.js';
import { runCli } from '../testing/cli.js';
import { register } from './cli-rollout.js';

let url = '';
let sim: Simulation;
let app: FastifyInstance;
let approver = '';
let operator = '';

beforeAll(async () => {
  const topo = simTopology(6);
  sim = await createSimulation({ locations: topo, engine: { stages: [{ name: 'all', fraction: 1, bakeMs: 1000 }] } });
  await sim.engine.propose(compile(syntheticDesired({ accounts: 2, prefixes: 20 }), { locations: topo }), {
    origin: 'compile',
    reason: 'initial',
    actor: 't',
  });
  await sim.settle();
  const served = await rolloutServer(
    engineControl(sim.engine, { store: sim.store, fleet: sim.fleet, signals: sim.signals, clock: sim.clock }),
  );
  app = served.app;
  process.env.FAILSMALL_TOKEN = served.secret;
  operator = served.secret;
  approver = served.approver;
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());

const run = (...args: string[]) => runCli(register, [...args, '--url', url]);

describe('failsmall rollout / rollback', () => {
  it('names the address and exits 1, without a stack trace, when the control plane does not answer', async () => {
    const live = url;
    url = 'http://127.0.0.1:9'; // the discard port: nothing listens there on a test machine
    try {
      const r = await run('rollout', 'status');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^error E_CLI_UNREACHABLE: cannot reach the control plane at http:\/\/127\.0\.0\.1:9 \(/);
      expect(r.err).not.toMatch(/\n\s+at /);
    } finally {
      url = live;
    }
  });

  it('prints status, rolls back and diffs', async () => {
    const st = await run('rollout', 'status');
    expect(st.out).toContain('breaker:   closed');
    expect(st.out).toContain('6 locations, 6 agents: 6 ok');
    const rb = await run('rollback', '--to', '#1', '--reason', 'drill');
    expect(JSON.parse(rb.out).snapshot.number).toBe(2);
    await sim.settle();
    const d = await run('rollout', 'diff', '1', '2');
    expect(d.out).toContain('#1 → #2: 0 withdraw');
  });

  it('reports errors with their stable code and a non-zero exit', async () => {
    const r = await run('rollout', 'abort', 'r77', '--reason', 'x');
    expect(r.err).toContain('E_ROLLOUT_NOT_FOUND');
    expect(r.code).toBe(1);
    // an operator is not an approver; the approver (a person) reaches the engine
    const denied = await run('rollout', 'reset-breaker', '--reason', 'x');
    expect(denied.err).toContain('E_ADDR_FORBIDDEN');
    process.env.FAILSMALL_TOKEN = approver;
    try {
      const b = await run('rollout', 'reset-breaker', '--reason', 'x');
      expect(b.err).toContain('E_GUARD_NOT_TRIPPED');
      const a = await run('rollout', 'approve', 'r1', '--reason', 'x', '--digest', '0'.repeat(64));
      expect(a.err).toContain('E_ROLLOUT_STATE');
      const c = await run('rollout', 'change', 'r1');
      expect(JSON.parse(c.out).digest).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      process.env.FAILSMALL_TOKEN = operator;
    }
  });
});
