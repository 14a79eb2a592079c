// Agent credentials: one bearer token per edge agent, bound to one location. Stored like API tokens
// (src/api/auth.ts): only the SHA-256 of the secret. Their own table (migration 006), separate from the
// Addressing API's tokens: an agent token never carries an API scope, and an API token is never an agent.
import { type Kysely, sql } from 'kysely';
import type { Database } from './db.js';

export interface AgentCredential {
  /** The agent's id, as reports and `rollout status` name it. */
  id: string;
  location: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

interface Row {
  id: string;
  location: string;
  name: string;
  created_at: string | Date;
  revoked_at: string | Date | null;
}

const iso = (x: string | Date | null) => (x === null ? null : new Date(x).toISOString());
const toCredential = (r: Row): AgentCredential => ({
  id: r.id,
  location: r.location,
  name: r.name,
  createdAt: iso(r.created_at) as string,
  revokedAt: iso(r.revoked_at),
});

export class AgentCredentialStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(c: { id: string; location: string; name: string; tokenHash: string }): Promise<AgentCredential> {
    const r = await sql<Row>`insert into agent_credentials (id, location, name, token_hash)
      values (${c.id}, ${c.location}, ${c.name}, ${c.tokenHash})
      returning id, location, name, created_at, revoked_at`.execute(this.db);
    return toCredential(r.rows[0] as Row);
  }

  /** The live (not revoked) credential whose secret hashes to `hash`. */
  async byHash(hash: string): Promise<AgentCredential | undefined> {
    const r = await sql<Row>`select id, location, name, created_at, revoked_at from agent_credentials
      where token_hash = ${hash} and revoked_at is null`.execute(this.db);
    return r.rows[0] ? toCredential(r.rows[0]) : undefined;
  }

  async list(): Promise<AgentCredential[]> {
    const r = await sql<Row>`select id, location, name, created_at, revoked_at from agent_credentials
      order by location, id`.execute(this.db);
    return r.rows.map(toCredential);
  }

  async revoke(id: string): Promise<AgentCredential | undefined> {
    const r = await sql<Row>`update agent_credentials set revoked_at = now()
      where id = ${id} and revoked_at is null returning id, location, name, created_at, revoked_at`.execute(this.db);
    return r.rows[0] ? toCredential(r.rows[0]) : undefined;
  }
}
