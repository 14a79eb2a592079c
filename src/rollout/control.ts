// The operator-facing port of the rollout engine: what the HTTP API (src/api/rollout-routes.ts) and,
// through it, the CLI may do. The composition root builds it from an engine, its signals and its fleet.
import { randomUUID } from 'node:crypto';
import type { RestoreItem, RestoreOutcome } from '../addressing/recovery.js';
import type { Actor } from '../lib/audit.js';
import { diffSnapshots, type SnapshotDiff } from '../snapshot/diff.js';
import type { Snapshot } from '../snapshot/model.js';
import {
  accountsOf,
  readvertisePlan,
  rejectPlan,
  restoreBindingsPlan,
  retainedBindings,
} from '../snapshot/restore-plan.js';
import type { DesiredSource } from './controller.js';
import type { DeployStep, RolloutEngine } from './engine.js';
import { rolloutError } from './errors.js';
import type { BreakerState, GuardConfig } from './guard.js';
import { mayBeRejected, needReason } from './machine.js';
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
  /** With the rollout whose hold or failed gate tripped it (null: a health signal, or closed): the one to reject. */
  breaker: BreakerState & { trippedBy: string | null };
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
  pause(id: string, actor: Actor, reason: string): Promise<Rollout>;
  resume(id: string, actor: Actor, reason: string): Promise<Rollout>;
  promote(id: string, actor: Actor, reason: string): Promise<Rollout>;
  abort(id: string, actor: Actor, reason: string): Promise<Rollout>;
  /** Needs a person with scope approver who made none of the change, naming its digest (approval.ts). */
  approve(id: string, actor: Actor, reason: string, digest: string): Promise<Rollout>;
  resetBreaker(actor: Actor, reason: string): Promise<void>;
  /** The digest an approval of `id` must name and who made the change (from the one audit log). */
  change(id: string): ReturnType<RolloutEngine['changeAuthors']>;
  rollback(o: {
    to: string;
    account?: string;
    actor: Actor;
    reason: string;
  }): Promise<{ snapshot: Snapshot; rollouts: Rollout[] }>;
  snapshots(): Promise<SnapshotSummary[]>;
  snapshot(ref: string): Promise<Snapshot>;
  diff(from: string, to: string): Promise<{ from: Snapshot; to: Snapshot; diff: SnapshotDiff }>;
  /** Stores the verdict, then hands it to the engine's Signals: once this resolves it survives a crash. */
  publishVerdict(v: Omit<ExternalVerdict, 'at' | 'id'>): Promise<ExternalVerdict>;
  agents(): Promise<readonly AgentReport[]>;
  /**
   * Rejects a held or halted rollout, or the superseded one that tripped the breaker (status names it as
   * `breaker.trippedBy`): desired state goes back to the last good snapshot (or the breaker's restore still
   * in flight: engine.rejectTarget) for exactly its delta (of `accounts`, or all of it), in one audited transaction; then the rollout records it, a held one
   * ends, and a complete reject closes the breaker it tripped. The loop compiles at once.
   */
  reject(o: { id: string; accounts?: string[]; actor: Actor; reason: string }): Promise<RecoveryResult>;
  /** Re-advertises what snapshot `from` (default the last good one) announced for an account or a set of prefixes. */
  readvertise(o: BulkRestore): Promise<RecoveryResult>;
  /** Re-creates, with their ids, the bindings snapshot `from` (default the last good one) held. */
  restoreBindings(o: BulkRestore): Promise<RecoveryResult>;
  audit(): Promise<AuditEvent[]>;
  steps(): readonly DeployStep[];
}

export { summarize };

/** What a reject or a bulk restore did: desired state written, and the rollout (reject only). */
export interface RecoveryResult {
  rollout: Rollout | null;
  /** The snapshot desired state was returned to. */
  snapshot: SnapshotSummary;
  items: number;
  restore: RestoreOutcome;
}

export interface BulkRestore {
  /** Snapshot number, #number or id prefix; default the last good snapshot. */
  from?: string;
  account?: string;
  prefixes?: string[];
  actor: Actor;
  reason: string;
}

/** What reject and the bulk restores need from the composition: the Addressing API's recovery, the loop. */
export interface RecoveryDeps {
  /** Writes desired state (src/addressing/recovery.ts); absent: the control plane has no desired state. */
  recovery?: { restore(actor: Actor, items: readonly RestoreItem[], reason: string): Promise<RestoreOutcome> };
  /** Runs `fn` with the loop's rounds held off: no compile reads desired state half-way through a reject. */
  exclusive?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Compiles desired state now (after a restore), so the next change is judged against what was restored. */
  resync?: () => Promise<unknown>;
  /** Desired state as it is now: which bindings a change removed that the grace period still keeps. */
  desired?: DesiredSource;
}

