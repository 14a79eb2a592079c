// The rollout engine: a state machine over ports (Clock, Store, Fleet, Signals). Snapshots are proposed,
// checked by the guard, and rolled out in stages with bake times and health gates. A failed gate halts
// the rollout and rolls the touched locations back to the last good snapshot; "no data" and
// "inconclusive" pause it and never pass. Operators pause, resume, promote, abort, approve, reset the
// breaker and roll back. Everything happens in tick(): the driver (a timer, or a virtual clock) calls it.
//
// This file is the engine's machinery (reading, proposing, the state machine, deploys and rollbacks);
// engine.ts adds the operator commands and is the class the rest of the code uses.
import { seal } from '../snapshot/compile.js';
import { withRestored } from '../snapshot/compose.js';
import { diffSnapshots, type SnapshotDiff } from '../snapshot/diff.js';
import { snapshotError } from '../snapshot/errors.js';
import type { LocationInfo, Snapshot, SnapshotContent, SnapshotOrigin } from '../snapshot/model.js';
import { type LocationView, viewFor } from '../snapshot/view.js';
import { rolloutError } from './errors.js';
import {
  AppliedExactlyGate,
  combine,
  ExternalVerdictGate,
  type GateContext,
  type HealthGate,
  PrefixCountGate,
} from './gates.js';
import {
  admit,
  DEFAULT_GUARD,
  evaluateGuard,
  type GuardConfig,
  type GuardDecision,
  initialGuardState,
  trip,
  validateGuardConfig,
  violationText,
  windowLosses,
} from './guard.js';
import type { Clock, EngineState, Fleet, Rollout, RolloutStore, Signals, Stage } from './ports.js';
import { DEFAULT_STAGES, fastStages, planStages, type StageSpec, validateStages } from './stages.js';

export interface EnginePorts {
  clock: Clock;
  store: RolloutStore;
  fleet: Fleet;
  signals: Signals;
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
}

/** One hand-over of a snapshot to locations, as the fleet saw it: what the property tests audit. */
export interface DeployStep {
  at: number;
  rolloutId: string;
  snapshotId: string;
  locations: string[];
  /** progressive/fast: a rollout stage; rollback: touched locations sent back to the last good snapshot. */
  kind: 'progressive' | 'fast' | 'rollback';
  withdrawals: number;
  unbinds: number;
  approvalId: string | null;
}

export interface ProposeOptions {
  origin: SnapshotOrigin;
  reason: string;
  actor: string;
}

const MAX_STEPS_PER_TICK = 64;

export class RolloutEngineCore {
  protected state!: EngineState;
  protected rollouts = new Map<string, Rollout>();
  protected snapshots = new Map<string, Snapshot>();
  protected latest: Snapshot | null = null;
  protected readonly stages: readonly StageSpec[];
  protected readonly guardCfg: GuardConfig;
  protected readonly gates: readonly HealthGate[];
  protected readonly gateGraceMs: number;
  protected readonly steps: DeployStep[] = [];
  /** Views per snapshot and location, shared by gate evaluations across ticks. */
  protected readonly views = new Map<string, LocationView>();
  /** The last full diff computed (baseline → snapshot), reused by activation and step accounting. */
  protected lastDiff: { from: string | null; to: string; diff: SnapshotDiff } | null = null;
  /** Verdicts before this time were looked at by watchSignals. */
  protected signalsSeen = 0;
  /** Serialises operations: ticks and operator commands never interleave. */
  protected chain: Promise<unknown> = Promise.resolve();

  protected constructor(
    private readonly ports: EnginePorts,
    config: EngineConfig,
  ) {
    this.stages = config.stages ?? DEFAULT_STAGES;
    validateStages(this.stages);
    this.guardCfg = config.guard ?? DEFAULT_GUARD;
    validateGuardConfig(this.guardCfg);
    this.gateGraceMs = config.gateGraceMs ?? 60_000;
    this.gates = config.gates ?? [
      new AppliedExactlyGate(),
      new PrefixCountGate(),
      new ExternalVerdictGate(ports.signals),
    ];
  }

  /** Loads the persisted state, rollouts and latest snapshot; called once by RolloutEngine.open. */
  protected async load(): Promise<void> {
    const ports = this.ports;
    this.state = (await ports.store.loadState()) ?? {
      baselineId: null,
      goodIds: [],
      assigned: {},
      guard: initialGuardState(),
      nextRollout: 1,
    };
    for (const r of await ports.store.listRollouts()) this.rollouts.set(r.id, r);
    const list = await ports.store.listSnapshots();
    if (list[0]) this.latest = (await ports.store.getSnapshot(list[0].id)) ?? null;
  }

