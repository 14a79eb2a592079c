import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeIfAvailable } from '../testing/env.js';
import { dropSchema, openDatabase } from './db.js';
import { probePostgres } from './pg-probe.js';

const pgProbe = await probePostgres();

describeIfAvailable('migrations on PostgreSQL', 'missing' in pgProbe ? pgProbe.missing : null, () => {
  const url = 'url' in pgProbe ? pgProbe.url : '';
  const schemas = [0, 1, 2].map(() => `t_migrate_${randomBytes(6).toString('hex')}`);
  afterAll(async () => {
    for (const s of schemas) await dropSchema(url, s);
  });

  it('fresh schemas in one database migrate side by side, each with its own migration tables', async () => {
    // The first schema is fully migrated before the others start: a Migrator that searched every schema
    // would find its kysely_migration tables and skip creating its own (the race this guards against).
    const first = await openDatabase({ databaseUrl: url, schema: schemas[0] });
    const rest = await Promise.all(schemas.slice(1).map((schema) => openDatabase({ databaseUrl: url, schema })));
    try {
      for (const [i, db] of [first, ...rest].entries()) {
        const rows = await db.raw!<{ n: string }>(
          `mig_count_${i}`,
          'select count(*) as n from information_schema.tables where table_schema = $1 and table_name = $2',
          [schemas[i], 'kysely_migration'],
        );
        expect(rows[0]?.n, schemas[i]).toBe('1');
      }
    } finally {
      for (const db of [first, ...rest]) await db.close();
    }
  });
});

describe('embedded PGlite data directory', () => {
  it('is created with its missing parents (a fresh checkout has no .data/)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'failsmall-db-'));
    const dir = join(root, '.data', 'pglite');
    try {
      const db = await openDatabase({ dataDir: dir });
      await db.close();
      expect(existsSync(join(dir, 'PG_VERSION'))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
