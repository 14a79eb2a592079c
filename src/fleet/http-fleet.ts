// The real fleet: edge agents that follow their location's assigned snapshot over HTTP (server-sent
// events from src/api/agent-routes.ts) and report back. Implements the rollout engine's Fleet port:
// deploy() records the snapshot a location must run and wakes that location's agents; reports() gives
// the latest report of every agent, stamped with the control plane's clock when it arrived.
// (NATS JetStream comes later behind the same port.)
import { type Assignment, type LocationSnapshot, toLocationSnapshot } from '../edge/location-snapshot.js';
import type { AgentReport, Fleet } from '../rollout/ports.js';
import type { LocationInfo, Snapshot } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';

export interface SessionReport {
  name: string;
  state: string;
  since: string;
  info: string;
}

/** What an agent sends besides the shared AgentReport. */
export interface AgentExtras {
  sessions: SessionReport[];
  /** Speaker health as the agent sees it: the control socket answers, drift found and repaired. */
  health: { speaker: 'up' | 'down'; drift: number; repairs: number; detail: string | null };
}

export interface AgentRecord {
  report: AgentReport;
  extras: AgentExtras;
  /** When the control plane received it (ms, its clock). */
  receivedAt: number;
}

export interface HttpFleetOptions {
  locations: readonly LocationInfo[];
  clock: { now(): number };
  /** A snapshot the engine stored (for assignments made before this process started). */
  snapshot(id: string): Promise<Snapshot | undefined>;
}

export class HttpFleet implements Fleet {
  private readonly assigned = new Map<string, Assignment>();
  private readonly listeners = new Map<string, Set<(a: Assignment) => void>>();
  private readonly records = new Map<string, AgentRecord>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly known: ReadonlySet<string>;

  constructor(private readonly o: HttpFleetOptions) {
    this.known = new Set(o.locations.map((l) => l.id));
  }

  locations(): readonly LocationInfo[] {
    return this.o.locations;
  }

  async deploy(snapshot: Snapshot, locations: readonly string[]): Promise<void> {
    this.snapshots.set(snapshot.id, snapshot);
    // Keep the snapshots some location is assigned; the rest can be read from the store again.
    const live = new Set([...this.assigned.values()].map((a) => a.snapshotId).concat(snapshot.id));
    for (const id of this.snapshots.keys()) if (!live.has(id)) this.snapshots.delete(id);
    const at = this.o.clock.now();
    for (const l of locations) {
      const v = viewFor(snapshot, l);
      const a = {
        snapshotId: snapshot.id,
        number: snapshot.number,
        announceCount: v.announceCount,
        announceDigest: v.announceDigest,
        at,
      };
      this.assigned.set(l, a);
      for (const fn of this.listeners.get(l) ?? []) fn(a);
    }
  }

  async reports(locations?: readonly string[]): Promise<readonly AgentReport[]> {
    const want = locations ? new Set(locations) : null;
    const out: AgentReport[] = [];
    for (const r of this.records.values()) if (!want || want.has(r.report.location)) out.push(r.report);
    return out;
  }

  // ---- the agent-facing side (src/api/agent-routes.ts AgentHub) ----

  isLocation(location: string): boolean {
    return this.known.has(location);
  }

  assignment(location: string): Assignment | null {
    return this.assigned.get(location) ?? null;
  }

  subscribe(location: string, fn: (a: Assignment) => void): () => void {
    let set = this.listeners.get(location);
    if (!set) {
      set = new Set();
      this.listeners.set(location, set);
    }
    set.add(fn);
    return () => set.delete(fn);
  }

  /** `location`'s part of snapshot `id`, or undefined when there is no such snapshot. */
  async locationSnapshot(location: string, id: string): Promise<LocationSnapshot | undefined> {
    const s = this.snapshots.get(id) ?? (await this.o.snapshot(id));
    if (!s) return undefined;
    return toLocationSnapshot(s, location);
  }

  /** An agent's report (its location already checked against its credential). */
  ingest(report: AgentReport, extras: AgentExtras): void {
    const now = this.o.clock.now();
    this.records.set(report.agentId, { report: { ...report, reportedAt: now }, extras, receivedAt: now });
  }

  agents(): AgentRecord[] {
    return [...this.records.values()].sort((a, b) => (a.report.agentId < b.report.agentId ? -1 : 1));
  }
}
