// The fail-small loop as one component: desired state → compile → guard → staged rollout → fleet →
// gates, with signal intake. `serve` always runs it (with the demo's simulated fleet or the fleet of
// registered agents); the replay and the simulation harness run the same component on virtual time.
//
// Lifecycle in BIRD's manner: open() builds it over its ports, start() begins the rounds (a timer, or
// none when a virtual clock drives tick()), stop() ends them and waits for the round in flight, and
// reconfigure() applies a new configuration in place when only the schedule changed, or restarts the
// engine and the desired-state controller (their state is in the store, so nothing is lost) otherwise.
import type { EdgeStatus, EdgeStatusPort } from '../addressing/edge-status.js';
import type { Clock } from '../lib/clock.js';
import type { CompileOptions } from '../snapshot/compile.js';
import type { Snapshot } from '../snapshot/model.js';
import { engineControl, type RecoveryDeps, type RolloutControl } from './control.js';
import { type DesiredSource, DesiredStateController, type SyncResult } from './controller.js';
import { EdgeStatusIndex } from './edge-status.js';
import { type EngineConfig, RolloutEngine } from './engine.js';
import { TERMINAL } from './machine.js';
import type { AgentReport, AuditLog, ChangeHistory, Fleet, RolloutStatus, RolloutStore, Signals } from './ports.js';

/** Fastify's logger shape (pino), so server.ts can hand over app.log. */
export interface LoopLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ControlLoopPorts {
  clock: Clock;
  store: RolloutStore;
  fleet: Fleet;
  signals: Signals;
  /** Desired state (the Addressing API's export); absent when rollouts are only proposed directly. */
  desired?: DesiredSource;
  /** Writes desired state back to a snapshot (the Addressing API's recovery): reject and bulk restores. */
  recovery?: RecoveryDeps['recovery'];
  audit?: AuditLog;
  /** The Addressing API's changes, to attribute a change to its actors (engine.ts EnginePorts.history). */
  history?: ChangeHistory;
  log?: LoopLog;
}

export interface ControlLoopConfig {
  engine?: EngineConfig;
  /** Compile options besides the locations (which are always the fleet's current ones). */
  compile?: Omit<CompileOptions, 'locations'>;
  /** How long a binding removed from desired state stays at the edge (controller default 15 min). */
  bindingGraceMs?: number;
  /** Round period on the system clock; 0: no timer (a virtual clock drives tick()). Default 1000. */
  tickMs?: number;
  /** Compile on this grid from start() (0: in the first round after a change). Default 0. */
  compileEveryMs?: number;
  /** Re-compile without a change now and then, so retained bindings expire on time. Default 60 s. */
  resyncMs?: number;
}

export type LoopState = 'ready' | 'running' | 'stopped';

/** Numbers for /metrics (src/api/metrics.ts reads them through its MetricsSource). */
export interface LoopFigures {
  snapshotNumber: number | null;
  baselineNumber: number | null;
  rolloutsByStatus: Record<RolloutStatus, number>;
  breakerTripped: boolean;
  agentsByHealth: Record<AgentReport['state'], number>;
  guardHolds: number;
  locations: number;
}

/** How far back stored verdicts are read into the engine's Signals at open (a gate reads those since its stage's deploy). */
export const VERDICTS_KEPT_MS = 24 * 3600_000;

/** Reports older than this are refreshed before an edge status or figures are computed. */
const REPORTS_MAX_AGE_MS = 2000;

/** The parts of a configuration that need a restart of the engine and the controller. */
function restartKey(c: ControlLoopConfig): string {
  const { stages, guard, gateGraceMs, memory } = c.engine ?? {};
  return JSON.stringify([stages, guard, gateGraceMs, memory, c.compile ?? null, c.bindingGraceMs ?? null]);
}

export class ControlLoop implements EdgeStatusPort {
  private engineRef!: RolloutEngine;
  private controllerRef: DesiredStateController | null = null;
  private controlRef!: RolloutControl;
  private state: LoopState = 'ready';
  private timer: ReturnType<typeof setInterval> | null = null;
  private round: Promise<void> | null = null;
  private dirty = true;
  private nextCompileAt = 0;
  private lastSyncAt = Number.NEGATIVE_INFINITY;
  private reports: readonly AgentReport[] = [];
  private reportsAt = Number.NEGATIVE_INFINITY;
  /** Someone asked for edge status: the rounds keep the agents' reports fresh for it. */
  private edgeWanted = false;
  private readonly edge = new EdgeStatusIndex();

