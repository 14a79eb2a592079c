// The monitor's state and detectors, pure: route events in (announce, withdraw, peer down, tick), alert
// lines out. Every feed (BMP, BGP session, MRT replay, RIS Live) ends here, so replay and live give the
// same alerts. State is a per-peer Adj-RIB-In of the prefixes that matter: the watched prefixes, their
// more-specifics and the less-specifics that cover them; visibility is "how many sessions have a route
// now" against "how many had one", never a count of withdrawal messages. Routes of other prefixes are
// judged as they pass (own leaks, new neighbours of our ASNs) and only remembered while they show one.
import type { Prefix } from '../lib/prefix.js';
import { parsePrefix, prefixKey } from '../lib/prefix.js';
import { PrefixTrie } from '../lib/trie.js';
import { type AspaTable, aspaVerdict } from '../routing/aspa.js';
import { classifyPath, type LeakType, routeLeakType } from '../routing/leaks.js';
import type { AsGraph, Relationship } from '../routing/relationships.js';
import type { VrpIndex } from '../routing/rov.js';
import type { AsPathSegment } from '../wire/bgp/types.js';
import { AlertBook, type AlertRecord, type ConditionSpec, type Contribution, LazyCondition } from './alerts.js';
import type { MonitoredAsn, WatchedPrefix, WatchList } from './config.js';
import { RelevanceFilter, type ScanTarget } from './prefilter.js';

export interface MonitorOptions {
  /** Our own AS numbers. */
  asns: readonly number[];
  watch: WatchList;
  graph?: AsGraph;
  vrps?: VrpIndex;
  aspas?: AspaTable;
  visibility: { min_peers_fraction: number; fade_off_s: number };
  onAlert: (a: AlertRecord) => void;
}

interface PeerInfo {
  id: string;
  index: number;
  asn: number;
  up: boolean;
  /** Routes of this peer in the RIB. */
  routes: number;
  /** Route keys of this peer's routes that show a condition (any prefix). */
  conditioned: Map<string, string[]>;
  /**
   * How many of them are of prefixes that overlap no watched one (only paths through our ASNs make those):
   * while 0, a route of such a prefix from this session can change nothing, and the fast path needs no
   * look-up of it. Counted again whenever the watch list changes.
   */
  unrelatedConditioned: number;
  /** Visibilities whose `seen` holds this session: a session going down touches only these. */
  seenIn: Set<Visibility>;
}

interface Route {
  path: number[];
  origin: number | null;
  /** As received, so that the route can be judged again when the watch list changes. */
  segs: readonly AsPathSegment[];
  otc: number | undefined;
}

interface Visibility {
  w: WatchedPrefix;
  key: string;
  /** `visibility-loss|<key>`, the alert's key (built once). */
  alertKey: string;
  /** Position in the watch list: a session going down re-evaluates its visibilities in this order. */
  order: number;
  seen: Set<number>;
  now: Set<number>;
  /** Time of the message that took the fraction below the threshold, or -1. */
  below: number;
  lastPath: Map<number, number[]>;
}

const NO_JUMP_TABLE = { jumpTableFrom: Number.POSITIVE_INFINITY };

const ROLE_WORD: Record<Relationship, string> = { provider: 'a provider', customer: 'a customer', peer: 'a peer' };

/** The path as a list of ASNs (sets flattened in place), origin last; and its origin (null for an AS_SET). */
export function flattenSegments(segs: readonly AsPathSegment[]): { path: number[]; origin: number | null } {
  const path: number[] = [];
  let origin: number | null = null;
  for (const s of segs) {
    if (s.type === 3 || s.type === 4) continue;
    for (const a of s.asns) path.push(a);
    origin = s.type === 2 && s.asns.length > 0 ? s.asns[s.asns.length - 1]! : s.asns.length > 0 ? null : origin;
  }
  return { path, origin };
}

