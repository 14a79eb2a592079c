import { assertDigest, assertMayApprove, heldChange } from './approval.js';
import { rolloutError } from './errors.js';
import { combine } from './gates.js';
import {
  admit,
  evaluateGuard,
  type GuardContext,
  type GuardDecision,
  initialGuardState,
  reset,
  trip,
  violationText,
} from './guard.js';
import type { EngineState, ExternalVerdict, Rollout, RolloutStatus, Stage } from './ports.js';
import { fastStages, planStages } from './stages.js';

/** Every status change a rollout can make: the one table the engine's transitions follow. */
export const MOVES = {
  hold: { from: ['queued'], to: 'held' },
  approve: { from: ['held'], to: 'queued' },
  start: { from: ['queued'], to: 'running' },
  pause: { from: ['running'], to: 'paused' },
  resume: { from: ['paused'], to: 'running' },
  complete: { from: ['running'], to: 'completed' },
  'roll-back': { from: ['queued', 'held', 'running', 'paused'], to: 'rolled-back' },
  abort: { from: ['queued', 'held', 'running', 'paused'], to: 'aborted' },
  supersede: { from: ['queued', 'held', 'running', 'paused'], to: 'superseded' },
} as const satisfies Record<string, { from: readonly RolloutStatus[]; to: RolloutStatus }>;

export type Move = keyof typeof MOVES;

/** The event each move writes into the rollout's history. */
const MOVE_EVENT: Record<Move, string> = {
  hold: 'held',
  approve: 'approved',
  start: 'started',
  pause: 'paused',
  resume: 'resumed',
  complete: 'completed',
  'roll-back': 'rolled-back',
  abort: 'aborted',
  supersede: 'superseded',
};

/** Statuses no move leaves: the end of a rollout. */
export const TERMINAL: ReadonlySet<RolloutStatus> = new Set(
  Object.values(MOVES)
    .map((m) => m.to as RolloutStatus)
    .filter((s) => !Object.values(MOVES).some((m) => (m.from as readonly RolloutStatus[]).includes(s))),
);

export function canMove(r: Pick<Rollout, 'status'>, move: Move): boolean {
  return (MOVES[move].from as readonly RolloutStatus[]).includes(r.status);
}

/** Refuses a move the table does not allow, with the operator's word for it. */
export function assertMove(r: Pick<Rollout, 'id' | 'status'>, move: Move, op: string = move): void {
  if (!canMove(r, move))
    throw rolloutError('E_ROLLOUT_STATE', `cannot ${op} rollout ${r.id}: it is ${r.status}`, {
      id: r.id,
      status: r.status,
    });
}

export function needReason(reason: string, what: string): void {
  if (reason.trim() === '') throw rolloutError('E_ROLLOUT_REASON_REQUIRED', `${what} needs a reason for the audit log`);
}

export function initialModel(state?: EngineState, rollouts: readonly Rollout[] = []): EngineModel {
  return {
    state: state ?? { baselineId: null, goodIds: [], assigned: {}, guard: initialGuardState(), nextRollout: 1 },
    rollouts: new Map(rollouts.map((r) => [r.id, r])),
  };
}

// The engine's vocabulary lives in machine-types.ts; callers keep importing it from here.
export type * from './machine-types.js';

import type {
  ActorRef,
  DeployKind,
  EngineEffect,
  EngineInput,
  EngineModel,
  GateOutcome,
  MachineContext,
  Transition,
} from './machine-types.js';

const SYSTEM_GUARD: ActorRef = { kind: 'system', id: 'system:guard', request_id: 'engine' };
const SYSTEM_ENGINE: ActorRef = { kind: 'system', id: 'system:engine', request_id: 'engine' };

/** One input applied to a working copy; the builder below collects its effects. */
class Step {
  state: EngineState;
  /** The model's rollouts until this step writes one; then its own copy (copy on write: fleets are large). */
  rollouts: ReadonlyMap<string, Rollout>;
  private ownRollouts = false;
  private ownAssigned = false;
  readonly effects: EngineEffect[] = [];
  readonly changed = new Map<string, Rollout>();
  created: Rollout | null = null;
  progressed = true;
  save = true;