  private constructor(
    private readonly ports: ControlLoopPorts,
    private config: ControlLoopConfig,
  ) {}

  static async open(ports: ControlLoopPorts, config: ControlLoopConfig = {}): Promise<ControlLoop> {
    const loop = new ControlLoop(ports, config);
    // Verdicts accepted before a restart are evidence still: the gates judge with them (durable judgement).
    const since = ports.clock.now() - VERDICTS_KEPT_MS;
    for (const v of await ports.store.listVerdicts(since)) ports.signals.publish(v);
    await loop.build();
    return loop;
  }

  private async build(): Promise<void> {
    const { clock, store, fleet, signals, audit, desired, history } = this.ports;
    this.engineRef = await RolloutEngine.open(
      { clock, store, fleet, signals, audit, history },
      this.config.engine ?? {},
    );
    this.controllerRef = desired
      ? new DesiredStateController(this.engineRef, desired, {
          compile: { ...this.config.compile, locations: [] },
          locations: () => fleet.locations(),
          clock,
          bindingGraceMs: this.config.bindingGraceMs,
        })
      : null;
    this.controlRef = engineControl(this.engineRef, {
      store,
      fleet,
      signals,
      clock,
      recovery: this.ports.recovery,
      ...(desired ? { desired } : {}),
      exclusive: (fn) => this.exclusive(fn),
      resync: () => this.sync('desired state restored'),
    });
    this.dirty = true;
  }

  get engine(): RolloutEngine {
    return this.engineRef;
  }

  /**
   * The operator port for the /v1 rollout API and the CLI. One object for the loop's lifetime: the API
   * registers it once, and after a restarting reconfigure() it reaches the new engine.
   */
  readonly control: RolloutControl = new Proxy({} as RolloutControl, {
    get: (_target, key) => {
      const v = (this.controlRef as unknown as Record<string | symbol, unknown>)[key];
      return typeof v === 'function' ? v.bind(this.controlRef) : v;
    },
  });

  status(): LoopState {
    return this.state;
  }

  /** Desired state changed (the addressing service's onChange): compile at the next slot. */
  markDirty(): void {
    this.dirty = true;
  }

  /**
   * Begins the rounds. A real bus (NATS KV) keeps each location's snapshot while the control plane
   * restarts; an in-process fleet starts empty, so it is handed what the engine last assigned.
   */
  async start(): Promise<void> {
    if (this.state === 'running') return;
    const { fleet, clock } = this.ports;
    const known = new Set(fleet.locations().map((l) => l.id));
    for (const [loc, id] of Object.entries(this.engineRef.assigned())) {
      if (known.has(loc)) await fleet.deploy(await this.engineRef.snapshot(id), [loc]);
    }
    this.nextCompileAt = clock.now() + (this.config.compileEveryMs ?? 0);
    this.state = 'running';
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const every = this.config.tickMs ?? 1000;
    if (this.state !== 'running' || every <= 0) return;
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.state = 'stopped';
    await this.round;
  }

  /** Applies `next`: in place when only the schedule changed, else restarts engine and controller. */
  async reconfigure(next: ControlLoopConfig): Promise<'applied' | 'restarted'> {
    const restart = restartKey(next) !== restartKey(this.config) || next.engine?.gates !== this.config.engine?.gates;
    const wasRunning = this.state === 'running';
    if (!restart) {
      this.config = next;
      if (next.compileEveryMs !== undefined) this.nextCompileAt = this.ports.clock.now() + next.compileEveryMs;
      this.arm();
      return 'applied';
    }
    await this.stop();
    this.config = next;
    await this.build();
    this.state = 'ready';
    if (wasRunning) await this.start();
    return 'restarted';
  }

  /** One round: the fleet's housekeeping, a compile when one is due, then the engine's steps. */
  tick(): Promise<void> {
    if (this.round) return this.round;
    this.round = this.roundNow().finally(() => {
      this.round = null;
    });
    return this.round;
  }

