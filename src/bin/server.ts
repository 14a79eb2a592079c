// Composition root of the control plane: `npm start` runs this. Reads its settings from the
// environment (see README: PORT, HOST, DATABASE_URL, FAILSMALL_PG_SCHEMA, FAILSMALL_DATA_DIR, LOG_LEVEL,
// FAILSMALL_BOOTSTRAP_TOKEN, FAILSMALL_DEMO, FAILSMALL_MONITOR_CONFIG; ownership evidence in
// ownership-config.ts: FAILSMALL_VRPS, FAILSMALL_IRR_FILE, FAILSMALL_MIN_PREFIX_LEN, FAILSMALL_LAB_SPACE). It always runs the control loop
// (desired state → snapshot → guard → staged rollout → fleet → gates) and the /v1 rollout API, with or
// without the demo.
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { AddressingService } from '../addressing/service.js';
import { authFailureEvent } from '../api/auth-failures.js';
import { metricsPlugin } from '../api/metrics.js';
import { buildServer } from '../api/server.js';
import { HttpFleet } from '../fleet/http-fleet.js';
import { isoNow, systemClock } from '../lib/clock.js';
import { ControlLoop, type ControlLoopConfig, type LoopLog } from '../rollout/control-loop.js';
import { VerdictBoard } from '../rollout/memory.js';
import { EMPTY_FLEET, type Fleet, type RolloutStore } from '../rollout/ports.js';
import { DEFAULT_STAGES } from '../rollout/stages.js';
import { KyselyAuditLog } from '../store/audit-log.js';
import { type OpenedStore, openStore, randomIds } from '../store/harness.js';
import { KyselyRolloutStore } from '../store/rollout-store.js';
import { bootstrapAdmin } from './bootstrap-token.js';
import { type ComposedConsole, composeConsole } from './console.js';
import { agentRouteOptions, parseLocations } from './fleet-http.js';
import { ownershipConfig } from './ownership-config.js';
import { VERSION } from './version.js';

/** The fleet the control loop drives, and the loop's configuration that goes with it. */
export interface FleetChoice {
  fleet: Fleet;
  loop: ControlLoopConfig;
  /** The demo's simulated fleet: serve also seeds demo data (src/bin/demo.ts). */
  demo: boolean;
}

/**
 * The one place that chooses the Fleet. The demo (default; FAILSMALL_DEMO=0 turns it off) brings a
 * simulated fleet; otherwise the fleet of registered agents, empty until one registers (rollouts wait
 * queued). The agents' HTTP fleet (src/fleet/http-*.ts) is handed to the loop here.
 */
/**
 * The default stage plan, its bake per stage from FAILSMALL_BAKE_S when set (a lab, a staging network);
 * otherwise the defaults of src/rollout/stages.ts (5 minutes at the canary).
 */
export function stagePlan(env: NodeJS.ProcessEnv): ControlLoopConfig {
  const v = env.FAILSMALL_BAKE_S;
  if (v === undefined) return {};
  if (!/^[0-9]{1,6}$/.test(v))
    throw new Error(`FAILSMALL_BAKE_S must be a whole number of seconds, not ${JSON.stringify(v)}`);
  return { engine: { stages: DEFAULT_STAGES.map((st) => ({ ...st, bakeMs: Number(v) * 1000 })) } };
}

export async function configuredFleet(
  env: NodeJS.ProcessEnv = process.env,
  store?: Pick<RolloutStore, 'getSnapshot'>,
): Promise<FleetChoice> {
  // FAILSMALL_FLEET=http: real agents (`failsmall agent`) at FAILSMALL_LOCATIONS, over HTTP; no demo.
  if (env.FAILSMALL_FLEET === 'http') {
    if (!store) throw new Error('configuredFleet: the HTTP fleet reads snapshots from the rollout store');
    const locations = parseLocations(env.FAILSMALL_LOCATIONS);
    return {
      fleet: new HttpFleet({ locations, clock: systemClock, snapshot: (id) => store.getSnapshot(id) }),
      loop: stagePlan(env),
      demo: false,
    };
  }
  if (env.FAILSMALL_DEMO !== '0') return { ...(await import('./demo.js')).demoFleet(env), demo: true };
  return { fleet: EMPTY_FLEET, loop: {}, demo: false };
}

export interface ServeOptions {
  port: number;
  host: string;
}

export interface ControlPlane {
  app: FastifyInstance;
  service: AddressingService;
  opened: OpenedStore;
  /** The control loop; serve() starts it, close() stops it before the database closes. */
  loop: ControlLoop;
  fleet: FleetChoice;
  /**
   * The engine's Signals port, to read verdicts. Sources publish through `loop.control.publishVerdict`
   * (stored first, then here): in-process ones too, so every verdict survives a restart.
   */
  signals: VerdictBoard;
  /** The registry /metrics exposes; parts that run in-process (the monitor) register their metrics in it. */
  metrics: Registry;
  /** The console (web/ at /, its routes, incident mode), composed with the loop. */
  console: ComposedConsole;
  close(): Promise<void>;
}

