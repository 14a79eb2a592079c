// Measuring what reached the edge during an incident replay: which tracked prefixes were withdrawn and
// which bindings were removed at any edge, where, and when everything was back. Pure: the caller feeds
// it what every agent has applied at each moment.
import type { Snapshot, SnapshotContent } from '../snapshot/model.js';
import { viewAnnouncements, viewBindings, viewFor } from '../snapshot/view.js';

export interface AppliedAt {
  location: string;
  snapshot: Snapshot | null;
}

export interface EdgeDamage {
  /** Distinct tracked prefixes that were not announced at one or more edges at some moment. */
  prefixesWithdrawn: number;
  /** Same, over every prefix (tracked or not). */
  allPrefixesWithdrawn: number;
  /** Distinct bindings that were missing at one or more edges at some moment. */
  bindingsRemoved: number;
  locationsTouched: string[];
  /** Most tracked prefixes missing at one moment, anywhere. */
  peakPrefixesWithdrawn: number;
  firstDamageAt: number | null;
  /** Last moment any edge lacked a prefix or binding of the initial state; null if never. */
  lastDamageAt: number | null;
  /** First moment after the last damage at which every edge held the initial state again. */
  restoredAt: number | null;
  damagedNow: boolean;
}

export class EdgeDamageTracker {
  private readonly initialPrefixes: Set<string>;
  private readonly tracked: Set<string>;
  private readonly initialBindings: Set<string>;
  private readonly cache = new Map<string, { prefixes: string[]; bindings: string[] }>();
  private readonly withdrawn = new Set<string>();
  private readonly withdrawnAll = new Set<string>();
  private readonly unbound = new Set<string>();
  private readonly touched = new Set<string>();
  private peak = 0;
  private first: number | null = null;
  private last: number | null = null;
  private restored: number | null = null;
  private damaged = false;

  /** `tracked`: which prefixes count as the incident's population (e.g. the BYOIP ones). */
  constructor(initial: SnapshotContent, tracked: (prefix: string, account: string) => boolean) {
    this.initialPrefixes = new Set(initial.announcements.map((a) => a.prefix));
    this.tracked = new Set(initial.announcements.filter((a) => tracked(a.prefix, a.account)).map((a) => a.prefix));
    this.initialBindings = new Set(initial.bindings.map((b) => b.id));
  }

  private missing(s: Snapshot | null, location: string): { prefixes: string[]; bindings: string[] } {
    const key = `${s?.id ?? '-'}@${location}`;
    let m = this.cache.get(key);
    if (m) return m;
    if (s === null) {
      m = { prefixes: [...this.initialPrefixes], bindings: [...this.initialBindings] };
    } else {
      const v = viewFor(s, location);
      const have = new Set<string>();
      for (const a of viewAnnouncements(v)) have.add(a.prefix);
      const haveB = new Set<string>();
      for (const b of viewBindings(v)) haveB.add(b.id);
      m = {
        prefixes: [...this.initialPrefixes].filter((p) => !have.has(p)),
        bindings: [...this.initialBindings].filter((b) => !haveB.has(b)),
      };
    }
    this.cache.set(key, m);
    return m;
  }

  observe(now: number, applied: Iterable<AppliedAt>): void {
    const nowMissing = new Set<string>();
    let damaged = false;
    for (const a of applied) {
      const m = this.missing(a.snapshot, a.location);
      if (m.prefixes.length === 0 && m.bindings.length === 0) continue;
      damaged = true;
      this.touched.add(a.location);
      for (const p of m.prefixes) {
        this.withdrawnAll.add(p);
        if (this.tracked.has(p)) {
          this.withdrawn.add(p);
          nowMissing.add(p);
        }
      }
      for (const b of m.bindings) this.unbound.add(b);
    }
    this.peak = Math.max(this.peak, nowMissing.size);
    if (damaged) {
      if (this.first === null) this.first = now;
      this.last = now;
      this.restored = null;
    } else if (this.damaged) {
      this.restored = now;
    }
    this.damaged = damaged;
  }

  result(): EdgeDamage {
    return {
      prefixesWithdrawn: this.withdrawn.size,
      allPrefixesWithdrawn: this.withdrawnAll.size,
      bindingsRemoved: this.unbound.size,
      locationsTouched: [...this.touched].sort(),
      peakPrefixesWithdrawn: this.peak,
      firstDamageAt: this.first,
      lastDamageAt: this.last,
      restoredAt: this.restored,
      damagedNow: this.damaged,
    };
  }
}

export interface TimelineEntry {
  at: number;
  what: string;
}

/** "T+01:23.0  18:57:23Z  what" lines, sorted by time. */
export function timelineText(start: number, entries: readonly TimelineEntry[]): string {
  const lines = [...entries]
    .sort((a, b) => a.at - b.at)
    .map((e) => {
      const d = Math.max(0, e.at - start) / 1000;
      const mm = Math.floor(d / 60);
      const ss = (d - mm * 60).toFixed(1).padStart(4, '0');
      const clock = new Date(e.at).toISOString().slice(11, 19);
      return `T+${String(mm).padStart(2, '0')}:${ss}  ${clock}Z  ${e.what}`;
    });
  return `${lines.join('\n')}\n`;
}
