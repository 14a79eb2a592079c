// Opens the database behind the addressing store: PostgreSQL when a connection string is given
// (DATABASE_URL), otherwise embedded PGlite (a data directory, or in memory). Runs the migrations.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { type Generated, Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.js';
import { PGliteDialect } from './pglite-dialect.js';

export interface AccountsTable {
  id: string;
  name: string;
  created_at: string | Date;
}
export interface TokensTable {
  id: string;
  account_id: string | null;
  name: string;
  scopes: string;
  /** Migration 010: person, job or agent; a job's caps as json ({"perRun", "perHour"}), else null. */
  kind: Generated<string>;
  caps: string | null;
  token_hash: string;
  created_at: string | Date;
  revoked_at: string | Date | null;
}
export interface PrefixesTable {
  id: string;
  version: Generated<string>;
  account_id: string;
  cidr: string;
  net: string;
  asn: string | number;
  description: string;
  approved: string;
  loa_document_id: string | null;
  state: string;
  created_at: string | Date;
  modified_at: string | Date;
}
export interface BgpPrefixesTable {
  id: string;
  version: Generated<string>;
  prefix_id: string;
  account_id: string;
  cidr: string;
  asn: string | number | null;
  asn_prepend_count: number;
  advertised: boolean;
  advertised_modified_at: string | Date | null;
  on_demand_enabled: boolean;
  on_demand_locked: boolean;
  created_at: string | Date;
  modified_at: string | Date;
}
export interface BindingsTable {
  id: string;
  prefix_id: string;
  account_id: string;
  cidr: string;
  service_id: string;
  service_name: string;
  provisioning_state: string;
  created_at: string | Date;
  modified_at: string | Date;
}
export interface DelegationsTable {
  id: string;
  parent_prefix_id: string;
  account_id: string;
  cidr: string;
  delegated_account_id: string;
  created_at: string | Date;
  modified_at: string | Date;
}
export interface AuditTable {
  seq: Generated<string>;
  txid: Generated<string>;
  id: string;
  account_id: string | null;
  at: string | Date;
  actor_kind: string;
  actor_id: string;
  request_id: string;
  action: string;
  object_type: string;
  object_id: string;
  before: string | null;
  after: string | null;
  /** Migration 006: the acting account when it is not account_id; the reason given or the rule that acted. */
  actor_account_id: string | null;
  reason: string | null;
  /** Migration 010: a job actor's run. */
  job_run: Generated<string | null>;
}
/** Migration 009: the ASNs an admin registered for an account (what RPKI and IRR proofs must name). */
export interface AccountAsnsTable {
  account_id: string;
  asn: string | number;
}
/** Migration 009: a prefix's recorded ownership proof. */
export interface OwnershipProofsTable {
  prefix_id: string;
  account_id: string;
  cidr: string;
  asn: string | number;
  method: string;
  evidence: string;
  proven_by: string;
  proven_at: string | Date;
}
export interface Database {
  account_asns: AccountAsnsTable;
  ownership_proofs: OwnershipProofsTable;
  accounts: AccountsTable;
  tokens: TokensTable;
  prefixes: PrefixesTable;
  bgp_prefixes: BgpPrefixesTable;
  bindings: BindingsTable;
  delegations: DelegationsTable;
  audit: AuditTable;
}

export interface OpenOptions {
  /** postgres://… : use PostgreSQL. Absent: embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; absent or "memory://": in memory (tests). */
  dataDir?: string | undefined;
  /** PostgreSQL schema to use (created when missing); lets parallel test runs share one database. */
  schema?: string | undefined;
  /** PostgreSQL pool size. */
  poolSize?: number | undefined;
}

/** A query by name with positional parameters, prepared once per connection (hot paths). */
export type RawQuery = <R>(name: string, text: string, values: readonly unknown[]) => Promise<R[]>;

export interface OpenDatabase {
  db: Kysely<Database>;
  kind: 'postgres' | 'pglite';
  /**
   * PostgreSQL only: named prepared statements straight on the pool, outside any transaction. (Not
   * for PGlite: its one connection is shared, and a query that bypassed the driver's lock could land
   * inside another request's transaction.)
   */
  raw: RawQuery | undefined;
  close(): Promise<void>;
}

export async function openDatabase(opts: OpenOptions): Promise<OpenDatabase> {
  let db: Kysely<Database>;
  let kind: OpenDatabase['kind'];
  let raw: RawQuery | undefined;
  if (opts.databaseUrl) {
    kind = 'postgres';
    const schema = opts.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
      throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
    if (schema) {
      const c = new pg.Client({ connectionString: opts.databaseUrl });
      await c.connect();
      try {
        await c.query(`create schema if not exists ${schema}`);
      } finally {
        await c.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 20,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    raw = async <R>(name: string, text: string, values: readonly unknown[]) =>
      (await pool.query({ name, text, values: values as unknown[] })).rows as R[];
  } else {
    kind = 'pglite';
    const dir = opts.dataDir && opts.dataDir !== 'memory://' ? opts.dataDir : undefined;
    // PGlite creates only the last folder of its path: on a fresh checkout `.data/` does not exist yet.
    if (dir) mkdirSync(dir, { recursive: true });
    const lite = dir ? new PGlite(dir) : new PGlite();
    await lite.waitReady;
    db = new Kysely<Database>({ dialect: new PGliteDialect(lite) });
  }
  await migrate(db, kind === 'postgres' ? opts.schema : undefined);
  return { db, kind, raw, close: () => db.destroy() };
}

export async function migrate(db: Kysely<Database>, schema?: string): Promise<void> {
  // Kysely looks for its migration tables in every schema unless told which one: with several test schemas
  // in one database, a new schema could see another's tables, skip creating its own and fail.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${(error as Error).message ?? String(error)}`);
  }
}

/** Drops a schema created for a test run (PostgreSQL only). */
export async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${JSON.stringify(schema)}`);
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await c.end();
  }
}

export { sql };
