// Snapshot diff: announce, withdraw, modify, bind, unbind — per entry with the locations where it happens,
// and counted per account, per location, per region and globally, with the "before" sizes the guard
// needs for fractions. `only` restricts the diff to the locations a rollout stage deploys to.
// An announcement or binding `after` adds is restoring only when a known-good state had it exactly (the
// last good snapshot, or what the guard admitted withdrawing from it, `known`); anything else is new and
// has a blast radius like a withdrawal (issue 10: 8.8.8.0/24 once took the fast path to every location).
import type { Announcement, Binding, LocationInfo, LocationScope, SnapshotContent } from './model.js';

export type AnnouncementChangeKind = 'announce' | 'withdraw' | 'modify';
export type BindingChangeKind = 'bind' | 'unbind';

export interface AnnouncementChange {
  readonly kind: AnnouncementChangeKind;
  readonly prefix: string;
  readonly account: string;
  readonly locations: LocationScope;
  readonly before: Announcement | null;
  readonly after: Announcement | null;
  /** announce only: a known-good state announced exactly this (a re-announcement), not a new one. */
  readonly restoring?: boolean;
}

export interface BindingChange {
  readonly kind: BindingChangeKind;
  readonly id: string;
  readonly account: string;
  readonly prefix: string;
  readonly service: string;
  readonly locations: LocationScope;
  /** The binding as it stands on the side that has it (before for unbind, after for bind). */
  readonly binding: Binding;
  /** bind only: a known-good state held exactly this binding (a re-binding), not a new one. */
  readonly restoring?: boolean;
}

/**
 * What known-good states had beyond `before` (the last good snapshot): announcements and bindings the
 * guard admitted taking away from it. Re-adding one of them, unchanged, is restoring.
 */
export interface KnownGood {
  readonly announcements: ReadonlyMap<string, Announcement>;
  readonly bindings: ReadonlyMap<string, Binding>;
}

/** Counts of the new (not restoring) announcements and bindings only, per scope. */
export interface FreshCounts {
  readonly totals: ChangeCounts;
  readonly byAccount: Record<string, ChangeCounts>;
  readonly byLocation: Record<string, ChangeCounts>;
  readonly byRegion: Record<string, ChangeCounts>;
}

export interface ChangeCounts {
  announce: number;
  withdraw: number;
  modify: number;
  bind: number;
  unbind: number;
}

/** How much there is on one side of the diff, per scope: the denominators of the guard's fractions. */
export interface SideSizes {
  announcements: number;
  bindings: number;
  byAccount: Record<string, { announcements: number; bindings: number }>;
  byLocation: Record<string, { announcements: number; bindings: number }>;
  byRegion: Record<string, { announcements: number; bindings: number }>;
}

export interface SnapshotDiff {
  readonly announcements: readonly AnnouncementChange[];
  readonly bindings: readonly BindingChange[];
  /** Distinct prefixes / binding ids changed anywhere. */
  readonly totals: ChangeCounts;
  readonly byAccount: Record<string, ChangeCounts>;
  /** Distinct prefixes / bindings changed at each location of the universe (every location is listed). */
  readonly byLocation: Record<string, ChangeCounts>;
  /** Distinct prefixes / bindings changed at one or more locations of the region. */
  readonly byRegion: Record<string, ChangeCounts>;
  readonly before: SideSizes;
  readonly after: SideSizes;
  /** New announcements and bindings (announce/bind not seen in a known-good state), per scope. */
  readonly fresh: FreshCounts;
  /**
   * Only re-announcements and re-bindings of what a known-good state had: the kind of change the guard
   * never blocks. A new announcement or binding is not restoring.
   */
  readonly restoringOnly: boolean;
  /** Locations that announce something before and nothing after. */
  readonly emptiedLocations: readonly string[];
  /** The locations the diff covers (all of the topology, or `only`). */
  readonly universe: readonly string[];
}

