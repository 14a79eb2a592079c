// Addressing API under load (autocannon, programmatic): list prefixes (GET) and advertise/withdraw a
// BGP prefix (PATCH on_demand.advertised), on embedded PGlite and on PostgreSQL. The server runs in a
// child process (bench/addressing-server.ts) so it does not share an event loop with the load
// generator; both still share the machine's cores with PostgreSQL. Besides req/s and p99 it reports
// the CPU each request cost the server and the database, which is less sensitive to other load.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { probePostgres } from '../src/store/pg-probe.js';
import type { Bench, BenchContext, BenchResult } from './harness.js';

interface SeedInfo {
  port: number;
  kind: string;
  accounts: { id: string; token: string; prefixes: string[]; bgp: { prefix: string; id: string }[] }[];
}

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ)

/** CPU seconds (user + system) of a process, from /proc. */
function procCpu(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / TICK;
  } catch {
    return 0;
  }
}

/** CPU seconds of every process named `postgres` (the server's backends). */
function postgresCpu(): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres') total += procCpu(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return total;
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

async function startServer(
  env: NodeJS.ProcessEnv,
): Promise<{ info: SeedInfo; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/addressing-server.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rl = readline.createInterface({ input: child.stdout });
  const info = await new Promise<SeedInfo>((resolve, reject) => {
    rl.once('line', (l) => resolve(JSON.parse(l) as SeedInfo));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    info,
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

interface Measured {
  rps: number;
  p99: number;
  p50: number;
  total: number;
  serverCpuUs: number;
  dbCpuUs: number;
  loadCpuUs: number;
}

async function measure(
  ctx: BenchContext,
  name: string,
  pid: number,
  withDb: boolean,
  opts: autocannon.Options,
): Promise<Measured> {
  const s0 = procCpu(pid);
  const d0 = withDb ? postgresCpu() : 0;
  const l0 = process.cpuUsage();
  const r = await run({ ...opts, connections: CONNECTIONS, duration: DURATION_S });
  const l = process.cpuUsage(l0);
  const serverCpu = procCpu(pid) - s0;
  const dbCpu = withDb ? postgresCpu() - d0 : 0;
  const total = r.requests.total;
  if (r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) {
    throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts of ${total}`);
  }
  const m = {
    rps: Math.round(r.requests.average),
    p99: r.latency.p99,
    p50: r.latency.p50,
    total,
    serverCpuUs: Math.round((serverCpu * 1e6) / total),
    // backends that exit during the run take their CPU time with them: never report less than nothing
    dbCpuUs: Math.max(0, Math.round((dbCpu * 1e6) / total)),
    loadCpuUs: Math.round((l.user + l.system) / total),
  };
  ctx.log(
    `${name}: ${m.rps} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms; CPU per request: server ${m.serverCpuUs} µs, database ${m.dbCpuUs} µs, autocannon ${m.loadCpuUs} µs`,
  );
  return m;
}

async function backend(
  ctx: BenchContext,
  label: string,
  env: NodeJS.ProcessEnv,
  goals: boolean,
): Promise<BenchResult[]> {
  const srv = await startServer(env);
  const { info } = srv;
  const url = `http://127.0.0.1:${info.port}`;
  try {
    const acc = info.accounts;
    let g = 0;
    const getOpts: autocannon.Options = {
      url,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => {
            const a = acc[g++ % acc.length];
            if (!a) throw new Error('no account');
            return {
              ...req,
              path: `/client/v4/accounts/${a.id}/addressing/prefixes`,
              headers: { authorization: `Bearer ${a.token}` },
            };
          },
        },
      ],
    };
    // every PATCH is a real change: each BGP prefix flips between advertised and withdrawn
    const flat = acc.flatMap((a) => a.bgp.map((b) => ({ a, b, adv: false })));
    let k = 0;
    const patchOpts: autocannon.Options = {
      url,
      requests: [
        {
          method: 'PATCH',
          setupRequest: (req) => {
            const t = flat[k++ % flat.length];
            if (!t) throw new Error('no BGP prefix');
            t.adv = !t.adv;
            return {
              ...req,
              path: `/client/v4/accounts/${t.a.id}/addressing/prefixes/${t.b.prefix}/bgp/prefixes/${t.b.id}`,
              headers: { authorization: `Bearer ${t.a.token}`, 'content-type': 'application/json' },
              body: JSON.stringify({ on_demand: { advertised: t.adv } }),
            };
          },
        },
      ],
    };
    const withDb = info.kind === 'postgres';
    await run({ ...getOpts, connections: 8, duration: 2 }); // warm up (JIT, caches, pool)
    const get = await measure(ctx, `${label} GET list prefixes`, srv.pid, withDb, getOpts);
    await run({ ...patchOpts, connections: 8, duration: 2 });
    const patch = await measure(ctx, `${label} PATCH advertise`, srv.pid, withDb, patchOpts);
    const cpuNote = (m: Measured) =>
      `${CONNECTIONS} connections, ${DURATION_S} s, ${m.total} requests, ${cpus().length} cores shared with the load generator${withDb ? ' and PostgreSQL' : ''}; CPU per request: server ${m.serverCpuUs} µs${withDb ? `, database ${m.dbCpuUs} µs` : ''}, autocannon ${m.loadCpuUs} µs`;
    const prefix = `addressing.${label}`;
    return [
      {
        name: `${prefix}.list_prefixes.req_per_s`,
        unit: 'req/s',
        value: get.rps,
        ...(goals ? { goal: '>= 10000' } : {}),
        note: cpuNote(get),
      },
      { name: `${prefix}.list_prefixes.p99_ms`, unit: 'ms', value: get.p99, ...(goals ? { goal: '< 25' } : {}) },
      {
        name: `${prefix}.patch_advertise.req_per_s`,
        unit: 'req/s',
        value: patch.rps,
        ...(goals ? { goal: '>= 2000' } : {}),
        note: cpuNote(patch),
      },
      { name: `${prefix}.patch_advertise.p99_ms`, unit: 'ms', value: patch.p99, ...(goals ? { goal: '< 25' } : {}) },
    ];
  } finally {
    await srv.stop();
  }
}

const bench: Bench = async (ctx) => {
  const out: BenchResult[] = [];
  out.push(...(await backend(ctx, 'pglite', { DATABASE_URL: '' }, false)));
  const pg = await probePostgres();
  if ('url' in pg) {
    out.push(...(await backend(ctx, 'postgres', { DATABASE_URL: pg.url }, true)));
    // What durability costs (issue 11): the same server with commits acknowledged before their WAL is on
    // disk (synchronous_commit=off: a crash may lose the last few hundred ms of acknowledged writes, as the
    // embedded PGlite default with fsync=off may lose more). Durable / not-durable PATCH rate is the cost.
    const sep = pg.url.includes('?') ? '&' : '?';
    const lax = await backend(
      ctx,
      'postgres_async_commit',
      {
        DATABASE_URL: `${pg.url}${sep}options=${encodeURIComponent('-c synchronous_commit=off')}`,
      },
      false,
    );
    out.push(...lax);
    const rate = (rs: BenchResult[], l: string) =>
      rs.find((r) => r.name === `addressing.${l}.patch_advertise.req_per_s`)?.value;
    const durable = rate(out, 'postgres');
    const async_ = rate(lax, 'postgres_async_commit');
    if (durable && async_)
      out.push({
        name: 'addressing.postgres.durability_cost.patch_ratio',
        unit: 'ratio',
        value: Math.round((durable / async_) * 100) / 100,
        note: `PATCH advertise with durable commits / with synchronous_commit=off, same run (${durable} vs ${async_} req/s)`,
      });
  } else ctx.log(`PostgreSQL skipped: ${pg.missing}`);
  return out;
};

export default bench;