export class Monitor {
  readonly alerts = new AlertBook();
  private readonly o: MonitorOptions;
  private readonly ours: Set<number>;
  // The monitor's tries answer get / has / longestMatch / walks, never lookup4: none keeps lookup4's 16 MiB
  // jump table, which a trie past 16,384 IPv4 nodes would otherwise build and refresh on every insert (a
  // full table's worth of watched-related routes spent ~8% of the replay there).
  private readonly watched = new PrefixTrie<WatchedPrefix>(NO_JUMP_TABLE);
  private readonly covers = new PrefixTrie<true>(NO_JUMP_TABLE);
  private monitored: Map<number, MonitoredAsn>;
  private readonly peers: PeerInfo[] = [];
  private readonly peerIndex = new Map<string, number>();
  /** The Adj-RIB-In of every session, for the prefixes that matter: prefix → session → route. */
  private readonly rib = new PrefixTrie<Map<number, Route>>(NO_JUMP_TABLE);
  private readonly vis = new Map<WatchedPrefix, Visibility>();
  /** Visibility drops waiting out the fade-off, in time order (message times only move forward). */
  private readonly pending: { v: Visibility; below: number }[] = [];
  /** Prefixes with a route that shows a condition: lets the hot path skip string keys for the rest. */
  private readonly conditionedPrefixes = new Map<number | string, number>();
  private readonly fadeMs: number;
  /** Counters for metrics and benchmarks. */
  readonly counts = { announcements: 0, withdrawals: 0, ribRoutes: 0 };
  /** What the raw-bytes fast path (prefilter.ts) asks: kept in step with the watch list and the conditions. */
  private readonly filter = new RelevanceFilter();
  private readonly target: ScanTarget;
  /** pathHasOurs of the last segments asked about (reset when the monitored ASNs change). */
  private lastSegs: readonly AsPathSegment[] | undefined;
  private lastHasOurs = false;
  /** flattenSegments of the last segments flattened: the prefixes of one UPDATE share their segments. */
  /** evaluate's conditions, reused (see there). */
  private readonly found: ConditionSpec[] = [];
  private lastFlatSegs: readonly AsPathSegment[] | undefined;
  private lastFlat: { path: number[]; origin: number | null } = { path: [], origin: null };

  constructor(o: MonitorOptions) {
    this.o = o;
    this.ours = new Set(o.asns);
    this.monitored = o.watch.monitorASns;
    this.fadeMs = o.visibility.fade_off_s * 1000;
    this.target = { filter: this.filter, session: 0, sessionConditioned: false, asns: new Set() };
    this.loadWatch(o.watch, new Map());
  }

  /** Builds the lookup structures of a watch list; visibility state of `keep` (by key) carries over. */
  private loadWatch(watch: WatchList, keep: Map<string, Visibility>): void {
    this.monitored = watch.monitorASns;
    this.lastSegs = undefined;
    this.watched.clear();
    this.covers.clear();
    this.vis.clear();
    for (const w of watch.prefixes) {
      this.watched.insert(w.prefix, w);
      // Every less-specific of a watched prefix, so that "does this route cover something we watch" is one lookup.
      for (let len = 0; len < w.prefix.len; len++) this.covers.insert(truncate(w.prefix, len), true);
      if (!w.ignore && w.asns.length > 0) {
        const key = prefixKey(w.prefix);
        const old = keep.get(key);
        const order = this.vis.size;
        if (old) {
          old.w = w;
          old.order = order;
        }
        this.vis.set(
          w,
          old ?? {
            w,
            key,
            alertKey: `visibility-loss|${key}`,
            order,
            seen: new Set(),
            now: new Set(),
            below: -1,
            lastPath: new Map(),
          },
        );
      }
    }
    this.watched.optimize();
    this.covers.optimize();
    this.filter.setWatched(watch.prefixes.map((w) => w.prefix));
    for (const peer of this.peers) {
      peer.unrelatedConditioned = 0;
      for (const rk of peer.conditioned.keys())
        if (!this.filter.overlaps(parsePrefix(rk.slice(rk.indexOf(' ') + 1)))) peer.unrelatedConditioned++;
    }
    this.target.asns = new Set([...this.ours, ...this.monitored.keys()]);
  }

