import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, type Fixture, makeFixture } from './fixture.case.js';

let f: Fixture;
let base: string;
beforeAll(async () => {
  f = await makeFixture();
  base = `/client/v4/accounts/${f.accountA}/addressing`;
});
afterAll(async () => {
  await f.close();
});

async function get(url: string) {
  const r = await f.app.inject({ method: 'GET', url, headers: auth(f.tokens.writeA) });
  return {
    status: r.statusCode,
    body: r.json() as {
      success: boolean;
      errors: { code: number; message: string; error_code: string; source?: { pointer: string } }[];
      result: unknown;
    },
  };
}

describe('strict query strings', () => {
  it.each([
    ['?pending_delete', 'pending_delete', /unknown parameter/],
    ['?pending_delete=', 'pending_delete', /unknown parameter/],
    ['?pending_delete=true', 'pending_delete', /unknown parameter/],
    ['?state=', 'state', /has no value/],
    ['?state', 'state', /has no value/],
    ['?state=all', 'state', /must be equal to constant|must match/],
    ['?state=active&state=deleted', 'state', /more than once/],
    ['?page=0x10', 'page', /not an integer/],
    ['?page=1e3', 'page', /not an integer/],
    ['?page=', 'page', /has no value/],
    ['?per_page=-1', 'per_page', /must be >= 1/],
    ['?STATE=active', 'STATE', /unknown parameter/],
  ])('GET /prefixes%s → 400 naming %s', async (qs, name, why) => {
    const r = await get(`${base}/prefixes${qs}`);
    expect(r.status).toBe(400);
    expect(r.body.success).toBe(false);
    expect(r.body.errors[0]?.error_code).toBe('E_API_QUERY_PARAM');
    expect(r.body.errors[0]?.message).toContain(name);
    expect(r.body.errors[0]?.message).toMatch(why);
    expect(r.body.errors[0]?.source?.pointer).toBe(`/query/${name}`);
    expect(r.body.result).toBeNull();
  });

  it('endpoints without query parameters reject any', async () => {
    const r = await get(`${base}/services?all=true`);
    expect(r.status).toBe(400);
    expect(r.body.errors[0]?.message).toMatch(/accepts no query parameters/);
  });

  it('accepts exact values', async () => {
    expect((await get(`${base}/prefixes?state=pending_delete&page=1&per_page=10`)).status).toBe(200);
    expect((await get(`${base}/prefixes`)).status).toBe(200);
  });
});

