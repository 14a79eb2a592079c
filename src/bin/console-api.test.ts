// The console's server side through HTTP, on the demo control plane (embedded PGlite in memory): a
// customer token can do nothing through the console routes that it cannot do through the API;
// incident mode freezes customer writes on the Addressing API except the safe set, and records the
// safe ones; revert-last-change and return-to-snapshot act on the caller's own slice only; the event
// stream tells a customer nothing about other accounts. (The browser side: console.test.ts.)
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../api/auth.js';
import { attachDemo } from './demo.js';
import { buildControlPlane, type ControlPlane } from './server.js';

const OP = 'console-api-test-operator-token-0123456789';
const env = {
  FAILSMALL_DATA_DIR: 'memory://',
  FAILSMALL_DEMO_TOKEN: OP,
  FAILSMALL_DEMO_BAKE_S: '1',
  FAILSMALL_DEMO_BYOIP: '20',
};
let cp: ControlPlane;
let app: FastifyInstance;
const tokens: Record<string, { account: string; secret: string }> = {};

type Res = { status: number; body: { result: any; errors: { error_code: string; message: string }[] } };
async function call(
  secret: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
): Promise<Res> {
  const r = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${secret}`,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
  return { status: r.statusCode, body: r.json() };
}
async function until(what: string, ok: () => Promise<unknown>, ms = 30_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const A = (id: string) => `/client/v4/accounts/${id}/addressing`;

beforeAll(async () => {
  cp = await buildControlPlane(env, 'silent');
  await attachDemo(cp, env);
  await cp.loop.start();
  app = cp.app;
  const accounts = (await call(OP, 'GET', '/v1/accounts')).body.result as { id: string; name: string }[];
  const admin = { kind: 'cli' as const, id: 'cli:test', account_id: null, scopes: ['admin' as const], request_id: 't' };
  for (const name of ['Acme Retail', 'Globex Media']) {
    const id = accounts.find((a) => a.name === name)?.id as string;
    const secret = `console-api-test-${name.replace(' ', '-')}-0123456789abcdef`;
    await cp.service.tokens.create(admin, {
      account_id: id,
      name,
      scopes: ['addressing:write'],
      token_hash: hashToken(secret),
    });
    tokens[name] = { account: id, secret };
  }
  const acme = tokens['Acme Retail'] as { account: string; secret: string };
  await until('the seeded state to be live everywhere', async () => {
    const o = await call(acme.secret, 'GET', `/v1/accounts/${acme.account}/overview`);
    return o.body.result.prefixes[0]?.bgp_prefixes[0]?.edge?.state === 'live';
  });
}, 120_000);
afterAll(async () => {
  await new Promise((r) => setTimeout(r, 300));
  await cp.close();
});

async function firstBgp(who: { account: string; secret: string }, cidr: string) {
  const p = (await call(who.secret, 'GET', `${A(who.account)}/prefixes`)).body.result.find(
    (x: { cidr: string }) => x.cidr === cidr,
  );
  const b = (await call(who.secret, 'GET', `${A(who.account)}/prefixes/${p.id}/bgp/prefixes`)).body.result[0];
  return {
    prefix: p.id as string,
    bgp: b.id as string,
    url: `${A(who.account)}/prefixes/${p.id}/bgp/prefixes/${b.id}`,
  };
}

describe('console API', () => {
  it('a customer sees its own overview with edge state, and nothing of another account', async () => {
    const acme = tokens['Acme Retail'] as { account: string; secret: string };
    const globex = tokens['Globex Media'] as { account: string; secret: string };
    const mine = await call(acme.secret, 'GET', `/v1/accounts/${acme.account}/overview`);
    expect(mine.status).toBe(200);
    expect(mine.body.result.account.name).toBe('Acme Retail');
    expect(mine.body.result.prefixes.map((p: { cidr: string }) => p.cidr)).toEqual([
      '45.10.0.0/24',
      '45.10.1.0/24',
      '45.10.2.0/24',
    ]);
    expect(
      mine.body.result.prefixes[0].bgp_prefixes[0].edge,
      JSON.stringify((await call(OP, 'GET', '/v1/rollouts/status')).body.result),
    ).toMatchObject({
      state: 'live',
      locations_live: 12,
      locations_total: 12,
    });
    const theirs = await call(acme.secret, 'GET', `/v1/accounts/${globex.account}/overview`);
    expect(theirs.status).toBe(404);
    expect(theirs.body.errors[0]?.error_code).toBe('E_ADDR_NOT_FOUND');
    for (const url of ['/v1/accounts', '/v1/audit', '/v1/alerts', '/v1/announcements/history'])
      expect((await call(acme.secret, 'GET', url)).status, url).toBe(403);
    // strict query, as everywhere (the one stack authorizes first: a customer gets its 403 above)
    expect((await call(OP, 'GET', '/v1/audit?bogus=1')).status).toBe(400);
    expect((await call('not-a-token', 'GET', '/v1/console/session')).status).toBe(401);
  });

  it('revert my last change undoes a withdraw; return to a snapshot accepts only known-good ones, only for my account', async () => {
    const acme = tokens['Acme Retail'] as { account: string; secret: string };
    const globex = tokens['Globex Media'] as { account: string; secret: string };
    const t = await firstBgp(acme, '45.10.2.0/24');
    expect((await call(acme.secret, 'PATCH', t.url, { on_demand: { advertised: false } })).status).toBe(200);
    const r = await call(acme.secret, 'POST', `/v1/accounts/${acme.account}/revert-last-change`, { reason: 'mistake' });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.result.inverse).toBe('re-advertise 45.10.2.0/24');
    expect((await call(acme.secret, 'GET', t.url)).body.result.on_demand.advertised).toBe(true);
    expect(
      (await call(acme.secret, 'POST', `/v1/accounts/${globex.account}/revert-last-change`, { reason: 'x' })).status,
    ).toBe(404);
    const bad = await call(acme.secret, 'POST', `/v1/accounts/${acme.account}/return-to-snapshot`, {
      snapshot: 999,
      reason: 'x',
    });
    expect(bad.status).toBe(409);
    expect(bad.body.errors[0]?.error_code).toBe('E_CONSOLE_NOT_GOOD_SNAPSHOT');
    const good = await call(acme.secret, 'POST', `/v1/accounts/${acme.account}/return-to-snapshot`, {
      snapshot: 1,
      reason: 'known good',
    });
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    const audit = (await call(OP, 'GET', '/v1/audit?action=rollback.account')).body.result;
    expect(audit[0]).toMatchObject({ reason: 'known good', account_id: acme.account, object_type: 'snapshot' });
  });

  it('incident mode: customer writes frozen (423) except re-advertise, which is recorded as a safe action; operators unaffected', async () => {
    const acme = tokens['Acme Retail'] as { account: string; secret: string };
    const t = await firstBgp(acme, '45.10.0.0/24');
    expect((await call(acme.secret, 'PATCH', t.url, { on_demand: { advertised: false } })).status).toBe(200);
    expect((await call(acme.secret, 'POST', '/v1/incident-mode', { on: true, reason: 'x' })).status).toBe(403);
    expect((await call(OP, 'POST', '/v1/incident-mode', { on: true, reason: '' })).status).toBe(400);
    const on = await call(OP, 'POST', '/v1/incident-mode', { on: true, reason: 'cleanup job withdrew BYOIP prefixes' });
    expect(on.body.result).toMatchObject({ on: true, reason: 'cleanup job withdrew BYOIP prefixes' });
    expect((await call(acme.secret, 'GET', '/v1/console/session')).body.result.incident.on).toBe(true);

    const frozen = await call(acme.secret, 'PATCH', t.url, { on_demand: { advertised: false } });
    expect(frozen.status).toBe(423);
    expect(frozen.body.errors[0]?.error_code).toBe('E_INCIDENT_FROZEN');
    const del = await call(acme.secret, 'DELETE', `${A(acme.account)}/prefixes/${t.prefix}`);
    expect(del.status).toBe(423);
    const sneaky = await call(acme.secret, 'PATCH', t.url, { on_demand: { advertised: true }, asn_prepend_count: 3 });
    expect(sneaky.status).toBe(423);
    const safe = await call(acme.secret, 'PATCH', t.url, { on_demand: { advertised: true } });
    expect(safe.status).toBe(200);
    await until('the safe action in the audit log', async () =>
      (await call(OP, 'GET', '/v1/audit?action=incident_mode.safe_action')).body.result.some(
        (a: { object_id: string; actor_id: string; after: { safe_action: string } }) =>
          a.object_id === acme.account && a.after.safe_action === 're-advertise',
      ),
    );
    // the operator is not frozen
    const g = await firstBgp(tokens['Globex Media'] as { account: string; secret: string }, '45.11.0.0/24');
    expect((await call(OP, 'PATCH', g.url, { on_demand: { advertised: true } })).status).toBe(200);
    expect((await call(OP, 'POST', '/v1/incident-mode', { on: false, reason: 'over' })).body.result.on).toBe(false);
    const audit = (await call(OP, 'GET', '/v1/audit?action=incident_mode.')).body.result.map(
      (a: { action: string }) => a.action,
    );
    expect(audit.slice(0, 3)).toEqual(['incident_mode.off', 'incident_mode.safe_action', 'incident_mode.on']);
  });

  it("the event stream: a customer hears of its own account's changes, not another's", async () => {
    const acme = tokens['Acme Retail'] as { account: string; secret: string };
    const globex = tokens['Globex Media'] as { account: string; secret: string };
    const address = await app.listen({ port: 18603, host: '127.0.0.1' });
    const ac = new AbortController();
    const r = await fetch(`${address}/v1/events`, {
      headers: { authorization: `Bearer ${acme.secret}` },
      signal: ac.signal,
    });
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    const reader = (r.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const g = await firstBgp(globex, '45.11.1.0/24');
    await call(globex.secret, 'PATCH', g.url, { on_demand: { advertised: false } });
    const a = await firstBgp(acme, '45.10.1.0/24');
    await call(acme.secret, 'PATCH', a.url, { on_demand: { advertised: false } });
    const end = Date.now() + 5000;
    while (Date.now() < end && !text.includes(`"account":"${acme.account}"`)) text += (await reader.read()).value ?? '';
    ac.abort();
    expect(text).toContain('event: hello');
    expect(text).toContain(`"account":"${acme.account}"`);
    expect(text).not.toContain(globex.account);
    expect(text).not.toContain('event: history'); // network-wide series are for operators
  });
});
