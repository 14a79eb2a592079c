// Schema migrations, in code so the build carries them. Append only: never edit a released migration.
// Each runs in a transaction (Kysely's Migrator) and is recorded in kysely_migration.
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { m008AgentCredentials } from './migrations-agent.js';
import { m007OneAuditLog } from './migrations-audit.js';
import { m015AuditObject } from './migrations-audit-object.js';
import { m014LegacyOwnership } from './migrations-legacy-ownership.js';
import { m009Ownership } from './migrations-ownership.js';
import { m005RolloutStore, m006SnapshotDigestVersion } from './migrations-rollout.js';
import { m010TokenKinds } from './migrations-token-kinds.js';
import { m012DurableVerdicts } from './migrations-verdicts.js';

const M001_STATEMENTS = [
  `create table accounts (
    id text primary key,
    name text not null,
    created_at timestamptz not null
  )`,
  `create table tokens (
    id text primary key,
    account_id text references accounts(id),
    name text not null,
    scopes text not null,
    token_hash text not null unique,
    created_at timestamptz not null,
    revoked_at timestamptz
  )`,
  `create table prefixes (
    id text primary key,
    account_id text not null references accounts(id),
    cidr text not null,
    net cidr not null,
    asn bigint not null,
    description text not null,
    approved char(1) not null check (approved in ('P', 'V')),
    loa_document_id text,
    state text not null check (state in ('active', 'pending_delete', 'deleted')),
    created_at timestamptz not null,
    modified_at timestamptz not null,
    -- two live prefixes never overlap, whatever the account: the database enforces it under races
    constraint prefixes_no_overlap exclude using gist (net inet_ops with &&) where (state <> 'deleted')
  )`,
  `create index prefixes_account_state on prefixes (account_id, state, id)`,
  `create index prefixes_state on prefixes (state, id)`,
  `create table bgp_prefixes (
    id text primary key,
    prefix_id text not null references prefixes(id),
    account_id text not null references accounts(id),
    cidr text not null,
    asn bigint,
    asn_prepend_count integer not null check (asn_prepend_count between 0 and 3),
    advertised boolean not null,
    advertised_modified_at timestamptz,
    on_demand_enabled boolean not null,
    on_demand_locked boolean not null,
    created_at timestamptz not null,
    modified_at timestamptz not null,
    unique (prefix_id, cidr)
  )`,
  `create table bindings (
    id text primary key,
    prefix_id text not null references prefixes(id),
    account_id text not null references accounts(id),
    cidr text not null,
    service_id text not null,
    service_name text not null,
    provisioning_state text not null check (provisioning_state in ('provisioning', 'active')),
    created_at timestamptz not null,
    modified_at timestamptz not null,
    unique (prefix_id, cidr)
  )`,
  `create table delegations (
    id text primary key,
    parent_prefix_id text not null references prefixes(id),
    account_id text not null references accounts(id),
    cidr text not null,
    delegated_account_id text not null references accounts(id),
    created_at timestamptz not null,
    modified_at timestamptz not null,
    unique (parent_prefix_id, cidr, delegated_account_id)
  )`,
  `create index delegations_to on delegations (delegated_account_id)`,
  `create table audit (
    seq bigserial primary key,
    id text not null unique,
    account_id text,
    at timestamptz not null,
    actor_kind text not null,
    actor_id text not null,
    request_id text not null,
    action text not null,
    object_type text not null,
    object_id text not null,
    before jsonb,
    after jsonb
  )`,
  `create index audit_account on audit (account_id, seq)`,
];

const m001: Migration = {
  async up(db: Kysely<unknown>) {
    for (const stmt of M001_STATEMENTS) await sql.raw(stmt).execute(db);
  },
};

/**
 * Every audit entry is one committed change. Other processes on the same database poll the audit log
 * for entries newer than what they saw, to drop cached reads. A sequence is not enough for that
 * (transactions commit out of sequence order); the writing transaction's id is: every transaction
 * older than a snapshot's xmin has ended, so a poller that reads `txid >= previous xmin` never misses
 * a commit. (LISTEN/NOTIFY was tried first: PostgreSQL serializes the commits of notifying
 * transactions, which capped writes at about one WAL flush each.)
 */
const m002: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw('alter table audit add column txid xid8 not null default pg_current_xact_id()').execute(db);
    await sql.raw('create index audit_txid on audit (txid)').execute(db);
  },
};

/** Row versions for the optimistic write of BGP prefixes (compare-and-set on both rows). */
const m003: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw('alter table prefixes add column version bigint not null default 0').execute(db);
    await sql.raw('alter table bgp_prefixes add column version bigint not null default 0').execute(db);
  },
};

/**
 * The audit log's before/after as json, not jsonb: written on every change, read rarely and whole, so
 * the cheaper type to write wins (jsonb parses into a binary form on insert).
 */
const m004: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw('alter table audit alter column before type json, alter column after type json').execute(db);
  },
};

export const MIGRATIONS: Record<string, Migration> = {
  '001_addressing': m001,
  '002_audit_txid': m002,
  '003_row_versions': m003,
  '004_audit_json': m004,
  '005_rollout_store': m005RolloutStore,
  '006_snapshot_digest_version': m006SnapshotDigestVersion,
  '007_one_audit_log': m007OneAuditLog,
  '008_agent_credentials': m008AgentCredentials,
  '009_ownership': m009Ownership,
  '010_token_kinds': m010TokenKinds,
  '012_durable_verdicts': m012DurableVerdicts,
  '014_legacy_ownership': m014LegacyOwnership,
  '015_audit_object': m015AuditObject,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
