// The one audit log (src/lib/audit.ts AuditLog) over the `audit` table: addressing changes, rollout
// commands and the control loop's own actions, written by one writer and read by one reader. Rows are
// never updated nor deleted (migration 007 makes the database refuse it).
import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { ActorKind, AuditEvent, AuditFilter, AuditLog } from '../lib/audit.js';
import { ATTRIBUTED_OBJECT_TYPES } from '../rollout/attribution.js';
import type { AuditTable, Database } from './db.js';

type Db = Kysely<Database> | Transaction<Database>;

function iso(v: string | Date): string {
  return v instanceof Date ? v.toISOString() : new Date(v).toISOString();
}
function parsed(v: unknown): unknown {
  return typeof v === 'string' ? JSON.parse(v) : v;
}

export function auditRow(e: AuditEvent): Insertable<AuditTable> {
  return {
    id: e.id,
    account_id: e.account_id,
    at: e.at,
    actor_kind: e.actor_kind,
    actor_id: e.actor_id,
    actor_account_id: e.actor_account_id ?? null,
    request_id: e.request_id,
    action: e.action,
    object_type: e.object_type,
    object_id: e.object_id,
    before: e.before === null || e.before === undefined ? null : JSON.stringify(e.before),
    after: e.after === null || e.after === undefined ? null : JSON.stringify(e.after),
    reason: e.reason,
    job_run: e.job_run ?? null,
  };
}

export function fromAuditRow(r: Selectable<AuditTable>): AuditEvent {
  return {
    id: r.id,
    account_id: r.account_id,
    at: iso(r.at),
    actor_kind: r.actor_kind as ActorKind,
    actor_id: r.actor_id,
    // absent rather than null when the actor's account is the data's (as the entry was appended)
    ...(r.actor_account_id === null ? {} : { actor_account_id: r.actor_account_id }),
    request_id: r.request_id,
    action: r.action,
    object_type: r.object_type,
    object_id: r.object_id,
    before: parsed(r.before),
    after: parsed(r.after),
    reason: r.reason,
    ...(r.job_run ? { job_run: r.job_run } : {}),
  };
}

export async function appendAudit(db: Db, events: readonly AuditEvent[]): Promise<void> {
  if (events.length > 0) await db.insertInto('audit').values(events.map(auditRow)).execute();
}

/** The one reader: newest first, with the total count of what the filter selects. */
export async function readAudit(db: Db, f: AuditFilter): Promise<{ items: AuditEvent[]; total_count: number }> {
  let q = db.selectFrom('audit').selectAll().select(sql<string>`count(*) over ()`.as('total_count'));
  const account = f.account_id;
  if (account === null) q = q.where('account_id', 'is', null);
  else if (account !== undefined)
    q = q.where((eb) => eb.or([eb('account_id', '=', account), eb('actor_account_id', '=', account)]));
  if (f.object_types) q = q.where('object_type', 'in', [...f.object_types]);
  const rs = await q
    .orderBy('seq', 'desc')
    .limit(f.per_page)
    .offset((f.page - 1) * f.per_page)
    .execute();
  return { items: rs.map(fromAuditRow), total_count: rs.length > 0 ? Number(rs[0]?.total_count) : 0 };
}

export class KyselyAuditLog implements AuditLog {
  constructor(private readonly db: Kysely<Database>) {}
  append(events: readonly AuditEvent[]): Promise<void> {
    return appendAudit(this.db, events);
  }
  list(filter: AuditFilter) {
    return readAudit(this.db, filter);
  }
  /** The rollout engine's ChangeHistory: the Addressing API's changes since `at`, oldest first. */
  async addressingChangesSince(at: string): Promise<AuditEvent[]> {
    const rs = await this.db
      .selectFrom('audit')
      .selectAll()
      .where('object_type', 'in', [...ATTRIBUTED_OBJECT_TYPES])
      .where('at', '>=', at)
      .orderBy('seq')
      .execute();
    return rs.map(fromAuditRow);
  }
}

// ---- the rollout engine's records, in the same log ------------------------------------------------

/** The object types of the rollout log: what the engine's audit effects are about (src/rollout/machine.ts). */
// incident_mode: the console's incident switch and the safe actions taken under it (src/bin/console.ts)
export const ROLLOUT_OBJECT_TYPES = ['rollout', 'breaker', 'rollback', 'snapshot', 'incident_mode'] as const;

/**
 * The kind of actor behind a rollout record's actor text: the engine and the guard are the control
 * loop itself; an API token is `token:<id> (<name>)`; anything else came from the operator's CLI.
 */
export function rolloutActorKind(actor: string): ActorKind {
  if (actor === 'guard' || actor === 'engine' || actor.startsWith('system:')) return 'system';
  if (actor.startsWith('token:')) return 'token';
  return 'cli';
}
