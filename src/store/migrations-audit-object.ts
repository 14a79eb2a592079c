// Migration 015: the audit log indexed by the object an entry changed. An LOA approval must come from a
// person not named in the prefix's audit trail (`objectActors`, E_ADDR_SELF_APPROVAL), which without this
// index scans the whole log inside the approval's transaction: on a log of millions of entries that is a
// long transaction holding the prefix's row. Append only: never edit it once released.
import { type Kysely, type Migration, sql } from 'kysely';

export const m015AuditObject: Migration = {
  async up(db: Kysely<unknown>) {
    await sql.raw('create index audit_object on audit (object_type, object_id)').execute(db);
  },
};
