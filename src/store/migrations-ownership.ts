// Migration of ownership proofs and account ASNs (issue 10). Append only: never edit it once released.
// A prefix validated before this migration has no proof: the compiler stops announcing it (a
// withdrawal the guard judges) until it is validated again or an operator approves its LOA.
import { type Kysely, type Migration, sql } from 'kysely';

export const m009Ownership: Migration = {
  async up(db: Kysely<unknown>) {
    await sql
      .raw(`create table account_asns (
        account_id text not null references accounts(id),
        asn bigint not null check (asn between 1 and 4294967294),
        primary key (account_id, asn)
      )`)
      .execute(db);
    await sql
      .raw(`create table ownership_proofs (
        prefix_id text primary key references prefixes(id),
        account_id text not null references accounts(id),
        cidr text not null,
        asn bigint not null,
        method text not null check (method in ('rpki', 'irr', 'loa')),
        evidence text not null,
        proven_by text not null,
        proven_at timestamptz not null
      )`)
      .execute(db);
  },
};