  /**
   * Follows a new watch list (the Addressing API's desired state changed: a prefix created or deleted, its
   * ASN changed). A prefix that stays with the same expected origins keeps its visibility state; one that
   * left, or whose origins changed, resolves its visibility-loss alert (and starts afresh if it stays).
   * Every route in the RIB is judged again under the new list, so route alerts open and resolve as if the
   * routes had just arrived; routes of prefixes no longer related leave the RIB. Paths that touch nothing
   * watched were not kept and are judged again when they next arrive.
   */
  setWatch(watch: WatchList, time: number): void {
    const keep = new Map<string, Visibility>();
    const next = new Map<string, WatchedPrefix>();
    for (const w of watch.prefixes) if (!w.ignore && w.asns.length > 0) next.set(prefixKey(w.prefix), w);
    for (const v of this.vis.values()) {
      const w = next.get(v.key);
      if (w && sameSet(w.asns, v.w.asns)) {
        keep.set(v.key, v);
        continue;
      }
      v.below = -1; // a pending fade-off of it is stale now
      if (this.alerts.isOpen(v.alertKey)) {
        const why = w ? `expected origins changed to ${w.asns.map((a) => `AS${a}`).join(', ')}` : 'no longer watched';
        this.emit(this.alerts.set(this.visibilitySpec(v), false, [], [], time, `${v.key}: ${why}`));
      }
    }
    this.loadWatch(watch, keep);
    const routes: { prefix: Prefix; peerIdx: number; r: Route }[] = [];
    for (const e of this.rib) for (const [peerIdx, r] of e.value) routes.push({ prefix: e.prefix, peerIdx, r });
    for (const { prefix, peerIdx, r } of routes) {
      if (this.watched.longestMatch(prefix) === undefined && !this.covers.has(prefix)) {
        const m = this.rib.get(prefix)!;
        m.delete(peerIdx);
        if (m.size === 0) this.rib.delete(prefix);
        this.counts.ribRoutes--;
        this.peers[peerIdx]!.routes--;
      }
      this.judge(peerIdx, prefix, r.segs, r.otc, time);
    }
  }

  /**
   * For the fast path: the filter and this session's state. `scanUpdate` with it answers whether a
   * message can change nothing; if so, call `skipped` instead of `announce`/`withdraw`.
   */
  scanTarget(peerIdx: number): ScanTarget {
    this.target.session = peerIdx;
    this.target.sessionConditioned = this.peers[peerIdx]!.unrelatedConditioned > 0;
    return this.target;
  }

  /** A message the fast path found irrelevant: the counters and the clock move as announce/withdraw move them. */
  skipped(announced: number, withdrawn: number, time: number): void {
    this.counts.announcements += announced;
    this.counts.withdrawals += withdrawn;
    if (announced + withdrawn > 0 && this.pending.length > 0) this.tick(time);
  }

  /** The index of a session (created on first use). `id` names it in alerts. */
  peer(id: string, asn: number): number {
    let i = this.peerIndex.get(id);
    if (i === undefined) {
      i = this.peers.length;
      this.peers.push({
        id,
        index: i,
        asn,
        up: true,
        routes: 0,
        conditioned: new Map(),
        unrelatedConditioned: 0,
        seenIn: new Set(),
      });
      this.peerIndex.set(id, i);
    }
    this.peers[i]!.up = true;
    return i;
  }

  get peersUp(): number {
    let n = 0;
    for (const p of this.peers) if (p.up) n++;
    return n;
  }

  /** Peers that have a route for `prefix` now (for tests and the Signals). */
  routesFor(prefix: Prefix): { peer: string; path: number[] }[] {
    const m = this.rib.get(prefix);
    return m ? [...m].map(([i, r]) => ({ peer: this.peers[i]!.id, path: r.path })) : [];
  }

