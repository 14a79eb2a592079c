// Tokens: a new FAILSMALL_BOOTSTRAP_TOKEN revokes the old one across a restart; a weak secret is refused;
// an admin token bound to one account cannot mint global tokens or another account's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, type Fixture, makeFixture } from '../api/fixture.case.js';
import { estimatedBits, weakSecret } from '../lib/secret-strength.js';
import { bootstrapAdmin } from './bootstrap-token.js';
import { buildControlPlane } from './server.js';

const strong = (c: string) => `${c}_Q7vK2mXp9LwR4tZb8NcF3hJ6sD1gY5eA0uW`;

async function status(secret: string, dataDir: string): Promise<number> {
  const cp = await buildControlPlane({ FAILSMALL_DATA_DIR: dataDir, FAILSMALL_BOOTSTRAP_TOKEN: secret }, 'silent');
  try {
    const r = await cp.app.inject({ method: 'GET', url: '/client/v4/admin/accounts', headers: auth(secret) });
    return r.statusCode;
  } finally {
    await cp.close();
  }
}

describe('FAILSMALL_BOOTSTRAP_TOKEN', () => {
  it('a restart with a new secret revokes the old bootstrap token', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'failsmall-bootstrap-')), 'pglite');
    expect(await status(strong('one'), dir)).toBe(200);
    expect(await status(strong('one'), dir)).toBe(200); // the same secret again: still the one token
    const cp = await buildControlPlane({ FAILSMALL_DATA_DIR: dir, FAILSMALL_BOOTSTRAP_TOKEN: strong('two') }, 'silent');
    try {
      const old = await cp.app.inject({
        method: 'GET',
        url: '/client/v4/admin/accounts',
        headers: auth(strong('one')),
      });
      expect(old.statusCode).toBe(401);
      const tokens = await cp.app.inject({
        method: 'GET',
        url: '/client/v4/admin/tokens',
        headers: auth(strong('two')),
      });
      const live = (tokens.json().result as { name: string; revoked_at: string | null }[]).filter(
        (t) => t.name === 'bootstrap' && t.revoked_at === null,
      );
      expect(live).toHaveLength(1);
    } finally {
      await cp.close();
    }
  }, 600_000);

  it.each([
    ['a'.repeat(32), /bits of entropy/],
    ['ab'.repeat(20), /bits of entropy/],
    ['short-secret', /at least 32/],
  ])('refuses the weak secret %s', async (secret, why) => {
    await expect(
      buildControlPlane({ FAILSMALL_DATA_DIR: 'memory://', FAILSMALL_BOOTSTRAP_TOKEN: secret }, 'silent'),
    ).rejects.toThrow(why);
  });

  it('scores random secrets above the floor', () => {
    expect(weakSecret(strong('x'))).toBeUndefined();
    expect(weakSecret('0f3a9c7e5b1d2486a0c4e8f1b3d5a7c9')).toBeUndefined();
    expect(estimatedBits('a'.repeat(32))).toBe(0);
  });
});

describe('an admin token bound to one account', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await makeFixture();
  });
  afterAll(async () => {
    await f?.close();
  });
  const mint = (secret: string, body: object) =>
    f.app.inject({ method: 'POST', url: '/client/v4/admin/tokens', headers: auth(secret), payload: body });

  it('cannot mint a global token or one of another account', async () => {
    for (const scopes of [['admin'], ['operator']]) {
      const r = await mint(f.tokens.adminOfA, { name: 'escalate', account_id: null, scopes });
      expect([r.statusCode, r.json().errors[0].error_code]).toEqual([403, 'E_ADDR_FORBIDDEN']);
    }
    const other = await mint(f.tokens.adminOfA, {
      name: 'other',
      account_id: f.accountB,
      scopes: ['addressing:write'],
    });
    expect(other.statusCode).toBe(403);
  });

  it("mints its own account's tokens; a global admin mints global ones", async () => {
    const own = await mint(f.tokens.adminOfA, { name: 'own', account_id: f.accountA, scopes: ['addressing:read'] });
    expect(own.statusCode).toBe(201);
    const global = await mint(f.tokens.admin, { name: 'ops', account_id: null, scopes: ['operator'] });
    expect(global.statusCode).toBe(201);
    const revoke = await f.app.inject({
      method: 'DELETE',
      url: `/client/v4/admin/tokens/${global.json().result.id}`,
      headers: auth(f.tokens.adminOfA),
    });
    expect(revoke.statusCode).toBe(403);
  });
});
