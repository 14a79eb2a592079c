// Migration 006: one audit log. The addressing `audit` table becomes the log of every change failsmall
// makes: it gains the reason of rollout commands and the acting account (so a delegated account's change
// in another account's prefix is in the log of both); the rollout engine's records move into it (their
// rows stay readable there, with ids `rollout-audit-<seq>`) and rollout_audit goes. The database refuses
// updates and deletes of the log, as it did for the rollout log. The BGP prefix prepend check is rebuilt
// from src/addressing/limits.ts, the one home of that limit. Append only: never edit once released.
import { type Kysely, type Migration, sql } from 'kysely';
import { ASN_PREPEND_COUNT } from '../addressing/limits.js';

const STATEMENTS = [
  'alter table audit add column actor_account_id text, add column reason text',
  'create index audit_actor_account on audit (actor_account_id, seq) where actor_account_id is not null',
  'create index audit_object_type on audit (object_type, seq)',
  `insert into audit (id, account_id, at, actor_kind, actor_id, request_id, action, object_type, object_id,
      before, after, reason)
    select 'rollout-audit-' || seq,
      case when details->>'account' is not null then details->>'account' end,
      to_timestamp(at_ms / 1000.0),
      case when actor in ('guard', 'engine') or actor like 'system:%' then 'system'
        when actor like 'token:%' then 'token' else 'cli' end,
      actor, '', action, split_part(action, '.', 1), target, null, details, reason
    from rollout_audit order by seq`,
  'drop table rollout_audit',
  `create trigger audit_append_only before update or delete on audit
    for each row execute function rollout_refuse_change()`,
  'alter table bgp_prefixes drop constraint bgp_prefixes_asn_prepend_count_check',
  `alter table bgp_prefixes add constraint bgp_prefixes_asn_prepend_count_check
    check (asn_prepend_count between ${ASN_PREPEND_COUNT.min} and ${ASN_PREPEND_COUNT.max})`,
];

export const m007OneAuditLog: Migration = {
  async up(db: Kysely<unknown>) {
    for (const stmt of STATEMENTS) await sql.raw(stmt).execute(db);
  },
};