  constructor(
    m: EngineModel,
    readonly ctx: MachineContext,
  ) {
    this.state = { ...m.state };
    this.rollouts = m.rollouts;
  }

  private writable(): Map<string, Rollout> {
    if (!this.ownRollouts) {
      this.rollouts = new Map(this.rollouts);
      this.ownRollouts = true;
    }
    return this.rollouts as Map<string, Rollout>;
  }

  /** Adds a rollout this step created. */
  add(r: Rollout): void {
    this.writable().set(r.id, r);
    this.changed.set(r.id, r);
    this.created = r;
  }

  /** A copy of the rollout this step may change (copy on first write). */
  edit(id: string): Rollout {
    const done = this.changed.get(id);
    if (done) return done;
    const r = this.rollouts.get(id);
    if (!r) throw rolloutError('E_ROLLOUT_NOT_FOUND', `no rollout ${id}`, { id });
    const copy: Rollout = {
      ...r,
      stages: r.stages.map((s) => ({ ...s })),
      touched: [...r.touched],
      gates: [...r.gates],
      events: [...r.events],
    };
    this.writable().set(id, copy);
    this.changed.set(id, copy);
    return copy;
  }

  event(r: Rollout, event: string, detail: string): void {
    r.events.push({ at: this.ctx.now, event, detail });
  }

  move(r: Rollout, move: Move, detail: string | null): void {
    assertMove(r, move);
    r.status = MOVES[move].to;
    // Paused time is not bake time: counting starts again at the first judgement after the resume.
    const stage = r.stages[r.stageIndex];
    if ((move === 'pause' || move === 'resume') && stage?.bakeAt != null) stage.bakeAt = null;
    if (detail !== null) this.event(r, MOVE_EVENT[move], detail);
  }

  audit(
    actor: ActorRef,
    action: string,
    object: { type: string; id: string },
    reason: string,
    before: unknown = null,
    after: unknown = null,
  ): void {
    this.effects.push({
      type: 'audit',
      event: {
        at: new Date(this.ctx.now).toISOString(),
        account_id: null,
        actor_kind: actor.kind,
        actor_id: actor.id,
        request_id: actor.request_id,
        action,
        object_type: object.type,
        object_id: object.id,
        before,
        after,
        reason: reason === '' ? null : reason,
      },
    });
  }

  deploy(r: Rollout, snapshotId: string, locations: readonly string[], kind: DeployKind): void {
    this.effects.push({
      type: 'deploy',
      rolloutId: r.id,
      snapshotId,
      locations: [...locations],
      kind,
      approvalId: r.approval?.id ?? null,
    });
    if (!this.ownAssigned) {
      this.state.assigned = { ...this.state.assigned };
      this.ownAssigned = true;
    }
    for (const l of locations) this.state.assigned[l] = snapshotId;
  }

  active(): Rollout | undefined {
    for (const r of this.rollouts.values()) if (r.status === 'running' || r.status === 'paused') return r;
    return undefined;
  }

  done(m: EngineModel): Transition {
    const changed = [...this.changed.values()];
    const same = this.state.guard === m.state.guard && this.state.signalsSeen === m.state.signalsSeen;
    if (changed.length === 0 && !this.progressed && same) this.save = false;
    return {
      model: { state: this.state, rollouts: this.rollouts },
      effects: this.effects,
      changed,
      created: this.created,
      progressed: this.progressed,
      save: this.save,
    };
  }
}

function stageOf(r: Rollout): Stage {
  const s = r.stages[r.stageIndex];
  if (!s) throw rolloutError('E_ROLLOUT_STATE', `rollout ${r.id} has no stage ${r.stageIndex}`);
  return s;
}

