// Migration of the rollout store: snapshots, rollouts, the engine's state and the rollout audit log.
// Append only, like src/store/migrations.ts (which registers it): never edit it once released.
import { type Kysely, type Migration, sql } from 'kysely';

const STATEMENTS = [
  // Immutable and content-addressed: written once (insert … on conflict do nothing), never updated.
  // The content is the canonical entries, compact and gzip'd (src/store/snapshot-codec.ts); the counts
  // and metadata are columns so listing snapshots never reads the content.
  `create table rollout_snapshots (
    id text primary key,
    number integer not null unique check (number > 0),
    parent text,
    digest text not null,
    created_at text not null,
    origin text not null,
    reason text not null,
    announcements integer not null,
    bindings integer not null,
    encoding text not null,
    content bytea not null,
    stored_at timestamptz not null default now()
  )`,
  `create index rollout_snapshots_digest on rollout_snapshots (digest)`,
  // One row per rollout, rewritten as it moves; seq keeps the order of first write (newest first on list).
  `create table rollout_rollouts (
    id text primary key,
    seq bigserial not null unique,
    snapshot_id text not null,
    status text not null,
    created_at_ms bigint not null,
    body json not null,
    updated_at timestamptz not null default now()
  )`,
  // The engine's state besides snapshots and rollouts: one row.
  `create table rollout_engine_state (
    singleton boolean primary key default true check (singleton),
    state json not null,
    updated_at timestamptz not null default now()
  )`,
  `create table rollout_audit (
    seq bigserial primary key,
    at_ms bigint not null,
    actor text not null,
    action text not null,
    target text not null,
    reason text not null,
    details json not null,
    stored_at timestamptz not null default now()
  )`,
  // The database itself refuses to rewrite history: snapshots are never updated, the audit never
  // updated nor deleted.
  `create function rollout_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only: % refused', tg_table_name, tg_op using errcode = 'check_violation';
    end
  $$`,
  `create trigger rollout_snapshots_immutable before update on rollout_snapshots
    for each row execute function rollout_refuse_change()`,
  `create trigger rollout_audit_append_only before update or delete on rollout_audit
    for each row execute function rollout_refuse_change()`,
];

export const m005RolloutStore: Migration = {
  async up(db: Kysely<unknown>) {
    for (const stmt of STATEMENTS) await sql.raw(stmt).execute(db);
  },
};

/**
 * Each stored snapshot records the canonical-form version of its digest (src/snapshot/digest.ts), so
 * reading dispatches on it. Every snapshot stored before this migration was sealed with v1.
 */
export const m006SnapshotDigestVersion: Migration = {
  async up(db: Kysely<unknown>) {
    await sql
      .raw(
        'alter table rollout_snapshots add column digest_version integer not null default 1 check (digest_version > 0)',
      )
      .execute(db);
  },
};