  protected serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  protected now(): number {
    return this.ports.clock.now();
  }

  protected topology(): readonly LocationInfo[] {
    return this.ports.fleet.locations();
  }

  protected view(s: Snapshot, location: string): LocationView {
    const key = `${s.id}@${location}`;
    let v = this.views.get(key);
    if (!v) {
      if (this.views.size > 50_000) this.views.clear();
      v = viewFor(s, location);
      this.views.set(key, v);
    }
    return v;
  }

  /** Diff of the whole network from `before` to `after`, cached for the latest pair. */
  protected fullDiff(before: Snapshot | null, after: Snapshot): SnapshotDiff {
    const from = before?.id ?? null;
    if (this.lastDiff && this.lastDiff.from === from && this.lastDiff.to === after.id) return this.lastDiff.diff;
    const diff = diffSnapshots(before, after, this.topology());
    this.lastDiff = { from, to: after.id, diff };
    return diff;
  }

  // ---- reading ------------------------------------------------------------------------------------

  async snapshot(id: string): Promise<Snapshot> {
    const hit = this.snapshots.get(id);
    if (hit) return hit;
    const s = await this.ports.store.getSnapshot(id);
    if (!s) throw snapshotError('E_SNAPSHOT_NOT_FOUND', `no snapshot ${id}`, { ref: id });
    this.snapshots.set(id, s);
    return s;
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
    return this.state.baselineId ? this.snapshot(this.state.baselineId) : null;
  }

  latestSnapshot(): Snapshot | null {
    return this.latest;
  }

  rollout(id: string): Rollout {
    const r = this.rollouts.get(id);
    if (!r) throw rolloutError('E_ROLLOUT_NOT_FOUND', `no rollout ${id}`, { id });
    return r;
  }

  listRollouts(): Rollout[] {
    return [...this.rollouts.values()].sort((a, b) => b.createdAt - a.createdAt || (b.id > a.id ? 1 : -1));
  }

  engineState(): Readonly<EngineState> {
    return this.state;
  }

  deploySteps(): readonly DeployStep[] {
    return this.steps;
  }

  guardConfig(): GuardConfig {
    return this.guardCfg;
  }

  /** The snapshot each location was last handed. */
  assigned(): Readonly<Record<string, string>> {
    return this.state.assigned;
  }

  // ---- persistence --------------------------------------------------------------------------------

  protected async save(r?: Rollout): Promise<void> {
    await this.ports.store.saveState(this.state, r ? [r] : []);
  }

  protected event(r: Rollout, event: string, detail: string): void {
    r.events.push({ at: this.now(), event, detail });
  }

  protected async audit(
    actor: string,
    action: string,
    target: string,
    reason: string,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.ports.store.appendAudit({ at: this.now(), actor, action, target, reason, details });
  }

  // ---- proposing ----------------------------------------------------------------------------------

  protected async sealNew(content: SnapshotContent, origin: SnapshotOrigin, reason: string): Promise<Snapshot> {
    const s = seal(content, {
      number: (this.latest?.number ?? 0) + 1,
      parent: this.latest?.id ?? null,
      createdAt: new Date(this.now()).toISOString(),
      origin,
      reason,
    });
    await this.ports.store.putSnapshot(s);
    this.snapshots.set(s.id, s);
    this.latest = s;
    return s;
  }

  /**
   * Seals `content` as the next snapshot and queues a rollout of it. The guard judges the whole change
   * against the last good snapshot at once: over a limit, the rollout is held and the breaker trips.
   */
  propose(content: SnapshotContent, opts: ProposeOptions): Promise<{ snapshot: Snapshot; rollout: Rollout }> {
    return this.serial(() => this.proposeNow(content, opts));
  }

