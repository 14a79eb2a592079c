// The hostile-input fuzzer (src/api/fuzz.case.ts) against both backends: every operation of /openapi.json,
// every request refused by construction; zero 5xx, zero 2xx, and the database and audit log the same
// before and after. FAILSMALL_API_FUZZ_REQUESTS sets the requests per backend (CI: 5,000 per backend,
// 10,000 in all; `npm run soak`: 50,000 per backend), FAILSMALL_FUZZ_SEED the seed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, SERVICES } from '../addressing/model.js';
import { probePostgres } from '../store/pg-probe.js';
import { describeIfAvailable } from '../testing/env.js';
import { type Fixture, makeFixture } from './fixture.case.js';
import { HostileRequests, operationsOf } from './fuzz.case.js';
import { buildServer } from './server.js';

const REQUESTS = Number(
  process.env.FAILSMALL_API_FUZZ_REQUESTS ?? (process.env.FAILSMALL_SOAK === '1' ? 50_000 : 5_000),
);
const SEED = Number(process.env.FAILSMALL_FUZZ_SEED ?? 11);
const cli: Actor = { kind: 'cli', id: 'cli:fuzz', account_id: null, scopes: ['admin', 'operator'], request_id: 'fuzz' };
const TABLES = ['accounts', 'tokens', 'prefixes', 'bgp_prefixes', 'bindings', 'delegations', 'audit'] as const;

async function snapshot(f: Fixture): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) {
    out[t] = await f.opened.database.db.selectFrom(t).selectAll().orderBy('id').execute();
  }
  return JSON.stringify(out);
}

function fuzzCases(open: () => Promise<Fixture>, label: string): void {
  let f: Fixture;
  let app: Awaited<ReturnType<typeof buildServer>>;
  let ids: Record<string, string[]>;
  beforeAll(async () => {
    f = await open();
    const p = await f.service.prefixes.create(cli, f.accountA, { cidr: '198.51.100.0/24', asn: 64500 });
    await f.service.prefixes.validate(cli, f.accountA, p.id);
    const bgp = await f.service.bgp.create(cli, f.accountA, p.id, '198.51.100.0/24');
    const binding = await f.service.bindings.create(cli, f.accountA, p.id, {
      cidr: '198.51.100.0/24',
      service_id: SERVICES.cdn.id,
    });
    const delegation = await f.service.delegations.create(cli, f.accountA, p.id, {
      cidr: '198.51.100.0/25',
      delegated_account_id: f.accountB,
    });
    const tokens = await f.service.tokens.list(cli, f.accountA);
    ids = {
      account_id: [f.accountA],
      prefix_id: [p.id],
      bgp_prefix_id: [bgp.id],
      binding_id: [binding.id],
      delegation_id: [delegation.id],
      token_id: tokens.map((t) => t.id),
    };
    // the rate limits would answer 429 before the faults are reached: the fuzzer tests what is behind them
    app = await buildServer({
      version: 'fuzz',
      tokens: (h) => f.opened.store.tokenByHash(h),
      addressing: { service: f.service },
      rateLimits: false,
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await f?.close();
  });

  it(`${REQUESTS} hostile requests over every operation: no 5xx, no 2xx, no change (${label})`, async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const ops = operationsOf(doc);
    expect(ops.length).toBeGreaterThanOrEqual(20);
    const gen = new HostileRequests(
      ops,
      {
        ids,
        tokens: { read: f.tokens.readA, write: f.tokens.writeA, admin: f.tokens.admin, otherAccount: f.tokens.writeB },
      },
      SEED,
    );
    const before = await snapshot(f);
    const byStatus = new Map<number, number>();
    const bad: string[] = [];
    const t0 = Date.now();
    const PARALLEL = 8;
    for (let i = 0; i < REQUESTS; i += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, REQUESTS - i) }, (_, k) => gen.next(i + k));
      const rs = await Promise.all(
        batch.map((r) =>
          app.inject({
            method: r.method as 'GET',
            url: r.url,
            headers: r.headers,
            ...(r.payload !== undefined ? { payload: r.payload } : {}),
          }),
        ),
      );
      rs.forEach((res, k) => {
        byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode < 400 || res.statusCode >= 500) {
          const r = batch[k]!;
          if (bad.length < 10)
            bad.push(
              `${res.statusCode} ${r.operation} [${r.faults.join('; ')}] ${r.url.slice(0, 200)} ${res.body.slice(0, 300)}`,
            );
        }
      });
    }
    const seconds = (Date.now() - t0) / 1000;
    const after = await snapshot(f);
    console.log(
      `API fuzz (${label}): ${REQUESTS} requests over ${ops.length} operations in ${seconds.toFixed(1)} s (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries([...byStatus].sort()))}`,
    );
    expect(bad).toEqual([]);
    expect(after === before, 'database and audit log unchanged').toBe(true);
  }, 600_000);
}

describe('API fuzz: embedded PGlite', () => {
  fuzzCases(() => makeFixture(), 'PGlite');
});

const pg = await probePostgres();
describeIfAvailable('API fuzz: PostgreSQL', 'missing' in pg ? pg.missing : null, () => {
  fuzzCases(() => makeFixture({ databaseUrl: 'url' in pg ? pg.url : '' }), 'PostgreSQL');
});
