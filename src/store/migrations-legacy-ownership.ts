// Migration 014: grandfathered ownership proofs. A prefix validated before migration 009 has no proof,
// so the compiler would leave every one of them out: an upgrade would withdraw them all (the guard holds
// it and trips, but the upgrade itself is the mass withdrawal). This records a proof of method `legacy`
// for every live prefix already validated (`V`) and without a proof when it runs, each with one audit
// entry in its account's log (system actor, the reason naming the migration), so an upgrade announces
// exactly what it announced before. Validating again or an approved LOA later replaces it
// (putOwnershipProof upserts). Append only: never edit it once released.
import { type Kysely, type Migration, sql } from 'kysely';

export const LEGACY_PROOF_ACTOR = 'system:migration-014';
export const LEGACY_PROOF_REASON =
  'migration 014: validated before ownership proofs were recorded (migration 009); grandfathered';

const STATEMENTS = [
  'alter table ownership_proofs drop constraint ownership_proofs_method_check',
  `alter table ownership_proofs add constraint ownership_proofs_method_check
    check (method in ('rpki', 'irr', 'loa', 'legacy'))`,
  // the audit entries first: they name exactly the prefixes the backfill below gives a proof
  `insert into audit (id, account_id, at, actor_kind, actor_id, request_id, action, object_type, object_id,
      before, after, reason)
    select 'migration-014-' || p.id, p.account_id, now(), 'system', '${LEGACY_PROOF_ACTOR}', 'migration-014',
      'prefix.ownership_grandfathered', 'prefix', p.id, null,
      json_build_object('prefix_id', p.id, 'account_id', p.account_id, 'cidr', p.cidr, 'asn', p.asn,
        'method', 'legacy', 'evidence', '${LEGACY_PROOF_REASON}', 'proven_by', '${LEGACY_PROOF_ACTOR}'),
      '${LEGACY_PROOF_REASON}'
    from prefixes p
    where p.approved = 'V' and p.state <> 'deleted'
      and not exists (select 1 from ownership_proofs o where o.prefix_id = p.id)
    order by p.id`,
  `insert into ownership_proofs (prefix_id, account_id, cidr, asn, method, evidence, proven_by, proven_at)
    select p.id, p.account_id, p.cidr, p.asn, 'legacy', '${LEGACY_PROOF_REASON}', '${LEGACY_PROOF_ACTOR}', now()
    from prefixes p
    where p.approved = 'V' and p.state <> 'deleted'
      and not exists (select 1 from ownership_proofs o where o.prefix_id = p.id)`,
];

export const m014LegacyOwnership: Migration = {
  async up(db: Kysely<unknown>) {
    for (const stmt of STATEMENTS) await sql.raw(stmt).execute(db);
  },
};
