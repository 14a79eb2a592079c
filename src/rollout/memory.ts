// In-memory implementations of the engine's ports: the store the simulation, the replay and tests use,
// and the board external verdicts are published on. (Time is src/lib/clock.ts: systemClock, ManualClock.)
import type { Snapshot } from '../snapshot/model.js';
import type {
  AuditEvent,
  EngineState,
  ExternalVerdict,
  Rollout,
  RolloutStore,
  Signals,
  SnapshotSummary,
} from './ports.js';
import { summarize } from './ports.js';

export class MemoryRolloutStore implements RolloutStore {
  private snapshots = new Map<string, Snapshot>();
  private order: string[] = [];
  private rollouts = new Map<string, Rollout>();
  private audit: AuditEvent[] = [];
  private state: EngineState | undefined;
  private verdicts: (ExternalVerdict & { id: string })[] = [];

  async putSnapshot(s: Snapshot): Promise<void> {
    if (!this.snapshots.has(s.id)) this.order.push(s.id);
    this.snapshots.set(s.id, s);
  }
  async getSnapshot(id: string): Promise<Snapshot | undefined> {
    return this.snapshots.get(id);
  }
  async listSnapshots(): Promise<SnapshotSummary[]> {
    const out: SnapshotSummary[] = [];
    for (let i = this.order.length - 1; i >= 0; i--) {
      const s = this.snapshots.get(this.order[i] as string) as Snapshot;
      out.push(summarize(s));
    }
    return out;
  }
  async putRollout(r: Rollout): Promise<void> {
    this.rollouts.set(r.id, structuredClone(r));
  }
  async getRollout(id: string): Promise<Rollout | undefined> {
    const r = this.rollouts.get(id);
    return r && structuredClone(r);
  }
  async listRollouts(): Promise<Rollout[]> {
    return [...this.rollouts.values()].reverse().map((r) => structuredClone(r));
  }
  async appendAudit(a: AuditEvent): Promise<void> {
    this.audit.push(structuredClone(a));
  }
  async listAudit(): Promise<AuditEvent[]> {
    return structuredClone(this.audit);
  }
  async loadState(): Promise<EngineState | undefined> {
    return this.state && structuredClone(this.state);
  }
  async putVerdict(v: ExternalVerdict & { id: string }): Promise<void> {
    if (!this.verdicts.some((x) => x.id === v.id)) this.verdicts.push(structuredClone(v));
  }
  async listVerdicts(since: number, limit = MAX_VERDICTS): Promise<ExternalVerdict[]> {
    return structuredClone(this.verdicts.filter((v) => v.at >= since).slice(-limit));
  }
  async saveState(s: EngineState, changed: readonly Rollout[] = [], audit: readonly AuditEvent[] = []): Promise<void> {
    // Copy everything first, so a value that cannot be cloned leaves nothing half-saved.
    const state = structuredClone(s);
    const rollouts = changed.map((r) => structuredClone(r));
    const events = audit.map((a) => structuredClone(a));
    for (const r of rollouts) this.rollouts.set(r.id, r);
    this.audit.push(...events);
    this.state = state;
  }
}

/** Verdicts the board keeps: older ones have been judged by every tick since. */
export const MAX_VERDICTS = 10_000;

/** Where monitors, canary analysis and operators publish verdicts for the engine to read. */
export class VerdictBoard implements Signals {
  private list: ExternalVerdict[] = [];
  /** Ids of stored verdicts on the board: one loaded again from the store after a restart is not doubled. */
  private readonly ids = new Set<string>();
  verdicts(since: number): readonly ExternalVerdict[] {
    return this.list.filter((v) => v.at >= since);
  }
  publish(v: ExternalVerdict): void {
    if (v.id !== undefined) {
      if (this.ids.has(v.id)) return;
      this.ids.add(v.id);
    }
    this.list.push({ ...v });
    if (this.list.length > MAX_VERDICTS) {
      for (const old of this.list.splice(0, this.list.length - MAX_VERDICTS)) if (old.id) this.ids.delete(old.id);
    }
  }
  /** Every verdict kept (the newest MAX_VERDICTS). */
  all(): readonly ExternalVerdict[] {
    return this.list;
  }
}
