// The rollout engine: snapshots are proposed, judged by the guard and rolled out in stages with bake
// times and health gates; a failed gate halts the rollout and rolls the touched locations back to the
// last good snapshot; "no data" and "inconclusive" pause it and never pass. Operators pause, resume,
// promote, abort, approve, reset the breaker and roll back.
//
// Every decision is machine.ts's pure transition function. This class is its shell: it reads what an
// input needs (snapshots, diffs, the fleet's reports for the gates), runs the effects (deploys, audit
// entries, restore proposals) and commits the new model, saving the state and the rollouts a step
// changed in one transaction. Operations are serialised: ticks and operator commands never interleave.
import { randomUUID } from 'node:crypto';
import type { Actor } from '../lib/audit.js';
import type { Clock } from '../lib/clock.js';
import { makeContent, seal } from '../snapshot/compile.js';
import { withAccountFrom, withoutMark, withRestored } from '../snapshot/compose.js';
import { diffSnapshots } from '../snapshot/diff.js';
import { snapshotError } from '../snapshot/errors.js';
import type { LocationInfo, Snapshot, SnapshotContent, SnapshotOrigin } from '../snapshot/model.js';
import { type LocationView, viewFor } from '../snapshot/view.js';
import { assertDigest, assertMayApprove, heldChange } from './approval.js';
import { attribute, destructiveItems, restoredBy } from './attribution.js';
import { ChangeDiffs } from './change-diffs.js';
import { rolloutError } from './errors.js';
import {
  AppliedExactlyGate,
  ExternalVerdictGate,
  type GateContext,
  type HealthGate,
  PrefixCountGate,
} from './gates.js';
import { DEFAULT_GUARD, type GuardConfig, validateGuardConfig, windowLosses } from './guard.js';
import {
  type ActorRef,
  assertMove,
  type DeployKind,
  type EngineEffect,
  type EngineInput,
  type EngineModel,
  type GateOutcome,
  initialModel,
  type MachineContext,
  needReason,
  nextAction,
  rejectTargetId,
  TERMINAL,
  transition,
} from './machine.js';
import type {
  AgentReport,
  AuditLog,
  ChangeHistory,
  EngineState,
  Fleet,
  Rollout,
  RolloutStore,
  Signals,
} from './ports.js';
import { DEFAULT_STAGES, type StageSpec, validateStages } from './stages.js';

export interface EnginePorts {
  clock: Clock;
  store: RolloutStore;
  fleet: Fleet;
  signals: Signals;
  /** Where audited actions are written; default the store (which implements the one audit log). */
  audit?: AuditLog;
  /**
   * The Addressing API's changes in the one audit log, to attribute a change to its actors (approvals
   * refuse them; a trip's restore undoes only theirs). Absent: no attribution (every approver is a
   * second person, and a restore puts back the whole window).
   */
  history?: ChangeHistory;
}

export interface EngineConfig {
  stages?: readonly StageSpec[];
  guard?: GuardConfig;
  /** Default: applied-exactly, prefix-count and external verdicts. */
  gates?: readonly HealthGate[];
  /**
   * How long after a deploy gates may stay "no data"/"inconclusive" (agents still applying) before the
   * rollout pauses; a stage never passes before its gates pass. Default 60 s.
   */
  gateGraceMs?: number;
  /**
   * Bake time counts only up to this long after the stalest touched agent's latest report: agents that
   * stop reporting stop the bake. Default 10 s (agents report every 2 s, the simulated ones every round).
   */
  reportGapMs?: number;
  /** What the engine keeps in memory (the store keeps everything): defaults MAX_DEPLOY_STEPS, MAX_FINISHED_ROLLOUTS. */
  memory?: { deploySteps?: number; finishedRollouts?: number };
}

/** One hand-over of a snapshot to locations, as the fleet saw it: what operators and tests read. */
export interface DeployStep {
  at: number;
  rolloutId: string;
  snapshotId: string;
  locations: string[];
  /** progressive/fast: a rollout stage; rollback: touched locations sent back to the last good snapshot. */
  kind: DeployKind;
  withdrawals: number;
  unbinds: number;
  approvalId: string | null;
}

