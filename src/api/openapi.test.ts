// One HTTP stack over the whole API: /openapi.json documents every route, /v1 included, each with the
// response schema of its success status and the v4 error envelope; the /v1 routes sit behind the same
// authentication as the Addressing API; BGP prefix answers carry where they are live.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeStatusPort } from '../addressing/edge-status.js';
import { engineControl } from '../rollout/control.js';
import { createSimulation } from '../sim/simulation.js';
import { simTopology } from '../sim/topology.js';
import { auth, type Fixture, makeFixture } from './fixture.case.js';

let f: Fixture;
let plain: Fixture;
const seen: { prefix: string; advertised: boolean }[] = [];
const edge: EdgeStatusPort = {
  edgeStatus: (prefix, advertised) => {
    seen.push({ prefix, advertised });
    return { state: advertised ? 'deploying' : 'withdrawn', snapshot: 7, locations_live: 3, locations_total: 12 };
  },
};

beforeAll(async () => {
  const sim = await createSimulation({
    locations: simTopology(3),
    engine: { stages: [{ name: 'all', fraction: 1, bakeMs: 1 }] },
  });
  const control = engineControl(sim.engine, {
    store: sim.store,
    fleet: sim.fleet,
    signals: sim.signals,
    clock: sim.clock,
  });
  f = await makeFixture({ rollout: control, edgeStatus: edge });
  plain = await makeFixture();
});
afterAll(async () => {
  await f.close();
  await plain.close();
});

type Operation = { responses?: Record<string, { content?: Record<string, { schema?: unknown }> }> };

describe('the OpenAPI document', () => {
  it('covers every route, /v1 included, each with a success and an error response schema', async () => {
    const doc = (await f.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, Operation>>;
    };
    const paths = Object.keys(doc.paths);
    for (const p of ['/v1/rollouts/status', '/v1/rollback', '/v1/snapshots/{ref}', '/v1/verdicts', '/v1/fleet'])
      expect(paths).toContain(p);
    expect(paths).toContain('/client/v4/accounts/{account_id}/addressing/prefixes/{prefix_id}/bgp/prefixes');
    let operations = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        operations++;
        const codes = Object.keys(op.responses ?? {});
        const success = codes.find((c) => c === '200' || c === '201');
        expect(success, `${method} ${path}`).toBeDefined();
        expect(
          op.responses?.[success as string]?.content?.['application/json']?.schema,
          `${method} ${path}`,
        ).toBeDefined();
        expect(codes, `${method} ${path}`).toContain('4XX');
      }
    }
    expect(operations).toBeGreaterThanOrEqual(23 + 17);
  });
});

describe('the /v1 routes share the stack', () => {
  it('401 without a token, 403 for a tenant token, 200 for an operator, all in the v4 envelope', async () => {
    const none = await f.app.inject({ method: 'GET', url: '/v1/rollouts' });
    expect(none.statusCode).toBe(401);
    expect(none.json().errors[0].error_code).toBe('E_API_UNAUTHENTICATED');
    const tenant = await f.app.inject({ method: 'GET', url: '/v1/rollouts', headers: auth(f.tokens.writeA) });
    expect(tenant.statusCode).toBe(403);
    expect(tenant.json().errors[0]).toMatchObject({ code: 11001, error_code: 'E_ADDR_FORBIDDEN' });
    const op = await f.app.inject({ method: 'GET', url: '/v1/rollouts', headers: auth(f.tokens.operator) });
    expect(op.statusCode).toBe(200);
    expect(op.json()).toMatchObject({ success: true, errors: [], result: [] });
  });
});

describe('configured versus operational state', () => {
  async function bgpPrefix(fx: Fixture, cidr: string) {
    const base = `/client/v4/accounts/${fx.accountA}/addressing`;
    const h = auth(fx.tokens.writeA);
    const p = (
      await fx.app.inject({ method: 'POST', url: `${base}/prefixes`, payload: { cidr, asn: 64500 }, headers: h })
    ).json().result;
    await fx.app.inject({ method: 'POST', url: `${base}/prefixes/${p.id}/validate`, headers: h });
    const bp = (
      await fx.app.inject({
        method: 'POST',
        url: `${base}/prefixes/${p.id}/bgp/prefixes`,
        payload: { cidr },
        headers: h,
      })
    ).json().result;
    const patch = await fx.app.inject({
      method: 'PATCH',
      url: `${base}/prefixes/${p.id}/bgp/prefixes/${bp.id}`,
      payload: { on_demand: { advertised: true } },
      headers: h,
    });
    const status = await fx.app.inject({ method: 'GET', url: `${base}/prefixes/${p.id}/bgp/status`, headers: h });
    return { created: bp, patched: patch.json().result, status: status.json().result };
  }

  it("every BGP prefix answer carries the edge's state next to the configured flag", async () => {
    const r = await bgpPrefix(f, '203.0.113.0/24');
    expect(r.created.edge).toEqual({ state: 'withdrawn', snapshot: 7, locations_live: 3, locations_total: 12 });
    expect(r.patched.on_demand.advertised).toBe(true);
    expect(r.patched.edge).toEqual({ state: 'deploying', snapshot: 7, locations_live: 3, locations_total: 12 });
    expect(r.status).toMatchObject({ advertised: true, edge: { state: 'deploying' } });
    expect(seen).toContainEqual({ prefix: '203.0.113.0/24', advertised: true });
  });

  it('without an EdgeStatus port, an advertised prefix is pending, in no known snapshot', async () => {
    const r = await bgpPrefix(plain, '203.0.113.0/24');
    expect(r.patched.edge).toEqual({ state: 'pending', snapshot: null, locations_live: 0, locations_total: 0 });
    expect(r.status.edge.state).toBe('pending');
  });
});
