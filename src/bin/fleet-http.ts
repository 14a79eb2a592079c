// Composition of the real fleet: HttpFleet (src/fleet) behind the rollout engine's Fleet port, the
// agent-facing routes and GET /v1/agents (src/api/agent-routes.ts), agent credentials from the store.
// `serve` uses it when FAILSMALL_FLEET=http (configuredFleet in server.ts); the locations come from
// FAILSMALL_LOCATIONS ("id:region:tier,…").
import type { AgentRoutesOptions } from '../api/agent-routes.js';
import type { HttpFleet } from '../fleet/http-fleet.js';
import type { LocationInfo } from '../snapshot/model.js';
import { AgentCredentialStore } from '../store/agent-credentials.js';
import type { OpenDatabase } from '../store/db.js';

export function parseLocations(text: string | undefined): LocationInfo[] {
  if (!text) throw new Error('FAILSMALL_FLEET=http needs FAILSMALL_LOCATIONS ("id:region:tier,…")');
  return text.split(',').map((item) => {
    const [id, region = 'lab', tier = '1'] = item.trim().split(':');
    if (!id || !/^[a-z0-9-]{1,64}$/.test(id) || !/^[1-9]$/.test(tier))
      throw new Error(`FAILSMALL_LOCATIONS: ${JSON.stringify(item)} is not id:region:tier`);
    return { id, region, tier: Number(tier) };
  });
}

/**
 * The agent-facing routes over the HTTP fleet (assignments by SSE or long-poll, reports) and GET
 * /v1/agents, for buildServer: the one stack authenticates agents with their credentials from the store
 * (and operators with their tokens for /v1/agents).
 */
export function agentRouteOptions(fleet: HttpFleet, database: Pick<OpenDatabase, 'db'>): AgentRoutesOptions {
  const creds = new AgentCredentialStore(database.db);
  return { hub: fleet, credentials: (h: string) => creds.byHash(h) };
}
