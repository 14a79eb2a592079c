// The demo the control plane runs by default (`npm start`; FAILSMALL_DEMO=0 turns it off). It adds only
// what a demo needs to the control plane serve() always builds: a simulated fleet of 12 locations (2 edge
// agents each) for the control loop to drive on the real clock, short bake times, a few seeded accounts
// when the database is empty, and an operator token. Until the agents over HTTP exist, the simulated
// fleet is the only fleet with locations.

import type { FastifyInstance } from 'fastify';
import type { Actor, Scope } from '../addressing/model.js';
import { SERVICES } from '../addressing/model.js';
import type { AddressingStore } from '../addressing/ports.js';
import type { AddressingService } from '../addressing/service.js';
import type { TokenLookup } from '../api/auth.js';
import { hashToken, newTokenSecret } from '../api/auth.js';
import { systemClock } from '../lib/clock.js';
import type { ControlLoopConfig } from '../rollout/control-loop.js';
import type { Fleet } from '../rollout/ports.js';
import { SimulatedFleet } from '../sim/simulated-fleet.js';
import { simTopology } from '../sim/topology.js';
import { seedByoipCustomers } from './demo-byoip.js';

/** What the demo needs of the control plane built by src/bin/server.ts (kept structural: no import cycle). */
export interface ControlPlane {
  app: FastifyInstance;
  service: AddressingService;
  opened: { store: { tokenByHash: TokenLookup } & Pick<AddressingStore, 'transaction'> };
  fleet: { fleet: Fleet };
}

const ADMIN: Actor = {
  kind: 'cli',
  id: 'cli:demo-seed',
  account_id: null,
  scopes: ['admin', 'operator'],
  request_id: 'demo-seed',
};
/** The person who checked the demo customers' LOAs: a second person, not the seed that created the prefixes. */
const LOA_DESK: Actor = {
  kind: 'person',
  id: 'person:demo-loa-desk',
  account_id: null,
  scopes: ['operator', 'approver'],
  request_id: 'demo-seed',
};

/**
 * Six customers with a few BYOIP prefixes each, advertised and bound, created through the service, and
 * the small BYOIP customers (empty database only). Also the population of the red-team job replays.
 */
export async function seedDemo(cp: Pick<ControlPlane, 'service' | 'opened'>, env: NodeJS.ProcessEnv): Promise<number> {
  if ((await cp.service.accounts.list(ADMIN)).length > 0) return 0;
  const customers = ['Acme Retail', 'Globex Media', 'Initech Bank', 'Umbrella Health', 'Hooli Cloud', 'Stark Energy'];
  const services = [SERVICES.cdn, SERVICES.spectrum, SERVICES.magic_transit, SERVICES.dedicated_egress];
  let n = 0;
  for (const [i, name] of customers.entries()) {
    const acct = await cp.service.accounts.create(ADMIN, name);
    for (let k = 0; k < 3; k++) {
      const cidr = `45.${10 + i}.${k}.0/24`;
      const p = await cp.service.prefixes.create(ADMIN, acct.id, {
        cidr,
        asn: 64600 + i,
        description: `${name} block ${k + 1}`,
        loa_document_id: `demo-loa-${i}-${k}`,
      });
      // The demo configures no VRPs or IRR file: its customers' ownership is proven by approved LOAs.
      await cp.service.prefixes.approveLoa(LOA_DESK, acct.id, p.id, { reason: 'demo seed: LOA on file' });
      const b = await cp.service.bgp.create(ADMIN, acct.id, p.id, cidr);
      await cp.service.bgp.edit(ADMIN, acct.id, p.id, b.id, { on_demand: { advertised: true } });
      await cp.service.bindings.create(ADMIN, acct.id, p.id, {
        cidr,
        service_id: (services[(i + k) % services.length] as { id: string }).id,
      });
      n++;
    }
  }
  // the small BYOIP customers the 20 February replay needs (FAILSMALL_DEMO_BYOIP, default 300)
  return n + (await seedByoipCustomers(cp.opened.store, Number(env.FAILSMALL_DEMO_BYOIP ?? 300)));
}

/** The demo's fleet and the loop configuration that goes with it (bake FAILSMALL_DEMO_BAKE_S, default 20 s). */
export function demoFleet(env: NodeJS.ProcessEnv = process.env): { fleet: SimulatedFleet; loop: ControlLoopConfig } {
  const bake = Number(env.FAILSMALL_DEMO_BAKE_S ?? 20) * 1000;
  return {
    fleet: new SimulatedFleet({ locations: simTopology(12, 2), clock: systemClock }),
    loop: {
      engine: {
        stages: [
          { name: 'canary', count: 1, bakeMs: bake },
          { name: '5%', fraction: 0.05, bakeMs: bake },
          { name: '25%', fraction: 0.25, bakeMs: bake },
          { name: '100%', fraction: 1, bakeMs: bake },
        ],
        gateGraceMs: 10_000,
      },
    },
  };
}

/** A demo token of `secret` (FAILSMALL_DEMO_TOKEN / FAILSMALL_DEMO_APPROVER_TOKEN, else a new one). */
async function demoToken(
  cp: ControlPlane,
  given: string | undefined,
  env: string,
  t: { name: string; scopes: Scope[] },
): Promise<string> {
  const secret = given ?? newTokenSecret();
  if (secret.length < 32) throw new Error(`${env} must be at least 32 characters`);
  if (!(await cp.opened.store.tokenByHash(hashToken(secret))))
    await cp.service.tokens.create(ADMIN, { account_id: null, ...t, kind: 'person', token_hash: hashToken(secret) });
  return secret;
}

/**
 * Seeds the demo accounts (empty database only) and makes sure the demo tokens exist: an operator (a
 * person who steers rollouts but cannot approve) and an approver (a second person: approvals, resets).
 */
export async function attachDemo(cp: ControlPlane, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const seeded = await seedDemo(cp, env);
  const secret = await demoToken(cp, env.FAILSMALL_DEMO_TOKEN, 'FAILSMALL_DEMO_TOKEN', {
    name: 'demo-operator',
    scopes: ['operator'],
  });
  const approver = await demoToken(cp, env.FAILSMALL_DEMO_APPROVER_TOKEN, 'FAILSMALL_DEMO_APPROVER_TOKEN', {
    name: 'demo-approver',
    scopes: ['operator', 'approver'],
  });
  const fleet = cp.fleet.fleet;
  cp.app.log.info(
    {
      locations: fleet.locations().length,
      agents: fleet instanceof SimulatedFleet ? fleet.all().length : null,
      seeded_prefixes: seeded,
      bake_s: Number(env.FAILSMALL_DEMO_BAKE_S ?? 20),
    },
    `demo fleet running; operator token for /v1/rollouts and \`failsmall rollout\`: FAILSMALL_TOKEN=${secret}`,
  );
  cp.app.log.info(
    `demo approver (a second person: approve held changes, reset the breaker): FAILSMALL_TOKEN=${approver}`,
  );
}
