// kill -9 harness: the real server (src/bin/server.ts, its composition root) on embedded PGlite and on
// PostgreSQL takes concurrent writes and is killed with SIGKILL at a random moment; after each restart
// every write it acknowledged (201) is there, with its audit row. FAILSMALL_KILL_TRIALS sets the trials
// per backend (CI 10; `npm run soak` 200). What this proves and what it does not (an OS crash or power
// loss is not a process kill): docs/RELIABILITY.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema } from '../store/db.js';
import { probePostgres } from '../store/pg-probe.js';
import { describeIfAvailable, repoRoot } from '../testing/env.js';

// FAILSMALL_KILL_PORT: the first of the two ports (PGlite, PostgreSQL), for a soak beside another run.
const PORT = Number(process.env.FAILSMALL_KILL_PORT ?? 18210);
const TRIALS = Number(process.env.FAILSMALL_KILL_TRIALS ?? (process.env.FAILSMALL_SOAK === '1' ? 200 : 10));
const ADMIN = 'fs_kill_harness_Q7vK2mXp9LwR4tZb8NcF3hJ6sD1gY5eA0uW';

interface Target {
  env: Record<string, string>;
  port: number;
}

/** A server already listening on the port (another run's) would answer for ours: refuse to measure it. */
async function portFree(port: number): Promise<void> {
  const answered = await fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => true,
    () => false,
  );
  if (answered) throw new Error(`port ${port} already answers: another server runs there; stop it first`);
}

function start(t: Target): ChildProcess {
  // the built server when there is one (CI builds first; it starts faster), else the sources through tsx
  const built = join(repoRoot, 'dist', 'bin', 'server.js');
  const args = existsSync(built) ? [built] : ['--import', 'tsx', join(repoRoot, 'src', 'bin', 'server.ts')];
  return spawn(process.execPath, args, {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...t.env,
      PORT: String(t.port),
      HOST: '127.0.0.1',
      FAILSMALL_DEMO: '0',
      LOG_LEVEL: 'silent',
      FAILSMALL_BOOTSTRAP_TOKEN: ADMIN,
      FAILSMALL_RATE_LIMIT_PER_ADDRESS: '1000000',
      FAILSMALL_RATE_LIMIT_PER_TOKEN: '1000000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

async function ready(port: number, child: ChildProcess): Promise<void> {
  // generous: on a loaded machine (the whole suite in parallel) PGlite's start-up alone has taken over 100 s
  const until = Date.now() + 400_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

async function call(port: number, method: string, path: string, token: string, body?: unknown) {
  const r = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return {
    status: r.status,
    json: (await r.json()) as { result: { id: string; value?: string } & Record<string, unknown> },
  };
}

function killCases(target: () => Promise<Target>, cleanup: () => Promise<void>): void {
  afterAll(cleanup);
  /** Ids of every prefix of the account, page by page. */
  const listedIds = async (port: number, base: string, token: string): Promise<Set<string>> => {
    const ids = new Set<string>();
    for (let page = 1; ; page++) {
      const r = await call(port, 'GET', `${base}/prefixes?page=${page}&per_page=1000`, token);
      const items = r.json.result as unknown as { id: string }[];
      for (const p of items) ids.add(p.id);
      if (items.length < 1000) return ids;
    }
  };

  it(
    `${TRIALS} trials: kill -9 under concurrent writes, every acknowledged write and its audit row survive`,
    async () => {
      const t = await target();
      const acked: string[] = [];
      let account = '';
      let token = '';
      let n = 0;
      let attempted = 0;
      for (let trial = 0; trial < TRIALS; trial++) {
        await portFree(t.port);
        const child = start(t);
        await ready(t.port, child);
        if (trial === 0) {
          account = (await call(t.port, 'POST', '/client/v4/admin/accounts', ADMIN, { name: 'kill' })).json.result.id;
          token = (
            await call(t.port, 'POST', '/client/v4/admin/tokens', ADMIN, {
              account_id: account,
              name: 'writer',
              scopes: ['addressing:write'],
            })
          ).json.result.value!;
        }
        const base = `/client/v4/accounts/${account}/addressing`;
        // every write acknowledged before (and across every earlier kill) is there, with its audit row (one
        // listing per trial, not a read per write: with 200 trials that was thousands of reads each)
        const present = await listedIds(t.port, base, token);
        expect(acked.filter((id) => !present.has(id))).toEqual([]);
        const audited = new Set<string>();
        for (let page = 1; ; page++) {
          const r = await call(t.port, 'GET', `${base}/audit?page=${page}&per_page=5000`, token);
          const items = r.json.result as unknown as { action: string; object_id: string }[];
          for (const e of items) if (e.action === 'prefix.create') audited.add(e.object_id);
          if (items.length < 5000) break;
        }
        expect(acked.filter((id) => !audited.has(id))).toEqual([]);
        // writers until the kill: four concurrent loops of creates
        let killed = false;
        const writer = async () => {
          while (!killed) {
            const i = n++;
            const cidr = `10.${(i >> 8) & 255}.${i & 255}.0/24`;
            attempted++;
            try {
              const r = await call(t.port, 'POST', `${base}/prefixes`, token, { cidr, asn: 64500 });
              if (r.status === 201) acked.push(r.json.result.id);
            } catch {}
          }
        };
        const writers = [writer(), writer(), writer(), writer()];
        await new Promise((r) => setTimeout(r, 400 + Math.random() * 800));
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
        killed = true;
        await Promise.all(writers);
      }
      // the last kill too
      const child = start(t);
      await ready(t.port, child);
      const base = `/client/v4/accounts/${account}/addressing`;
      const ids = await listedIds(t.port, base, token);
      child.kill('SIGKILL');
      expect(acked.filter((id) => !ids.has(id))).toEqual([]);
      console.log(
        `kill -9 (${t.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}): ${TRIALS} trials, ${attempted} writes attempted, ${acked.length} acknowledged, 0 lost`,
      );
      expect(acked.length).toBeGreaterThan(TRIALS);
      // a trial (PGlite's start-up most of it) takes up to ~30 s on a loaded machine: the soak's 200 need hours
    },
    Math.max(1_800_000, TRIALS * 45_000),
  );
}

describe('kill -9: embedded PGlite', () => {
  killCases(
    async () => ({
      env: { FAILSMALL_DATA_DIR: join(mkdtempSync(join(tmpdir(), 'failsmall-kill-')), 'pglite') },
      port: PORT,
    }),
    async () => {},
  );
});

const pg = await probePostgres();
const schema = `kill_${process.pid}`;
describeIfAvailable('kill -9: PostgreSQL', 'missing' in pg ? pg.missing : null, () => {
  const url = 'url' in pg ? pg.url : '';
  killCases(
    async () => ({ env: { DATABASE_URL: url, FAILSMALL_PG_SCHEMA: schema }, port: PORT + 1 }),
    async () => {
      if (url) await dropSchema(url, schema);
    },
  );
});
