// The tenancy matrix: every endpoint × (own account, other account, no token, wrong scope).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../addressing/model.js';
import { auth, type Fixture, makeFixture } from './fixture.case.js';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture();
});
afterAll(async () => {
  await f.close();
});

let n = 0;
/** Fresh objects in account A for one case, so destructive calls do not disturb the others. */
async function world() {
  const j = n++;
  const cidr = `10.${j >> 7}.${(j & 127) * 2}.0/23`;
  const half1 = `10.${j >> 7}.${(j & 127) * 2}.0/24`;
  const half2 = `10.${j >> 7}.${(j & 127) * 2 + 1}.0/24`;
  const base = `/client/v4/accounts/${f.accountA}/addressing`;
  const call = async (method: string, url: string, payload?: object) => {
    const r = await f.app.inject({ method: method as 'GET', url: base + url, payload, headers: auth(f.tokens.writeA) });
    if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.body}`);
    return r.json().result as { id: string };
  };
  const p = await call('POST', '/prefixes', { cidr, asn: 64500 });
  await call('POST', `/prefixes/${p.id}/validate`);
  const bp = await call('POST', `/prefixes/${p.id}/bgp/prefixes`, { cidr: half1 });
  const sb = await call('POST', `/prefixes/${p.id}/bindings`, { cidr, service_id: SERVICES.cdn.id });
  const d = await call('POST', `/prefixes/${p.id}/delegations`, { cidr: half1, delegated_account_id: f.accountB });
  // a second, empty prefix: the one DELETE /prefixes/{id} may remove
  const empty = await call('POST', '/prefixes', { cidr: `11.${j >> 8}.${j & 255}.0/24`, asn: 64500 });
  return { cidr, half1, half2, p: p.id, bp: bp.id, sb: sb.id, d: d.id, empty: empty.id };
}
type World = Awaited<ReturnType<typeof world>>;

interface Endpoint {
  name: string;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: (w: World) => string;
  body?: (w: World) => object;
  write: boolean;
  ok: number;
}

const E: Endpoint[] = [
  {
    name: 'create prefix',
    method: 'POST',
    path: () => '/prefixes',
    body: (w) => ({ cidr: w.cidr.replace(/^10\./, '12.'), asn: 64500 }),
    write: true,
    ok: 201,
  },
  { name: 'list prefixes', method: 'GET', path: () => '/prefixes', write: false, ok: 200 },
  { name: 'get prefix', method: 'GET', path: (w) => `/prefixes/${w.p}`, write: false, ok: 200 },
  {
    name: 'edit prefix',
    method: 'PATCH',
    path: (w) => `/prefixes/${w.p}`,
    body: () => ({ description: 'x' }),
    write: true,
    ok: 200,
  },
  { name: 'delete prefix', method: 'DELETE', path: (w) => `/prefixes/${w.empty}`, write: true, ok: 200 },
  { name: 'validate prefix', method: 'POST', path: (w) => `/prefixes/${w.p}/validate`, write: true, ok: 200 },
  {
    name: 'create BGP prefix',
    method: 'POST',
    path: (w) => `/prefixes/${w.p}/bgp/prefixes`,
    body: (w) => ({ cidr: w.half2 }),
    write: true,
    ok: 201,
  },
  { name: 'list BGP prefixes', method: 'GET', path: (w) => `/prefixes/${w.p}/bgp/prefixes`, write: false, ok: 200 },
  {
    name: 'get BGP prefix',
    method: 'GET',
    path: (w) => `/prefixes/${w.p}/bgp/prefixes/${w.bp}`,
    write: false,
    ok: 200,
  },
  {
    name: 'advertise BGP prefix',
    method: 'PATCH',
    path: (w) => `/prefixes/${w.p}/bgp/prefixes/${w.bp}`,
    body: () => ({ on_demand: { advertised: true } }),
    write: true,
    ok: 200,
  },
  {
    name: 'delete BGP prefix',
    method: 'DELETE',
    path: (w) => `/prefixes/${w.p}/bgp/prefixes/${w.bp}`,
    write: true,
    ok: 200,
  },
  {
    name: 'get advertisement status',
    method: 'GET',
    path: (w) => `/prefixes/${w.p}/bgp/status`,
    write: false,
    ok: 200,
  },
  {
    name: 'edit advertisement status',
    method: 'PATCH',
    path: (w) => `/prefixes/${w.p}/bgp/status`,
    body: () => ({ advertised: true }),
    write: true,
    ok: 200,
  },
  {
    name: 'create binding',
    method: 'POST',
    path: (w) => `/prefixes/${w.p}/bindings`,
    body: (w) => ({ cidr: w.half2, service_id: SERVICES.spectrum.id }),
    write: true,
    ok: 201,
  },
  { name: 'list bindings', method: 'GET', path: (w) => `/prefixes/${w.p}/bindings`, write: false, ok: 200 },
  { name: 'get binding', method: 'GET', path: (w) => `/prefixes/${w.p}/bindings/${w.sb}`, write: false, ok: 200 },
  { name: 'delete binding', method: 'DELETE', path: (w) => `/prefixes/${w.p}/bindings/${w.sb}`, write: true, ok: 200 },
  {
    name: 'create delegation',
    method: 'POST',
    path: (w) => `/prefixes/${w.p}/delegations`,
    body: (w) => ({ cidr: w.half2, delegated_account_id: f.accountB }),
    write: true,
    ok: 201,
  },
  { name: 'list delegations', method: 'GET', path: (w) => `/prefixes/${w.p}/delegations`, write: false, ok: 200 },
  {
    name: 'delete delegation',
    method: 'DELETE',
    path: (w) => `/prefixes/${w.p}/delegations/${w.d}`,
    write: true,
    ok: 200,
  },
  { name: 'list services', method: 'GET', path: () => '/services', write: false, ok: 200 },
  { name: 'list audit', method: 'GET', path: () => '/audit', write: false, ok: 200 },
];

async function send(e: Endpoint, w: World, account: string, token: string | undefined) {
  const r = await f.app.inject({
    method: e.method,
    url: `/client/v4/accounts/${account}/addressing${e.path(w)}`,
    payload: e.body?.(w),
    headers: auth(token),
  });
  return r;
}

describe('tenancy matrix', () => {
  for (const e of E) {
    describe(e.name, () => {
      it('own account: succeeds', async () => {
        const w = await world();
        const r = await send(e, w, f.accountA, e.write ? f.tokens.writeA : f.tokens.readA);
        expect(r.statusCode, r.body).toBe(e.ok);
        expect(r.json().success).toBe(true);
      });
      it('other account: 404 (through its own account path and through the owner path)', async () => {
        const w = await world();
        const viaOwner = await send(e, w, f.accountA, f.tokens.writeB);
        expect(viaOwner.statusCode, viaOwner.body).toBe(404);
        if (e.path(w).includes(w.p) || e.path(w).includes(w.empty)) {
          const viaOwn = await send(e, w, f.accountB, f.tokens.writeB);
          // B holds a delegation of the prefix: it may read the prefix and bind inside the delegated
          // cidr, nothing else; everything else of A's answers 404
          const delegatedRead = ['get prefix', 'list bindings'].includes(e.name);
          // (create binding: B's body names A's second /24, which is not delegated to B)
          expect(viaOwn.statusCode, `${e.name}: ${viaOwn.body}`).toBe(
            delegatedRead ? 200 : e.name === 'create binding' ? 400 : 404,
          );
        }
      });
      it('no token: 401', async () => {
        const w = await world();
        const r = await send(e, w, f.accountA, undefined);
        expect(r.statusCode).toBe(401);
        expect(r.json().errors[0].error_code).toBe('E_API_UNAUTHENTICATED');
        const bad = await send(e, w, f.accountA, 'fs_not-a-real-token');
        expect(bad.statusCode).toBe(401);
      });
      it('wrong scope: 403', async () => {
        const w = await world();
        const r = await send(e, w, f.accountA, e.write ? f.tokens.readA : f.tokens.adminOfA);
        expect(r.statusCode, r.body).toBe(403);
        expect(r.json().errors[0].error_code).toBe('E_ADDR_FORBIDDEN');
      });
    });
  }

  it('an operator reaches every account', async () => {
    const w = await world();
    const r = await f.app.inject({
      method: 'GET',
      url: `/client/v4/accounts/${f.accountA}/addressing/prefixes/${w.p}`,
      headers: auth(f.tokens.operator),
    });
    expect(r.statusCode).toBe(200);
  });
});

describe('admin endpoints', () => {
  const A: { method: 'GET' | 'POST' | 'DELETE'; url: () => Promise<string> | string; body?: () => object }[] = [
    { method: 'POST', url: () => '/client/v4/admin/accounts', body: () => ({ name: 'C' }) },
    { method: 'GET', url: () => '/client/v4/admin/accounts' },
    {
      method: 'POST',
      url: () => '/client/v4/admin/tokens',
      body: () => ({ account_id: f.accountA, name: 'x', scopes: ['addressing:read'] }),
    },
    { method: 'GET', url: () => `/client/v4/admin/tokens?account_id=${f.accountA}` },
    {
      method: 'DELETE',
      url: async () => {
        const r = await f.app.inject({
          method: 'POST',
          url: '/client/v4/admin/tokens',
          payload: { account_id: null, name: 'tmp', scopes: ['operator'] },
          headers: auth(f.tokens.admin),
        });
        return `/client/v4/admin/tokens/${r.json().result.id}`;
      },
    },
  ];
  for (const a of A) {
    it(`${a.method} admin: admin ok, tenant 403, none 401`, async () => {
      const url = await a.url();
      const good = await f.app.inject({ method: a.method, url, payload: a.body?.(), headers: auth(f.tokens.admin) });
      expect(good.statusCode, good.body).toBe(a.method === 'POST' ? 201 : 200);
      const tenant = await f.app.inject({ method: a.method, url, payload: a.body?.(), headers: auth(f.tokens.writeA) });
      expect(tenant.statusCode).toBe(403);
      const none = await f.app.inject({ method: a.method, url, payload: a.body?.() });
      expect(none.statusCode).toBe(401);
    });
  }

  it('a created token works at once and stops working when revoked', async () => {
    const c = await f.app.inject({
      method: 'POST',
      url: '/client/v4/admin/tokens',
      payload: { account_id: f.accountA, name: 'ci', scopes: ['addressing:read'] },
      headers: auth(f.tokens.admin),
    });
    const { id, value } = c.json().result as { id: string; value: string };
    expect(value).toMatch(/^fs_[A-Za-z0-9_-]{43}$/);
    const url = `/client/v4/accounts/${f.accountA}/addressing/prefixes`;
    expect((await f.app.inject({ method: 'GET', url, headers: auth(value) })).statusCode).toBe(200);
    await f.app.inject({ method: 'DELETE', url: `/client/v4/admin/tokens/${id}`, headers: auth(f.tokens.admin) });
    expect((await f.app.inject({ method: 'GET', url, headers: auth(value) })).statusCode).toBe(401);
    const listed = await f.app.inject({
      method: 'GET',
      url: `/client/v4/admin/tokens?account_id=${f.accountA}`,
      headers: auth(f.tokens.admin),
    });
    expect(JSON.stringify(listed.json())).not.toContain('token_hash');
  });
});
