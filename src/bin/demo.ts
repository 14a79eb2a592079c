// The demo the control plane runs by default (`npm start`; FAILSMALL_DEMO=0 turns it off): the rollout
// engine driving a simulated fleet of 12 locations (2 edge agents each) on the real clock, fed by the
// Addressing API's desired state, plus a few seeded accounts when the database is empty. Until the
// BIRD agents of a later issue exist, the simulated fleet is the only fleet there is.

import type { FastifyInstance } from 'fastify';
import type { Actor } from '../addressing/model.js';
import { SERVICES } from '../addressing/model.js';
import type { AddressingStore } from '../addressing/ports.js';
import type { AddressingService } from '../addressing/service.js';
import type { TokenLookup } from '../api/auth.js';
import { hashToken, newTokenSecret } from '../api/auth.js';
import { rolloutRoutes } from '../api/rollout-routes.js';
import type { WriteGate } from '../api/server.js';
import { SimulatedFleet } from '../fleet/simulated.js';
import { simTopology } from '../fleet/topology.js';
import { engineControl } from '../rollout/control.js';
import { DesiredStateController } from '../rollout/controller.js';
import { RolloutEngine } from '../rollout/engine.js';
import { systemClock, VerdictBoard } from '../rollout/memory.js';
import type { OpenDatabase } from '../store/db.js';
import { KyselyRolloutStore } from '../store/rollout-store.js';
import { attachConsole } from './console.js';
import { seedByoipCustomers } from './demo-byoip.js';

/** What the demo needs of the control plane built by src/bin/server.ts (kept structural: no import cycle). */
export interface ControlPlane {
  app: FastifyInstance;
  service: AddressingService;
  opened: {
    store: { tokenByHash: TokenLookup } & Pick<AddressingStore, 'transaction'>;
    database: Pick<OpenDatabase, 'db'>;
  };
  writeGates: WriteGate[];
}

const ADMIN: Actor = {
  kind: 'cli',
  id: 'cli:demo-seed',
  account_id: null,
  scopes: ['admin', 'operator'],
  request_id: 'demo-seed',
};

/** Six customers with a few BYOIP prefixes each, advertised and bound, created through the service. */
async function seed(cp: ControlPlane, env: NodeJS.ProcessEnv): Promise<number> {
  if ((await cp.service.listAccounts(ADMIN)).length > 0) return 0;
  const customers = ['Acme Retail', 'Globex Media', 'Initech Bank', 'Umbrella Health', 'Hooli Cloud', 'Stark Energy'];
  const services = [SERVICES.cdn, SERVICES.spectrum, SERVICES.magic_transit, SERVICES.dedicated_egress];
  let n = 0;
  for (const [i, name] of customers.entries()) {
    const acct = await cp.service.createAccount(ADMIN, name);
    for (let k = 0; k < 3; k++) {
      const cidr = `45.${10 + i}.${k}.0/24`;
      const p = await cp.service.createPrefix(ADMIN, acct.id, {
        cidr,
        asn: 64600 + i,
        description: `${name} block ${k + 1}`,
      });
      await cp.service.validatePrefix(ADMIN, acct.id, p.id);
      const b = await cp.service.createBgpPrefix(ADMIN, acct.id, p.id, cidr);
      await cp.service.editBgpPrefix(ADMIN, acct.id, p.id, b.id, { on_demand: { advertised: true } });
      await cp.service.createBinding(ADMIN, acct.id, p.id, {
        cidr,
        service_id: (services[(i + k) % services.length] as { id: string }).id,
      });
      n++;
    }
  }
  return n + (await seedByoipCustomers(cp.opened.store, Number(env.FAILSMALL_DEMO_BYOIP ?? 300)));
}

export interface Demo {
  stop(): void;
}

export async function attachDemo(cp: ControlPlane, env: NodeJS.ProcessEnv = process.env): Promise<Demo> {
  const log = cp.app.log;
  const seeded = await seed(cp, env);
  const locations = simTopology(12, 2);
  const clock = systemClock;
  const fleet = new SimulatedFleet({ locations, clock });
  // Snapshots, rollouts, engine state and audit live in the API's database: they survive a restart.
  const store = new KyselyRolloutStore(cp.opened.database.db);
  const signals = new VerdictBoard();
  const bake = Number(env.FAILSMALL_DEMO_BAKE_S ?? 20) * 1000;
  const engine = await RolloutEngine.open(
    { clock, store, fleet, signals },
    {
      stages: [
        { name: 'canary', count: 1, bakeMs: bake },
        { name: '5%', fraction: 0.05, bakeMs: bake },
        { name: '25%', fraction: 0.25, bakeMs: bake },
        { name: '100%', fraction: 1, bakeMs: bake },
      ],
      gateGraceMs: 10_000,
    },
  );
  // A real bus (NATS KV) keeps each location's current snapshot while the control plane restarts; the
  // simulated one starts empty with this process, so hand its agents what the engine last assigned.
  for (const [loc, id] of Object.entries(engine.assigned())) await fleet.deploy(await engine.snapshot(id), [loc]);
  const controller = new DesiredStateController(
    engine,
    { read: () => cp.service.exportDesiredState() },
    { compile: { locations }, clock },
  );
  const control = engineControl(engine, { store, fleet, signals, clock });
  const tokens: TokenLookup = (h) => cp.opened.store.tokenByHash(h);
  await cp.app.register(rolloutRoutes, { control, tokens });
  const accountName = (id: string) =>
    cp.opened.store.transaction(async (tx) => (await tx.getAccount(id))?.name ?? null);
  const attached = await attachConsole({ ...cp, tokens, accountName, engine, control, store, fleet, clock, env });
  const secret = env.FAILSMALL_DEMO_TOKEN ?? newTokenSecret();
  if (secret.length < 32) throw new Error('FAILSMALL_DEMO_TOKEN must be at least 32 characters');
  if (!(await cp.opened.store.tokenByHash(hashToken(secret)))) {
    await cp.service.createToken(ADMIN, {
      account_id: null,
      name: 'demo-operator',
      scopes: ['operator'],
      token_hash: hashToken(secret),
    });
  }
  let syncing = false;
  let dirty = true;
  const sync = async () => {
    if (syncing || !dirty) return;
    syncing = true;
    dirty = false;
    try {
      const r = await controller.sync();
      if (r.outcome === 'proposed')
        log.info({ snapshot: r.snapshot.number, rollout: r.rollout.id, status: r.rollout.status }, 'snapshot proposed');
      if (r.outcome === 'error') log.warn({ code: r.error.code }, r.error.message);
    } catch (e) {
      log.error({ err: e }, 'desired-state sync failed');
    } finally {
      syncing = false;
    }
  };
  cp.service.onChange(() => {
    dirty = true;
  });
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      fleet.heartbeat();
      await sync();
      await engine.tick();
    } catch (e) {
      log.error({ err: e }, 'rollout tick failed');
    } finally {
      ticking = false;
    }
  };
  await tick();
  const timer = setInterval(() => void tick(), 1000);
  timer.unref();
  // Retained bindings expire on time even without a change: re-compile now and then.
  const resync = setInterval(() => {
    dirty = true;
  }, 60_000);
  resync.unref();
  log.info(
    { locations: locations.length, agents: fleet.all().length, seeded_prefixes: seeded, bake_s: bake / 1000 },
    `demo fleet running; operator token for /v1/rollouts and \`failsmall rollout\`: FAILSMALL_TOKEN=${secret}`,
  );
  return {
    stop: () => {
      clearInterval(timer);
      clearInterval(resync);
      attached.stop();
    },
  };
}