function failures(results: readonly GateOutcome[], all: boolean): string {
  return results
    .filter((x) => (all ? x.status !== 'pass' : x.status === 'fail'))
    .map((x) => (all ? `${x.gate} ${x.status}: ${x.reason}` : `${x.gate}: ${x.reason}`))
    .join('; ');
}

/** Holds `r` for an approval and trips the breaker; destructive work in flight stops. */
function hold(t: Step, r: Rollout, d: GuardDecision): void {
  t.move(r, 'hold', d.summary);
  r.change = heldChange(t.state.baselineId, r.snapshotId);
  const wasTripped = t.state.guard.breaker.tripped;
  const first = d.violations.find((v) => v.kind !== 'breaker');
  const before = t.state.guard.breaker;
  t.state.guard = trip(t.state.guard, `${r.id} held${first ? ` (${violationText(first)})` : ''}`, t.ctx.now);
  if (wasTripped) return;
  t.state.trippedBy = r.id;
  t.audit(SYSTEM_GUARD, 'breaker.trip', { type: 'rollout', id: r.id }, d.summary, before, {
    ...t.state.guard.breaker,
    violations: d.violations,
  });
  const active = t.active();
  if (active && active.kind === 'progressive' && active.approval === null) {
    haltAndRollback(t, t.edit(active.id), `circuit breaker tripped by ${r.id}`);
  }
  if (t.ctx.guard.onTrip === 'restore-window') t.effects.push({ type: 'restore-window', cause: r.id });
}

/** Stops `r`; its touched locations go back to its baseline (or keep what they run when there is none). */
function haltAndRollback(t: Step, r: Rollout, reason: string, end: 'roll-back' | 'abort' = 'roll-back'): void {
  r.halt = { at: t.ctx.now, reason };
  t.event(r, 'halted', reason);
  if (r.baselineId && r.touched.length) {
    t.deploy(r, r.baselineId, r.touched, 'rollback');
    t.move(r, end, `${r.touched.length} touched locations back on the last good snapshot`);
  } else if (r.touched.length) {
    t.move(r, 'abort', 'no good snapshot to return to: touched locations keep what they run (fail static)');
  } else {
    t.move(r, end, 'nothing was deployed');
  }
}

function passStage(t: Step, r: Rollout, why: string): void {
  const stage = stageOf(r);
  stage.passedAt = t.ctx.now;
  t.event(r, 'stage-passed', `${stage.name}: ${why}`);
  if (r.stageIndex < r.stages.length - 1) {
    r.stageIndex++;
    return;
  }
  t.move(r, 'complete', `snapshot #${r.snapshotNumber} is the last good snapshot`);
  t.state.baselineId = r.snapshotId;
  t.state.goodIds = [...t.state.goodIds.filter((id) => id !== r.snapshotId), r.snapshotId].slice(-MAX_GOOD_IDS);
  // A held change is what it would do to the network now: its digest follows the new baseline.
  for (const h of t.rollouts.values())
    if (h.status === 'held') t.edit(h.id).change = heldChange(r.snapshotId, h.snapshotId);
  const goodAt: Record<string, number> = {};
  for (const id of t.state.goodIds) {
    const at = id === r.snapshotId ? t.ctx.now : t.state.goodAt?.[id];
    if (at !== undefined) goodAt[id] = at;
  }
  t.state.goodAt = goodAt;
}

/** How much counted bake a crash may lose: the bake is saved at least this often (see judge). */
export const BAKE_SAVE_MS = 5000;

/** Known-good snapshots remembered as rollback targets (the store keeps every snapshot). */
export const MAX_GOOD_IDS = 1000;