  /**
   * Runs `fn` in place of a round (after the one in flight, before the next): a reject restores desired
   * state, records it in the engine and compiles, and no round compiles a half-restored desired state.
   */
  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    while (this.round) await this.round.catch(() => undefined);
    const run = fn();
    this.round = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await run;
    } finally {
      this.round = null;
    }
  }

  private async roundNow(): Promise<void> {
    const log = this.ports.log;
    try {
      await this.ports.fleet.tick?.();
      const now = this.ports.clock.now();
      if (now - this.lastSyncAt >= (this.config.resyncMs ?? 60_000)) this.dirty = true;
      if (this.controllerRef && this.dirty && now >= this.nextCompileAt) {
        const every = this.config.compileEveryMs ?? 0;
        while (every > 0 && this.nextCompileAt <= now) this.nextCompileAt += every;
        await this.sync('desired state changed');
      }
      await this.engineRef.tick();
      if (this.edgeWanted) {
        this.edgeWanted = false;
        await this.refreshReports();
      }
    } catch (e) {
      log?.error({ err: e }, 'control loop round failed');
      if (!log) throw e;
    }
  }

  /** Compiles desired state now and proposes it when it changed. */
  async sync(reason = 'desired state changed'): Promise<SyncResult> {
    if (!this.controllerRef) return { outcome: 'unchanged' };
    this.dirty = false;
    this.lastSyncAt = this.ports.clock.now();
    try {
      const r = await this.controllerRef.sync(reason);
      if (r.outcome === 'proposed')
        this.ports.log?.info(
          { snapshot: r.snapshot.number, rollout: r.rollout.id, status: r.rollout.status },
          'snapshot proposed',
        );
      if (r.outcome === 'error') this.ports.log?.warn({ code: r.error.code }, r.error.message);
      return r;
    } catch (e) {
      this.dirty = true;
      throw e;
    }
  }

  // ---- what the loop knows about the edge ----------------------------------------------------------

  /** Refreshes the agents' reports when they are older than REPORTS_MAX_AGE_MS (for status and metrics). */
  async refreshReports(): Promise<readonly AgentReport[]> {
    const now = this.ports.clock.now();
    if (now - this.reportsAt >= REPORTS_MAX_AGE_MS) {
      this.reports = await this.ports.fleet.reports();
      this.reportsAt = now;
    }
    return this.reports;
  }

  private memorySnapshots(): Snapshot[] {
    const e = this.engineRef;
    const ids = new Set<string>();
    const latest = e.latestSnapshot();
    if (latest) ids.add(latest.id);
    for (const r of e.listRollouts()) if (!TERMINAL.has(r.status)) ids.add(r.snapshotId);
    const st = e.engineState();
    if (st.baselineId) ids.add(st.baselineId);
    for (const id of Object.values(st.assigned)) ids.add(id);
    for (const r of this.reports) if (r.appliedSnapshot) ids.add(r.appliedSnapshot);
    const out: Snapshot[] = [];
    for (const id of ids) {
      const s = e.cachedSnapshot(id);
      if (s) out.push(s);
    }
    return out.sort((a, b) => b.number - a.number);
  }

  /**
   * EdgeStatusPort: where a BGP prefix's configured state is live, from the agents' reports of the last
   * rounds (asking keeps them fresh: the next round re-reads them when they are older than 2 s).
   */
  edgeStatus(prefix: string, advertised: boolean): EdgeStatus {
    this.edgeWanted = true;
    const e = this.engineRef;
    return this.edge.status(
      {
        snapshots: this.memorySnapshots(),
        rollouts: e.listRollouts().filter((r) => !TERMINAL.has(r.status)),
        reports: this.reports,
        locations: this.ports.fleet.locations(),
        breakerTripped: e.engineState().guard.breaker.tripped,
      },
      prefix,
      advertised,
    );
  }

  /** The loop's figures for /metrics (refreshes the agents' reports when they are stale). */
  async figures(): Promise<LoopFigures> {
    const reports = await this.refreshReports();
    const e = this.engineRef;
    const rolloutsByStatus = Object.fromEntries(
      (['queued', 'held', 'running', 'paused', 'completed', 'rolled-back', 'aborted', 'superseded'] as const).map(
        (s) => [s, 0],
      ),
    ) as Record<RolloutStatus, number>;
    for (const r of e.listRollouts()) rolloutsByStatus[r.status]++;
    const agentsByHealth = { ok: 0, 'fail-static': 0, refused: 0, error: 0 };
    for (const r of reports) agentsByHealth[r.state]++;
    const st = e.engineState();
    const baseline = st.baselineId ? e.cachedSnapshot(st.baselineId) : undefined;
    return {
      snapshotNumber: e.latestSnapshot()?.number ?? null,
      baselineNumber: baseline?.number ?? null,
      rolloutsByStatus,
      breakerTripped: st.guard.breaker.tripped,
      agentsByHealth,
      guardHolds: rolloutsByStatus.held,
      locations: this.ports.fleet.locations().length,
    };
  }
}
