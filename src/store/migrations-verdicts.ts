// Migration 012: durable judgement (issue 10). Health verdicts accepted by the /v1 API are written before
// the answer, so a `fail` accepted with 200 and then a `kill -9` still halts the rollout it condemns.
// Append only, like src/store/migrations.ts (which registers it): never edit it once released.
import { type Kysely, type Migration, sql } from 'kysely';

const STATEMENTS = [
  `create table rollout_verdicts (
    seq bigserial primary key,
    id text not null unique,
    at_ms bigint not null,
    source text not null,
    rollout_id text,
    location text,
    status text not null check (status in ('pass', 'fail', 'no-data', 'inconclusive')),
    reason text not null,
    stored_at timestamptz not null default now()
  )`,
  `create index rollout_verdicts_at on rollout_verdicts (at_ms)`,
  // A verdict is evidence: never rewritten, never removed.
  `create trigger rollout_verdicts_append_only before update or delete on rollout_verdicts
    for each row execute function rollout_refuse_change()`,
];

export const m012DurableVerdicts: Migration = {
  async up(db: Kysely<unknown>) {
    for (const stmt of STATEMENTS) await sql.raw(stmt).execute(db);
  },
};