export interface ProposeOptions {
  origin: SnapshotOrigin;
  reason: string;
  actor: string | Actor;
  /**
   * Binding ids the content holds only for their grace period (removed from desired state): the guard
   * judges them as removed now, not when the grace expires.
   */
  graced?: readonly string[];
}

const MAX_STEPS_PER_TICK = 64;
/** Deploy steps kept in memory for operators (the newest); older ones are in the rollouts' events. */
export const MAX_DEPLOY_STEPS = 10_000;
/** Finished rollouts kept in memory (the newest); the store keeps every one. */
export const MAX_FINISHED_ROLLOUTS = 500;
/** Snapshots and per-location views cached in memory. */
const MAX_CACHED_SNAPSHOTS = 64;
const MAX_CACHED_VIEWS = 50_000;

/** An engine-internal actor name ("guard", "controller") or an API actor, as the audit log names it. */
export function actorRef(a: string | Actor): ActorRef {
  if (typeof a !== 'string') return { kind: a.kind, id: a.id, request_id: a.request_id };
  const system = ['guard', 'engine', 'controller'].includes(a) || a.startsWith('system:');
  return {
    kind: system ? 'system' : 'token',
    id: system && !a.startsWith('system:') ? `system:${a}` : a,
    request_id: '-',
  };
}

/** The oldest of the agents' latest reports over `locations`; null when a location has no report at all. */
export function stalestReport(reports: readonly AgentReport[], locations: readonly string[]): number | null {
  const heard = new Set<string>();
  let oldest = Number.POSITIVE_INFINITY;
  for (const a of reports) {
    heard.add(a.location);
    if (a.reportedAt < oldest) oldest = a.reportedAt;
  }
  if (locations.some((l) => !heard.has(l))) return null;
  return oldest === Number.POSITIVE_INFINITY ? null : oldest;
}

export class RolloutEngine {
  private model: EngineModel = initialModel();
  private readonly snapshots = new Map<string, Snapshot>();
  private latest: Snapshot | null = null;
  private readonly stages: readonly StageSpec[];
  private readonly guardCfg: GuardConfig;
  private readonly gates: readonly HealthGate[];
  private readonly gateGraceMs: number;
  private readonly reportGapMs: number;
  private readonly steps: DeployStep[] = [];
  private readonly views = new Map<string, LocationView>();
  private readonly diffs: ChangeDiffs;
  private signalsSeen = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly audit: AuditLog;
  private readonly maxSteps: number;
  private readonly maxFinished: number;

  private constructor(
    private readonly ports: EnginePorts,
    config: EngineConfig,
  ) {
    this.stages = config.stages ?? DEFAULT_STAGES;
    validateStages(this.stages);
    this.guardCfg = config.guard ?? DEFAULT_GUARD;
    validateGuardConfig(this.guardCfg);
    this.gateGraceMs = config.gateGraceMs ?? 60_000;
    this.reportGapMs = config.reportGapMs ?? 10_000;
    this.gates = config.gates ?? [
      new AppliedExactlyGate(),
      new PrefixCountGate(),
      new ExternalVerdictGate(ports.signals),
    ];
    this.audit = ports.audit ?? ports.store;
    this.diffs = new ChangeDiffs({
      topology: () => this.topology(),
      state: () => this.model.state,
      snapshot: (id) => this.snapshot(id),
      now: () => this.now(),
      guard: this.guardCfg,
      history: ports.history,
    });
    this.maxSteps = config.memory?.deploySteps ?? MAX_DEPLOY_STEPS;
    this.maxFinished = config.memory?.finishedRollouts ?? MAX_FINISHED_ROLLOUTS;
  }