function propose(t: Step, input: Extract<EngineInput, { type: 'propose' }>): void {
  const { snapshot, diff } = input;
  const now = t.ctx.now;
  const r: Rollout = {
    id: `r${t.state.nextRollout}`,
    snapshotId: snapshot.id,
    snapshotNumber: snapshot.number,
    kind: input.restore || diff.restoringOnly ? 'fast' : 'progressive',
    status: 'queued',
    baselineId: t.state.baselineId,
    stages: [],
    stageIndex: 0,
    pause: null,
    touched: [],
    guard: null,
    approval: null,
    halt: null,
    gates: [],
    events: [],
    createdAt: now,
    createdBy: input.actor.id,
    reason: input.reason,
    ...(input.graced?.length ? { graced: [...input.graced] } : {}),
  };
  t.state.nextRollout++;
  t.add(r);
  const d = diff.totals;
  t.event(
    r,
    'proposed',
    input.restore
      ? `restore ${input.restore.announcements} announcements, ${input.restore.bindings} bindings`
      : `snapshot #${snapshot.number}: ${d.withdraw} withdraw, ${d.announce} announce, ${d.modify} modify, ${d.unbind} unbind, ${d.bind} bind`,
  );
  if (input.restore) {
    r.guard = {
      verdict: 'allow',
      restoringOnly: true,
      withdrawals: 0,
      unbinds: 0,
      violations: [],
      summary: 'restoring only: never blocked',
    };
    return;
  }
  // Only the newest desired state matters: it supersedes older pending compiles (never rollbacks or restores).
  let supersededTripper = false;
  if (snapshot.origin === 'compile') {
    for (const old of t.rollouts.values()) {
      if (old.id === r.id || (old.status !== 'queued' && old.status !== 'held')) continue;
      if (t.ctx.originOf(old.snapshotId) !== 'compile') continue;
      t.move(t.edit(old.id), 'supersede', `by ${r.id} (snapshot #${snapshot.number})`);
      if (t.state.trippedBy === old.id) supersededTripper = true;
    }
  }
  const decision = evaluateGuard(diff, t.state.guard, t.ctx.guard, now, snapshot.marked, guardContext(input));
  r.guard = decision;
  if (decision.verdict === 'hold') {
    // The newer compile carries the change that tripped the breaker: rejecting it rejects that change.
    // One the guard lets through (restoring only: desired state itself went back) does not carry it, so
    // the superseded tripper stays the one to reject: a way out that needs a second person (issue 10's flap).
    if (supersededTripper) t.state.trippedBy = r.id;
    hold(t, r, decision);
  }
}

/** Reject takes a held or halted rollout, or the superseded one that tripped the breaker (nothing carries it). */
export function mayBeRejected(r: Rollout, trippedBy: string | null | undefined): boolean {
  return r.status === 'held' || r.halt !== null || (r.status === 'superseded' && trippedBy === r.id);
}

/**
 * The snapshot a reject returns desired state to: the last good one, or, while the breaker's own restore
 * (onTrip 'restore-window': a snapshot of origin 'restore') is queued, running or paused, that restore's
 * snapshot (the newest such). The restore is the last good snapshot plus what the trip's window took, it
 * is never blocked and it becomes the last good snapshot once it completes: it is the state the network
 * is being returned to. Rejecting against the older baseline instead writes back only the tripping
 * change's own delta; the window's admitted withdrawals stay out of desired state, and the next compile,
 * judged "no change" against that baseline, withdraws them again after the restore has put them back
 * (the distinct-prefix windows already count them, so the guard lets the re-withdrawal through).
 */
export function rejectTargetId(m: Pick<EngineModel, 'state' | 'rollouts'>, ctx: Pick<MachineContext, 'originOf'>) {
  let restore: Rollout | undefined;
  for (const r of m.rollouts.values()) {
    if (TERMINAL.has(r.status) || r.status === 'held' || ctx.originOf(r.snapshotId) !== 'restore') continue;
    if (!restore || r.createdAt >= restore.createdAt) restore = r;
  }
  return restore?.snapshotId ?? m.state.baselineId;
}

/** What the guard knows besides the diff, from the input: the drift and who made each account's changes. */
function guardContext(input: Pick<GuardContext, 'drift'> & { selfService?: readonly string[] }): GuardContext {
  return {
    drift: input.drift,
    ...(input.selfService ? { selfService: new Set(input.selfService) } : {}),
  };
}

