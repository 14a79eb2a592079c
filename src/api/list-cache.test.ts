import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../addressing/model.js';
import { AddressingService } from '../addressing/service.js';
import { systemClock } from '../lib/clock.js';
import { openStore, randomIds } from '../store/harness.js';
import { probePostgres } from '../store/pg-probe.js';
import { describeIfAvailable } from '../testing/env.js';
import { auth, type Fixture, makeFixture } from './fixture.case.js';
import { ListCache } from './list-cache.js';
import { buildServer } from './server.js';

describe('ListCache', () => {
  it('serves what was stored, drops it on invalidate, refuses a read that raced a change', () => {
    const c = new ListCache();
    const g0 = c.generation('a');
    c.set('a', 'k', 'v1', g0);
    expect(c.get('a', 'k')).toBe('v1');
    const g1 = c.generation('a');
    c.invalidate('a');
    expect(c.get('a', 'k')).toBeUndefined();
    c.set('a', 'k', 'stale', g1);
    expect(c.get('a', 'k')).toBeUndefined();
    c.set('b', 'k', 'vb', c.generation('b'));
    const gb = c.generation('b');
    c.clear();
    expect(c.get('b', 'k')).toBeUndefined();
    c.set('b', 'k', 'stale', gb);
    expect(c.get('b', 'k')).toBeUndefined();
  });
  it('stays bounded', () => {
    const c = new ListCache(10);
    for (let i = 0; i < 100; i++) c.set(`a${i}`, 'k', 'v', c.generation(`a${i}`));
    let n = 0;
    for (let i = 0; i < 100; i++) if (c.get(`a${i}`, 'k')) n++;
    expect(n).toBeLessThanOrEqual(10);
  });
  it('stays bounded in bytes: 1,000 distinct keys of a 100 kB body hold at most the budget', () => {
    const budget = 4 * 1024 * 1024;
    const c = new ListCache(20_000, budget);
    const body = 'x'.repeat(100_000);
    for (let perPage = 1; perPage <= 1000; perPage++) {
      c.set('a', `per_page=${perPage}`, body, c.generation('a'));
      expect(c.bytes).toBeLessThanOrEqual(budget);
    }
    expect(c.get('a', 'per_page=1000')).toBe(body);
    c.set('a', 'huge', 'y'.repeat(budget), c.generation('a'));
    expect(c.get('a', 'huge')).toBeUndefined();
    c.invalidate('a');
    expect(c.bytes).toBe(0);
  });
});

describe('cached list responses follow every change', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await makeFixture();
  });
  afterAll(async () => {
    await f.close();
  });
  it('create, edit, state change and delete show at once', async () => {
    const url = `/client/v4/accounts/${f.accountA}/addressing/prefixes`;
    const list = async (qs = '') =>
      (await f.app.inject({ method: 'GET', url: url + qs, headers: auth(f.tokens.readA) })).json().result as {
        id: string;
        description: string;
      }[];
    expect(await list()).toEqual([]);
    const p = (
      await f.app.inject({
        method: 'POST',
        url,
        payload: { cidr: '192.0.2.0/24', asn: 64500 },
        headers: auth(f.tokens.writeA),
      })
    ).json().result;
    expect((await list()).map((x) => x.id)).toEqual([p.id]);
    await f.app.inject({
      method: 'PATCH',
      url: `${url}/${p.id}`,
      payload: { description: 'new' },
      headers: auth(f.tokens.writeA),
    });
    expect((await list())[0]?.description).toBe('new');
    await f.app.inject({
      method: 'PATCH',
      url: `${url}/${p.id}`,
      payload: { state: 'pending_delete' },
      headers: auth(f.tokens.writeA),
    });
    expect(await list()).toEqual([]);
    expect((await list('?state=pending_delete')).map((x) => x.id)).toEqual([p.id]);
    // a cached answer is still subject to tenancy and scope
    const other = await f.app.inject({
      method: 'GET',
      url: `${url}?state=pending_delete`,
      headers: auth(f.tokens.writeB),
    });
    expect(other.statusCode).toBe(404);
    const wrong = await f.app.inject({
      method: 'GET',
      url: `${url}?state=pending_delete`,
      headers: auth(f.tokens.adminOfA),
    });
    expect(wrong.statusCode).toBe(403);
    await f.app.inject({ method: 'DELETE', url: `${url}/${p.id}`, headers: auth(f.tokens.writeA) });
    expect(await list('?state=pending_delete')).toEqual([]);
    expect((await list('?state=deleted')).map((x) => x.id)).toEqual([p.id]);
  });
});

const pgProbe = await probePostgres();
describeIfAvailable(
  'cached lists across two servers on one PostgreSQL',
  'missing' in pgProbe ? pgProbe.missing : null,
  () => {
    it('a change made through one server reaches the other server cache within a poll', async () => {
      const url = 'url' in pgProbe ? pgProbe.url : '';
      const one = await openStore({ databaseUrl: url, freshSchema: true });
      // the second process: same database and schema, its own connections, cache and watcher
      const two = await openStore({ databaseUrl: url, schema: one.schema });
      const svc1 = new AddressingService(one.store, systemClock, randomIds);
      const svc2 = new AddressingService(two.store, systemClock, randomIds);
      const admin: Actor = { kind: 'cli', id: 'cli:t', account_id: null, scopes: ['admin'], request_id: 't' };
      const acc = (await svc1.accounts.create(admin, 'x')).id;
      const w: Actor = { kind: 'token', id: 't', account_id: acc, scopes: ['addressing:write'], request_id: 't' };
      const { hashToken, newTokenSecret } = await import('./auth.js');
      const secret = newTokenSecret();
      await svc1.tokens.create(admin, {
        account_id: acc,
        name: 'r',
        scopes: ['addressing:read'],
        token_hash: hashToken(secret),
      });
      const app2 = await buildServer({
        version: 't',
        tokens: (h) => two.store.tokenByHash(h),
        addressing: { service: svc2 },
      });
      const list = async () =>
        (
          await app2.inject({
            method: 'GET',
            url: `/client/v4/accounts/${acc}/addressing/prefixes`,
            headers: auth(secret),
          })
        ).json().result as { id: string }[];
      expect(await list()).toEqual([]);
      const p = await svc1.prefixes.create(w, acc, { cidr: '198.51.100.0/24', asn: 64500 });
      let seen: { id: string }[] = [];
      for (let i = 0; i < 50 && seen.length === 0; i++) {
        seen = await list();
        if (seen.length === 0) await new Promise((r) => setTimeout(r, 20));
      }
      expect(seen.map((x) => x.id)).toEqual([p.id]);
      await app2.close();
      await two.store.close();
      await one.close();
    });
  },
);
