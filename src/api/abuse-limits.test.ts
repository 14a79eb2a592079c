// Abuse limits: 429 in the v4 envelope per client address and per token (before authentication, so bad
// tokens are limited too); failed authentications and authorisations counted; a slow body answered 408.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KyselyAuditLog } from '../store/audit-log.js';
import { authFailureCounts, authFailureEvent } from './auth-failures.js';
import { auth, type Fixture, makeFixture } from './fixture.case.js';
import { buildServer } from './server.js';

describe('rate limits', () => {
  let f: Fixture;
  let limited: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    f = await makeFixture();
    limited = await buildServer({
      version: 'test',
      tokens: (h) => f.opened.store.tokenByHash(h),
      addressing: { service: f.service },
      rateLimits: { perAddress: 30, perToken: 10, windowMs: 60_000 },
    });
  });
  afterAll(async () => {
    await limited?.close();
    await f?.close();
  });
  const list = (secret: string | undefined, ip = '192.0.2.1') =>
    limited.inject({
      method: 'GET',
      url: `/client/v4/accounts/${f.accountA}/addressing/prefixes`,
      headers: auth(secret),
      remoteAddress: ip,
    });

  it('per token: the 11th request with one token in a minute is a 429 in the envelope, another token goes on', async () => {
    const codes = [];
    for (let i = 0; i < 11; i++) codes.push((await list(f.tokens.readA, '192.0.2.10')).statusCode);
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(200));
    const r = await list(f.tokens.readA, '192.0.2.10');
    expect(r.statusCode).toBe(429);
    expect(r.headers['retry-after']).toBeDefined();
    expect(r.json()).toMatchObject({
      success: false,
      result: null,
      errors: [{ code: 10022, error_code: 'E_API_RATE_LIMITED' }],
    });
    expect((await list(f.tokens.writeA, '192.0.2.10')).statusCode).toBe(200);
  });

  it('per address: bad tokens from one address are limited too', async () => {
    const codes = [];
    for (let i = 0; i < 32; i++) codes.push((await list(`fs_bad${i}`, '192.0.2.20')).statusCode);
    expect(codes.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(codes.slice(30)).toEqual([429, 429]);
    // another address is not
    expect((await list(f.tokens.writeA, '192.0.2.21')).statusCode).toBe(200);
  });

  it('counts failed authentications and authorisations', async () => {
    const before = authFailureCounts();
    const url = `/client/v4/accounts/${f.accountA}/addressing/prefixes`;
    expect((await f.app.inject({ method: 'GET', url, headers: auth('fs_nope') })).statusCode).toBe(401);
    const denied = await f.app.inject({
      method: 'POST',
      url,
      headers: auth(f.tokens.readA),
      payload: { cidr: '192.0.2.0/24', asn: 64500 },
    });
    expect(denied.statusCode).toBe(403);
    await new Promise((r) => setTimeout(r, 50)); // onResponse hooks run after inject() resolves
    const after = authFailureCounts();
    expect(after.authentication - before.authentication).toBe(1);
    expect(after.authorisation - before.authorisation).toBe(1);
  });
});

describe('slow bodies', () => {
  let f: Fixture;
  let app: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    f = await makeFixture();
    app = await buildServer({
      version: 'test',
      tokens: (h) => f.opened.store.tokenByHash(h),
      addressing: { service: f.service },
      bodyTimeoutMs: 500,
    });
    await app.listen({ port: 18201, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app?.close();
    await f?.close();
  });

  it('a body that trickles in is answered 408 E_API_BODY_TIMEOUT and the connection closed', async () => {
    const started = Date.now();
    const reply = await new Promise<string>((resolve, reject) => {
      const s = connect(18201, '127.0.0.1', () => {
        s.write(
          `POST /client/v4/accounts/${f.accountA}/addressing/prefixes HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${f.tokens.writeA}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"ci`,
        );
      });
      let got = '';
      s.on('data', (d) => {
        got += d.toString();
      });
      s.on('close', () => resolve(got));
      s.on('error', reject);
      setTimeout(() => s.destroy(), 5000).unref();
    });
    expect(reply).toMatch(/^HTTP\/1.1 408/);
    expect(reply).toContain('E_API_BODY_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('failed authentications and authorisations in the named account audit log', () => {
  let f: Fixture;
  let app: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    f = await makeFixture();
    const log = new KyselyAuditLog(f.opened.database.db);
    let n = 0;
    app = await buildServer({
      version: 'test',
      tokens: (h) => f.opened.store.tokenByHash(h),
      addressing: { service: f.service },
      authFailureAudit: (failure) => log.append([authFailureEvent(failure, `af-${n++}`, new Date().toISOString())]),
    });
  });
  afterAll(async () => {
    await app?.close();
    await f?.close();
  });

  it('a bad token and a read token writing are audited in the account they named, with the route and address', async () => {
    const url = `/client/v4/accounts/${f.accountA}/addressing/prefixes`;
    expect(
      (await app.inject({ method: 'GET', url, headers: auth('fs_not_a_token'), remoteAddress: '192.0.2.7' }))
        .statusCode,
    ).toBe(401);
    const denied = await app.inject({
      method: 'POST',
      url,
      headers: { ...auth(f.tokens.readA), 'content-type': 'application/json' },
      payload: { cidr: '203.0.113.0/24', asn: 64500 },
    });
    expect(denied.statusCode).toBe(403);
    const { items } = await new KyselyAuditLog(f.opened.database.db).list({
      account_id: f.accountA,
      page: 1,
      per_page: 50,
    });
    const failures = items.filter((e) => e.action.startsWith('auth.')).map((e) => [e.action, e.object_id, e.after]);
    expect(failures).toEqual([
      [
        'auth.authorisation_failed',
        'POST /client/v4/accounts/:account_id/addressing/prefixes',
        { address: '127.0.0.1' },
      ],
      [
        'auth.authentication_failed',
        'GET /client/v4/accounts/:account_id/addressing/prefixes',
        { address: '192.0.2.7' },
      ],
    ]);
  });
});