  /** Visibility of a watched prefix: sessions with a route of an expected origin now, and that had one. */
  visibility(prefix: Prefix): { now: number; seen: number } | undefined {
    const w = this.watched.get(prefix);
    const v = w ? this.vis.get(w) : undefined;
    return v ? { now: v.now.size, seen: v.seen.size } : undefined;
  }

  announce(
    peerIdx: number,
    prefix: Prefix,
    segs: readonly AsPathSegment[],
    otc: number | undefined,
    time: number,
  ): void {
    this.counts.announcements++;
    if (this.pending.length > 0) this.tick(time);
    this.judge(peerIdx, prefix, segs, otc, time);
  }

  /** A route arrived (or is judged again): the RIB, visibility, and the conditions it shows. */
  private judge(
    peerIdx: number,
    prefix: Prefix,
    segs: readonly AsPathSegment[],
    otc: number | undefined,
    time: number,
  ): void {
    const peer = this.peers[peerIdx]!;
    // The filter answers "overlaps a watched prefix" exactly, without the tries' walks (most routes don't).
    const near = this.filter.overlaps(prefix);
    const match = near ? this.watchedMatch(prefix) : undefined;
    const related = near && (match !== undefined || this.covers.has(prefix));
    let flat: { path: number[]; origin: number | null } | undefined;
    let key: string | undefined;
    if (related) {
      flat = this.flatten(segs);
      let m = this.rib.get(prefix);
      if (!m) {
        m = new Map();
        this.rib.insert(prefix, m);
      }
      if (!m.has(peerIdx)) {
        this.counts.ribRoutes++;
        peer.routes++;
      }
      const route: Route = { path: flat.path, origin: flat.origin, segs, otc };
      m.set(peerIdx, route);
      const v = match && match.prefix.len === prefix.len ? this.vis.get(match.value) : undefined;
      if (v) this.visibilityChanged(v, peerIdx, route, time);
    }
    // Judge the route: watched-prefix rules, and for any prefix the paths through our ASNs.
    let specs: ConditionSpec[] | undefined;
    let c: Contribution | undefined;
    const touchesOurs = this.pathHasOurs(segs);
    if (match !== undefined || touchesOurs) {
      flat ??= this.flatten(segs);
      // An exact match's key is its visibility's, built once.
      key =
        (match !== undefined && match.prefix.len === prefix.len ? this.vis.get(match.value)?.key : undefined) ??
        prefixKey(prefix);
      specs = this.evaluate(prefix, key, match, segs, flat, otc, touchesOurs);
      if (specs !== undefined) c = { peer: peer.id, path: flat.path, prefix: key, origin: flat.origin };
    }
    const maybeConditioned = related ? peer.conditioned.size > 0 : peer.unrelatedConditioned > 0;
    if (specs === undefined && (!maybeConditioned || !this.conditionedPrefixes.has(condKey(prefix)))) return;
    key ??= prefixKey(prefix);
    this.replaceConditions(peer, prefix, `${peerIdx} ${key}`, specs, c, time);
  }

  withdraw(peerIdx: number, prefix: Prefix, time: number): void {
    this.counts.withdrawals++;
    if (this.pending.length > 0) this.tick(time);
    const peer = this.peers[peerIdx]!;
    const near = this.filter.overlaps(prefix);
    const match = near ? this.watchedMatch(prefix) : undefined;
    const related = near && (match !== undefined || this.covers.has(prefix));
    if (!related && (peer.unrelatedConditioned === 0 || !this.conditionedPrefixes.has(condKey(prefix)))) return;
    this.dropRoute(peerIdx, prefix, match, time);
  }