function sameAnnouncement(a: Announcement, b: Announcement): boolean {
  if (a.account !== b.account || a.origin !== b.origin || a.prepends !== b.prepends) return false;
  if (a.communities === b.communities) return true;
  if (a.communities.length !== b.communities.length) return false;
  for (let i = 0; i < a.communities.length; i++) if (a.communities[i] !== b.communities[i]) return false;
  return true;
}

function sameBinding(a: Binding, b: Binding): boolean {
  return a.account === b.account && a.prefix === b.prefix && a.service === b.service;
}

export const zeroCounts = (): ChangeCounts => ({ announce: 0, withdraw: 0, modify: 0, bind: 0, unbind: 0 });

// An effective scope inside the universe: STAR = every location of the universe.
const STAR = null;
type Eff = typeof STAR | ReadonlySet<string>;

class Universe {
  readonly ids: readonly string[];
  readonly set: ReadonlySet<string>;
  readonly regionOf: ReadonlyMap<string, string>;
  readonly regions: readonly string[];
  readonly restricted: boolean;

  constructor(topology: readonly LocationInfo[], only: ReadonlySet<string> | undefined) {
    const locs = only ? topology.filter((l) => only.has(l.id)) : topology;
    this.ids = locs.map((l) => l.id);
    this.set = new Set(this.ids);
    this.regionOf = new Map(locs.map((l) => [l.id, l.region]));
    this.regions = [...new Set(locs.map((l) => l.region))].sort();
    this.restricted = only !== undefined;
  }

  eff(scope: LocationScope): Eff {
    if (scope === '*') return STAR;
    return new Set(scope.filter((l) => this.set.has(l)));
  }

  minus(a: Eff, b: Eff): Eff {
    if (b === STAR) return new Set();
    if (a === STAR) return b.size === 0 ? STAR : new Set(this.ids.filter((l) => !b.has(l)));
    return new Set([...a].filter((l) => !b.has(l)));
  }

  intersect(a: Eff, b: Eff): Eff {
    if (a === STAR) return b;
    if (b === STAR) return a;
    return new Set([...a].filter((l) => b.has(l)));
  }

  empty(e: Eff): boolean {
    return e === STAR ? this.ids.length === 0 : e.size === 0;
  }

  out(e: Eff): LocationScope {
    if (e === STAR) return this.restricted ? this.ids : '*';
    return [...e].sort();
  }
}

/** Adds one changed key to the per-location and per-region tallies. */
class Tally {
  private star = zeroCounts();
  private perLoc = new Map<string, ChangeCounts>();
  private perRegion = new Map<string, ChangeCounts>();
  readonly totals = zeroCounts();
  readonly byAccount: Record<string, ChangeCounts> = {};

  constructor(private readonly u: Universe) {}

  add(kind: keyof ChangeCounts, account: string, e: Eff): void {
    this.totals[kind]++;
    let acc = this.byAccount[account];
    if (acc === undefined) {
      acc = zeroCounts();
      this.byAccount[account] = acc;
    }
    acc[kind]++;
    if (e === STAR) {
      this.star[kind]++;
      return;
    }
    const regions = new Set<string>();
    for (const l of e) {
      let c = this.perLoc.get(l);
      if (c === undefined) {
        c = zeroCounts();
        this.perLoc.set(l, c);
      }
      c[kind]++;
      regions.add(this.u.regionOf.get(l) ?? '?');
    }
    for (const r of regions) {
      let c = this.perRegion.get(r);
      if (c === undefined) {
        c = zeroCounts();
        this.perRegion.set(r, c);
      }
      c[kind]++;
    }
  }

  private plusStar(c: ChangeCounts | undefined): ChangeCounts {
    const s = this.star;
    if (c === undefined) return { ...s };
    return {
      announce: s.announce + c.announce,
      withdraw: s.withdraw + c.withdraw,
      modify: s.modify + c.modify,
      bind: s.bind + c.bind,
      unbind: s.unbind + c.unbind,
    };
  }

