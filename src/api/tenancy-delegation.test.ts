// Tenancy through delegations (issue 11): account A delegates the same /24 to B and C. A delegated
// account sees and changes only its own bindings: not the other delegated account's, not the owner's,
// even inside its delegated range. Every action on the prefix is in the audit log of the prefix's owner
// and of the acting account, and in no one else's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../addressing/model.js';
import { SERVICES } from '../addressing/model.js';
import { hashToken, newTokenSecret } from './auth.js';
import { auth, type Fixture, makeFixture } from './fixture.case.js';

let f: Fixture;
let accountC: string;
let writeC: string;
const cli: Actor = { kind: 'cli', id: 'cli:test', account_id: null, scopes: ['admin'], request_id: 'test' };

beforeAll(async () => {
  f = await makeFixture();
  accountC = (await f.service.accounts.create(cli, 'C')).id;
  writeC = newTokenSecret();
  await f.service.tokens.create(cli, {
    account_id: accountC,
    name: 'c',
    scopes: ['addressing:write'],
    token_hash: hashToken(writeC),
  });
});
afterAll(async () => {
  await f.close();
});

async function call(secret: string, account: string, method: string, path: string, payload?: object) {
  const r = await f.app.inject({
    method: method as 'GET',
    url: `/client/v4/accounts/${account}/addressing${path}`,
    ...(payload ? { payload } : {}),
    headers: auth(secret),
  });
  return { status: r.statusCode, body: r.json() as { result: unknown; errors: { message: string }[] } };
}

async function ok<T = { id: string }>(secret: string, account: string, method: string, path: string, payload?: object) {
  const r = await call(secret, account, method, path, payload);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result as T;
}

describe('one /24 delegated to two accounts', () => {
  let p: string;
  let ownerWhole: string;
  let ownerInside: string;
  let bindingB: string;
  let bindingC: string;
  const A = () => f.accountA;
  const B = () => f.accountB;

  beforeAll(async () => {
    const w = f.tokens.writeA;
    p = (await ok(w, A(), 'POST', '/prefixes', { cidr: '10.200.0.0/23', asn: 64500 })).id;
    await ok(w, A(), 'POST', `/prefixes/${p}/validate`);
    ownerWhole = (
      await ok(w, A(), 'POST', `/prefixes/${p}/bindings`, { cidr: '10.200.0.0/23', service_id: SERVICES.cdn.id })
    ).id;
    ownerInside = (
      await ok(w, A(), 'POST', `/prefixes/${p}/bindings`, { cidr: '10.200.0.0/26', service_id: SERVICES.spectrum.id })
    ).id;
    for (const to of [B(), accountC])
      await ok(w, A(), 'POST', `/prefixes/${p}/delegations`, { cidr: '10.200.0.0/24', delegated_account_id: to });
    bindingB = (
      await ok(f.tokens.writeB, B(), 'POST', `/prefixes/${p}/bindings`, {
        cidr: '10.200.0.128/26',
        service_id: SERVICES.magic_transit.id,
      })
    ).id;
    bindingC = (
      await ok(writeC, accountC, 'POST', `/prefixes/${p}/bindings`, {
        cidr: '10.200.0.64/26',
        service_id: SERVICES.dedicated_egress.id,
      })
    ).id;
  });

  it('a delegated account lists only its own bindings; the owner lists all', async () => {
    const ids = (rs: { id: string }[]) => rs.map((b) => b.id).sort();
    expect(ids(await ok(f.tokens.writeB, B(), 'GET', `/prefixes/${p}/bindings`))).toEqual([bindingB]);
    expect(ids(await ok(writeC, accountC, 'GET', `/prefixes/${p}/bindings`))).toEqual([bindingC]);
    expect(ids(await ok(f.tokens.readA, A(), 'GET', `/prefixes/${p}/bindings`))).toEqual(
      [ownerWhole, ownerInside, bindingB, bindingC].sort(),
    );
  });

  it("B cannot read or delete C's bindings, nor A's own inside B's delegated range (404, nothing removed)", async () => {
    for (const id of [bindingC, ownerInside, ownerWhole]) {
      expect((await call(f.tokens.writeB, B(), 'GET', `/prefixes/${p}/bindings/${id}`)).status).toBe(404);
      expect((await call(f.tokens.writeB, B(), 'DELETE', `/prefixes/${p}/bindings/${id}`)).status).toBe(404);
    }
    const all = await ok<{ id: string }[]>(f.tokens.readA, A(), 'GET', `/prefixes/${p}/bindings`);
    expect(all).toHaveLength(4);
  });

  it("a clash with another account's binding does not name that binding", async () => {
    const r = await call(f.tokens.writeB, B(), 'POST', `/prefixes/${p}/bindings`, {
      cidr: '10.200.0.64/26',
      service_id: SERVICES.cdn.id,
    });
    expect(r.status).toBe(409);
    expect(JSON.stringify(r.body)).not.toContain(bindingC);
  });

  it("every action on the prefix is in the owner's and the actor's audit log, and in no one else's", async () => {
    type Entry = { action: string; object_id: string; account_id: string | null; actor_account_id: string | null };
    const extra = (
      await ok(f.tokens.writeB, B(), 'POST', `/prefixes/${p}/bindings`, {
        cidr: '10.200.0.192/26',
        service_id: SERVICES.cdn.id,
      })
    ).id;
    await ok(f.tokens.writeB, B(), 'DELETE', `/prefixes/${p}/bindings/${extra}`);
    const log = async (secret: string, account: string) =>
      (await ok<Entry[]>(secret, account, 'GET', '/audit?per_page=100')).filter((e) => e.object_id === extra);
    const expected = [
      { action: 'binding.delete', account_id: A(), actor_account_id: B() },
      { action: 'binding.create', account_id: A(), actor_account_id: B() },
    ];
    const pick = (es: Entry[]) =>
      es.map(({ action, account_id, actor_account_id }) => ({ action, account_id, actor_account_id }));
    expect(pick(await log(f.tokens.readA, A()))).toEqual(expected);
    expect(pick(await log(f.tokens.writeB, B()))).toEqual(expected);
    expect(await log(writeC, accountC)).toEqual([]);
  });

  it('B still changes its own bindings, and only inside what is delegated to it', async () => {
    const outside = await call(f.tokens.writeB, B(), 'POST', `/prefixes/${p}/bindings`, {
      cidr: '10.200.1.0/26',
      service_id: SERVICES.cdn.id,
    });
    expect(outside.status).toBe(400);
    expect((await call(f.tokens.writeB, B(), 'DELETE', `/prefixes/${p}/bindings/${bindingB}`)).status).toBe(200);
    expect((await call(writeC, accountC, 'GET', `/prefixes/${p}/bindings/${bindingC}`)).status).toBe(200);
  });
});