  /** The session went down: its routes are gone, and it no longer counts toward visibility. */
  peerDown(peerIdx: number, time: number): void {
    const peer = this.peers[peerIdx];
    if (!peer) return;
    peer.up = false;
    // Only the visibilities this session counted in (still watched), in watch-list order.
    const counted = [...peer.seenIn].filter((v) => this.vis.get(v.w) === v).sort((a, b) => a.order - b.order);
    peer.seenIn.clear();
    for (const v of counted) {
      if (v.seen.delete(peerIdx)) {
        v.now.delete(peerIdx);
        this.evaluateVisibility(v, time);
      }
    }
    if (peer.routes > 0) {
      const mine: Prefix[] = [];
      for (const e of this.rib) if (e.value.has(peerIdx)) mine.push(e.prefix);
      for (const p of mine) this.dropRoute(peerIdx, p, this.watched.longestMatch(p), time);
    }
    for (const rk of [...peer.conditioned.keys()]) {
      const text = rk.slice(rk.indexOf(' ') + 1);
      this.replaceConditions(peer, parsePrefix(text), rk, undefined, undefined, time);
    }
  }

  /** Time passes (live feeds call this every second; replay calls it with message times). */
  tick(time: number): void {
    const q = this.pending;
    let i = 0;
    while (i < q.length && time - q[i]!.below >= this.fadeMs) {
      const { v, below } = q[i++]!;
      // Stale entries (the prefix recovered, or dropped again later) are skipped.
      if (v.below === below && !this.alerts.isOpen(v.alertKey)) this.openVisibility(v);
    }
    if (i > 0) q.splice(0, i);
  }

  private dropRoute(
    peerIdx: number,
    prefix: Prefix,
    match: { prefix: Prefix; value: WatchedPrefix } | undefined,
    time: number,
  ): void {
    const peer = this.peers[peerIdx]!;
    const m = this.rib.get(prefix);
    if (m?.delete(peerIdx)) {
      this.counts.ribRoutes--;
      peer.routes--;
      if (m.size === 0) this.rib.delete(prefix);
      const v = match && match.prefix.len === prefix.len ? this.vis.get(match.value) : undefined;
      if (v) this.visibilityChanged(v, peerIdx, undefined, time);
    }
    if (peer.conditioned.size > 0 && this.conditionedPrefixes.has(condKey(prefix))) {
      const rk = `${peerIdx} ${prefixKey(prefix)}`;
      if (peer.conditioned.has(rk)) this.replaceConditions(peer, prefix, rk, undefined, undefined, time);
    }
  }

  private replaceConditions(
    peer: PeerInfo,
    prefix: Prefix,
    routeKey: string,
    specs: ConditionSpec[] | undefined,
    c: Contribution | undefined,
    time: number,
  ): void {
    const before = peer.conditioned.get(routeKey);
    if (before === undefined && specs === undefined) return;
    const now = specs?.map((s) => s.key) ?? [];
    if (before) {
      for (const k of before) {
        if (!now.includes(k)) this.emit(this.alerts.remove(k, routeKey, time));
      }
    }
    if (specs && c) for (const s of specs) this.emit(this.alerts.add(s, routeKey, c, time));
    const had = before !== undefined;
    if (now.length > 0) peer.conditioned.set(routeKey, now);
    else peer.conditioned.delete(routeKey);
    const has = now.length > 0;
    if (had !== has) {
      this.filter.conditioned(peer.index, prefix, has ? 1 : -1);
      if (!this.filter.overlaps(prefix)) peer.unrelatedConditioned += has ? 1 : -1;
      // Count of sessions whose route for this prefix shows a condition.
      const k = condKey(prefix);
      const n = (this.conditionedPrefixes.get(k) ?? 0) + (has ? 1 : -1);
      if (n > 0) this.conditionedPrefixes.set(k, n);
      else this.conditionedPrefixes.delete(k);
    }
  }

  private emit(a: AlertRecord | undefined): void {
    if (a) this.o.onAlert(a);
  }

  /**
   * flattenSegments, shared by the routes of one UPDATE (they share their segments): the path array is
   * never changed after, routes and alerts only read it.
   */
  private flatten(segs: readonly AsPathSegment[]): { path: number[]; origin: number | null } {
    if (segs !== this.lastFlatSegs) {
      this.lastFlat = flattenSegments(segs);
      this.lastFlatSegs = segs;
    }
    return this.lastFlat;
  }