  byLocation(): Record<string, ChangeCounts> {
    const out: Record<string, ChangeCounts> = {};
    for (const l of this.u.ids) out[l] = this.plusStar(this.perLoc.get(l));
    return out;
  }

  byRegion(): Record<string, ChangeCounts> {
    const out: Record<string, ChangeCounts> = {};
    for (const r of this.u.regions) out[r] = this.plusStar(this.perRegion.get(r));
    return out;
  }
}

function sizes(c: SnapshotContent | null, u: Universe): SideSizes {
  const out: SideSizes = { announcements: 0, bindings: 0, byAccount: {}, byLocation: {}, byRegion: {} };
  // Entries placed everywhere are counted once and added to every location and region at the end.
  const star = { announcements: 0, bindings: 0 };
  const perLoc = new Map<string, { announcements: number; bindings: number }>();
  const perRegion = new Map<string, { announcements: number; bindings: number }>();
  const bump = <K>(
    m: Map<K, { announcements: number; bindings: number }>,
    k: K,
    what: 'announcements' | 'bindings',
  ) => {
    let x = m.get(k);
    if (x === undefined) {
      x = { announcements: 0, bindings: 0 };
      m.set(k, x);
    }
    x[what]++;
  };
  const count = (what: 'announcements' | 'bindings', account: string, scope: LocationScope) => {
    const e = u.eff(scope);
    if (u.empty(e)) return;
    out[what]++;
    let a = out.byAccount[account];
    if (a === undefined) {
      a = { announcements: 0, bindings: 0 };
      out.byAccount[account] = a;
    }
    a[what]++;
    if (e === STAR) {
      star[what]++;
      return;
    }
    const regions = new Set<string>();
    for (const l of e) {
      bump(perLoc, l, what);
      regions.add(u.regionOf.get(l) ?? '?');
    }
    for (const r of regions) bump(perRegion, r, what);
  };
  if (c !== null) {
    for (const a of c.announcements) count('announcements', a.account, a.locations);
    for (const b of c.bindings) count('bindings', b.account, b.locations);
  }
  const plus = (x: { announcements: number; bindings: number } | undefined) => ({
    announcements: star.announcements + (x?.announcements ?? 0),
    bindings: star.bindings + (x?.bindings ?? 0),
  });
  for (const l of u.ids) out.byLocation[l] = plus(perLoc.get(l));
  for (const r of u.regions) out.byRegion[r] = plus(perRegion.get(r));
  return out;
}

/**
 * Diff of `before` → `after` over the topology, optionally restricted to the locations in `only`.
 * `before` null means nothing was deployed (the first snapshot).
 */