  /** Loads the persisted state, the rollouts and the latest snapshot. */
  static async open(ports: EnginePorts, config: EngineConfig = {}): Promise<RolloutEngine> {
    const e = new RolloutEngine(ports, config);
    const rollouts = (await ports.store.listRollouts()).reverse(); // oldest first
    const live = rollouts.filter((r) => !TERMINAL.has(r.status));
    const finished = rollouts.filter((r) => TERMINAL.has(r.status)).slice(-e.maxFinished);
    const ordered = [...finished, ...live].sort((a, b) => a.createdAt - b.createdAt);
    e.model = initialModel(await ports.store.loadState(), ordered);
    e.signalsSeen = e.model.state.signalsSeen ?? e.now();
    const list = await ports.store.listSnapshots();
    if (list[0]) e.latest = (await ports.store.getSnapshot(list[0].id)) ?? null;
    for (const r of ordered) if (!TERMINAL.has(r.status)) await e.snapshot(r.snapshotId);
    // A bake in flight when the engine stopped (a crash, a kill -9) does not count the downtime.
    await e.apply({ type: 'opened' });
    return e;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private now(): number {
    return this.ports.clock.now();
  }

  private topology(): readonly LocationInfo[] {
    return this.ports.fleet.locations();
  }

  private view(s: Snapshot, location: string): LocationView {
    const key = `${s.id}@${location}`;
    let v = this.views.get(key);
    if (!v) {
      if (this.views.size >= MAX_CACHED_VIEWS) this.views.clear();
      v = viewFor(s, location);
      this.views.set(key, v);
    }
    return v;
  }

  private context(): MachineContext {
    return {
      now: this.now(),
      guard: this.guardCfg,
      stages: this.stages,
      gateGraceMs: this.gateGraceMs,
      reportGapMs: this.reportGapMs,
      topology: this.topology(),
      originOf: (id) => this.snapshots.get(id)?.origin,
    };
  }

  // ---- reading ------------------------------------------------------------------------------------

  async snapshot(id: string): Promise<Snapshot> {
    const hit = this.snapshots.get(id);
    if (hit) return hit;
    const s = await this.ports.store.getSnapshot(id);
    if (!s) throw snapshotError('E_SNAPSHOT_NOT_FOUND', `no snapshot ${id}`, { ref: id });
    this.remember(s);
    return s;
  }

  /** Caches a snapshot; evicts the oldest that no live rollout, baseline or location needs. */
  private remember(s: Snapshot): void {
    this.snapshots.set(s.id, s);
    if (this.snapshots.size <= MAX_CACHED_SNAPSHOTS) return;
    const needed = new Set<string>([...Object.values(this.model.state.assigned), this.latest?.id ?? '', s.id]);
    if (this.model.state.baselineId) needed.add(this.model.state.baselineId);
    for (const r of this.model.rollouts.values())
      if (!TERMINAL.has(r.status)) needed.add(r.snapshotId).add(r.baselineId ?? '');
    for (const id of this.snapshots.keys()) {
      if (this.snapshots.size <= MAX_CACHED_SNAPSHOTS) break;
      if (!needed.has(id)) this.snapshots.delete(id);
    }
  }

  /** A snapshot by number ("12" or "#12"), full id or unique id prefix (at least 6 hex characters). */
  async resolveSnapshot(ref: string): Promise<Snapshot> {
    const list = await this.ports.store.listSnapshots();
    const m = /^#?(\d{1,9})$/.exec(ref.trim());
    if (m) {
      const hit = list.find((s) => s.number === Number(m[1]));
      if (hit) return this.snapshot(hit.id);
    } else if (/^[0-9a-f]{6,64}$/.test(ref)) {
      const hits = list.filter((s) => s.id.startsWith(ref) || s.digest.startsWith(ref));
      if (hits.length > 1 && !hits.every((h) => h.id === hits[0]?.id)) {
        throw snapshotError('E_SNAPSHOT_AMBIGUOUS', `${ref} matches ${hits.length} snapshots`, { ref });
      }
      if (hits[0]) return this.snapshot(hits[0].id);
    }
    throw snapshotError(
      'E_SNAPSHOT_NOT_FOUND',
      `no snapshot matches ${JSON.stringify(ref)} (give a number, #number or id prefix)`,
      { ref },
    );
  }

  async baseline(): Promise<Snapshot | null> {
    const id = this.model.state.baselineId;
    return id ? this.snapshot(id) : null;
  }

  latestSnapshot(): Snapshot | null {
    return this.latest;
  }

  /** What a reject returns desired state to (machine.ts rejectTargetId): the last good snapshot, or the breaker's restore in flight. */
  async rejectTarget(): Promise<Snapshot | null> {
    const id = rejectTargetId(this.model, this.context());
    return id ? this.snapshot(id) : null;
  }

  /** A snapshot already in memory (the latest, the baseline, those of live rollouts), without I/O. */
  cachedSnapshot(id: string): Snapshot | undefined {
    return this.snapshots.get(id);
  }

  rollout(id: string): Rollout {
    const r = this.model.rollouts.get(id);
    if (!r) throw rolloutError('E_ROLLOUT_NOT_FOUND', `no rollout ${id}`, { id });
    return r;
  }

  listRollouts(): Rollout[] {
    return [...this.model.rollouts.values()].sort((a, b) => b.createdAt - a.createdAt || (b.id > a.id ? 1 : -1));
  }

  engineState(): Readonly<EngineState> {
    return this.model.state;
  }

  deploySteps(): readonly DeployStep[] {
    return this.steps;
  }

  guardConfig(): GuardConfig {
    return this.guardCfg;
  }

  /** The snapshot each location was last handed. */
  assigned(): Readonly<Record<string, string>> {
    return this.model.state.assigned;
  }

  // ---- running inputs -----------------------------------------------------------------------------

  /** Applies one input: the pure transition, then its effects, then the commit and the save. */
  private async apply(input: EngineInput): Promise<ReturnType<typeof transition>> {
    const t = transition(this.model, input, this.context());
    const audits: EngineEffect[] = [];
    for (const fx of t.effects) {
      if (fx.type === 'deploy') await this.runDeploy(fx);
      else if (fx.type === 'audit') audits.push(fx);
    }
    this.commit(t.model);
    const events = audits.flatMap((fx) => (fx.type === 'audit' ? [{ id: randomUUID(), ...fx.event }] : []));
    if (t.save && this.audit === this.ports.store) {
      // The step's audit entries are written with its state, in one transaction, or not at all.
      await this.ports.store.saveState(this.model.state, t.changed, events);
    } else {
      if (t.save) await this.ports.store.saveState(this.model.state, t.changed);
      for (const e of events) await this.audit.appendAudit(e);
    }
    for (const fx of t.effects) if (fx.type === 'restore-window') await this.restoreWindow(fx.cause);
    return t;
  }

  /** Takes the new model, dropping the oldest finished rollouts beyond the bound. */
  private commit(m: EngineModel): void {
    let finished = 0;
    for (const r of m.rollouts.values()) if (TERMINAL.has(r.status)) finished++;
    if (finished > this.maxFinished) {
      const rollouts = new Map(m.rollouts);
      for (const [id, r] of rollouts) {
        if (finished <= this.maxFinished) break;
        if (TERMINAL.has(r.status)) {
          rollouts.delete(id);
          finished--;
        }
      }
      m = { state: m.state, rollouts };
    }
    this.model = m;
  }

  private async runDeploy(fx: Extract<EngineEffect, { type: 'deploy' }>): Promise<void> {
    const snapshot = await this.snapshot(fx.snapshotId);
    const { withdrawals, unbinds } = await this.countStep(snapshot, fx.locations);
    this.steps.push({
      at: this.now(),
      rolloutId: fx.rolloutId,
      snapshotId: snapshot.id,
      locations: [...fx.locations],
      kind: fx.kind,
      withdrawals,
      unbinds,
      approvalId: fx.approvalId,
    });
    if (this.steps.length > this.maxSteps) this.steps.splice(0, this.steps.length - this.maxSteps);
    await this.ports.fleet.deploy(snapshot, fx.locations);
  }

  /** What a step changes at its locations, for the step log (grouped by what each location runs). */
  private async countStep(snapshot: Snapshot, locations: readonly string[]) {
    const groups = new Map<string, string[]>();
    for (const l of locations) {
      const cur = this.model.state.assigned[l] ?? '';
      groups.set(cur, [...(groups.get(cur) ?? []), l]);
    }
    let withdrawals = 0;
    let unbinds = 0;
    for (const [from, locs] of groups) {
      if (from === snapshot.id) continue;
      const cached = this.diffs.last;
      if (cached && cached.to === snapshot.id && (cached.from ?? '') === from) {
        const at = new Set(locs);
        const reaches = (scope: readonly string[] | '*') => scope === '*' || scope.some((l) => at.has(l));
        for (const c of cached.diff.announcements) if (c.kind === 'withdraw' && reaches(c.locations)) withdrawals++;
        for (const c of cached.diff.bindings) if (c.kind === 'unbind' && reaches(c.locations)) unbinds++;
        continue;
      }
      const d = diffSnapshots(from ? await this.snapshot(from) : null, snapshot, this.topology(), new Set(locs));
      withdrawals += d.totals.withdraw;
      unbinds += d.totals.unbind;
    }
    return { withdrawals, unbinds };
  }

  private async sealNew(content: SnapshotContent, origin: SnapshotOrigin, reason: string): Promise<Snapshot> {
    const s = seal(content, {
      number: (this.latest?.number ?? 0) + 1,
      parent: this.latest?.id ?? null,
      createdAt: new Date(this.now()).toISOString(),
      origin,
      reason,
    });
    await this.ports.store.putSnapshot(s);
    this.latest = s;
    this.remember(s);
    return s;
  }

  private async proposeNow(
    content: SnapshotContent,
    o: ProposeOptions,
  ): Promise<{ snapshot: Snapshot; rollout: Rollout }> {
    const snapshot = await this.sealNew(content, o.origin, o.reason);
    const base = await this.baseline();
    const diff = this.diffs.judged(base, snapshot, o.graced);
    const drift = diff.restoringOnly ? null : await this.diffs.drift(snapshot);
    const selfService = diff.restoringOnly ? undefined : await this.diffs.selfService(diff, drift, base);
    const t = await this.apply({
      type: 'propose',
      snapshot: { id: snapshot.id, number: snapshot.number, origin: o.origin, marked: snapshot.withdrawAll !== null },
      diff,
      actor: actorRef(o.actor),
      reason: o.reason,
      graced: o.graced,
      drift,
      ...(selfService ? { selfService } : {}),
    });
    return { snapshot, rollout: t.created as Rollout };
  }

  /**
   * Puts back what the guard's window took (onTrip 'restore-window'): a fast, restoring rollout. Only
   * what the actors whose changes tripped the breaker took (the destructive items of the held change
   * `cause`, attributed through the audit log): another actor's intended withdrawal stays withdrawn.
   */
  private async restoreWindow(cause: string): Promise<void> {
    const base = await this.baseline();
    if (!base) return;
    const all = windowLosses(this.model.state.guard, this.guardCfg, this.now());
    const events = await this.diffs.history(base);
    const held = this.model.rollouts.get(cause);
    const trippers = held
      ? attribute(destructiveItems(this.diffs.full(base, await this.snapshot(held.snapshotId))), events).authors.map(
          (a) => a.id,
        )
      : [];
    const lost = restoredBy(all, trippers, events);
    const content = withRestored(base, lost.announcements, lost.bindings);
    const restore = {
      announcements: content.announcements.length - base.announcements.length,
      bindings: content.bindings.length - base.bindings.length,
    };
    if (restore.announcements === 0 && restore.bindings === 0) return;
    const whose = trippers.length ? ` by ${trippers.join(', ')}` : '';
    const s = await this.sealNew(
      content,
      'restore',
      `breaker tripped (${cause}): put back what the window withdrew${whose}`,
    );
    await this.apply({
      type: 'propose',
      snapshot: { id: s.id, number: s.number, origin: 'restore', marked: false },
      diff: this.diffs.full(base, s),
      actor: actorRef('guard'),
      reason: s.reason,
      restore,
    });
  }

  // ---- the loop -----------------------------------------------------------------------------------

  /**
   * Seals `content` as the next snapshot and queues a rollout of it. The guard judges the whole change
   * against the last good snapshot at once: over a limit, the rollout is held and the breaker trips.
   */
  propose(content: SnapshotContent, opts: ProposeOptions): Promise<{ snapshot: Snapshot; rollout: Rollout }> {
    return this.serial(() => this.proposeNow(content, opts));
  }

  /** Advances every rollout as far as the clock and the gates allow. */
  tick(): Promise<void> {
    return this.serial(async () => {
      const since = this.signalsSeen;
      const until = this.now();
      this.signalsSeen = until;
      const verdicts = this.ports.signals.verdicts(since);
      // The cursor is saved with the step that takes the verdicts in: after a restart none is taken twice.
      if (verdicts.length) await this.apply({ type: 'signals', verdicts, seenUntil: until });
      for (let i = 0; i < MAX_STEPS_PER_TICK; i++) {
        const next = nextAction(this.model, this.topology().length);
        if (!next) break;
        const t = await this.apply(await this.inputFor(next));
        if (!t.progressed) break;
      }
    });
  }

  private async inputFor(a: NonNullable<ReturnType<typeof nextAction>>): Promise<EngineInput> {
    if (a.type === 'activate') {
      const r = this.rollout(a.id);
      const s = await this.snapshot(r.snapshotId);
      const base = await this.baseline();
      const diff = this.diffs.judged(base, s, r.graced);
      const judged = !diff.restoringOnly && r.approval === null; // an approved change is not judged again
      const drift = judged ? await this.diffs.drift(s) : null;
      const selfService = judged ? await this.diffs.selfService(diff, drift, base) : undefined;
      return {
        type: 'activate',
        id: a.id,
        diff,
        marked: s.withdrawAll !== null,
        drift,
        ...(selfService ? { selfService } : {}),
      };
    }
    if (a.type === 'judge') {
      const { results, reportsAt } = await this.judgement(this.rollout(a.id));
      return { type: 'judge', id: a.id, results, reportsAt };
    }
    return a;
  }

  private async evaluate(r: Rollout): Promise<GateOutcome[]> {
    return (await this.judgement(r)).results;
  }

  /** The gates' results for the rollout's current stage, and the stalest touched agent's latest report. */
  private async judgement(r: Rollout): Promise<{ results: GateOutcome[]; reportsAt: number | null }> {
    const stage = r.stages[r.stageIndex];
    if (!stage || stage.deployedAt === null)
      throw rolloutError('E_ROLLOUT_STATE', `stage ${stage?.name ?? r.stageIndex} of ${r.id} is not deployed yet`);
    const snapshot = await this.snapshot(r.snapshotId);
    const baseline = r.baselineId ? await this.snapshot(r.baselineId) : null;
    const reports = await this.ports.fleet.reports(r.touched);
    const ctx: GateContext = {
      rollout: r,
      snapshot,
      baseline,
      touched: r.touched,
      stageDeployedAt: stage.deployedAt,
      reports,
      expected: (loc) => this.view(snapshot, loc),
      previous: (loc) => (baseline ? this.view(baseline, loc) : null),
      now: this.now(),
    };
    const out: GateOutcome[] = [];
    for (const g of this.gates) out.push(await g.evaluate(ctx));
    return { results: out, reportsAt: stalestReport(reports, r.touched) };
  }

  // ---- operators ----------------------------------------------------------------------------------

  private command(input: EngineInput): Promise<Rollout> {
    return this.serial(async () => {
      await this.apply(input);
      return this.rollout((input as { id: string }).id);
    });
  }

  pause(id: string, actor: Actor, reason = ''): Promise<Rollout> {
    return this.command({ type: 'pause', id, actor: actorRef(actor), reason });
  }

  resume(id: string, actor: Actor, reason = ''): Promise<Rollout> {
    return this.command({ type: 'resume', id, actor: actorRef(actor), reason });
  }

  abort(id: string, actor: Actor, reason: string): Promise<Rollout> {
    return this.command({ type: 'abort', id, actor: actorRef(actor), reason });
  }

  /** Ends the current stage's bake now (the gates must not be failing); the next tick deploys the next stage. */
  promote(id: string, actor: Actor, reason: string): Promise<Rollout> {
    return this.serial(async () => {
      needReason(reason, 'promote');
      const r = this.rollout(id);
      if (r.status !== 'paused') assertMove(r, 'pause', 'promote');
      await this.apply({ type: 'promote', id, actor: actorRef(actor), reason, results: await this.evaluate(r) });
      return this.rollout(id);
    });
  }

  /**
   * Lets a held rollout deploy despite the limits it exceeds (and a tripped breaker). Audited. Only a
   * person with scope approver who made none of the held change, naming the change's digest (approval.ts).
   */
  approve(id: string, actor: Actor, reason: string, digest: string): Promise<Rollout> {
    return this.serial(async () => {
      needReason(reason, 'approve');
      const r = this.rollout(id);
      assertMove(r, 'approve');
      const ref = actorRef(actor);
      const base = await this.baseline();
      const held = await this.snapshot(r.snapshotId);
      const authors = await this.diffs.authorsOf(this.diffs.full(base, held), base);
      // Checked before the withdraw-all copy is sealed (the machine checks again, from the same rules).
      assertMayApprove(actor, authors, `approving ${id}`);
      assertDigest(digest, heldChange(base?.id ?? null, held.id), id);
      const approvalId = `a-${id}-${this.now()}`;
      const s = await this.snapshot(r.snapshotId);
      let marked: { id: string; number: number } | null = null;
      if (s.withdrawAll === null && diffSnapshots(await this.baseline(), s, this.topology()).emptiedLocations.length) {
        // The agents refuse an unmarked withdraw-all: the approval produces a marked copy of the snapshot.
        const m = await this.sealNew(
          {
            announcements: s.announcements,
            bindings: s.bindings,
            withdrawAll: { approvalId, approvedBy: ref.id, reason },
          },
          'approval',
          `withdraw-all approved by ${ref.id}: ${reason}`,
        );
        marked = { id: m.id, number: m.number };
      }
      await this.apply({
        type: 'approve',
        id,
        actor: ref,
        reason,
        approvalId,
        marked,
        digest,
        approver: actor,
        authors,
      });
      return this.rollout(id);
    });
  }

  /**
   * Refuses unless `actor` may reject `id`: the second person an approval needs (a reject can close the
   * breaker). Returns the change's authors, read before the reject writes desired state: what reject()
   * records and the machine checks again.
   */
  async assertMayReject(id: string, actor: Actor): Promise<string[]> {
    const r = this.rollout(id);
    // The authors of the delta the reject writes back (rejectTarget), not of one against an older baseline.
    const base = await this.rejectTarget();
    const authors = await this.diffs.authorsOf(this.diffs.full(base, await this.snapshot(r.snapshotId)), base);
    assertMayApprove(actor, authors, `rejecting ${id}`);
    return authors;
  }

  /**
   * Records an operator's reject of a held or halted rollout (or the superseded one that tripped the
   * breaker) whose delta desired state was already returned for (RolloutControl.reject does that first,
   * after assertMayReject); a complete reject ends a held rollout and closes the breaker it tripped.
   * `authors` are assertMayReject's, not read again: the reject's own restore is audited as the approver's
   * writes (a modification put back is a `bgp_prefix.edit`), and read afterwards it would name the approver
   * an author of the change it rejects.
   */
  reject(
    id: string,
    o: {
      actor: Actor;
      reason: string;
      accounts: string[] | null;
      complete: boolean;
      restored: { changed: number; unchanged: number; impossible: number };
      authors: readonly string[];
    },
  ): Promise<Rollout> {
    return this.serial(async () => {
      await this.apply({ type: 'reject', id, ...o, actor: actorRef(o.actor), approver: o.actor });
      return this.rollout(id);
    });
  }

  /** Closes a tripped breaker: a person with scope approver who made none of the held changes. */
  resetBreaker(actor: Actor, reason: string): Promise<void> {
    return this.serial(async () => {
      const base = await this.baseline();
      const authors = new Set<string>();
      for (const r of this.model.rollouts.values()) {
        if (r.status !== 'held') continue;
        const diff = this.diffs.full(base, await this.snapshot(r.snapshotId));
        for (const a of await this.diffs.authorsOf(diff, base)) authors.add(a);
      }
      await this.apply({
        type: 'reset-breaker',
        actor: actorRef(actor),
        reason,
        approver: actor,
        authors: [...authors].sort(),
      });
    });
  }

  // ---- attribution ----------------------------------------------------------------------------------

  /** The Addressing API's changes that may lie behind a delta from `base` (ATTRIBUTION_LOOKBACK_MS). */
  /**
   * Who made a held change, from the one audit log: every actor behind its delta, and the actors of its
   * destructive items (withdrawals, modifications, binding removals), who tripped the breaker with it.
   */
  async changeAuthors(id: string): Promise<{
    digest: string;
    authors: ReturnType<typeof attribute>['authors'];
    trippers: string[];
    unattributed: { announcements: number; bindings: number };
  }> {
    const r = this.rollout(id);
    const base = await this.baseline();
    const s = await this.snapshot(r.snapshotId);
    const diff = this.diffs.full(base, s);
    const events = await this.diffs.history(base);
    const all = attribute(diff, events);
    return {
      digest: heldChange(base?.id ?? null, s.id).digest,
      authors: all.authors,
      trippers: attribute(destructiveItems(diff), events).authors.map((a) => a.id),
      unattributed: all.unattributed,
    };
  }

  /**
   * Rolls the network (or one account) back to `to`: a new snapshot made of `to` (or of the last good
   * snapshot with the account's slice taken from `to`). Restoring changes go out at once on the fast
   * path; anything destructive in it follows as a progressive rollout through the guard.
   */
  rollback(o: {
    to: string;
    account?: string;
    actor: Actor;
    reason: string;
  }): Promise<{ snapshot: Snapshot; rollouts: Rollout[] }> {
    return this.serial(async () => {
      needReason(o.reason, 'rollback');
      const target = await this.resolveSnapshot(o.to);
      const base = await this.baseline();
      if (!base) throw rolloutError('E_ROLLOUT_NO_BASELINE', 'nothing has been deployed yet');
      const content = o.account
        ? withAccountFrom(base, target, o.account)
        : withoutMark(makeContent(target.announcements, target.bindings, null));
      const what = o.account ? `account ${o.account} to #${target.number}` : `network to #${target.number}`;
      const ref = actorRef(o.actor);
      await this.audit.appendAudit({
        id: randomUUID(),
        at: new Date(this.now()).toISOString(),
        account_id: o.account ?? null,
        actor_kind: ref.kind,
        actor_id: ref.id,
        request_id: ref.request_id,
        action: o.account ? 'rollback.account' : 'rollback.global',
        object_type: 'snapshot',
        object_id: target.id,
        before: { baseline: base.id },
        after: { target: target.id, account: o.account ?? null },
        reason: o.reason,
      });
      const origin: SnapshotOrigin = o.account ? 'account-rollback' : 'rollback';
      const rollouts: Rollout[] = [];
      // Restoring as the guard judges it: what the last good snapshot or the guard's memory had.
      if (!this.diffs.full(base, content).restoringOnly) {
        const restoring = withRestored(base, content.announcements, content.bindings);
        if (
          restoring.announcements.length !== base.announcements.length ||
          restoring.bindings.length !== base.bindings.length
        ) {
          const reason = `rollback ${what}, restoring part: ${o.reason}`;
          rollouts.push((await this.proposeNow(restoring, { origin, reason, actor: o.actor })).rollout);
        }
      }
      const full = await this.proposeNow(content, { origin, reason: `rollback ${what}: ${o.reason}`, actor: o.actor });
      rollouts.push(full.rollout);
      return { snapshot: full.snapshot, rollouts };
    });
  }
}
