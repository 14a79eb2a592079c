// Migration 010: who holds a token (issue 10). Tokens get a kind, person, job or agent (tokens made
// before are people's), and a job token its caps; only a person's global token may hold scope approver.
// Audit entries of a job name its run, and the log is indexed by actor and time, so a job's changes per
// run and per hour are counted inside the transaction of its next change. Append only: never edit once
// released.
import { type Kysely, type Migration, sql } from 'kysely';

const STATEMENTS = [
  `alter table tokens add column kind text not null default 'person'
    check (kind in ('person', 'job', 'agent'))`,
  'alter table tokens add column caps json',
  `alter table tokens add constraint tokens_approver_is_a_person
    check (position('approver' in scopes) = 0 or (kind = 'person' and account_id is null))`,
  'alter table audit add column job_run text',
  'create index audit_actor_at on audit (actor_id, at)',
];

export const m010TokenKinds: Migration = {
  async up(db: Kysely<unknown>) {
    for (const stmt of STATEMENTS) await sql.raw(stmt).execute(db);
  },
};
