// The rollout engine: a state machine over ports (Clock, Store, Fleet, Signals). Snapshots are proposed,
// checked by the guard, and rolled out in stages with bake times and health gates. A failed gate halts
// the rollout and rolls the touched locations back to the last good snapshot; "no data" and
// "inconclusive" pause it and never pass. Operators pause, resume, promote, abort, approve, reset the
// breaker and roll back. Everything happens in tick(): the driver (a timer, or a virtual clock) calls it.
//
// The machinery lives in engine-core.ts; this file adds the operator commands.
import { makeContent } from '../snapshot/compile.js';
import { withAccountFrom, withoutMark, withRestored } from '../snapshot/compose.js';
import { diffSnapshots } from '../snapshot/diff.js';
import type { Snapshot, SnapshotOrigin } from '../snapshot/model.js';
import { type EngineConfig, type EnginePorts, RolloutEngineCore } from './engine-core.js';
import { rolloutError } from './errors.js';
import { combine } from './gates.js';
import { reset } from './guard.js';
import type { Rollout, Stage } from './ports.js';

export type { DeployStep, EngineConfig, EnginePorts, ProposeOptions } from './engine-core.js';

const TERMINAL = new Set(['completed', 'rolled-back', 'aborted', 'superseded']);

export class RolloutEngine extends RolloutEngineCore {
  static async open(ports: EnginePorts, config: EngineConfig = {}): Promise<RolloutEngine> {
    const e = new RolloutEngine(ports, config);
    await e.load();
    return e;
  }

  // ---- operators ----------------------------------------------------------------------------------

  private need(reason: string, what: string): void {
    if (reason.trim() === '')
      throw rolloutError('E_ROLLOUT_REASON_REQUIRED', `${what} needs a reason for the audit log`);
  }

  private expect(r: Rollout, ok: readonly Rollout['status'][], op: string): void {
    if (!ok.includes(r.status))
      throw rolloutError('E_ROLLOUT_STATE', `cannot ${op} rollout ${r.id}: it is ${r.status}`, {
        id: r.id,
        status: r.status,
      });
  }

  pause(id: string, actor: string, reason = ''): Promise<Rollout> {
    return this.serial(async () => {
      const r = this.rollout(id);
      this.expect(r, ['running', 'queued'], 'pause');
      if (r.status === 'queued')
        throw rolloutError('E_ROLLOUT_STATE', `rollout ${id} has not started; abort it instead`);
      r.status = 'paused';
      r.pause = { by: 'operator', reason: reason || 'paused by operator', at: this.now() };
      this.event(r, 'paused', `${actor}: ${r.pause.reason}`);
      await this.audit(actor, 'rollout.pause', id, reason);
      await this.save(r);
      return r;
    });
  }

  resume(id: string, actor: string, reason = ''): Promise<Rollout> {
    return this.serial(async () => {
      const r = this.rollout(id);
      this.expect(r, ['paused'], 'resume');
      r.status = 'running';
      r.pause = null;
      this.event(r, 'resumed', `${actor}${reason ? `: ${reason}` : ''}`);
      await this.audit(actor, 'rollout.resume', id, reason);
      await this.save(r);
      return r;
    });
  }

  /** Ends the current stage's bake now (the gates must not be failing); the next tick deploys the next stage. */
  promote(id: string, actor: string, reason: string): Promise<Rollout> {
    return this.serial(async () => {
      this.need(reason, 'promote');
      const r = this.rollout(id);
      this.expect(r, ['running', 'paused'], 'promote');
      const stage = r.stages[r.stageIndex] as Stage;
      if (stage.deployedAt === null)
        throw rolloutError('E_ROLLOUT_STATE', `stage ${stage.name} of ${id} is not deployed yet`);
      const results = await this.evaluate(r, stage.deployedAt);
      if (combine(results) === 'fail')
        throw rolloutError('E_ROLLOUT_STATE', `cannot promote ${id}: a health gate fails`, { gates: results });
      r.status = 'running';
      r.pause = null;
      await this.audit(actor, 'rollout.promote', id, reason, { stage: stage.name, gates: results });
      await this.passStage(r, stage, `promoted by ${actor}: ${reason}`);
      return r;
    });
  }

