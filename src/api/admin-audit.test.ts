// The audit entries of global (operator, admin) tokens' actions outside any account (accounts created,
// global tokens minted and revoked) are readable by global admins through GET /client/v4/admin/audit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, type Fixture, makeFixture } from './fixture.case.js';

describe('admin audit endpoint', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await makeFixture();
  });
  afterAll(async () => {
    await f?.close();
  });
  const get = (secret: string, qs = '') =>
    f.app.inject({ method: 'GET', url: `/client/v4/admin/audit${qs}`, headers: auth(secret) });

  it('lists what global tokens did outside any account, newest first', async () => {
    const minted = await f.app.inject({
      method: 'POST',
      url: '/client/v4/admin/tokens',
      headers: auth(f.tokens.admin),
      payload: { name: 'ops-2', account_id: null, scopes: ['operator'] },
    });
    expect(minted.statusCode).toBe(201);
    const r = await get(f.tokens.admin, '?per_page=1000');
    expect(r.statusCode).toBe(200);
    const items = r.json().result as {
      action: string;
      object_id: string;
      account_id: string | null;
      actor_id: string;
    }[];
    expect(items[0]).toMatchObject({ action: 'token.create', object_id: minted.json().result.id, account_id: null });
    expect(items.filter((e) => e.action === 'token.create')).toHaveLength(3); // the fixture's global admin and operator, and ops-2
    expect(items.every((e) => e.account_id === null)).toBe(true);
  });

  it('is refused to account-bound admins and to tenants', async () => {
    expect((await get(f.tokens.adminOfA)).statusCode).toBe(403);
    expect((await get(f.tokens.writeA)).statusCode).toBe(403);
    expect((await get(f.tokens.admin, '?per_page=0')).statusCode).toBe(400);
  });
});