  /** The most specific watched prefix containing p (its own prefix object: no address array built). */
  private watchedMatch(p: Prefix): { prefix: Prefix; value: WatchedPrefix } | undefined {
    const w = this.watched.longestMatchValue(p);
    return w === undefined ? undefined : { prefix: w.prefix, value: w };
  }

  /** Does the path name one of our or the monitored ASNs? The prefixes of one UPDATE share their segments. */
  private pathHasOurs(segs: readonly AsPathSegment[]): boolean {
    if (segs === this.lastSegs) return this.lastHasOurs;
    let has = false;
    for (const s of segs) for (const a of s.asns) if (this.ours.has(a) || this.monitored.has(a)) has = true;
    this.lastSegs = segs;
    this.lastHasOurs = has;
    return has;
  }

  private evaluate(
    prefix: Prefix,
    key: string,
    match: { prefix: Prefix; value: WatchedPrefix } | undefined,
    segs: readonly AsPathSegment[],
    flat: { path: number[]; origin: number | null },
    otc: number | undefined,
    touchesOurs: boolean,
  ): ConditionSpec[] | undefined {
    // Conditions go into one array, not through a closure: evaluate runs for every route of a watched
    // prefix, and a closure per call (named at creation under tsx) was ~5% of the 10,000-watched replay.
    // The array is the monitor's, emptied each call and copied only when it holds something (most routes
    // show nothing; the young generation's collections were ~10% of that replay).
    const add = this.found;
    add.length = 0;
    const origin = flat.origin;
    const o = this.o;
    if (match && !match.value.ignore && flat.path.length > 0) {
      const w = match.value;
      const exact = match.prefix.len === prefix.len;
      const legit = origin !== null && w.asns.includes(origin);
      if (exact && !legit) {
        add.push(
          new LazyCondition(`origin-hijack|${key}|${origin}`, 'origin-hijack', key, origin, () => [
            `${key} (${w.description || 'watched'}) announced by AS${origin ?? '{set}'}, expected ${w.asns.map((a) => `AS${a}`).join(', ') || 'nobody'}`,
            `${key} no longer announced by AS${origin ?? '{set}'}`,
          ]),
        );
      }
      if (!exact && !legit && !w.ignoreMorespecifics) {
        add.push(
          new LazyCondition(`more-specific|${key}|${origin}`, 'more-specific', key, origin, () => [
            `${key}, a more-specific of ${prefixKey(w.prefix)} (${w.description || 'watched'}), announced by AS${origin ?? '{set}'}`,
            `${key} (more-specific of ${prefixKey(w.prefix)}) no longer announced by AS${origin ?? '{set}'}`,
          ]),
        );
      }
      if (o.vrps && o.vrps.validate(prefix, origin) === 'invalid') {
        add.push(
          new LazyCondition(`rov-invalid|${key}|${origin}`, 'rov-invalid', key, origin, () => [
            `${key} from AS${origin ?? '{set}'} is RPKI invalid (RFC 6811)`,
            `${key} from AS${origin ?? '{set}'} is no longer seen RPKI invalid`,
          ]),
        );
      }
      if (exact) this.pathRules(prefix, key, segs, flat, otc, add);
    }
    // Own leaks and new neighbours need one of our or the monitored ASNs in the path: without, neither
    // collapses the path (two arrays per route).
    if (touchesOurs) {
      if (origin !== null && !this.ours.has(origin)) this.ownLeak(key, flat.path, origin, add);
      this.neighbours(key, flat.path, origin, add);
    }
    return add.length > 0 ? add.slice() : undefined;
  }

