// An EdgeStatusPort (src/addressing/edge-status.ts) built from what the control plane knows: the latest
// compiled snapshot, whether the guard holds it, and what every agent reports it applied. The
// composition root refreshes it (async: snapshots are loaded by id); edgeStatus() then answers from
// memory, cheaply enough to sit beside every BGP prefix in a listing. Pure.
import type { EdgeState, EdgeStatus, EdgeStatusPort } from '../addressing/edge-status.js';
import type { AgentReport } from '../snapshot/agent-report.js';
import type { LocationScope, Snapshot } from '../snapshot/model.js';
import { inScope } from '../snapshot/model.js';

export interface EdgeBoardInput {
  locations: readonly string[];
  /** The newest compiled snapshot (what the control plane wants now), or null. */
  latest: Snapshot | null;
  /** The guard holds the latest snapshot (approval needed or breaker tripped). */
  latestHeld: boolean;
  reports: readonly AgentReport[];
  /** Snapshots the agents report applied, by id (the caller loads them). */
  applied: ReadonlyMap<string, Snapshot>;
}

const scopes = new WeakMap<Snapshot, Map<string, LocationScope>>();
function scopeOf(s: Snapshot, prefix: string): LocationScope | undefined {
  let m = scopes.get(s);
  if (!m) {
    m = new Map(s.announcements.map((a) => [a.prefix, a.locations]));
    scopes.set(s, m);
  }
  return m.get(prefix);
}

export class EdgeStatusBoard implements EdgeStatusPort {
  private input: EdgeBoardInput = { locations: [], latest: null, latestHeld: false, reports: [], applied: new Map() };
  private readonly byLocation = new Map<string, AgentReport[]>();

  refresh(input: EdgeBoardInput): void {
    this.input = input;
    this.byLocation.clear();
    for (const r of input.reports) {
      const list = this.byLocation.get(r.location) ?? [];
      list.push(r);
      this.byLocation.set(r.location, list);
    }
  }

  /** A location announces `prefix` when every one of its agents reports a snapshot that announces it there. */
  private announcedAt(location: string, prefix: string): boolean {
    const agents = this.byLocation.get(location) ?? [];
    if (agents.length === 0) return false;
    return agents.every((r) => {
      const s = r.appliedSnapshot ? this.input.applied.get(r.appliedSnapshot) : undefined;
      const scope = s ? scopeOf(s, prefix) : undefined;
      return r.state !== 'error' && scope !== undefined && inScope(scope, location);
    });
  }

  edgeStatus(prefix: string, advertised: boolean): EdgeStatus {
    const { latest, latestHeld, locations } = this.input;
    const live = locations.filter((l) => this.announcedAt(l, prefix));
    const scope = latest ? scopeOf(latest, prefix) : undefined;
    if (latest === null || (scope !== undefined) !== advertised) {
      // the configured state is in no compiled snapshot yet
      return { state: 'pending', snapshot: null, locations_live: live.length, locations_total: locations.length };
    }
    const total = advertised ? locations.filter((l) => inScope(scope as LocationScope, l)).length : 0;
    let state: EdgeState;
    if (advertised) state = live.length >= total && total > 0 ? 'live' : latestHeld ? 'held' : 'deploying';
    else state = live.length === 0 ? 'withdrawn' : latestHeld ? 'held' : 'deploying';
    return { state, snapshot: latest.number, locations_live: live.length, locations_total: total };
  }
}