function activate(t: Step, input: Extract<EngineInput, { type: 'activate' }>): void {
  const r = t.edit(input.id);
  const now = t.ctx.now;
  if (r.approval === null) {
    const d = evaluateGuard(input.diff, t.state.guard, t.ctx.guard, now, input.marked, guardContext(input));
    r.guard = d;
    if (d.verdict === 'hold') {
      hold(t, r, d);
      return;
    }
  }
  t.state.guard = admit(t.state.guard, t.ctx.guard, input.diff, r.id, now, r.approval?.id ?? null);
  r.kind = input.diff.restoringOnly ? 'fast' : 'progressive';
  r.stages = r.kind === 'fast' ? fastStages(t.ctx.topology) : planStages(t.ctx.topology, t.ctx.stages);
  r.baselineId = t.state.baselineId;
  t.move(r, 'start', `${r.kind}: ${r.stages.map((s) => `${s.name} (${s.locations.length})`).join(' → ')}`);
}

function deployStage(t: Step, id: string): void {
  const r = t.edit(id);
  const stage = stageOf(r);
  if (r.status === 'paused' || stage.deployedAt !== null) {
    t.progressed = false;
    return;
  }
  if (t.state.guard.breaker.tripped && r.kind === 'progressive' && r.approval === null) {
    haltAndRollback(t, r, `circuit breaker tripped: ${t.state.guard.breaker.reason}`);
    return;
  }
  t.deploy(r, r.snapshotId, stage.locations, r.kind);
  stage.deployedAt = t.ctx.now;
  stage.bakedMs = 0;
  stage.bakeAt = t.ctx.now;
  r.touched = [...new Set([...r.touched, ...stage.locations])];
  t.event(r, 'deployed', `stage ${stage.name}: ${stage.locations.length} locations`);
}

function pauseBySignals(t: Step, r: Rollout, reason: string): void {
  t.move(r, 'pause', reason);
  r.pause = { by: 'signals', reason, at: t.ctx.now };
}

function judge(t: Step, input: Extract<EngineInput, { type: 'judge' }>): void {
  const r = t.edit(input.id);
  const stage = stageOf(r);
  const now = t.ctx.now;
  if (stage.deployedAt === null)
    throw rolloutError('E_ROLLOUT_STATE', `stage ${stage.name} of ${r.id} is not deployed`);
  const gatesBefore = r.gates.map((g) => g.status).join();
  r.gates = input.results.map((x) => ({ ...x, at: now }));
  const worst = combine(input.results);
  if (worst === 'fail') {
    const reason = failures(input.results, false);
    const before = t.state.guard.breaker;
    t.state.guard = trip(t.state.guard, `${r.id} failed a health gate`, now);
    if (!before.tripped) {
      t.state.trippedBy = r.id;
      t.audit(SYSTEM_ENGINE, 'breaker.trip', { type: 'rollout', id: r.id }, reason, before, t.state.guard.breaker);
    }
    if (r.kind === 'progressive') {
      haltAndRollback(t, r, `health gate failed: ${reason}`);
      return;
    }
    // A restoring rollout only puts back what was there: undoing it would not help. It stops and waits
    // for an operator (promote is refused while the gate fails; abort returns to the baseline).
    if (r.status === 'paused' && r.pause?.by === 'signals' && r.pause.reason.startsWith('health gate failed')) {
      t.progressed = false;
      return;
    }
    if (r.status === 'paused') t.move(r, 'resume', null);
    pauseBySignals(t, r, `health gate failed on a restoring rollout (not rolled back): ${reason}`);
    return;
  }
  if (r.status === 'paused') {
    if (r.pause?.by === 'signals' && worst === 'pass') {
      t.move(r, 'resume', 'health signals pass again');
      r.pause = null;
      return;
    }
    t.progressed = false;
    return;
  }
  const was = stage.bakedMs ?? 0;
  const baked = countBake(t, stage, worst, input.reportsAt === undefined ? now : input.reportsAt);
  const sinceDeploy = now - stage.deployedAt;
  if (worst === 'pass' ? baked < stage.bakeMs : sinceDeploy < Math.max(stage.bakeMs, t.ctx.gateGraceMs)) {
    // Still baking. The counted time and the gates' results are saved with the step when a gate changes
    // its verdict and every BAKE_SAVE_MS of bake: a crash loses at most that much counted time (the
    // bake then lasts longer, never shorter), and a large fleet is not rewritten every round.
    t.progressed = false;
    const stepped = Math.floor(baked / BAKE_SAVE_MS) !== Math.floor(was / BAKE_SAVE_MS);
    t.save = stepped || gatesBefore !== r.gates.map((g) => g.status).join();
    return;
  }
  if (worst !== 'pass') {
    pauseBySignals(t, r, failures(input.results, true));
    return;
  }
  passStage(t, r, `gates pass (baked ${Math.round(baked / 1000)} s)`);
}

