// The operator-facing port of the rollout engine: what the HTTP API (src/api/rollout-routes.ts) and,
// through it, the CLI may do. The composition root builds it from an engine, its signals and its fleet.
import { randomUUID } from 'node:crypto';
import { diffSnapshots, type SnapshotDiff } from '../snapshot/diff.js';
import type { Snapshot } from '../snapshot/model.js';
import type { DeployStep, RolloutEngine } from './engine.js';
import type { BreakerState, GuardConfig } from './guard.js';
import type {
  AgentReport,
  AuditEvent,
  Clock,
  ExternalVerdict,
  Fleet,
  Rollout,
  RolloutStore,
  Signals,
  SnapshotSummary,
} from './ports.js';
import { summarize } from './ports.js';

export interface RolloutStatusView {
  breaker: BreakerState;
  baseline: SnapshotSummary | null;
  latest: SnapshotSummary | null;
  active: Rollout | null;
  pending: Rollout[];
  recent: Rollout[];
  locations: number;
  agents: { total: number; ok: number; failStatic: number; refused: number; error: number };
  guard: GuardConfig;
}

export interface RolloutControl {
  status(): Promise<RolloutStatusView>;
  rollouts(): Rollout[];
  rollout(id: string): Rollout;
  pause(id: string, actor: string, reason: string): Promise<Rollout>;
  resume(id: string, actor: string, reason: string): Promise<Rollout>;
  promote(id: string, actor: string, reason: string): Promise<Rollout>;
  abort(id: string, actor: string, reason: string): Promise<Rollout>;
  approve(id: string, actor: string, reason: string): Promise<Rollout>;
  resetBreaker(actor: string, reason: string): Promise<void>;
  rollback(o: {
    to: string;
    account?: string;
    actor: string;
    reason: string;
  }): Promise<{ snapshot: Snapshot; rollouts: Rollout[] }>;
  snapshots(): Promise<SnapshotSummary[]>;
  snapshot(ref: string): Promise<Snapshot>;
  diff(from: string, to: string): Promise<{ from: Snapshot; to: Snapshot; diff: SnapshotDiff }>;
  /** Stores the verdict, then hands it to the engine's Signals: once this resolves it survives a crash. */
  publishVerdict(v: Omit<ExternalVerdict, 'at' | 'id'>): Promise<ExternalVerdict>;
  agents(): Promise<readonly AgentReport[]>;
  audit(): Promise<AuditEvent[]>;
  steps(): readonly DeployStep[];
}

export { summarize };

export function engineControl(
  engine: RolloutEngine,
  deps: { store: RolloutStore; fleet: Fleet; signals: Signals; clock: Clock },
): RolloutControl {
  return {
    async status() {
      const list = engine.listRollouts();
      const reports = await deps.fleet.reports();
      const base = await engine.baseline();
      const latest = engine.latestSnapshot();
      const count = (st: AgentReport['state']) => reports.filter((r) => r.state === st).length;
      return {
        breaker: engine.engineState().guard.breaker,
        baseline: base ? summarize(base) : null,
        latest: latest ? summarize(latest) : null,
        active: list.find((r) => r.status === 'running' || r.status === 'paused') ?? null,
        pending: list.filter((r) => r.status === 'queued' || r.status === 'held'),
        recent: list.slice(0, 10),
        locations: deps.fleet.locations().length,
        agents: {
          total: reports.length,
          ok: count('ok'),
          failStatic: count('fail-static'),
          refused: count('refused'),
          error: count('error'),
        },
        guard: engine.guardConfig(),
      };
    },
    rollouts: () => engine.listRollouts(),
    rollout: (id) => engine.rollout(id),
    pause: (id, actor, reason) => engine.pause(id, actor, reason),
    resume: (id, actor, reason) => engine.resume(id, actor, reason),
    promote: (id, actor, reason) => engine.promote(id, actor, reason),
    abort: (id, actor, reason) => engine.abort(id, actor, reason),
    approve: (id, actor, reason) => engine.approve(id, actor, reason),
    resetBreaker: (actor, reason) => engine.resetBreaker(actor, reason),
    rollback: (o) => engine.rollback(o),
    snapshots: () => deps.store.listSnapshots(),
    snapshot: (ref) => engine.resolveSnapshot(ref),
    async diff(from, to) {
      const a = await engine.resolveSnapshot(from);
      const b = await engine.resolveSnapshot(to);
      return { from: a, to: b, diff: diffSnapshots(a, b, deps.fleet.locations()) };
    },
    async publishVerdict(v) {
      const full = { ...v, id: randomUUID(), at: deps.clock.now() };
      await deps.store.putVerdict(full);
      deps.signals.publish(full);
      return full;
    },
    agents: () => deps.fleet.reports(),
    audit: () => deps.store.listAudit(),
    steps: () => engine.deploySteps(),
  };
}

/** Plain-text status for the CLI. */
export function statusText(s: RolloutStatusView): string {
  const out: string[] = [];
  const snap = (x: SnapshotSummary | null) =>
    x ? `#${x.number} (${x.id.slice(0, 12)}) ${x.announcements} announcements, ${x.bindings} bindings` : 'none';
  out.push(
    `breaker:   ${s.breaker.tripped ? `TRIPPED since ${new Date(s.breaker.since ?? 0).toISOString()}: ${s.breaker.reason}` : 'closed'}`,
  );
  out.push(`last good: ${snap(s.baseline)}`);
  out.push(`latest:    ${snap(s.latest)}`);
  out.push(
    `fleet:     ${s.locations} locations, ${s.agents.total} agents: ${s.agents.ok} ok, ${s.agents.failStatic} fail-static, ${s.agents.refused} refused, ${s.agents.error} error`,
  );
  const line = (r: Rollout) => {
    const stage = r.stages[r.stageIndex];
    const where = stage
      ? ` stage ${r.stageIndex + 1}/${r.stages.length} ${stage.name}, ${r.touched.length} locations touched`
      : '';
    const why = r.pause
      ? ` (paused by ${r.pause.by}: ${r.pause.reason})`
      : r.halt
        ? ` (halted: ${r.halt.reason})`
        : r.status === 'held'
          ? ` (${r.guard?.summary})`
          : '';
    return `  ${r.id.padEnd(6)} #${String(r.snapshotNumber).padEnd(5)} ${r.kind.padEnd(11)} ${r.status.padEnd(11)}${where}${why}`;
  };
  out.push(`active:${s.active ? '' : ' none'}`);
  if (s.active) out.push(line(s.active));
  if (s.pending.length) {
    out.push('pending:');
    for (const r of s.pending) out.push(line(r));
  }
  out.push('recent:');
  for (const r of s.recent) out.push(line(r));
  return `${out.join('\n')}\n`;
}
