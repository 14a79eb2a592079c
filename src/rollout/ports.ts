// The rollout engine's ports: time, storage, the audit log, the fleet of edge agents and health signals.
// The engine is a pure state machine (machine.ts) with a shell over these; src/sim (simulated fleet),
// src/fleet (agents over HTTP), src/store and src/bin supply implementations.
import type { AuditEvent } from '../lib/audit.js';
import type { Clock } from '../lib/clock.js';
import type { AgentReport } from '../snapshot/agent-report.js';
import type { LocationInfo, Snapshot } from '../snapshot/model.js';
import type { HeldChange } from './approval.js';
import type { GuardDecision, GuardState } from './guard.js';

export type { AgentReport, AuditEvent, Clock };

export interface Fleet {
  locations(): readonly LocationInfo[];
  /** Makes `snapshot` the one the agents of `locations` must run. Resolves once it is handed over. */
  deploy(snapshot: Snapshot, locations: readonly string[]): Promise<void>;
  /** The latest report of every agent (of the given locations). */
  reports(locations?: readonly string[]): Promise<readonly AgentReport[]>;
  /** Optional housekeeping once per control-loop round (heartbeats, due deliveries of a transport). */
  tick?(): Promise<void>;
}

/** The fleet before any agent registered: no location, so rollouts wait queued and nothing becomes good. */
export const EMPTY_FLEET: Fleet = {
  locations: () => [],
  deploy: async () => {},
  reports: async () => [],
};

export type VerdictStatus = 'pass' | 'fail' | 'no-data' | 'inconclusive';

/** A health verdict from outside the engine: canary analysis, BGP visibility, probes, customer health. */
export interface ExternalVerdict {
  /** Set once the verdict is stored (durable verdicts, issue 10); the store ignores a second put of it. */
  id?: string;
  source: string;
  /** Rollout it judges, or null for "whatever is deployed at `location`". */
  rolloutId: string | null;
  location: string | null;
  status: VerdictStatus;
  reason: string;
  at: number;
}

export interface Signals {
  /** Verdicts received at or after `since`. */
  verdicts(since: number): readonly ExternalVerdict[];
  publish(v: ExternalVerdict): void;
}

/**
 * Where every source of verdicts publishes (POST /v1/verdicts, and in-process the monitor and the probes):
 * RolloutControl.publishVerdict, which stores the verdict and then hands it to the Signals. One durable
 * path: once the promise resolves, the verdict survives a restart of the engine on the same store.
 */
export interface VerdictSink {
  publishVerdict(v: Omit<ExternalVerdict, 'at' | 'id'>): Promise<ExternalVerdict>;
}

export type RolloutStatus =
  | 'queued'
  | 'held'
  | 'running'
  | 'paused'
  | 'completed'
  | 'rolled-back'
  | 'aborted'
  | 'superseded';

export interface Stage {
  name: string;
  /** Locations this stage adds (the rollout covers every earlier stage's locations too). */
  locations: string[];
  bakeMs: number;
  deployedAt: number | null;
  passedAt: number | null;
  /**
   * Bake time counted so far: only while the engine ran and heard from every touched agent (issue 10: a
   * `kill -9` 4.6 s into a 20 s bake, 45 s down, must not pass the canary at the first tick after the
   * restart). Absent on stages persisted before it existed: counted from the deploy.
   */
  bakedMs?: number;
  /** Up to when the bake was counted; null after a restart or a pause (the next judgement starts again). */
  bakeAt?: number | null;
}

export interface GateResult {
  gate: string;
  status: VerdictStatus;
  reason: string;
  at: number;
}

export interface RolloutEvent {
  at: number;
  event: string;
  detail: string;
}

export interface Approval {
  id: string;
  by: string;
  reason: string;
  at: number;
  /** The digest of the change approved (src/rollout/approval.ts); absent on approvals before issue 10. */
  digest?: string;
}

export interface Rejection {
  by: string;
  reason: string;
  at: number;
  /** The accounts whose part of the delta was returned; null: all of it. */
  accounts: string[] | null;
  /** Whether the whole delta was returned (every account it changes). */
  complete: boolean;
  /** Desired-state objects written, items that held already, items that could not be done. */
  restored: { changed: number; unchanged: number; impossible: number };
}