/**
 * Adds the time since the last judgement to the stage's bake when the gates pass and every touched agent
 * was heard from, up to `reportGapMs` after the stalest latest report; returns the bake so far. A stage
 * persisted before bake counting existed counts from its deploy.
 */
function countBake(t: Step, stage: Stage, worst: string, reportsAt: number | null): number {
  const now = t.ctx.now;
  let baked = stage.bakedMs;
  let from = stage.bakeAt;
  if (baked === undefined) {
    baked = 0;
    from = stage.deployedAt;
  }
  if (from !== null && from !== undefined && worst === 'pass' && reportsAt !== null) {
    const until = Math.min(now, reportsAt + t.ctx.reportGapMs);
    if (until > from) baked += until - from;
  }
  stage.bakedMs = baked;
  stage.bakeAt = now;
  return baked;
}

/** After a restart the downtime is not bake time: every bake in flight starts counting again from now. */
function opened(t: Step): void {
  t.progressed = false;
  for (const r of t.rollouts.values()) {
    if (r.status !== 'running' && r.status !== 'paused') continue;
    const stage = r.stages[r.stageIndex];
    if (!stage || stage.deployedAt === null || stage.passedAt !== null || stage.bakeAt === null) continue;
    const e = t.edit(r.id);
    const s = stageOf(e);
    s.bakedMs ??= 0; // a stage from before bake counting: start again rather than guess
    s.bakeAt = null;
    const done = `${Math.round(s.bakedMs / 1000)} s of ${Math.round(s.bakeMs / 1000)} s baked`;
    t.event(e, 'bake-interrupted', `engine restarted: ${done}; the downtime does not count`);
  }
}

/**
 * A failing health signal that is not about one rollout (customer service health, probes, BGP
 * visibility for the network as a whole) trips the breaker: destructive changes wait for an operator.
 */
function signals(t: Step, verdicts: readonly ExternalVerdict[]): void {
  t.progressed = false;
  for (const v of verdicts) {
    if (v.status !== 'fail' || v.rolloutId !== null) continue;
    if (t.state.guard.breaker.tripped) return;
    const reason = `health signal from ${v.source}${v.location ? ` at ${v.location}` : ''}: ${v.reason}`;
    const before = t.state.guard.breaker;
    t.state.guard = trip(t.state.guard, reason, t.ctx.now);
    t.state.trippedBy = null;
    t.audit(
      { kind: 'system', id: v.source, request_id: 'signals' },
      'breaker.trip',
      { type: 'breaker', id: 'breaker' },
      reason,
      before,
      t.state.guard.breaker,
    );
    t.progressed = true;
    return;
  }
}

