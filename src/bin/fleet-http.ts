// Composition of the real fleet: HttpFleet (src/fleet) behind the rollout engine's Fleet port, the
// agent-facing routes and GET /v1/agents (src/api/agent-routes.ts), agent credentials from the store.
// `serve` uses it when FAILSMALL_FLEET=http; the locations come from FAILSMALL_LOCATIONS
// ("id:region:tier,…"). A few lines the control loop can take over as they are.
import { agentRoutes, agentStatusRoutes } from '../api/agent-routes.js';
import type { TokenLookup } from '../api/auth.js';
import { HttpFleet } from '../fleet/http-fleet.js';
import type { RolloutStore } from '../rollout/ports.js';
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

export async function attachHttpFleet(
  cp: {
    app: { register: (plugin: typeof agentRoutes, opts: Parameters<typeof agentRoutes>[1]) => unknown };
    opened: { store: { tokenByHash: TokenLookup }; database: Pick<OpenDatabase, 'db'> };
  },
  store: RolloutStore,
  locations: LocationInfo[],
): Promise<HttpFleet> {
  const fleet = new HttpFleet({ locations, clock: { now: () => Date.now() }, snapshot: (id) => store.getSnapshot(id) });
  const creds = new AgentCredentialStore(cp.opened.database.db);
  const opts = {
    hub: fleet,
    credentials: (h: string) => creds.byHash(h),
    tokens: cp.opened.store.tokenByHash.bind(cp.opened.store),
  };
  await cp.app.register(agentRoutes, opts);
  await cp.app.register(agentStatusRoutes, opts);
  return fleet;
}