export function engineControl(
  engine: RolloutEngine,
  deps: { store: RolloutStore; fleet: Fleet; signals: Signals; clock: Clock } & RecoveryDeps,
): RolloutControl {
  const exclusive = deps.exclusive ?? (<T>(fn: () => Promise<T>) => fn());
  const restore = async (actor: Actor, items: RestoreItem[], reason: string) => {
    if (!deps.recovery)
      throw rolloutError(
        'E_ROLLOUT_NO_RECOVERY',
        'this control plane runs without the Addressing API: no desired state to restore',
      );
    return deps.recovery.restore(actor, items, reason);
  };
  const bulk = (what: 'readvertise' | 'restore-bindings', o: BulkRestore) =>
    exclusive(async () => {
      needReason(o.reason, what);
      const target = o.from ? await engine.resolveSnapshot(o.from) : await engine.baseline();
      if (!target)
        throw rolloutError('E_ROLLOUT_NO_BASELINE', 'nothing has been deployed yet: name a snapshot with from');
      const sel = { ...(o.account ? { account: o.account } : {}), ...(o.prefixes ? { prefixes: o.prefixes } : {}) };
      const items = what === 'readvertise' ? readvertisePlan(target, sel) : restoreBindingsPlan(target, sel);
      const label = what === 'readvertise' ? 're-advertise' : 'restore bindings';
      const done = await restore(o.actor, items, `${label} from snapshot #${target.number}: ${o.reason}`);
      // What reaches the edge is judged like any change: the compile goes through the guard.
      await deps.resync?.();
      return { rollout: null, snapshot: summarize(target), items: items.length, restore: done };
    });
  return {
    async reject(o) {
      return exclusive(async () => {
        needReason(o.reason, 'reject');
        const r = engine.rollout(o.id);
        if (!mayBeRejected(r, engine.engineState().trippedBy))
          throw rolloutError(
            'E_ROLLOUT_STATE',
            `only a held or halted rollout, or the one that tripped the breaker, can be rejected; ${r.id} is ${r.status}`,
            { id: r.id, status: r.status },
          );
        // The last good snapshot, or the breaker's restore still in flight: the state the network is being
        // returned to (machine.ts rejectTargetId), so the delta written back includes what the restore puts back.
        const base = await engine.rejectTarget();
        if (!base) throw rolloutError('E_ROLLOUT_NO_BASELINE', 'nothing has been deployed yet: no last good snapshot');
        // Refused before desired state is written: nothing of a refused reject is applied.
        const authors = await engine.assertMayReject(r.id, o.actor);
        const rejected = await engine.snapshot(r.snapshotId);
        const diff = diffSnapshots(base, rejected, deps.fleet.locations());
        const only = o.accounts?.length ? new Set(o.accounts) : undefined;
        const now = deps.desired ? new Set((await deps.desired.read()).bindings.map((b) => b.id)) : null;
        const items = rejectPlan(diff, only, now ? retainedBindings(base, rejected, now) : []);
        const done = await restore(o.actor, items, `reject ${r.id}: ${o.reason}`);
        const rollout = await engine.reject(r.id, {
          actor: o.actor,
          reason: o.reason,
          accounts: only ? [...only].sort() : null,
          complete: !only || accountsOf(diff).every((a) => only.has(a)),
          restored: { changed: done.changed, unchanged: done.unchanged, impossible: done.impossible.length },
          authors,
        });
        await deps.resync?.();
        return { rollout, snapshot: summarize(base), items: items.length, restore: done };
      });
    },
    readvertise: (o) => bulk('readvertise', o),
    restoreBindings: (o) => bulk('restore-bindings', o),
    async status() {
      const list = engine.listRollouts();
      const reports = await deps.fleet.reports();
      const base = await engine.baseline();
      const latest = engine.latestSnapshot();
      const count = (st: AgentReport['state']) => reports.filter((r) => r.state === st).length;
      return {
        breaker: { ...engine.engineState().guard.breaker, trippedBy: engine.engineState().trippedBy ?? null },
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
    approve: (id, actor, reason, digest) => engine.approve(id, actor, reason, digest),
    resetBreaker: (actor, reason) => engine.resetBreaker(actor, reason),
    change: (id) => engine.changeAuthors(id),
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
    `breaker:   ${s.breaker.tripped ? `TRIPPED since ${new Date(s.breaker.since ?? 0).toISOString()}: ${s.breaker.reason}${s.breaker.trippedBy ? ` (reject ${s.breaker.trippedBy} to close it)` : ''}` : 'closed'}`,
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