export function diffSnapshots(
  before: SnapshotContent | null,
  after: SnapshotContent,
  topology: readonly LocationInfo[],
  only?: ReadonlySet<string>,
  known?: KnownGood,
): SnapshotDiff {
  const u = new Universe(topology, only);
  const tally = new Tally(u);
  const fresh = new Tally(u);
  const knownAnn = (a: Announcement): boolean => {
    const k = known?.announcements.get(a.prefix);
    return k !== undefined && sameAnnouncement(k, a);
  };
  const knownBind = (b: Binding): boolean => {
    const k = known?.bindings.get(b.id);
    return k !== undefined && sameBinding(k, b);
  };
  const ann: AnnouncementChange[] = [];
  const bind: BindingChange[] = [];

  const beforeAnn = new Map<string, Announcement>();
  for (const a of before?.announcements ?? []) beforeAnn.set(a.prefix, a);
  for (const a of after.announcements) {
    const b = beforeAnn.get(a.prefix);
    const ea = u.eff(a.locations);
    if (b === undefined) {
      if (!u.empty(ea)) {
        const restoring = knownAnn(a);
        ann.push({
          kind: 'announce',
          prefix: a.prefix,
          account: a.account,
          locations: u.out(ea),
          before: null,
          after: a,
          restoring,
        });
        tally.add('announce', a.account, ea);
        if (!restoring) fresh.add('announce', a.account, ea);
      }
      continue;
    }
    beforeAnn.delete(a.prefix);
    const eb = u.eff(b.locations);
    const gone = u.minus(eb, ea);
    if (!u.empty(gone)) {
      ann.push({
        kind: 'withdraw',
        prefix: b.prefix,
        account: b.account,
        locations: u.out(gone),
        before: b,
        after: null,
      });
      tally.add('withdraw', b.account, gone);
    }
    const added = u.minus(ea, eb);
    if (!u.empty(added)) {
      // Announced at more locations than the last good snapshot did: new there, unless a known-good state
      // had it (the same announcement) everywhere it is added.
      const restoring = knownAnn(a);
      ann.push({
        kind: 'announce',
        prefix: a.prefix,
        account: a.account,
        locations: u.out(added),
        before: null,
        after: a,
        restoring,
      });
      tally.add('announce', a.account, added);
      if (!restoring) fresh.add('announce', a.account, added);
    }
    if (b !== a && !sameAnnouncement(a, b)) {
      const both = u.intersect(ea, eb);
      if (!u.empty(both)) {
        ann.push({ kind: 'modify', prefix: a.prefix, account: a.account, locations: u.out(both), before: b, after: a });
        tally.add('modify', a.account, both);
      }
    }
  }
  for (const b of beforeAnn.values()) {
    const eb = u.eff(b.locations);
    if (u.empty(eb)) continue;
    ann.push({ kind: 'withdraw', prefix: b.prefix, account: b.account, locations: u.out(eb), before: b, after: null });
    tally.add('withdraw', b.account, eb);
  }

  const beforeBind = new Map<string, Binding>();
  for (const b of before?.bindings ?? []) beforeBind.set(b.id, b);
  const bindChange = (kind: 'bind' | 'unbind', b: Binding, e: Eff) => {
    if (u.empty(e)) return;
    const restoring = kind === 'bind' ? knownBind(b) : undefined;
    bind.push({
      kind,
      id: b.id,
      account: b.account,
      prefix: b.prefix,
      service: b.service,
      locations: u.out(e),
      binding: b,
      ...(restoring === undefined ? {} : { restoring }),
    });
    tally.add(kind, b.account, e);
    if (restoring === false) fresh.add(kind, b.account, e);
  };
  const unbind = (b: Binding, e: Eff) => bindChange('unbind', b, e);
  const bindAt = (b: Binding, e: Eff) => bindChange('bind', b, e);
  for (const a of after.bindings) {
    const b = beforeBind.get(a.id);
    const ea = u.eff(a.locations);
    if (b === undefined) {
      bindAt(a, ea);
      continue;
    }
    beforeBind.delete(a.id);
    const eb = u.eff(b.locations);
    if (b !== a && !sameBinding(a, b)) {
      unbind(b, eb);
      bindAt(a, ea);
    } else {
      unbind(b, u.minus(eb, ea));
      bindAt(a, u.minus(ea, eb));
    }
  }
  for (const b of beforeBind.values()) unbind(b, u.eff(b.locations));

  const beforeSizes = sizes(before, u);
  const afterSizes = sizes(after, u);
  const emptied = u.ids.filter(
    (l) => (beforeSizes.byLocation[l]?.announcements ?? 0) > 0 && (afterSizes.byLocation[l]?.announcements ?? 0) === 0,
  );
  const t = tally.totals;
  const f = fresh.totals;
  return {
    announcements: ann,
    bindings: bind,
    totals: t,
    byAccount: tally.byAccount,
    byLocation: tally.byLocation(),
    byRegion: tally.byRegion(),
    before: beforeSizes,
    after: afterSizes,
    fresh: { totals: f, byAccount: fresh.byAccount, byLocation: fresh.byLocation(), byRegion: fresh.byRegion() },
    restoringOnly: t.withdraw === 0 && t.unbind === 0 && t.modify === 0 && f.announce === 0 && f.bind === 0,
    emptiedLocations: emptied,
    universe: u.ids,
  };
}