/**
 * Builds the control plane over the configured database: PostgreSQL when DATABASE_URL is set, else
 * embedded PGlite in FAILSMALL_DATA_DIR (default .data/pglite; "memory://" for a throwaway one).
 */
export async function buildControlPlane(
  env: NodeJS.ProcessEnv = process.env,
  logLevel?: string,
): Promise<ControlPlane> {
  const opened = await openStore({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATABASE_URL ? undefined : (env.FAILSMALL_DATA_DIR ?? '.data/pglite'),
    schema: env.DATABASE_URL ? env.FAILSMALL_PG_SCHEMA : undefined,
  });
  const ownership = ownershipConfig(env);
  const service = new AddressingService(opened.store, systemClock, randomIds, ownership);
  await bootstrapAdmin(service, opened, env.FAILSMALL_BOOTSTRAP_TOKEN);
  const level = logLevel ?? env.LOG_LEVEL ?? 'info';
  const rolloutStore = new KyselyRolloutStore(opened.database.db);
  const fleet = await configuredFleet(env, rolloutStore);
  // The engine's gates read verdicts here; every source publishes through loop.control.publishVerdict.
  const signals = new VerdictBoard();
  const metrics = new Registry();
  // The loop logs through the server's logger, which exists only once the server is built; the server
  // needs the loop's operator port and edge status first, so the log is forwarded once it exists.
  const logRef: { current: LoopLog | null } = { current: null };
  const log: LoopLog = {
    info: (o, m) => logRef.current?.info(o, m),
    warn: (o, m) => logRef.current?.warn(o, m),
    error: (o, m) => logRef.current?.error(o, m),
  };
  const auditLog = new KyselyAuditLog(opened.database.db);
  // Snapshots, rollouts, engine state and audit live in the API's database: they survive a restart. The
  // one audit log also tells who made each change (approvals refuse its authors; restores undo only theirs).
  const loop = await ControlLoop.open(
    {
      clock: systemClock,
      store: rolloutStore,
      fleet: fleet.fleet,
      signals,
      desired: { read: () => service.exportDesiredState() },
      history: auditLog,
      recovery: service.recovery,
      log,
    },
    // The compiler announces only what validation could accept: the same announceable space.
    { ...fleet.loop, compile: { ...fleet.loop.compile, space: ownership.space } },
  );
  const console = await composeConsole({
    service,
    loop,
    fleet: fleet.fleet,
    audit: auditLog,
    clock: systemClock,
    accountName: (id) => opened.store.transaction(async (tx) => (await tx.getAccount(id))?.name ?? null),
    tokenName: (id) => opened.store.transaction(async (tx) => (await tx.getToken(id))?.name ?? null),
    env,
  });
  const app = await buildServer({
    version: VERSION,
    logger: level === 'silent' ? false : { level },
    tokens: (h) => opened.store.tokenByHash(h),
    addressing: { service },
    rollout: { control: loop.control },
    edgeStatus: loop,
    ...(fleet.fleet instanceof HttpFleet ? { agents: agentRouteOptions(fleet.fleet, opened.database) } : {}),
    console: console.server,
    writeGuards: [console.writeGuard],
    // A failed authentication or authorisation that names an existing account lands in its audit log.
    authFailureAudit: async (f) => {
      const id = f.account_id;
      if (id === undefined || !(await opened.store.transaction(async (tx) => tx.getAccount(id)))) return;
      await auditLog.append([authFailureEvent(f, randomIds.next(), isoNow(systemClock))]);
    },
  });
  logRef.current = app.log;
  app.log.info({ ownership: ownership.sources }, 'ownership evidence (an operator can always approve an LOA)');
  service.onChange(() => loop.markDirty());
  await app.register(metricsPlugin, { source: loop, registry: metrics });
  await console.start(app);
  return {
    app,
    service,
    opened,
    loop,
    fleet,
    signals,
    metrics,
    console,
    close: async () => {
      console.stop();
      await loop.stop();
      await app.close();
      await opened.close();
    },
  };
}

export async function serve(opts: ServeOptions): Promise<void> {
  const cp = await buildControlPlane();
  if (cp.fleet.demo) await (await import('./demo.js')).attachDemo(cp); // seed data and the demo token
  const monitorConfig = process.env.FAILSMALL_MONITOR_CONFIG; // the BGP monitor in-process (docs/monitor.md)
  if (monitorConfig)
    await (await import('./monitor-serve.js')).attachMonitor(cp, monitorConfig, {
      verdicts: cp.loop.control, // stored, then to the engine's Signals: the one durable path
      registry: cp.metrics,
    });
  await cp.loop.start();
  cp.app.log.info(
    { locations: cp.fleet.fleet.locations().length, demo: cp.fleet.demo },
    'control loop running (engine and /v1 rollout API)',
  );
  const close = async () => {
    await cp.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
  await cp.app.listen({ port: opts.port, host: opts.host });
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  await serve({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' });
}
