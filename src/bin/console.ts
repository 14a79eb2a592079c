// Composition of the console (web/, src/api/console-routes.ts) with the control loop serve always runs
// (src/bin/server.ts), with or without the demo: the announcement history sampler, incident mode (its
// state is the newest incident_mode entry of the one audit log, so it survives a restart), and the
// event hub the server-sent events read. Edge status is the loop's own EdgeStatusPort. Built before the
// server (its routes, write guard and plain handlers go into buildServer); started once the server is.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { INCIDENT_OFF, type IncidentModeState, switchIncidentMode } from '../addressing/incident-mode.js';
import type { AddressingService } from '../addressing/service.js';
import {
  ConsoleEvents,
  consolePlainRoutes,
  consoleRoutes,
  type IncidentSwitch,
  incidentWriteGuard,
} from '../api/console-routes.js';
import type { WriteGuard } from '../api/http-stack.js';
import type { Route } from '../api/route-table.js';
import type { Actor, AuditEvent, AuditLog } from '../lib/audit.js';
import type { Clock } from '../lib/clock.js';
import { AnnounceHistory, announceSample } from '../rollout/announce-history.js';
import type { ControlLoop } from '../rollout/control-loop.js';
import type { Fleet } from '../rollout/ports.js';
import type { Snapshot } from '../snapshot/model.js';
import { ROLLOUT_OBJECT_TYPES } from '../store/audit-log.js';

export interface ConsoleDeps {
  service: AddressingService;
  accountName(id: string): Promise<string | null>;
  tokenName(id: string): Promise<string | null>;
  loop: ControlLoop;
  fleet: Fleet;
  /** The one audit log: incident switches and safe actions are written to it and read back from it. */
  audit: AuditLog;
  clock: Clock;
  /** Sampling period of the history (ms). */
  everyMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ComposedConsole {
  /** For buildServer: the route table, the plain handlers and incident mode's write guard. */
  server: { routes: readonly Route[]; plain(app: FastifyInstance): void };
  writeGuard: WriteGuard;
  history: AnnounceHistory;
  events: ConsoleEvents;
  incident: IncidentSwitch;
  /** One sampling step (the timer calls it; tests may too). */
  sample(): Promise<void>;
  /** Starts sampling, logging through the server's logger. */
  start(app: FastifyInstance): Promise<void>;
  stop(): void;
}

const INCIDENT = 'incident_mode';

function event(actor: Actor, at: number, e: Omit<AuditEvent, 'id' | 'at' | 'actor_kind' | 'actor_id' | 'request_id'>) {
  return {
    id: randomUUID().replaceAll('-', ''),
    at: new Date(at).toISOString(),
    actor_kind: actor.kind,
    actor_id: actor.id,
    request_id: actor.request_id,
    ...e,
  } satisfies AuditEvent;
}

/** The switch over the one audit log: the newest incident_mode switch entry is the state. */
export async function incidentSwitch(audit: AuditLog, clock: Clock): Promise<IncidentSwitch> {
  const { items } = await audit.list({ object_types: [INCIDENT], page: 1, per_page: 1000 });
  const last = items.find((e) => e.action === 'incident_mode.on' || e.action === 'incident_mode.off');
  let state: IncidentModeState = last ? (last.after as IncidentModeState) : INCIDENT_OFF;
  return {
    state: () => state,
    async set(on, actor, reason) {
      const next = switchIncidentMode(on, `${actor.kind}:${actor.id}`, reason, new Date(clock.now()).toISOString());
      await audit.append([
        event(actor, clock.now(), {
          account_id: null,
          action: on ? 'incident_mode.on' : 'incident_mode.off',
          object_type: INCIDENT,
          object_id: 'network',
          before: state,
          after: next,
          reason,
        }),
      ]);
      state = next;
      return state;
    },
    async recordSafe(a) {
      await audit.append([
        event(a.actor, clock.now(), {
          account_id: a.account,
          action: 'incident_mode.safe_action',
          object_type: INCIDENT,
          object_id: a.account ?? 'network',
          before: null,
          after: { safe_action: a.action, method: a.method, route: a.url },
          reason: `${a.action} during incident mode`,
        }),
      ]);
    },
  };
}

export async function composeConsole(d: ConsoleDeps): Promise<ComposedConsole> {
  const env = d.env ?? process.env;
  const history = new AnnounceHistory(Number(env.FAILSMALL_HISTORY_POINTS ?? 3600));
  const events = new ConsoleEvents();
  const incident = await incidentSwitch(d.audit, d.clock);
  d.service.onChange((c) => {
    for (const account of c.account_ids) events.publish({ type: 'account', account });
  });
  const webRoot = env.FAILSMALL_WEB_ROOT ?? fileURLToPath(new URL('../web/', import.meta.url));
  const routes = consoleRoutes({
    service: d.service,
    control: d.loop.control,
    history,
    edge: d.loop,
    incident,
    events,
    goodSnapshotIds: () => d.loop.engine.engineState().goodIds,
    accountName: d.accountName,
    tokenName: d.tokenName,
  });

  const snaps = new Map<string, Snapshot>();
  let lastEdgeKey = '';
  let lastStatusKey = '';
  let lastAudit = -1;
  let busy = false;
  const sample = async () => {
    if (busy) return;
    busy = true;
    try {
      const engine = d.loop.engine;
      const reports = await d.fleet.reports();
      const latest = engine.latestSnapshot();
      const locations = d.fleet.locations().map((l) => l.id);
      // before any agent applied a snapshot there is nothing to chart (it would draw a ramp from 0)
      if (reports.some((r) => r.appliedSnapshot !== null)) {
        const s = announceSample(d.clock.now(), locations, latest, reports);
        history.add(s);
        events.publish({ type: 'history', data: s });
      }
      // the snapshots agents applied, loaded once each (immutable); forget those nobody runs
      const live = new Set<string>();
      for (const r of reports) if (r.appliedSnapshot) live.add(r.appliedSnapshot);
      for (const id of live) if (!snaps.has(id)) snaps.set(id, await engine.snapshot(id));
      for (const id of [...snaps.keys()]) if (!live.has(id)) snaps.delete(id);
      const rollouts = engine.listRollouts();
      const tripped = engine.engineState().guard.breaker.tripped;
      const edgeKey = `${latest?.id}|${tripped}|${reports.map((r) => `${r.agentId}:${r.appliedSnapshot}:${r.state}`).join(',')}`;
      if (edgeKey !== lastEdgeKey) {
        lastEdgeKey = edgeKey;
        events.publish({ type: 'edge' });
      }
      const statusKey = `${edgeKey}|${rollouts.map((r) => `${r.id}:${r.status}:${r.stageIndex}:${r.gates.length}`).join(',')}`;
      if (statusKey !== lastStatusKey) {
        lastStatusKey = statusKey;
        events.publish({ type: 'status' });
      }
      // the operator log is append-only: its size says whether something was added (one row read, not all)
      const n = (await d.audit.list({ object_types: ROLLOUT_OBJECT_TYPES, page: 1, per_page: 1 })).total_count;
      if (n !== lastAudit) {
        if (lastAudit >= 0) events.publish({ type: 'audit' });
        lastAudit = n;
      }
    } finally {
      busy = false;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    server: { routes, plain: (app) => consolePlainRoutes(app, { webRoot, incident, events }) },
    writeGuard: incidentWriteGuard(incident),
    history,
    events,
    incident,
    sample,
    async start(app) {
      await sample();
      timer = setInterval(
        () => void sample().catch((e) => app.log.error({ err: e }, 'console sampling failed')),
        d.everyMs ?? 1000,
      );
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