describe('strict bodies', () => {
  async function post(url: string, payload: unknown, method: 'POST' | 'PATCH' = 'POST') {
    const r = await f.app.inject({
      method,
      url,
      payload: payload as object,
      headers: { ...auth(f.tokens.writeA), 'content-type': 'application/json' },
    });
    return {
      status: r.statusCode,
      body: r.json() as { errors: { error_code: string; message: string }[]; result: unknown },
    };
  }
  it('rejects unknown fields, wrong types, strings for numbers and booleans', async () => {
    const cases: [unknown, string][] = [
      [{ cidr: '192.0.2.0/24', asn: 64500, extra: 1 }, 'extra'],
      [{ cidr: '192.0.2.0/24', asn: '64500' }, 'asn'],
      [{ cidr: '192.0.2.0/24' }, 'asn'],
      [{ asn: 64500 }, 'cidr'],
      [[], '(root)'],
    ];
    for (const [payload, field] of cases) {
      const r = await post(`${base}/prefixes`, payload);
      expect(r.status, JSON.stringify(payload)).toBe(400);
      expect(r.body.errors[0]?.error_code).toBe('E_API_BODY');
      if (field !== '(root)') expect(r.body.errors[0]?.message).toContain(field);
    }
    const p = await post(`${base}/prefixes`, { cidr: '192.0.2.0/24', asn: 64500 });
    expect(p.status).toBe(201);
    const id = (p.body.result as { id: string }).id;
    const bgp = await post(`${base}/prefixes/${id}/bgp/prefixes`, { cidr: '192.0.2.0/24' });
    const bid = (bgp.body.result as { id: string }).id;
    for (const bad of [
      { on_demand: { advertised: 'true' } },
      { on_demand: { advertised: 1 } },
      { on_demand: {} },
      {},
      { on_demand: { advertised: true, x: 1 } },
    ]) {
      const r = await post(`${base}/prefixes/${id}/bgp/prefixes/${bid}`, bad, 'PATCH');
      expect(r.status, JSON.stringify(bad)).toBe(400);
    }
    const status = await post(`${base}/prefixes/${id}/bgp/status`, { advertised: 'false' }, 'PATCH');
    expect(status.status).toBe(400);
    expect(status.body.errors[0]?.message).toContain('advertised');
  });
  it('malformed JSON is a 400 with a stable code', async () => {
    const r = await f.app.inject({
      method: 'POST',
      url: `${base}/prefixes`,
      payload: '{"cidr":',
      headers: { ...auth(f.tokens.writeA), 'content-type': 'application/json' },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].error_code).toBe('E_API_JSON');
  });
  it('malformed ids in the path are a 400, unknown routes a 404 envelope', async () => {
    expect((await get(`${base}/prefixes/not-an-id`)).status).toBe(400);
    const r = await get(`${base}/nothing`);
    expect(r.status).toBe(404);
    expect(r.body.errors[0]?.error_code).toBe('E_API_ROUTE');
  });
});

describe('request ids', () => {
  it('an incoming x-request-id reaches the audit log; a malformed one is replaced', async () => {
    const url = `${base}/prefixes`;
    const h = { ...auth(f.tokens.writeA), 'x-request-id': 'change-4711' };
    const r = await f.app.inject({ method: 'POST', url, payload: { cidr: '198.51.100.0/24', asn: 64500 }, headers: h });
    expect(r.statusCode).toBe(201);
    const audit = (
      await f.app.inject({ method: 'GET', url: `${base}/audit?per_page=1`, headers: auth(f.tokens.readA) })
    ).json();
    expect(audit.result[0]).toMatchObject({ request_id: 'change-4711', action: 'prefix.create', actor_kind: 'person' });
    const bad = { ...auth(f.tokens.writeA), 'x-request-id': `x${'y'.repeat(300)}` };
    const p = r.json().result.id as string;
    await f.app.inject({ method: 'PATCH', url: `${url}/${p}`, payload: { description: 'z' }, headers: bad });
    const audit2 = (
      await f.app.inject({ method: 'GET', url: `${base}/audit?per_page=1`, headers: auth(f.tokens.readA) })
    ).json();
    expect(audit2.result[0].request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('OpenAPI and docs', () => {
  it('serves OpenAPI 3.1 with every addressing path', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(r.statusCode).toBe(200);
    const doc = r.json() as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/prefixes',
      '/prefixes/{prefix_id}',
      '/prefixes/{prefix_id}/validate',
      '/prefixes/{prefix_id}/bgp/prefixes/{bgp_prefix_id}',
      '/prefixes/{prefix_id}/bgp/status',
      '/prefixes/{prefix_id}/bindings/{binding_id}',
      '/prefixes/{prefix_id}/delegations/{delegation_id}',
      '/services',
      '/audit',
    ]) {
      expect(paths).toContain(`/client/v4/accounts/{account_id}/addressing${p}`);
    }
    const q = (
      doc.paths['/client/v4/accounts/{account_id}/addressing/prefixes'] as {
        get: { parameters: { name: string; in: string }[] };
      }
    ).get.parameters;
    expect(q.filter((x) => x.in === 'query').map((x) => x.name)).toEqual(['state', 'page', 'per_page']);
  });
  it('serves Swagger UI at /docs', async () => {
    const r = await f.app.inject({ method: 'GET', url: '/docs/' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toMatch(/swagger/i);
  });
});