function operator(t: Step, input: Extract<EngineInput, { actor: ActorRef }>): void {
  const { actor, reason } = input;
  const now = t.ctx.now;
  if (input.type === 'reset-breaker') {
    needReason(reason, 'reset-breaker');
    assertMayApprove(input.approver, input.authors, 'resetting the breaker');
    const before = t.state.guard.breaker;
    t.state.guard = reset(t.state.guard);
    t.state.trippedBy = null;
    t.audit(actor, 'breaker.reset', { type: 'breaker', id: 'breaker' }, reason, before, t.state.guard.breaker);
    return;
  }
  if (input.type === 'propose') {
    propose(t, input);
    return;
  }
  const r = t.edit(input.id);
  const target = { type: 'rollout', id: r.id };
  const status = r.status;
  switch (input.type) {
    case 'pause':
      if (r.status === 'queued')
        throw rolloutError('E_ROLLOUT_STATE', `rollout ${r.id} has not started; abort it instead`);
      t.move(r, 'pause', `${actor.id}: ${reason || 'paused by operator'}`);
      r.pause = { by: 'operator', reason: reason || 'paused by operator', at: now };
      t.audit(actor, 'rollout.pause', target, reason, { status }, { status: r.status });
      return;
    case 'resume':
      t.move(r, 'resume', `${actor.id}${reason ? `: ${reason}` : ''}`);
      r.pause = null;
      t.audit(actor, 'rollout.resume', target, reason, { status }, { status: r.status });
      return;
    case 'promote': {
      needReason(reason, 'promote');
      if (r.status !== 'paused') assertMove(r, 'pause', 'promote'); // running (or paused) only
      const stage = stageOf(r);
      if (stage.deployedAt === null)
        throw rolloutError('E_ROLLOUT_STATE', `stage ${stage.name} of ${r.id} is not deployed yet`);
      if (combine(input.results) === 'fail')
        throw rolloutError('E_ROLLOUT_STATE', `cannot promote ${r.id}: a health gate fails`, { gates: input.results });
      if (r.status === 'paused') t.move(r, 'resume', `promoted by ${actor.id}`);
      r.pause = null;
      t.audit(actor, 'rollout.promote', target, reason, { status, stage: stage.name }, { gates: input.results });
      passStage(t, r, `promoted by ${actor.id}: ${reason}`);
      return;
    }
    case 'abort':
      needReason(reason, 'abort');
      if (!canMove(r, 'abort')) throw rolloutError('E_ROLLOUT_STATE', `rollout ${r.id} is already ${r.status}`);
      t.audit(actor, 'rollout.abort', target, reason, { status }, { status: 'aborted' });
      if (r.touched.length) {
        haltAndRollback(t, r, `aborted by ${actor.id}: ${reason}`, 'abort');
        return;
      }
      t.move(r, 'abort', `${actor.id}: ${reason}`);
      return;
    case 'reject':
      reject(t, r, input);
      return;
    case 'approve':
      needReason(reason, 'approve');
      assertMove(r, 'approve');
      assertMayApprove(input.approver, input.authors, `approving ${r.id}`);
      assertDigest(input.digest, heldChange(t.state.baselineId, r.snapshotId), r.id);
      if (input.marked) {
        r.snapshotId = input.marked.id;
        r.snapshotNumber = input.marked.number;
      }
      r.approval = { id: input.approvalId, by: actor.id, reason, at: now, digest: input.digest };
      r.change = null;
      t.move(r, 'approve', `${actor.id}: ${reason}`);
      t.audit(
        actor,
        'rollout.approve',
        target,
        reason,
        { status, violations: r.guard?.violations ?? [] },
        {
          status: r.status,
          approval: r.approval,
          snapshot: r.snapshotId,
          authors: input.authors,
        },
      );
      return;
  }
}

/**
 * "Reject" (issue 10): desired state already went back to the last good snapshot for the rollout's delta
 * (the shell did that first, in one transaction of the addressing store); here the rollout records it, a
 * held one ends (aborted: nothing of it deploys), and when the whole delta went back and no other change
 * is held, the breaker it tripped closes, so later legitimate changes flow without a further hold.
 */
