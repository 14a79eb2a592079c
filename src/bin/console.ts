// Composition of the console (web/, src/api/console-routes.ts) with a running rollout engine: the
// announcement history sampler, the edge-status board, incident mode (its state is the newest
// incident.on/off record of the rollout audit log, so it survives a restart) and the event hub the
// server-sent events read. Attached by the demo (src/bin/demo.ts) for as long as the demo fleet is the
// fleet; the control loop will attach it the same way.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { INCIDENT_OFF, type IncidentModeState, switchIncidentMode } from '../addressing/incident-mode.js';
import type { AddressingService } from '../addressing/service.js';
import type { TokenLookup } from '../api/auth.js';
import { ConsoleEvents, consoleRoutes, type IncidentSwitch, incidentWriteGate } from '../api/console-routes.js';
import type { WriteGate } from '../api/server.js';
import { AnnounceHistory, announceSample } from '../rollout/announce-history.js';
import type { RolloutControl } from '../rollout/control.js';
import { EdgeStatusBoard } from '../rollout/edge-board.js';
import type { RolloutEngine } from '../rollout/engine.js';
import type { Clock, Fleet, RolloutStore } from '../rollout/ports.js';
import type { Snapshot } from '../snapshot/model.js';

export interface ConsoleDeps {
  app: FastifyInstance;
  service: AddressingService;
  tokens: TokenLookup;
  accountName(id: string): Promise<string | null>;
  writeGates: WriteGate[];
  engine: RolloutEngine;
  control: RolloutControl;
  store: RolloutStore;
  fleet: Fleet;
  clock: Clock;
  /** Sampling period of the history and the edge board (ms). */
  everyMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface AttachedConsole {
  history: AnnounceHistory;
  edge: EdgeStatusBoard;
  events: ConsoleEvents;
  incident: IncidentSwitch;
  /** One sampling step (the timer calls it; tests may too). */
  sample(): Promise<void>;
  stop(): void;
}

async function incidentSwitch(store: RolloutStore, clock: Clock): Promise<IncidentSwitch> {
  let state: IncidentModeState = INCIDENT_OFF;
  const audit = await store.listAudit();
  for (const a of audit) {
    if (a.action === 'incident.on' || a.action === 'incident.off')
      state = { on: a.action === 'incident.on', since: new Date(a.at).toISOString(), by: a.actor, reason: a.reason };
  }
  return {
    state: () => state,
    async set(on, by, reason) {
      const next = switchIncidentMode(on, by, reason, new Date(clock.now()).toISOString());
      await store.appendAudit({
        at: clock.now(),
        actor: by,
        action: on ? 'incident.on' : 'incident.off',
        target: 'network',
        reason,
        details: { was: state.on },
      });
      state = next;
      return state;
    },
    async recordSafe(a) {
      await store.appendAudit({
        at: clock.now(),
        actor: `token:${a.actor.id}`,
        action: 'incident.safe-action',
        target: a.account ?? 'network',
        reason: `${a.action} during incident mode`,
        details: {
          account: a.account,
          safe_action: a.action,
          method: a.method,
          route: a.url,
          request_id: a.actor.request_id,
        },
      });
    },
  };
}

export async function attachConsole(d: ConsoleDeps): Promise<AttachedConsole> {
  const env = d.env ?? process.env;
  const history = new AnnounceHistory(Number(env.FAILSMALL_HISTORY_POINTS ?? 3600));
  const edge = new EdgeStatusBoard();
  const events = new ConsoleEvents();
  const incident = await incidentSwitch(d.store, d.clock);
  d.writeGates.push(incidentWriteGate(incident));
  d.service.onChange((c) => {
    for (const account of c.account_ids) events.publish({ type: 'account', account });
  });
  const webRoot = env.FAILSMALL_WEB_ROOT ?? fileURLToPath(new URL('../web/', import.meta.url));
  await d.app.register(consoleRoutes, {
    service: d.service,
    control: d.control,
    tokens: d.tokens,
    history,
    edge,
    incident,
    events,
    goodSnapshotIds: () => d.engine.engineState().goodIds,
    accountName: d.accountName,
    webRoot,
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
      const reports = await d.fleet.reports();
      const latest = d.engine.latestSnapshot();
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
      for (const id of live) if (!snaps.has(id)) snaps.set(id, await d.engine.snapshot(id));
      for (const id of [...snaps.keys()]) if (!live.has(id)) snaps.delete(id);
      const rollouts = d.engine.listRollouts();
      const held =
        latest !== null &&
        (rollouts.find((r) => r.snapshotId === latest.id)?.status === 'held' ||
          (d.engine.engineState().guard.breaker.tripped && !Object.values(d.engine.assigned()).includes(latest.id)));
      edge.refresh({ locations, latest, latestHeld: held, reports, applied: snaps });
      const edgeKey = `${latest?.id}|${held}|${reports.map((r) => `${r.agentId}:${r.appliedSnapshot}:${r.state}`).join(',')}`;
      if (edgeKey !== lastEdgeKey) {
        lastEdgeKey = edgeKey;
        events.publish({ type: 'edge' });
      }
      const statusKey = `${edgeKey}|${rollouts.map((r) => `${r.id}:${r.status}:${r.stageIndex}:${r.gates.length}`).join(',')}|${d.engine.engineState().guard.breaker.tripped}`;
      if (statusKey !== lastStatusKey) {
        lastStatusKey = statusKey;
        events.publish({ type: 'status' });
      }
      const n = (await d.store.listAudit()).length;
      if (n !== lastAudit) {
        if (lastAudit >= 0) events.publish({ type: 'audit' });
        lastAudit = n;
      }
    } finally {
      busy = false;
    }
  };
  await sample();
  const timer = setInterval(
    () => void sample().catch((e) => d.app.log.error({ err: e }, 'console sampling failed')),
    d.everyMs ?? 1000,
  );
  timer.unref();
  return { history, edge, events, incident, sample, stop: () => clearInterval(timer) };
}