  protected async proposeNow(
    content: SnapshotContent,
    opts: ProposeOptions,
  ): Promise<{ snapshot: Snapshot; rollout: Rollout }> {
    const snapshot = await this.sealNew(content, opts.origin, opts.reason);
    const baseline = await this.baseline();
    const diff = this.fullDiff(baseline, snapshot);
    const now = this.now();
    const r = this.newRollout(snapshot, diff.restoringOnly ? 'fast' : 'progressive', opts.actor, opts.reason);
    r.createdAt = now;
    this.event(
      r,
      'proposed',
      `snapshot #${snapshot.number}: ${diff.totals.withdraw} withdraw, ${diff.totals.announce} announce, ${diff.totals.modify} modify, ${diff.totals.unbind} unbind, ${diff.totals.bind} bind`,
    );
    // Only the newest desired state matters: it supersedes older pending compiles (never rollbacks or restores).
    if (opts.origin === 'compile') {
      for (const old of this.rollouts.values()) {
        if (
          (old.status === 'queued' || old.status === 'held') &&
          this.snapshots.get(old.snapshotId)?.origin === 'compile'
        ) {
          old.status = 'superseded';
          this.event(old, 'superseded', `by ${r.id} (snapshot #${snapshot.number})`);
          await this.ports.store.putRollout(old);
        }
      }
    }
    this.rollouts.set(r.id, r);
    const decision = evaluateGuard(diff, this.state.guard, this.guardCfg, now, snapshot.withdrawAll !== null);
    r.guard = decision;
    if (decision.verdict === 'hold') await this.hold(r, decision);
    await this.save(r);
    return { snapshot, rollout: r };
  }

  protected async hold(r: Rollout, d: GuardDecision): Promise<void> {
    r.status = 'held';
    this.event(r, 'held', d.summary);
    const wasTripped = this.state.guard.breaker.tripped;
    const first = d.violations.find((v) => v.kind !== 'breaker');
    this.state.guard = trip(this.state.guard, `${r.id} held${first ? ` (${violationText(first)})` : ''}`, this.now());
    if (wasTripped) return;
    await this.audit('guard', 'breaker.trip', r.id, d.summary, { violations: d.violations });
    // Destructive work in flight stops now, and (by default) what the window already took is put back.
    const active = this.active();
    if (active && active.kind === 'progressive' && active.approval === null) {
      await this.haltAndRollback(active, `circuit breaker tripped by ${r.id}`);
    }
    if (this.guardCfg.onTrip === 'restore-window') await this.restoreWindow(r.id);
  }

  protected async restoreWindow(cause: string): Promise<void> {
    const base = await this.baseline();
    if (!base) return;
    const lost = windowLosses(this.state.guard, this.guardCfg, this.now());
    const content = withRestored(base, lost.announcements, lost.bindings);
    if (content.announcements.length === base.announcements.length && content.bindings.length === base.bindings.length)
      return;
    const s = await this.sealNew(content, 'restore', `breaker tripped (${cause}): put back what the window withdrew`);
    const r = this.newRollout(s, 'fast', 'guard', s.reason);
    r.guard = {
      verdict: 'allow',
      restoringOnly: true,
      withdrawals: 0,
      unbinds: 0,
      violations: [],
      summary: 'restoring only: never blocked',
    };
    this.event(
      r,
      'proposed',
      `restore ${content.announcements.length - base.announcements.length} announcements, ${content.bindings.length - base.bindings.length} bindings`,
    );
    this.rollouts.set(r.id, r);
    await this.save(r);
  }

  protected newRollout(s: Snapshot, kind: Rollout['kind'], actor: string, reason: string): Rollout {
    return {
      id: `r${this.state.nextRollout++}`,
      snapshotId: s.id,
      snapshotNumber: s.number,
      kind,
      status: 'queued',
      baselineId: this.state.baselineId,
      stages: [],
      stageIndex: 0,
      pause: null,
      touched: [],
      guard: null,
      approval: null,
      halt: null,
      gates: [],
      events: [],
      createdAt: this.now(),
      createdBy: actor,
      reason,
    };
  }

  // ---- the state machine --------------------------------------------------------------------------

  protected active(): Rollout | undefined {
    for (const r of this.rollouts.values()) if (r.status === 'running' || r.status === 'paused') return r;
    return undefined;
  }

  protected nextQueued(): Rollout | undefined {
    let best: Rollout | undefined;
    for (const r of this.rollouts.values()) {
      if (r.status !== 'queued') continue;
      // Restoring (fast) rollouts go first; then first come, first served.
      if (
        !best ||
        (r.kind === 'fast' && best.kind !== 'fast') ||
        (r.kind === best.kind && r.createdAt < best.createdAt)
      )
        best = r;
    }
    return best;
  }

  /** Advances every rollout as far as the clock and the gates allow. */
  tick(): Promise<void> {
    return this.serial(async () => {
      await this.watchSignals();
      for (let i = 0; i < MAX_STEPS_PER_TICK; i++) if (!(await this.step())) break;
    });
  }

