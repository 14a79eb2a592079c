// The engine's vocabulary (machine.ts is the transition function over it): who acts, what the engine
// is told (inputs), what it asks the shell to do (effects), and one transition's outcome.
import type { AuditEvent } from '../lib/audit.js';
import type { SnapshotDiff } from '../snapshot/diff.js';
import type { LocationInfo, SnapshotOrigin } from '../snapshot/model.js';
import type { Approver } from './approval.js';
import type { GuardConfig } from './guard.js';
import type { EngineState, ExternalVerdict, GateResult, Rejection, Rollout } from './ports.js';
import type { StageSpec } from './stages.js';

/** Who acted, as the audit log names them (src/lib/audit.ts). */
export interface ActorRef {
  kind: AuditEvent['actor_kind'];
  id: string;
  request_id: string;
}

/** What the engine needs to know besides the model: time, configuration and the fleet's topology. */
export interface MachineContext {
  now: number;
  guard: GuardConfig;
  stages: readonly StageSpec[];
  gateGraceMs: number;
  /** Bake time counts until this long after the stalest touched agent's latest report, no longer. */
  reportGapMs: number;
  topology: readonly LocationInfo[];
  /** Origin of a snapshot the engine knows (compiled desired state is superseded by newer compiles). */
  originOf(snapshotId: string): SnapshotOrigin | undefined;
}

export type GateOutcome = Omit<GateResult, 'at'>;

export type EngineInput =
  | {
      type: 'propose';
      snapshot: { id: string; number: number; origin: SnapshotOrigin; marked: boolean };
      diff: SnapshotDiff;
      actor: ActorRef;
      reason: string;
      /** A restore after a trip: never judged (restoring only), with its own summary. */
      restore?: { announcements: number; bindings: number };
      /** Binding ids the snapshot holds only for their grace (the diff counts them as unbinds). */
      graced?: readonly string[];
      /** Diff from the good snapshot of a day ago to this one (the guard's drift); null: none so old. */
      drift?: SnapshotDiff | null;
      /** Accounts whose counted changes were all their own (change-diffs.ts); absent: no attribution. */
      selfService?: readonly string[];
    }
  | {
      type: 'activate';
      id: string;
      diff: SnapshotDiff;
      marked: boolean;
      drift?: SnapshotDiff | null;
      selfService?: readonly string[];
    }
  | { type: 'deploy-stage'; id: string }
  | {
      type: 'judge';
      id: string;
      results: readonly GateOutcome[];
      /** The stalest of the touched agents' latest reports (null: a touched location has none); absent: now. */
      reportsAt?: number | null;
    }
  /** The engine (re)opened over its store: bakes in flight stop counting until the next judgement. */
  | { type: 'opened' }
  | { type: 'restore-preempts'; id: string; by: string }
  | { type: 'signals'; verdicts: readonly ExternalVerdict[]; seenUntil?: number }
  | { type: 'pause'; id: string; actor: ActorRef; reason: string }
  | { type: 'resume'; id: string; actor: ActorRef; reason: string }
  | { type: 'promote'; id: string; actor: ActorRef; reason: string; results: readonly GateOutcome[] }
  | { type: 'abort'; id: string; actor: ActorRef; reason: string }
  | {
      type: 'approve';
      id: string;
      actor: ActorRef;
      reason: string;
      approvalId: string;
      /** The withdraw-all-marked copy of the snapshot the approval produced, if one was needed. */
      marked: { id: string; number: number } | null;
      /** The digest of the change the approver names (approval.ts): it must be the held one. */
      digest: string;
      /** Who approves (kind and scopes decide) and who made the held change (attribution.ts). */
      approver: Approver;
      authors: readonly string[];
    }
  | {
      type: 'reset-breaker';
      actor: ActorRef;
      reason: string;
      approver: Approver;
      /** The actors of every held change: none of them may reset the breaker. */
      authors: readonly string[];
    }
  | {
      type: 'reject';
      id: string;
      actor: ActorRef;
      reason: string;
      /** The accounts whose part of the delta desired state was returned for; null: all. */
      accounts: string[] | null;
      /** The whole delta went back (every account it changes). */
      complete: boolean;
      restored: Rejection['restored'];
      /** A reject may close the breaker: the same second person an approval needs. */
      approver: Approver;
      authors: readonly string[];
    };

export type DeployKind = 'progressive' | 'fast' | 'rollback';

export type EngineEffect =
  | {
      type: 'deploy';
      rolloutId: string;
      snapshotId: string;
      locations: readonly string[];
      kind: DeployKind;
      approvalId: string | null;
    }
  | { type: 'audit'; event: Omit<AuditEvent, 'id'> }
  /** The breaker tripped with onTrip 'restore-window': the shell seals what the window took and proposes it. */
  | { type: 'restore-window'; cause: string };

export interface Transition {
  model: EngineModel;
  effects: EngineEffect[];
  /** Rollouts this input changed (to persist with the state). */
  changed: Rollout[];
  /** The rollout a 'propose' created. */
  created: Rollout | null;
  /** False when the input changed nothing that matters (the tick loop stops). */
  progressed: boolean;
  /** Whether the state and `changed` must be saved. */
  save: boolean;
}

export interface EngineModel {
  readonly state: EngineState;
  /** Rollouts by id, in creation order. */
  readonly rollouts: ReadonlyMap<string, Rollout>;
}
