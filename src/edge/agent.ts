// The edge agent's logic, shared by the BIRD agent (src/agent) and the simulated fleet (src/fleet): it
// reconciles a BGP speaker and the edge's binding table to the view of its location in a snapshot, reads
// back what is actually announced, and reports. Two safety rules live here:
// - fail static: without the control plane it keeps its last applied snapshot, announcing as before;
// - it never withdraws everything because its input says so, unless the snapshot carries an explicit,
//   guard-approved withdraw-all mark.

import type { Clock } from '../lib/clock.js';
import type { AgentReport } from '../snapshot/agent-report.js';
import type { Snapshot } from '../snapshot/model.js';
import { type LocationView, viewFor } from '../snapshot/view.js';

/**
 * A BGP speaker. `apply` is declarative and idempotent: afterwards the speaker announces exactly the
 * view's announcements (BIRD: render the static-route include, `birdc configure`, wait for it). What it
 * reports from `announced` is read back from the speaker itself, never echoed from the input.
 */
export interface Speaker {
  apply(view: LocationView): Promise<void>;
  /** Set digest (src/snapshot/digest.ts) and count of what the speaker exports right now. */
  announced(): Promise<{ digest: string; count: number }>;
}

/** The edge's service-binding table (which service answers traffic for a cidr). */
export interface BindingTable {
  apply(view: LocationView): Promise<void>;
  held(): Promise<{ digest: string; count: number }>;
}

/** What the agent reports about itself (the shared AgentReport). */
export type AgentStatus = AgentReport;

export interface AgentOptions {
  id: string;
  location: string;
  node: string;
  speaker: Speaker;
  bindings: BindingTable;
  clock: Clock;
  /** Without contact for this long the agent reports fail-static (it keeps announcing regardless). */
  controlPlaneTimeoutMs?: number;
}

export type ReceiveResult = { outcome: 'applied' | 'unchanged' } | { outcome: 'refused' | 'error'; detail: string };

export class EdgeAgent {
  readonly id: string;
  readonly location: string;
  readonly node: string;
  private applied: LocationView | null = null;
  private lastContact: number;
  private problem: { state: 'refused' | 'error'; detail: string; snapshotId: string } | null = null;
  private readonly timeout: number;

  constructor(private readonly o: AgentOptions) {
    this.id = o.id;
    this.location = o.location;
    this.node = o.node;
    this.lastContact = o.clock.now();
    this.timeout = o.controlPlaneTimeoutMs ?? 30_000;
  }

  /** The view this agent applied last, or null. */
  current(): LocationView | null {
    return this.applied;
  }

  /**
   * After a restart: takes `view` (the last applied one, from disk) as applied without touching the
   * speaker. The caller then runs repair(), which checks the speaker against it before changing anything.
   */
  adopt(view: LocationView): void {
    this.applied = view;
    this.problem = null;
  }

  /**
   * Drift check: when what the speaker exports (read back) differs from the applied view (a hand edit,
   * a restarted daemon, an undone configure), re-applies the applied view. Never applies anything new.
   */
  async repair(): Promise<'in-sync' | 'repaired' | 'nothing-applied' | { error: string }> {
    const view = this.applied;
    if (view === null) return 'nothing-applied';
    try {
      if ((await this.o.speaker.announced()).digest === view.announceDigest) {
        if ((await this.o.bindings.held()).digest === view.bindingDigest) return 'in-sync';
        await this.o.bindings.apply(view);
        return 'repaired';
      }
      await this.o.speaker.apply(view);
      await this.o.bindings.apply(view);
      return 'repaired';
    } catch (e) {
      return { error: (e as Error).message };
    }
  }

  /** The control plane answered (a poll, a heartbeat, a delivered message). */
  contact(): void {
    this.lastContact = this.o.clock.now();
  }

  /** Applies the snapshot's view of this agent's location, unless it is unsafe to. */
  async receive(snapshot: Snapshot): Promise<ReceiveResult> {
    this.contact();
    if (this.applied?.snapshotId === snapshot.id && this.problem === null) return { outcome: 'unchanged' };
    const view = viewFor(snapshot, this.location);
    const had = this.applied?.announceCount ?? 0;
    if (view.announceCount === 0 && had > 0 && view.withdrawAll === null) {
      const detail = `snapshot #${snapshot.number} would withdraw all ${had} prefixes at ${this.location} and carries no withdraw-all mark; keeping #${this.applied?.snapshotNumber}`;
      this.problem = { state: 'refused', detail, snapshotId: snapshot.id };
      return { outcome: 'refused', detail };
    }
    try {
      await this.o.speaker.apply(view);
      await this.o.bindings.apply(view);
    } catch (e) {
      const detail = `applying snapshot #${snapshot.number} failed: ${(e as Error).message}`;
      this.problem = { state: 'error', detail, snapshotId: snapshot.id };
      return { outcome: 'error', detail };
    }
    this.applied = view;
    this.problem = null;
    return { outcome: 'applied' };
  }

  /** What the agent tells the control plane: read back from the speaker and binding table. */
  async report(): Promise<AgentStatus> {
    const now = this.o.clock.now();
    const ann = await this.o.speaker.announced();
    const held = await this.o.bindings.held();
    let state: AgentStatus['state'] = 'ok';
    let detail: string | null = null;
    if (this.problem) {
      state = this.problem.state;
      detail = this.problem.detail;
    } else if (now - this.lastContact > this.timeout) {
      state = 'fail-static';
      detail = `no control plane for ${Math.round((now - this.lastContact) / 1000)} s: keeping snapshot #${this.applied?.snapshotNumber ?? '-'}`;
    }
    return {
      agentId: this.id,
      location: this.location,
      node: this.node,
      appliedSnapshot: this.applied?.snapshotId ?? null,
      announceDigest: ann.digest,
      announceCount: ann.count,
      bindingDigest: held.digest,
      bindingCount: held.count,
      state,
      detail,
      reportedAt: now,
    };
  }
}
