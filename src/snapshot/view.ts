// What one location's edge must hold under a snapshot. Entries are grouped by location scope once per
// snapshot (most are '*', a few are regional), so a view of a 100,000-announcement snapshot is a handful
// of shared, frozen groups, not a copy: 1,000 agents can hold views of one snapshot cheaply.
import { announcementLine, bindingLine, SetDigest } from './digest.js';
import type { Announcement, Binding, LocationScope, Snapshot, SnapshotContent, WithdrawAllMark } from './model.js';
import { inScope, scopeKey } from './model.js';

export interface EntryGroup<T> {
  readonly scope: LocationScope;
  readonly entries: readonly T[];
  readonly digest: SetDigest;
}

export interface LocationView {
  readonly snapshotId: string;
  readonly snapshotNumber: number;
  readonly location: string;
  readonly announcements: readonly EntryGroup<Announcement>[];
  readonly bindings: readonly EntryGroup<Binding>[];
  /** Set digest (src/snapshot/digest.ts) of the announcements; "<count>:<hex>". */
  readonly announceDigest: string;
  readonly announceCount: number;
  readonly bindingDigest: string;
  readonly bindingCount: number;
  readonly withdrawAll: WithdrawAllMark | null;
}

interface Grouped {
  announcements: EntryGroup<Announcement>[];
  bindings: EntryGroup<Binding>[];
}

const cache = new WeakMap<SnapshotContent, Grouped>();

function group<T extends { locations: LocationScope }>(entries: readonly T[], line: (x: T) => string): EntryGroup<T>[] {
  const groups = new Map<string, { scope: LocationScope; entries: T[]; digest: SetDigest }>();
  for (const e of entries) {
    const k = scopeKey(e.locations);
    let g = groups.get(k);
    if (g === undefined) {
      g = { scope: e.locations, entries: [], digest: new SetDigest() };
      groups.set(k, g);
    }
    g.entries.push(e);
    g.digest.add(line(e));
  }
  return [...groups.values()].map((g) =>
    Object.freeze({ scope: g.scope, entries: Object.freeze(g.entries), digest: g.digest }),
  );
}

function grouped(s: SnapshotContent): Grouped {
  let g = cache.get(s);
  if (g === undefined) {
    g = { announcements: group(s.announcements, announcementLine), bindings: group(s.bindings, bindingLine) };
    cache.set(s, g);
  }
  return g;
}

/** The view of `location` under snapshot `s`. */
export function viewFor(s: Snapshot, location: string): LocationView {
  const g = grouped(s);
  const ann = g.announcements.filter((x) => inScope(x.scope, location));
  const bind = g.bindings.filter((x) => inScope(x.scope, location));
  const ad = new SetDigest();
  for (const x of ann) ad.merge(x.digest);
  const bd = new SetDigest();
  for (const x of bind) bd.merge(x.digest);
  return {
    snapshotId: s.id,
    snapshotNumber: s.number,
    location,
    announcements: ann,
    bindings: bind,
    announceDigest: ad.toString(),
    announceCount: ad.count,
    bindingDigest: bd.toString(),
    bindingCount: bd.count,
    withdrawAll: s.withdrawAll,
  };
}

/** Every announcement of a view, flattened (for speakers that render a full configuration). */
export function* viewAnnouncements(v: LocationView): IterableIterator<Announcement> {
  for (const g of v.announcements) yield* g.entries;
}

export function* viewBindings(v: LocationView): IterableIterator<Binding> {
  for (const g of v.bindings) yield* g.entries;
}
