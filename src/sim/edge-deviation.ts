// How far each location's edge strayed from the last good snapshot, from what its agents' speakers and
// binding tables really hold (their read-back), not from what the engine handed them: the figures the red
// team's table asks for. Per location, over the whole run, the distinct prefixes that were at some moment
// withdrawn, modified (another origin, prepend count or community set) or newly announced, the bindings
// that were removed, and the foreign prefixes (space nobody in the baseline owns) that were announced.

import { announcementLine } from '../snapshot/digest.js';
import type { Announcement, Binding } from '../snapshot/model.js';

/** What one agent holds right now. */
export interface EdgeHolding {
  location: string;
  announcements: readonly Announcement[];
  bindings: readonly Binding[];
}

export interface LocationDeviation {
  location: string;
  withdrawn: number;
  modified: number;
  announced: number;
  bindingsRemoved: number;
  foreign: number;
  /** Distinct prefixes withdrawn, modified or newly announced (a prefix counts once). */
  changed: number;
}

export interface DeviationSummary {
  locations: LocationDeviation[];
  /** The largest `changed` of any location not in `canaries`, and which location it was. */
  worstOutsideCanary: { location: string | null; changed: number };
  worstCanary: { location: string | null; changed: number };
  bindingsRemovedAnywhere: number;
  foreignAnywhere: number;
}

interface Seen {
  withdrawn: Set<string>;
  modified: Set<string>;
  announced: Set<string>;
  bindings: Set<string>;
  foreign: Set<string>;
}

export class EdgeDeviationTracker {
  private readonly lines = new Map<string, string>();
  private readonly bindingIds: ReadonlySet<string>;
  private readonly seen = new Map<string, Seen>();

  /**
   * `baseline`: the last good snapshot's announcements and bindings. `isForeign(prefix)`: space no account
   * of the baseline may announce (e.g. 8.8.8.0/24 when nobody proved it).
   */
  constructor(
    baseline: { announcements: readonly Announcement[]; bindings: readonly Binding[] },
    private readonly isForeign: (prefix: string) => boolean,
  ) {
    for (const a of baseline.announcements) this.lines.set(a.prefix, announcementLine(a));
    this.bindingIds = new Set(baseline.bindings.map((b) => b.id));
  }

  private at(location: string): Seen {
    let s = this.seen.get(location);
    if (!s) {
      s = { withdrawn: new Set(), modified: new Set(), announced: new Set(), bindings: new Set(), foreign: new Set() };
      this.seen.set(location, s);
    }
    return s;
  }

  /** One observation of one agent; call it for every agent as often as the run allows. */
  observe(h: EdgeHolding): void {
    const s = this.at(h.location);
    const present = new Set<string>();
    for (const a of h.announcements) {
      present.add(a.prefix);
      const was = this.lines.get(a.prefix);
      if (was === undefined) {
        s.announced.add(a.prefix);
        if (this.isForeign(a.prefix)) s.foreign.add(a.prefix);
      } else if (was !== announcementLine(a)) s.modified.add(a.prefix);
    }
    for (const p of this.lines.keys()) if (!present.has(p)) s.withdrawn.add(p);
    const held = new Set(h.bindings.map((b) => b.id));
    for (const id of this.bindingIds) if (!held.has(id)) s.bindings.add(id);
  }

  summary(canaries: ReadonlySet<string>): DeviationSummary {
    const locations: LocationDeviation[] = [...this.seen].map(([location, s]) => ({
      location,
      withdrawn: s.withdrawn.size,
      modified: s.modified.size,
      announced: s.announced.size,
      bindingsRemoved: s.bindings.size,
      foreign: s.foreign.size,
      changed: new Set([...s.withdrawn, ...s.modified, ...s.announced]).size,
    }));
    const worst = (inCanary: boolean) => {
      let best: { location: string | null; changed: number } = { location: null, changed: 0 };
      for (const l of locations)
        if (canaries.has(l.location) === inCanary && l.changed > best.changed)
          best = { location: l.location, changed: l.changed };
      return best;
    };
    const union = (k: 'bindings' | 'foreign') => new Set([...this.seen.values()].flatMap((s) => [...s[k]])).size;
    return {
      locations,
      worstOutsideCanary: worst(false),
      worstCanary: worst(true),
      bindingsRemovedAnywhere: union('bindings'),
      foreignAnywhere: union('foreign'),
    };
  }
}