  /** Stops a rollout; touched locations go back to the last good snapshot. */
  abort(id: string, actor: string, reason: string): Promise<Rollout> {
    return this.serial(async () => {
      this.need(reason, 'abort');
      const r = this.rollout(id);
      if (TERMINAL.has(r.status)) throw rolloutError('E_ROLLOUT_STATE', `rollout ${id} is already ${r.status}`);
      await this.audit(actor, 'rollout.abort', id, reason);
      if (r.touched.length) {
        await this.haltAndRollback(r, `aborted by ${actor}: ${reason}`);
        r.status = 'aborted';
      } else {
        r.status = 'aborted';
        this.event(r, 'aborted', `${actor}: ${reason}`);
      }
      await this.save(r);
      return r;
    });
  }

  /** Lets a held rollout deploy despite the limits it exceeds (and a tripped breaker). Audited. */
  approve(id: string, actor: string, reason: string): Promise<Rollout> {
    return this.serial(async () => {
      this.need(reason, 'approve');
      const r = this.rollout(id);
      this.expect(r, ['held'], 'approve');
      const approval = { id: `a-${id}-${this.now()}`, by: actor, reason, at: this.now() };
      const s = await this.snapshot(r.snapshotId);
      const baseline = await this.baseline();
      const d = diffSnapshots(baseline, s, this.topology());
      if (d.emptiedLocations.length > 0 && s.withdrawAll === null) {
        // The agents refuse an unmarked withdraw-all: the approval produces a marked copy of the snapshot.
        const marked = await this.sealNew(
          {
            announcements: s.announcements,
            bindings: s.bindings,
            withdrawAll: { approvalId: approval.id, approvedBy: actor, reason },
          },
          'approval',
          `withdraw-all approved by ${actor}: ${reason}`,
        );
        r.snapshotId = marked.id;
        r.snapshotNumber = marked.number;
      }
      r.approval = approval;
      r.status = 'queued';
      this.event(r, 'approved', `${actor}: ${reason}`);
      await this.audit(actor, 'rollout.approve', id, reason, { violations: r.guard?.violations ?? [] });
      await this.save(r);
      return r;
    });
  }

  resetBreaker(actor: string, reason: string): Promise<void> {
    return this.serial(async () => {
      this.need(reason, 'reset-breaker');
      const was = this.state.guard.breaker;
      this.state.guard = reset(this.state.guard);
      await this.audit(actor, 'breaker.reset', 'breaker', reason, {
        tripped_since: was.since,
        tripped_reason: was.reason,
      });
      await this.save();
    });
  }

  /**
   * Rolls the network (or one account) back to `to`: a new snapshot made of `to` (or of the last good
   * snapshot with the account's slice taken from `to`). Restoring changes go out at once on the fast
   * path; anything destructive in it follows as a progressive rollout through the guard.
   */
  rollback(opts: {
    to: string;
    account?: string;
    actor: string;
    reason: string;
  }): Promise<{ snapshot: Snapshot; rollouts: Rollout[] }> {
    return this.serial(async () => {
      this.need(opts.reason, 'rollback');
      const target = await this.resolveSnapshot(opts.to);
      const base = await this.baseline();
      if (!base) throw rolloutError('E_ROLLOUT_NO_BASELINE', 'nothing has been deployed yet');
      const content = opts.account
        ? withAccountFrom(base, target, opts.account)
        : withoutMark(makeContent(target.announcements, target.bindings, null));
      const what = opts.account ? `account ${opts.account} to #${target.number}` : `network to #${target.number}`;
      await this.audit(opts.actor, opts.account ? 'rollback.account' : 'rollback.global', target.id, opts.reason, {
        account: opts.account ?? null,
      });
      const origin: SnapshotOrigin = opts.account ? 'account-rollback' : 'rollback';
      const diff = diffSnapshots(base, content, this.topology());
      const rollouts: Rollout[] = [];
      if (!diff.restoringOnly) {
        const restoring = withRestored(base, content.announcements, content.bindings);
        if (
          restoring.announcements.length !== base.announcements.length ||
          restoring.bindings.length !== base.bindings.length
        ) {
          const first = await this.proposeNow(restoring, {
            origin,
            reason: `rollback ${what}, restoring part: ${opts.reason}`,
            actor: opts.actor,
          });
          rollouts.push(first.rollout);
        }
      }
      const full = await this.proposeNow(content, {
        origin,
        reason: `rollback ${what}: ${opts.reason}`,
        actor: opts.actor,
      });
      rollouts.push(full.rollout);
      return { snapshot: full.snapshot, rollouts };
    });
  }
}
