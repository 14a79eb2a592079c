// Migration of the agent credentials (src/store/agent-credentials.ts). Append only: never edit it once released.
import { type Kysely, type Migration, sql } from 'kysely';

export const m008AgentCredentials: Migration = {
  async up(db: Kysely<unknown>) {
    await sql
      .raw(`create table agent_credentials (
        id text primary key,
        location text not null check (location <> ''),
        name text not null,
        token_hash text not null unique,
        created_at timestamptz not null default now(),
        revoked_at timestamptz
      )`)
      .execute(db);
    await sql.raw('create index agent_credentials_location on agent_credentials (location)').execute(db);
  },
};
