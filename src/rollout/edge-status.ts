// Configured versus operational state (src/addressing/edge-status.ts), answered from what the control
// loop knows: the snapshots it compiled, the rollouts in flight, the guard's holds and the agents'
// reports. A location counts as live for a prefix only when every agent there reports "ok" with a
// read-back of its speaker that equals the view of the snapshot it applied, and that snapshot announces
// the prefix at that location: the configured flag alone never makes anything live.
import type { EdgeStatus } from '../addressing/edge-status.js';
import type { Announcement, LocationInfo, Snapshot } from '../snapshot/model.js';
import { inScope } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';
import type { AgentReport, Rollout } from './ports.js';

/** What the answer is computed from: a consistent picture taken by the loop. */
export interface EdgePicture {
  /** Snapshots the loop holds in memory, newest first (latest, those of live rollouts, baseline). */
  snapshots: readonly Snapshot[];
  rollouts: readonly Rollout[];
  reports: readonly AgentReport[];
  locations: readonly LocationInfo[];
  breakerTripped: boolean;
}

const MAX_INDEXED = 16;

/** Per-snapshot indexes (prefix → announcement; location → expected read-back), bounded. */
export class EdgeStatusIndex {
  private readonly byPrefix = new Map<string, Map<string, Announcement>>();
  private readonly digests = new Map<string, string>();

  announcement(s: Snapshot, prefix: string): Announcement | undefined {
    let m = this.byPrefix.get(s.id);
    if (!m) {
      if (this.byPrefix.size >= MAX_INDEXED) this.byPrefix.delete(this.byPrefix.keys().next().value as string);
      m = new Map(s.announcements.map((a) => [a.prefix, a]));
      this.byPrefix.set(s.id, m);
    }
    return m.get(prefix);
  }

  /** The set digest a speaker at `location` reads back when it exports exactly `s`'s view. */
  expectedDigest(s: Snapshot, location: string): string {
    const key = `${s.id}@${location}`;
    let d = this.digests.get(key);
    if (d === undefined) {
      if (this.digests.size >= MAX_INDEXED * 64) this.digests.clear();
      d = viewFor(s, location).announceDigest;
      this.digests.set(key, d);
    }
    return d;
  }

  /**
   * `prefix` (canonical text) with configured flag `advertised`: which snapshot carries that, and at how
   * many of the locations that should announce it (or, withdrawn, should not) the edge agrees.
   */
  status(p: EdgePicture, prefix: string, advertised: boolean): EdgeStatus {
    const announcedBy = (s: Snapshot, loc: string) => {
      const a = this.announcement(s, prefix);
      return a !== undefined && inScope(a.locations, loc);
    };
    const carrier = p.snapshots.find((s) => (this.announcement(s, prefix) !== undefined) === advertised);
    if (!carrier) return { state: 'pending', snapshot: null, locations_live: 0, locations_total: 0 };
    const want = advertised ? p.locations.filter((l) => announcedBy(carrier, l.id)) : p.locations;
    const snapshotById = new Map(p.snapshots.map((s) => [s.id, s]));
    const byLocation = new Map<string, AgentReport[]>();
    for (const r of p.reports) byLocation.set(r.location, [...(byLocation.get(r.location) ?? []), r]);
    let live = 0;
    for (const l of want) {
      const agents = byLocation.get(l.id) ?? [];
      const agree =
        agents.length > 0 &&
        agents.every((r) => {
          const applied = r.appliedSnapshot ? snapshotById.get(r.appliedSnapshot) : undefined;
          return (
            r.state === 'ok' &&
            applied !== undefined &&
            r.announceDigest === this.expectedDigest(applied, l.id) &&
            announcedBy(applied, l.id) === advertised
          );
        });
      if (agree) live++;
    }
    const base = { snapshot: carrier.number, locations_live: live, locations_total: want.length };
    if (live === want.length && (want.length > 0 || !advertised))
      return { ...base, state: advertised ? 'live' : 'withdrawn' };
    const rollout = p.rollouts.find((r) => r.snapshotId === carrier.id);
    const held =
      rollout?.status === 'held' ||
      (rollout?.status === 'queued' && p.breakerTripped && rollout.kind === 'progressive');
    return { ...base, state: held ? 'held' : 'deploying' };
  }
}