export interface Rollout {
  id: string;
  snapshotId: string;
  snapshotNumber: number;
  /** progressive: staged with bake times and gates; fast: restoring changes, everywhere at once. */
  kind: 'progressive' | 'fast';
  status: RolloutStatus;
  /** The last good snapshot when the rollout started: what a halt returns touched locations to. */
  baselineId: string | null;
  stages: Stage[];
  stageIndex: number;
  pause: { by: 'operator' | 'signals'; reason: string; at: number } | null;
  touched: string[];
  guard: GuardDecision | null;
  /**
   * While held: the change an approval must name (its digest against the current last good snapshot,
   * refreshed when that moves). Absent on rollouts stored before issue 10.
   */
  change?: HeldChange | null;
  approval: Approval | null;
  halt: { at: number; reason: string } | null;
  /** An operator rejected it: desired state went back to the last good snapshot for its delta (issue 10). */
  rejection?: Rejection | null;
  gates: GateResult[];
  events: RolloutEvent[];
  createdAt: number;
  createdBy: string;
  reason: string;
  /**
   * Bindings the snapshot still holds only for their grace period (removed from desired state): the guard
   * judges them as removed. Absent: none (and in rollouts recorded before).
   */
  graced?: string[];
}

/**
 * The Addressing API's changes in the one audit log (entries of ATTRIBUTED_OBJECT_TYPES at or after
 * `at`, ISO-8601), for attributing a change's delta to the actors who made it (attribution.ts).
 */
export interface ChangeHistory {
  addressingChangesSince(at: string): Promise<readonly AuditEvent[]>;
}

/** The one audit log (src/lib/audit.ts): the engine writes its audited actions through it. */
export interface AuditLog {
  appendAudit(e: AuditEvent): Promise<void>;
  /** Oldest first. */
  listAudit(): Promise<AuditEvent[]>;
}

/** Persisted engine state besides snapshots and rollouts. */
export interface EngineState {
  /** The last snapshot every location completed (the last good one), or null. */
  baselineId: string | null;
  /** Snapshots that completed a rollout: rollback targets that are known good. */
  goodIds: string[];
  /** When each of goodIds became good (ms): the guard's drift compares with the good snapshot of a day ago. */
  goodAt?: Record<string, number>;
  /** What the engine last handed each location. */
  assigned: Record<string, string>;
  guard: GuardState;
  nextRollout: number;
  /** The rollout whose hold or failed gate tripped the breaker (null: a health signal, or not tripped). */
  trippedBy?: string | null;
  /** Verdicts up to this time were taken in by a signals step (absent: since the engine opened). */
  signalsSeen?: number;
}

export interface SnapshotSummary {
  id: string;
  number: number;
  parent: string | null;
  digest: string;
  createdAt: string;
  origin: Snapshot['origin'];
  reason: string;
  announcements: number;
  bindings: number;
}

/** The summary of a snapshot that listings show. */
export function summarize(s: Snapshot): SnapshotSummary {
  return {
    id: s.id,
    number: s.number,
    parent: s.parent,
    digest: s.digest,
    createdAt: s.createdAt,
    origin: s.origin,
    reason: s.reason,
    announcements: s.announcements.length,
    bindings: s.bindings.length,
  };
}

export interface RolloutStore extends AuditLog {
  putSnapshot(s: Snapshot): Promise<void>;
  getSnapshot(id: string): Promise<Snapshot | undefined>;
  /** Newest first. */
  listSnapshots(): Promise<SnapshotSummary[]>;
  putRollout(r: Rollout): Promise<void>;
  getRollout(id: string): Promise<Rollout | undefined>;
  /** Newest first. */
  listRollouts(): Promise<Rollout[]>;
  loadState(): Promise<EngineState | undefined>;
  /** Stores a verdict (with its id) before it is acknowledged; a second put of the same id does nothing. */
  putVerdict(v: ExternalVerdict & { id: string }): Promise<void>;
  /** Stored verdicts with `at` at or after `since`, oldest first, at most `limit` (the newest). */
  listVerdicts(since: number, limit?: number): Promise<ExternalVerdict[]>;
  /**
   * Saves the engine state together with the rollouts a step changed and the audit events it emitted, in
   * one transaction: after a crash the store holds either the step's state, rollouts and entries or none.
   */
  saveState(s: EngineState, changed?: readonly Rollout[], audit?: readonly AuditEvent[]): Promise<void>;
}