  /**
   * A failing health signal that is not about one rollout (customer service health, probes, BGP
   * visibility for the network as a whole) trips the breaker: destructive changes wait for an operator.
   */
  protected async watchSignals(): Promise<void> {
    const since = this.signalsSeen;
    this.signalsSeen = this.now();
    for (const v of this.ports.signals.verdicts(since)) {
      if (v.status !== 'fail' || v.rolloutId !== null) continue;
      if (this.state.guard.breaker.tripped) return;
      const reason = `health signal from ${v.source}${v.location ? ` at ${v.location}` : ''}: ${v.reason}`;
      this.state.guard = trip(this.state.guard, reason, this.now());
      await this.audit(v.source, 'breaker.trip', 'breaker', reason);
      await this.save();
      return;
    }
  }

  protected async step(): Promise<boolean> {
    const active = this.active();
    const next = this.nextQueued();
    if (active && next?.kind === 'fast' && active.kind === 'progressive') {
      // A restore does not wait behind a bake: it covers every location the progressive one touched.
      active.status = 'superseded';
      this.event(active, 'superseded', `by restoring rollout ${next.id}`);
      await this.save(active);
      return this.activate(next);
    }
    if (active) return this.advance(active);
    if (next) return this.activate(next);
    return false;
  }

  protected async activate(r: Rollout): Promise<boolean> {
    const snapshot = await this.snapshot(r.snapshotId);
    const baseline = await this.baseline();
    const diff = this.fullDiff(baseline, snapshot);
    const now = this.now();
    if (r.approval === null) {
      const d = evaluateGuard(diff, this.state.guard, this.guardCfg, now, snapshot.withdrawAll !== null);
      r.guard = d;
      if (d.verdict === 'hold') {
        await this.hold(r, d);
        await this.save(r);
        return true;
      }
    }
    this.state.guard = admit(this.state.guard, this.guardCfg, diff, r.id, now, r.approval?.id ?? null);
    r.kind = diff.restoringOnly ? 'fast' : 'progressive';
    r.stages = r.kind === 'fast' ? fastStages(this.topology()) : planStages(this.topology(), this.stages);
    r.baselineId = this.state.baselineId;
    r.status = 'running';
    this.event(r, 'started', `${r.kind}: ${r.stages.map((s) => `${s.name} (${s.locations.length})`).join(' → ')}`);
    await this.save(r);
    return true;
  }

  protected async advance(r: Rollout): Promise<boolean> {
    const stage = r.stages[r.stageIndex] as Stage;
    const now = this.now();
    if (stage.deployedAt === null) {
      if (r.status === 'paused') return false;
      if (this.state.guard.breaker.tripped && r.kind === 'progressive' && r.approval === null) {
        await this.haltAndRollback(r, `circuit breaker tripped: ${this.state.guard.breaker.reason}`);
        return true;
      }
      await this.deploy(r, stage.locations, r.kind);
      stage.deployedAt = now;
      r.touched = [...new Set([...r.touched, ...stage.locations])];
      this.event(r, 'deployed', `stage ${stage.name}: ${stage.locations.length} locations`);
      await this.save(r);
      return true;
    }
    const results = await this.evaluate(r, stage.deployedAt);
    r.gates = results.map((x) => ({ ...x, at: now }));
    const worst = combine(results);
    if (worst === 'fail') {
      const reason = results
        .filter((x) => x.status === 'fail')
        .map((x) => `${x.gate}: ${x.reason}`)
        .join('; ');
      const wasTripped = this.state.guard.breaker.tripped;
      this.state.guard = trip(this.state.guard, `${r.id} failed a health gate`, now);
      if (!wasTripped) await this.audit('engine', 'breaker.trip', r.id, reason);
      if (r.kind === 'fast') {
        // A restoring rollout only puts back what was there: undoing it would not help. It stops and
        // waits for an operator (promote is refused while the gate fails; abort returns to the baseline).
        if (r.status !== 'paused' || r.pause?.by !== 'signals' || !r.pause.reason.startsWith('health gate failed')) {
          r.status = 'paused';
          r.pause = {
            by: 'signals',
            reason: `health gate failed on a restoring rollout (not rolled back): ${reason}`,
            at: now,
          };
          this.event(r, 'paused', r.pause.reason);
          await this.save(r);
          return true;
        }
        return false;
      }
      await this.haltAndRollback(r, `health gate failed: ${reason}`);
      return true;
    }
    if (r.status === 'paused') {
      if (r.pause?.by === 'signals' && worst === 'pass') {
        r.status = 'running';
        this.event(r, 'resumed', 'health signals pass again');
        r.pause = null;
        await this.save(r);
        return true;
      }
      await this.save(r);
      return false;
    }
    if (now - stage.deployedAt < stage.bakeMs) return false;
    if (worst !== 'pass' && now - stage.deployedAt < Math.max(stage.bakeMs, this.gateGraceMs)) return false;
    if (worst !== 'pass') {
      const reason = results
        .filter((x) => x.status !== 'pass')
        .map((x) => `${x.gate} ${x.status}: ${x.reason}`)
        .join('; ');
      r.status = 'paused';
      r.pause = { by: 'signals', reason, at: now };
      this.event(r, 'paused', reason);
      await this.save(r);
      return true;
    }
    await this.passStage(r, stage, 'gates pass');
    return true;
  }