  /** path-leak, aspa-invalid, otc-violation for a route of a watched prefix. */
  private pathRules(
    prefix: Prefix,
    key: string,
    segs: readonly AsPathSegment[],
    flat: { path: number[]; origin: number | null },
    otc: number | undefined,
    add: ConditionSpec[],
  ): void {
    const o = this.o;
    const origin = flat.origin;
    if (o.graph) {
      const cls = classifyPath(o.graph, segs);
      if (cls.verdict === 'valley' && !this.ours.has(cls.leaker)) {
        add.push(
          new LazyCondition(
            `path-leak|${key}|${cls.leaker}|${cls.leakType}`,
            'path-leak',
            key,
            origin,
            () => [
              `${key}: AS${cls.leaker} sent a route learned from AS${cls.receivedFrom} (${cls.learnedFromRole ? ROLE_WORD[cls.learnedFromRole] : 'unknown'}) to AS${cls.sentTo} (${ROLE_WORD[cls.sentToRole]})`,
              `${key}: leak through AS${cls.leaker} over`,
            ],
            cls.leakType,
          ),
        );
      }
      if (otc !== undefined && this.otcViolated(flat.path, otc)) {
        add.push(
          new LazyCondition(`otc-violation|${key}|${otc}`, 'otc-violation', key, origin, () => [
            `${key} carries OTC AS${otc} (RFC 9234) but went up or across after AS${otc}`,
            `${key}: OTC AS${otc} violation over`,
          ]),
        );
      }
    }
    if (o.aspas && o.aspas.size > 0 && flat.path.length > 0) {
      // The collector is a customer of every session that feeds it: the downstream procedure applies.
      const v = aspaVerdict(o.aspas, segs, { neighborRole: 'provider', neighborAsn: flat.path[0]! });
      if (v === 'invalid') {
        add.push(
          new LazyCondition(`aspa-invalid|${key}`, 'aspa-invalid', key, origin, () => [
            `${key}: ASPA verification (downstream) says Invalid for this path`,
            `${key}: no ASPA-invalid path left`,
          ]),
        );
      }
    }
    void prefix;
  }

  /** RFC 9234: after the AS that set OTC, the route may only go down (to customers). */
  private otcViolated(path: number[], otc: number): boolean {
    const g = this.o.graph!;
    const c = collapse(path).reverse(); // origin first
    const i = c.indexOf(otc);
    if (i < 0) return false; // set by a route server, or unknown: not ours to judge
    for (let j = i + 1; j + 1 < c.length; j++) {
      const rel = g.relationship(c[j]!, c[j + 1]!);
      if (rel === 'provider' || rel === 'peer') return true;
    }
    return false;
  }

  /** own-leak: a route we do not originate, through one of our ASNs, from a provider/peer to a provider/peer. */
  private ownLeak(key: string, path: number[], origin: number, add: ConditionSpec[]): void {
    const g = this.o.graph;
    if (!g) return;
    const c = collapse(path); // collector side first
    for (let i = 1; i + 1 < c.length; i++) {
      const us = c[i]!;
      if (!this.ours.has(us)) continue;
      const sentTo = g.relationship(us, c[i - 1]!);
      const learnedFrom = g.relationship(us, c[i + 1]!);
      if (sentTo === undefined || learnedFrom === undefined) continue;
      const t: LeakType | null = routeLeakType(learnedFrom, sentTo);
      if (t === null) continue;
      add.push(
        new LazyCondition(
          `own-leak|${key}|${us}|${t}`,
          'own-leak',
          key,
          origin,
          () => [
            `AS${us} (ours) re-advertised ${key} of AS${origin}, learned from AS${c[i + 1]} (${ROLE_WORD[learnedFrom]}), to AS${c[i - 1]} (${ROLE_WORD[sentTo]})`,
            `own leak of ${key} through AS${us} to ${ROLE_WORD[sentTo]} over`,
          ],
          t,
        ),
      );
    }
  }

