import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildCli } from './cli.js';
import { buildControlPlane } from './server.js';

let dir: string;
const saved = { ...process.env };
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'failsmall-admin-'));
  delete process.env.DATABASE_URL;
  process.env.FAILSMALL_DATA_DIR = join(dir, 'pglite');
});
afterAll(() => {
  process.env = saved;
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ out: unknown; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => {
    err += String(c);
    return true;
  });
  process.exitCode = 0;
  try {
    await buildCli()
      .exitOverride()
      .parseAsync(['node', 'failsmall', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out: out ? JSON.parse(out) : undefined, err, code };
}

describe('failsmall admin (embedded PGlite in FAILSMALL_DATA_DIR)', () => {
  it('creates an account and a token the server then accepts; revokes it; runs the cleanup job', async () => {
    const acc = (await cli('admin', 'account', 'create', 'acme')).out as { id: string; name: string };
    expect(acc.name).toBe('acme');
    expect(((await cli('admin', 'account', 'list')).out as { id: string }[]).map((a) => a.id)).toEqual([acc.id]);
    const tok = (
      await cli(
        'admin',
        'token',
        'create',
        '--name',
        'ci',
        '--scope',
        'addressing:read',
        'addressing:write',
        '--account',
        acc.id,
      )
    ).out as {
      id: string;
      value: string;
      scopes: string[];
    };
    expect(tok.scopes).toEqual(['addressing:read', 'addressing:write']);
    expect(tok.value).toMatch(/^fs_/);
    const listed = (await cli('admin', 'token', 'list', '--account', acc.id)).out as Record<string, unknown>[];
    expect(listed.map((t) => t.id)).toEqual([tok.id]);
    expect(JSON.stringify(listed)).not.toContain(tok.value);
    expect(JSON.stringify(listed)).not.toContain('token_hash');

    const bad = await cli('admin', 'token', 'create', '--name', 'x', '--scope', 'root');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/E_ADDR_INVALID: --scope root/);

    // the server over the same data directory knows the token (only its hash was stored)
    const cp = await buildControlPlane({ FAILSMALL_DATA_DIR: process.env.FAILSMALL_DATA_DIR }, 'silent');
    const url = `/client/v4/accounts/${acc.id}/addressing/prefixes`;
    const res = await cp.app.inject({
      method: 'POST',
      url,
      payload: { cidr: '192.0.2.0/24', asn: 64500 },
      headers: { authorization: `Bearer ${tok.value}` },
    });
    expect(res.statusCode).toBe(201);
    const prefixId = res.json().result.id as string;
    await cp.app.inject({
      method: 'PATCH',
      url: `${url}/${prefixId}`,
      payload: { state: 'pending_delete' },
      headers: { authorization: `Bearer ${tok.value}` },
    });
    await cp.close();

    const dry = (await cli('admin', 'cleanup-pending-deletes', '--max-deletes', '10', '--dry-run')).out as {
      candidates: string[];
      deleted: string[];
    };
    expect(dry).toMatchObject({ candidates: [prefixId], deleted: [] });
    const capped = await cli('admin', 'cleanup-pending-deletes', '--max-deletes', '0');
    expect(capped.code).toBe(1);
    expect(capped.err).toMatch(/E_ADDR_JOB_CAP/);
    const run = (await cli('admin', 'cleanup-pending-deletes', '--max-deletes', '10')).out as { deleted: string[] };
    expect(run.deleted).toEqual([prefixId]);

    const revoked = (await cli('admin', 'token', 'revoke', tok.id)).out as { revoked_at: string | null };
    expect(revoked.revoked_at).not.toBeNull();
    const cp2 = await buildControlPlane({ FAILSMALL_DATA_DIR: process.env.FAILSMALL_DATA_DIR }, 'silent');
    const after = await cp2.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tok.value}` } });
    expect(after.statusCode).toBe(401);
    await cp2.close();
    // a dozen PGlite opens (each CLI call and server is its own process's view): slow on a loaded machine
  }, 240_000);
});
