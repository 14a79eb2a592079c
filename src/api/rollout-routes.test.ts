// End to end through HTTP: a canary verdict of "fail" posted to the API reaches the rollout engine and
// halts the rollout (safety rule 6, the 2016 GCE lesson); operator routes are strict and audited.
import { describe, expect, it } from 'vitest';
import { engineControl } from '../rollout/control.js';
import { createSimulation } from '../sim/simulation.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { simTopology } from '../sim/topology.js';
import { compile } from '../snapshot/compile.js';
import { auth, rolloutServer } from './fixture.case.js';

async function setup() {
  const topo = simTopology(12);
  const sim = await createSimulation({
    locations: topo,
    engine: {
      stages: [
        { name: 'canary', count: 1, bakeMs: 60_000 },
        { name: 'all', fraction: 1, bakeMs: 60_000 },
      ],
    },
  });
  const desired = syntheticDesired({ accounts: 5, prefixes: 100 });
  await sim.engine.propose(compile(desired, { locations: topo }), { origin: 'compile', reason: 'initial', actor: 't' });
  await sim.settle();
  const {
    app: server,
    secret,
    approver,
  } = await rolloutServer(
    engineControl(sim.engine, { store: sim.store, fleet: sim.fleet, signals: sim.signals, clock: sim.clock }),
  );
  // every request as the operator (the /v1 routes demand scope operator or admin)
  const app = {
    inject: (o: { method: 'GET' | 'POST'; url: string; payload?: object }) =>
      server.inject({ ...o, headers: auth(secret) }),
    /** As the second person, with scope approver. */
    asApprover: (o: { method: 'GET' | 'POST'; url: string; payload?: object }) =>
      server.inject({ ...o, headers: auth(approver) }),
    server,
  };
  return { sim, app, desired, topo };
}

describe('rollout routes', () => {
  it('a failing canary verdict posted over HTTP halts the rollout and rolls the canary back', async () => {
    const { sim, app, desired, topo } = await setup();
    const good = sim.engine.engineState().baselineId;
    const next = structuredClone(desired);
    next.bgp_prefixes[0]!.on_demand.advertised = false;
    const { rollout } = await sim.engine.propose(compile(next, { locations: topo }), {
      origin: 'compile',
      reason: 'x',
      actor: 't',
    });
    await sim.run(2000);
    const st = await app.inject({ method: 'GET', url: '/v1/rollouts/status' });
    expect(st.json().result.active.id).toBe(rollout.id);
    const canary = sim.engine.rollout(rollout.id).stages[0]!.locations[0];
    const v = await app.inject({
      method: 'POST',
      url: '/v1/verdicts',
      payload: {
        source: 'canary-analysis',
        rollout_id: rollout.id,
        location: canary,
        status: 'fail',
        reason: 'HTTP 5xx up 30x at canary',
      },
    });
    expect(v.statusCode).toBe(200);
    await sim.run(1000);
    const r = (await app.inject({ method: 'GET', url: `/v1/rollouts/${rollout.id}` })).json().result;
    expect(r.status).toBe('rolled-back');
    expect(r.halt.reason).toContain('HTTP 5xx up 30x');
    for (const a of sim.fleet.all()) expect(a.agent.current()?.snapshotId).toBe(good);
    expect(
      sim.engine
        .deploySteps()
        .filter((s) => s.rolloutId === rollout.id && s.kind === 'progressive')
        .map((s) => s.locations),
    ).toEqual([[canary]]);
  });

  it('rejects ambiguous input with stable codes and needs reasons', async () => {
    const { app } = await setup();
    expect((await app.inject({ method: 'GET', url: '/v1/rollouts/status?format' })).json().errors[0].error_code).toBe(
      'E_API_QUERY_PARAM',
    );
    expect((await app.inject({ method: 'GET', url: '/v1/rollouts/r999' })).statusCode).toBe(404);
    const bad = await app.asApprover({
      method: 'POST',
      url: '/v1/rollouts/r1/approve',
      payload: { reason: 'x', digest: '0'.repeat(64), force: true },
    });
    expect(bad.statusCode).toBe(400);
    const noDigest = await app.asApprover({ method: 'POST', url: '/v1/rollouts/r1/approve', payload: { reason: 'x' } });
    expect(noDigest.json().errors[0].error_code).toBe('E_API_BODY');
    // an operator token is not an approver: approvals and resets need scope approver
    const byOperator = await app.inject({
      method: 'POST',
      url: '/v1/rollouts/r1/approve',
      payload: { reason: 'x', digest: '0'.repeat(64) },
    });
    expect([byOperator.statusCode, byOperator.json().errors[0].error_code]).toEqual([403, 'E_ADDR_FORBIDDEN']);
    expect((await app.inject({ method: 'POST', url: '/v1/breaker/reset', payload: { reason: 'x' } })).statusCode).toBe(
      403,
    );
    const noReason = await app.inject({ method: 'POST', url: '/v1/rollouts/r1/abort', payload: { reason: '' } });
    expect(noReason.json().errors[0].error_code).toBe('E_ROLLOUT_REASON_REQUIRED');
    const done = await app.inject({ method: 'POST', url: '/v1/rollouts/r1/pause', payload: { reason: '' } });
    expect(done.json().errors[0].error_code).toBe('E_ROLLOUT_STATE');
    expect(
      (await app.asApprover({ method: 'POST', url: '/v1/breaker/reset', payload: { reason: 'x' } })).json().errors[0]
        .error_code,
    ).toBe('E_GUARD_NOT_TRIPPED');
  });

  it('rolls back over HTTP and shows snapshots and text diffs', async () => {
    const { app, sim } = await setup();
    const res = await app.inject({ method: 'POST', url: '/v1/rollback', payload: { to: '#1', reason: 'drill' } });
    expect(res.statusCode).toBe(200);
    await sim.settle();
    const list = (await app.inject({ method: 'GET', url: '/v1/snapshots' })).json().result;
    expect(list[0].origin).toBe('rollback');
    const d = await app.inject({ method: 'GET', url: '/v1/snapshots/diff?from=1&to=2&format=text' });
    expect(d.json().result.text).toContain('0 withdraw');
    expect((await app.inject({ method: 'GET', url: '/v1/snapshots/%23777' })).json().errors[0].error_code).toBe(
      'E_SNAPSHOT_NOT_FOUND',
    );
  });
});
