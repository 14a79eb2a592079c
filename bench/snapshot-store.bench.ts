// The rollout store's snapshot path: put and get of a 100,000-announcement snapshot (with 100,000
// bindings) on embedded PGlite (a data directory on disk, as `npm start` uses) and, when reachable, the
// local PostgreSQL. put = verify + encode (compact JSON, gzip) + insert; get = select + gunzip + decode +
// digest check. Best of 3, each round a new snapshot (snapshots are written once).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticDesired } from '../src/sim/synthetic.js';
import { simTopology } from '../src/sim/topology.js';
import { compile, seal } from '../src/snapshot/compile.js';
import type { Snapshot } from '../src/snapshot/model.js';
import { dropSchema, openDatabase } from '../src/store/db.js';
import { probePostgres } from '../src/store/pg-probe.js';
import { KyselyRolloutStore } from '../src/store/rollout-store.js';
import { encodeContent } from '../src/store/snapshot-codec.js';
import type { Bench, BenchResult } from './harness.js';

const N = 100_000;
const ROUNDS = 3;

async function measure(store: KyselyRolloutStore, snaps: Snapshot[]): Promise<{ put: number; get: number }> {
  let put = Number.POSITIVE_INFINITY;
  let get = Number.POSITIVE_INFINITY;
  for (const s of snaps) {
    let t = performance.now();
    await store.putSnapshot(s);
    put = Math.min(put, (performance.now() - t) / 1000);
    t = performance.now();
    const back = await store.getSnapshot(s.id);
    get = Math.min(get, (performance.now() - t) / 1000);
    if (back?.announcements.length !== N || back.digest !== s.digest) throw new Error('snapshot did not round-trip');
  }
  return { put, get };
}

const bench: Bench = async (ctx) => {
  const topo = simTopology(40);
  const content = compile(syntheticDesired({ accounts: 2000, prefixes: N, bindingsPerPrefix: 1 }), { locations: topo });
  const snaps: Snapshot[] = [];
  let parent: string | null = null;
  for (let i = 1; i <= ROUNDS; i++) {
    const s = seal(content, {
      number: i,
      parent,
      createdAt: new Date().toISOString(),
      origin: 'compile',
      reason: 'bench',
    });
    snaps.push(s);
    parent = s.id;
  }
  const bytes = (await encodeContent(content)).length;
  ctx.log(
    `stored content: ${(bytes / 1e6).toFixed(2)} MB gzip'd (${content.announcements.length} announcements, ${content.bindings.length} bindings)`,
  );
  const results: BenchResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'failsmall-bench-'));
  try {
    const db = await openDatabase({ dataDir: dir });
    const r = await measure(new KyselyRolloutStore(db.db), snaps);
    await db.close();
    ctx.log(`pglite (disk): put ${r.put.toFixed(3)} s, get ${r.get.toFixed(3)} s`);
    results.push(
      { name: 'store.snapshot_put_100k.pglite_s', unit: 's', value: +r.put.toFixed(3), goal: '< 1' },
      { name: 'store.snapshot_get_100k.pglite_s', unit: 's', value: +r.get.toFixed(3), goal: '< 1' },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pg = await probePostgres();
  if ('url' in pg) {
    const schema = `bench_${process.pid}`;
    const db = await openDatabase({ databaseUrl: pg.url, schema });
    try {
      const r = await measure(new KyselyRolloutStore(db.db), snaps);
      ctx.log(`postgres: put ${r.put.toFixed(3)} s, get ${r.get.toFixed(3)} s`);
      results.push(
        { name: 'store.snapshot_put_100k.postgres_s', unit: 's', value: +r.put.toFixed(3), goal: '< 1' },
        { name: 'store.snapshot_get_100k.postgres_s', unit: 's', value: +r.get.toFixed(3), goal: '< 1' },
      );
    } finally {
      await db.close();
      await dropSchema(pg.url, schema);
    }
  } else {
    ctx.log(`postgres skipped: ${pg.missing}`);
  }
  return results;
};

export default bench;