function reject(t: Step, r: Rollout, input: Extract<EngineInput, { type: 'reject' }>): void {
  const { actor, reason } = input;
  needReason(reason, 'reject');
  assertMayApprove(input.approver, input.authors, `rejecting ${r.id}`);
  const status = r.status;
  if (!mayBeRejected(r, t.state.trippedBy))
    throw rolloutError(
      'E_ROLLOUT_STATE',
      `only a held or halted rollout, or the one that tripped the breaker, can be rejected; ${r.id} is ${status}`,
      { id: r.id, status },
    );
  r.rejection = {
    by: actor.id,
    reason,
    at: t.ctx.now,
    accounts: input.accounts,
    complete: input.complete,
    restored: input.restored,
  };
  const what = input.accounts ? `accounts ${input.accounts.join(', ')}` : 'the whole change';
  const detail = `${actor.id}: ${reason} (desired state of ${what} back to the last good snapshot: ${input.restored.changed} objects written)`;
  if (status === 'held' && input.complete) t.move(r, 'abort', `rejected by ${detail}`);
  else t.event(r, 'rejected', detail);
  t.audit(
    actor,
    'rollout.reject',
    { type: 'rollout', id: r.id },
    reason,
    { status, halt: r.halt },
    { status: r.status, rejection: r.rejection },
  );
  const breaker = t.state.guard.breaker;
  const heldElsewhere = [...t.rollouts.values()].some((x) => x.id !== r.id && x.status === 'held');
  if (!input.complete || !breaker.tripped || !t.state.trippedBy || heldElsewhere) return;
  t.state.guard = reset(t.state.guard);
  t.state.trippedBy = null;
  t.audit(
    actor,
    'breaker.reset',
    { type: 'breaker', id: 'breaker' },
    `${r.id} rejected: ${reason}`,
    breaker,
    t.state.guard.breaker,
  );
}

/** The pure transition function: (model, input) → (model, effects). Throws for refused operator input. */
export function transition(m: EngineModel, input: EngineInput, ctx: MachineContext): Transition {
  const t = new Step(m, ctx);
  switch (input.type) {
    case 'activate':
      activate(t, input);
      break;
    case 'deploy-stage':
      deployStage(t, input.id);
      break;
    case 'judge':
      judge(t, input);
      break;
    case 'restore-preempts':
      // A restore does not wait behind a bake: it covers every location the progressive one touched.
      t.move(t.edit(input.id), 'supersede', `by restoring rollout ${input.by}`);
      break;
    case 'signals':
      signals(t, input.verdicts);
      if (input.seenUntil !== undefined) t.state.signalsSeen = input.seenUntil;
      break;
    case 'opened':
      opened(t);
      break;
    default:
      operator(t, input);
  }
  return t.done(m);
}

/** What the engine should do next, or null when nothing can move. The shell gathers the inputs it needs. */
export type NextAction =
  | { type: 'restore-preempts'; id: string; by: string }
  | { type: 'activate'; id: string }
  | { type: 'deploy-stage'; id: string }
  | { type: 'judge'; id: string };

export function nextAction(m: EngineModel, locations: number): NextAction | null {
  let active: Rollout | undefined;
  let next: Rollout | undefined;
  for (const r of m.rollouts.values()) {
    if (r.status === 'running' || r.status === 'paused') active ??= r;
    if (r.status !== 'queued') continue;
    // Restoring (fast) rollouts go first; then first come, first served.
    if (!next || (r.kind === 'fast' && next.kind !== 'fast') || (r.kind === next.kind && r.createdAt < next.createdAt))
      next = r;
  }
  if (active && next?.kind === 'fast' && active.kind === 'progressive')
    return { type: 'restore-preempts', id: active.id, by: next.id };
  if (active) {
    const stage = stageOf(active);
    if (stage.deployedAt === null) return active.status === 'paused' ? null : { type: 'deploy-stage', id: active.id };
    return { type: 'judge', id: active.id };
  }
  // No location to deploy to (no agent registered yet): rollouts wait queued; none can become "good".
  return next && locations > 0 ? { type: 'activate', id: next.id } : null;
}
