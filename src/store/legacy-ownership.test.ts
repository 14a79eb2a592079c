// Migration 014 (grandfathered ownership proofs) on embedded PGlite and, when reachable, PostgreSQL.

import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { describe } from 'vitest';
import { describeIfAvailable } from '../testing/env.js';
import { type Database, dropSchema } from './db.js';
import { legacyOwnershipCases } from './legacy-ownership.case.js';
import { probePostgres } from './pg-probe.js';
import { PGliteDialect } from './pglite-dialect.js';

describe('migration 014 on PGlite', () => {
  legacyOwnershipCases(async () => {
    const lite = new PGlite();
    await lite.waitReady;
    const db = new Kysely<Database>({ dialect: new PGliteDialect(lite) });
    return { db, close: () => db.destroy() };
  });
});

const pgProbe = await probePostgres();
describeIfAvailable('migration 014 on PostgreSQL', 'missing' in pgProbe ? pgProbe.missing : null, () => {
  legacyOwnershipCases(async () => {
    const url = 'url' in pgProbe ? pgProbe.url : '';
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`create schema ${schema}`);
    await c.end();
    const pool = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      schema,
      close: async () => {
        await db.destroy();
        await dropSchema(url, schema);
      },
    };
  });
});