  /** new-upstream / new-downstream of the ASNs of options.monitorASns that list their neighbours. */
  private neighbours(key: string, path: number[], origin: number | null, add: ConditionSpec[]): void {
    if (this.monitored.size === 0) return;
    const c = collapse(path);
    for (let i = 0; i < c.length; i++) {
      const m = this.monitored.get(c[i]!);
      if (!m) continue;
      const up = i > 0 ? c[i - 1]! : undefined;
      const down = i + 1 < c.length ? c[i + 1]! : undefined;
      if (up !== undefined && m.upstreams && !m.upstreams.has(up)) {
        add.push(
          new LazyCondition(`new-upstream|${m.asn}|${up}`, 'new-upstream', key, origin, () => [
            `AS${up} is a new upstream of AS${m.asn} (seen on ${key})`,
            `AS${up} no longer seen as an upstream of AS${m.asn}`,
          ]),
        );
      }
      if (down !== undefined && m.downstreams && !m.downstreams.has(down)) {
        add.push(
          new LazyCondition(`new-downstream|${m.asn}|${down}`, 'new-downstream', key, origin, () => [
            `AS${down} is a new downstream of AS${m.asn} (seen on ${key})`,
            `AS${down} no longer seen as a downstream of AS${m.asn}`,
          ]),
        );
      }
    }
  }

  private visibilityChanged(v: Visibility, peerIdx: number, r: Route | undefined, time: number): void {
    if (r && r.origin !== null && v.w.asns.includes(r.origin)) {
      if (!v.seen.has(peerIdx)) {
        v.seen.add(peerIdx);
        this.peers[peerIdx]!.seenIn.add(v);
      }
      v.now.add(peerIdx);
      v.lastPath.set(peerIdx, r.path);
    } else {
      v.now.delete(peerIdx);
    }
    this.evaluateVisibility(v, time);
  }

  private evaluateVisibility(v: Visibility, time: number): void {
    const low = v.seen.size > 0 && v.now.size < v.seen.size * this.o.visibility.min_peers_fraction;
    const key = v.alertKey;
    if (low) {
      if (v.below < 0) {
        v.below = time;
        if (this.fadeMs === 0) this.openVisibility(v);
        else this.pending.push({ v, below: time });
      }
      return;
    }
    v.below = -1;
    if (this.alerts.isOpen(key)) {
      const peers = [...v.now].map((i) => this.peers[i]!.id);
      const paths = [...v.now].map((i) => v.lastPath.get(i) ?? []);
      const spec = this.visibilitySpec(v);
      this.emit(this.alerts.set(spec, false, peers, paths, time));
    }
  }

  private openVisibility(v: Visibility): void {
    const lost = [...v.seen].filter((i) => !v.now.has(i));
    const spec = this.visibilitySpec(v);
    this.emit(
      this.alerts.set(
        spec,
        true,
        lost.map((i) => this.peers[i]!.id),
        lost.map((i) => v.lastPath.get(i) ?? []),
        v.below,
      ),
    );
  }

  private visibilitySpec(v: Visibility): ConditionSpec {
    const frac = v.seen.size === 0 ? 0 : v.now.size / v.seen.size;
    return {
      key: v.alertKey,
      rule: 'visibility-loss',
      prefix: v.key,
      origin_as: v.w.asns[0] ?? null,
      message: `${v.key} (${v.w.description || 'watched'}) visible on ${v.now.size} of ${v.seen.size} sessions that had it (${Math.round(frac * 100)}% < ${Math.round(this.o.visibility.min_peers_fraction * 100)}%) for ${this.o.visibility.fade_off_s} s`,
      resolvedMessage: `${v.key} visible again on ${v.now.size} of ${v.seen.size} sessions`,
    };
  }
}

/** A cheap map key: a number for IPv4 (address × 64 + length), the text for IPv6. */
function condKey(p: Prefix): number | string {
  if (p.family === 6) return prefixKey(p);
  const a = p.addr;
  return (((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0) * 64 + p.len;
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The path without prepends (collector side first). */
function collapse(path: number[]): number[] {
  const out: number[] = [];
  for (const a of path) if (out[out.length - 1] !== a) out.push(a);
  return out;
}

function truncate(p: Prefix, len: number): Prefix {
  const addr = new Uint8Array(p.addr.length);
  const full = len >> 3;
  addr.set(p.addr.subarray(0, full));
  if (len & 7) addr[full] = p.addr[full]! & ((0xff << (8 - (len & 7))) & 0xff);
  return { family: p.family, addr, len };
}