  protected async passStage(r: Rollout, stage: Stage, why: string): Promise<void> {
    stage.passedAt = this.now();
    this.event(r, 'stage-passed', `${stage.name}: ${why}`);
    if (r.stageIndex === r.stages.length - 1) {
      r.status = 'completed';
      this.state.baselineId = r.snapshotId;
      if (!this.state.goodIds.includes(r.snapshotId)) this.state.goodIds.push(r.snapshotId);
      this.event(r, 'completed', `snapshot #${r.snapshotNumber} is the last good snapshot`);
    } else {
      r.stageIndex++;
    }
    await this.save(r);
  }

  protected async evaluate(r: Rollout, stageDeployedAt: number) {
    const snapshot = await this.snapshot(r.snapshotId);
    const baseline = r.baselineId ? await this.snapshot(r.baselineId) : null;
    const ctx: GateContext = {
      rollout: r,
      snapshot,
      baseline,
      touched: r.touched,
      stageDeployedAt,
      reports: await this.ports.fleet.reports(r.touched),
      expected: (loc) => this.view(snapshot, loc),
      previous: (loc) => (baseline ? this.view(baseline, loc) : null),
      now: this.now(),
    };
    const out = [];
    for (const g of this.gates) out.push(await g.evaluate(ctx));
    return out;
  }

  protected async deploy(r: Rollout, locations: readonly string[], kind: DeployStep['kind']): Promise<void> {
    const snapshot = await this.snapshot(kind === 'rollback' ? (r.baselineId as string) : r.snapshotId);
    // What the step changes at those locations, for the audit trail (grouped by what each location runs).
    const groups = new Map<string, string[]>();
    for (const l of locations) {
      const cur = this.state.assigned[l] ?? '';
      const g = groups.get(cur) ?? [];
      g.push(l);
      groups.set(cur, g);
    }
    let withdrawals = 0;
    let unbinds = 0;
    for (const [from, locs] of groups) {
      if (from === snapshot.id) continue;
      const cached = this.lastDiff;
      if (cached && cached.to === snapshot.id && (cached.from ?? '') === from) {
        // The full diff is at hand: count its changes that reach these locations.
        const at = new Set(locs);
        const reaches = (scope: readonly string[] | '*') => scope === '*' || scope.some((l) => at.has(l));
        for (const c of cached.diff.announcements) if (c.kind === 'withdraw' && reaches(c.locations)) withdrawals++;
        for (const c of cached.diff.bindings) if (c.kind === 'unbind' && reaches(c.locations)) unbinds++;
        continue;
      }
      const before = from ? await this.snapshot(from) : null;
      const d: SnapshotDiff = diffSnapshots(before, snapshot, this.topology(), new Set(locs));
      withdrawals += d.totals.withdraw;
      unbinds += d.totals.unbind;
    }
    this.steps.push({
      at: this.now(),
      rolloutId: r.id,
      snapshotId: snapshot.id,
      locations: [...locations],
      kind,
      withdrawals,
      unbinds,
      approvalId: r.approval?.id ?? null,
    });
    await this.ports.fleet.deploy(snapshot, locations);
    for (const l of locations) this.state.assigned[l] = snapshot.id;
  }

  protected async haltAndRollback(r: Rollout, reason: string): Promise<void> {
    r.halt = { at: this.now(), reason };
    this.event(r, 'halted', reason);
    if (r.baselineId && r.touched.length) {
      await this.deploy(r, r.touched, 'rollback');
      r.status = 'rolled-back';
      this.event(r, 'rolled-back', `${r.touched.length} touched locations back on the last good snapshot`);
    } else {
      r.status = r.touched.length ? 'aborted' : 'rolled-back';
      if (r.touched.length)
        this.event(r, 'aborted', 'no good snapshot to return to: touched locations keep what they run (fail static)');
    }
    await this.save(r);
  }
}
