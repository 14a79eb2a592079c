// The export verifier: one router's configuration before and after a change, its RIB, the AS
// relationships and the intent → for every neighbour the routes exported before and after (added,
// removed, changed) and the findings: RFC 7908 leaks among the new exports, exports despite OTC, missing
// "exportable" safeguard communities, terms the change emptied, deactivated or made always-true, intent
// violations, and every undefined or unsupported construct on an export path ("cannot prove safe").
// Streams route by route: memory stays at the RIB plus the examples kept.
import { prefixContains } from '../../lib/prefix.js';
import { routeLeakType } from '../../routing/leaks.js';
import type { AsGraph } from '../../routing/relationships.js';
import { type BgpRole, neighborRoleOf } from '../../routing/roles.js';
import type { TraceStep } from '../evaluate.js';
import type { Intent, NeighborIntent, NeighborRole } from '../intent.js';
import type { Neighbor, Policy, PolicyProgram, PolicyWarning, SourceRef, Term } from '../model.js';
import { isInternal, type Route } from '../route.js';
import { type RouteClasses, routeClasses } from './classes.js';
import { type ExportOutcome, exportPathKey, exportRoute, locRib } from './export.js';

export type FindingKind =
  | 'route-leak'
  | 'otc-violation'
  | 'missing-safeguard'
  | 'term-always-true'
  | 'term-match-deactivated'
  | 'term-empty'
  | 'intent-violation'
  | 'undefined-reference'
  | 'unsupported';

export interface Example {
  prefix: string;
  as_path: number[];
  trace: TraceStep[];
}

export interface Finding {
  kind: FindingKind;
  neighbor: string;
  policy: string | null;
  term: string | null;
  rfc7908_type: number | null;
  count: number;
  examples: Example[];
  message: string;
  file: string;
  line: number;
}

export interface NeighborReport {
  neighbor: string;
  group: string | null;
  peer_as: number;
  role: NeighborRole | 'unknown';
  exported_before: number;
  exported_after: number;
  added: number;
  removed: number;
  changed: number;
}

export interface VerifyReport {
  verdict: 'pass' | 'fail' | 'cannot-evaluate';
  neighbors: NeighborReport[];
  findings: Finding[];
  warnings: { file: string; line: number; message: string }[];
}

export interface VerifyOptions {
  relationships?: AsGraph | undefined;
  intent?: Intent | undefined;
  maxExamples?: number;
}

const SAFEGUARD_NAME = /EXPORTABLE/i;

/** Neighbour role: the intent (address, then group), FRR local-role, the relationships, iBGP. */
function roleOf(
  n: Neighbor,
  intent: Intent | undefined,
  graph: AsGraph | undefined,
  localAs: number | undefined,
): NeighborRole | 'unknown' {
  const i = intent?.neighbors.get(n.address) ?? (n.group !== undefined ? intent?.neighbors.get(n.group) : undefined);
  if (i?.role) return i.role;
  if (n.internal) return 'internal';
  if (n.localRole) return neighborRoleOf(n.localRole);
  const rel = graph && localAs !== undefined ? graph.relationship(localAs, n.peerAs) : undefined;
  return rel ?? 'unknown';
}

function intentOf(n: Neighbor, intent: Intent | undefined): NeighborIntent | undefined {
  return intent?.neighbors.get(n.address) ?? (n.group !== undefined ? intent?.neighbors.get(n.group) : undefined);
}

function sameExport(a: Route, b: Route): boolean {
  return (
    a.localPref === b.localPref &&
    a.med === b.med &&
    a.origin === b.origin &&
    a.nextHop === b.nextHop &&
    a.otc === b.otc &&
    a.asPath.length === b.asPath.length &&
    a.asPath.every((x, i) => x === b.asPath[i]) &&
    a.communities.length === b.communities.length &&
    a.communities.every((c) => b.communities.includes(c)) &&
    a.largeCommunities.length === b.largeCommunities.length &&
    a.largeCommunities.every((c) => b.largeCommunities.includes(c))
  );
}

/** Policies reachable from a chain (subroutines and calls included). */
function reachablePolicies(program: PolicyProgram, chain: readonly string[], out = new Set<string>()): Set<string> {
  for (const name of chain) {
    if (out.has(name)) continue;
    const p = program.policies.get(name);
    if (!p) continue;
    out.add(name);
    for (const t of p.terms) {
      for (const c of t.conditions) if (c.kind === 'policy') reachablePolicies(program, c.names, out);
      for (const a of t.actions) if (a.kind === 'call') reachablePolicies(program, [a.policy], out);
    }
  }
  return out;
}

function termKey(p: string, t: string): string {
  return `${p}\u0000${t}`;
}

/** How the change altered a term of an export policy: the structural half of the January/2020 checks. */
function termChanges(
  before: PolicyProgram,
  after: PolicyProgram,
  used: Set<string>,
): Map<Term, { policy: Policy; kind: 'term-empty' | 'term-match-deactivated' | 'changed' }> {
  const out = new Map<Term, { policy: Policy; kind: 'term-empty' | 'term-match-deactivated' | 'changed' }>();
  for (const name of used) {
    const p = after.policies.get(name)!;
    const old = before.policies.get(name);
    for (const t of p.terms) {
      const o = old?.terms.find((x) => x.name === t.name);
      const texts = (x: Term): string =>
        x.conditions
          .map((c) => c.text)
          .sort()
          .join('\n');
      const newlyDeactivated = t.deactivated.filter((d) => !o?.deactivated.some((x) => x.text === d.text));
      if (newlyDeactivated.length > 0 && o !== undefined) out.set(t, { policy: p, kind: 'term-match-deactivated' });
      else if (o !== undefined && o.conditions.length > 0 && t.conditions.length === 0)
        out.set(t, { policy: p, kind: 'term-empty' });
      else if (o === undefined || texts(o) !== texts(t)) out.set(t, { policy: p, kind: 'changed' });
    }
  }
  return out;
}

interface Bucket {
  finding: Finding;
  /** Example routes to trace once the pass is over. */
  pending: Route[];
}

interface LazyBucket {
  key: string;
  make: () => Finding;
  bucket: Bucket | undefined;
}

const NONE: LazyBucket[] = [];
const NOT_SENT: ExportOutcome = { sent: false, why: '', eval: undefined };

/** n empty slots in a packed array (V8 gives a large `new Array(n)` slow dictionary elements). */
function slots<T>(n: number): (T | undefined)[] {
  const a: (T | undefined)[] = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

/** Exporting a route of one class to one neighbour, before and after, and what it counts toward. */
interface ClassOutcome {
  a: ExportOutcome;
  b: ExportOutcome;
  /** Sent both times with different attributes. */
  differs: boolean;
  /** Uncertain constructs on the way (every route of the class hits them). */
  uncertain: LazyBucket[];
  /** The intent bucket, when the neighbour has allowed prefixes (checked route by route). */
  intent: LazyBucket | undefined;
  /** The deciding term's count of new or changed exports to this neighbour. */
  added: { count: number; examples: Route[] } | undefined;
  /** Leak, OTC and safeguard findings of a new export. */
  leaks: LazyBucket[];
  /** The class's counts are in; its later routes are still needed as examples or for the intent. */
  open: boolean;
}

/** The outcome a class keeps once nothing of it is needed route by route any more. */
const CLOSED: ClassOutcome = {
  a: NOT_SENT,
  b: NOT_SENT,
  differs: false,
  uncertain: NONE,
  intent: undefined,
  added: undefined,
  leaks: NONE,
  open: false,
};

export function verify(
  before: PolicyProgram,
  after: PolicyProgram,
  routes: readonly Route[],
  opts: VerifyOptions = {},
): VerifyReport {
  return verifyWith(before, after, routes, opts, true);
}

/**
 * The same report, evaluated the plain way: every route is its own class and no neighbour shares an
 * evaluation with another, so the evaluator runs for every route, neighbour and configuration. The
 * oracle the property tests and the benchmark hold verify() to (its memo may not change an answer).
 */
export function verifyPerRoute(
  before: PolicyProgram,
  after: PolicyProgram,
  routes: readonly Route[],
  opts: VerifyOptions = {},
): VerifyReport {
  return verifyWith(before, after, routes, opts, false);
}

function verifyWith(
  before: PolicyProgram,
  after: PolicyProgram,
  routes: readonly Route[],
  opts: VerifyOptions,
  share: boolean,
): VerifyReport {
  const maxExamples = opts.maxExamples ?? 3;
  const graph = opts.relationships;
  const intent = opts.intent;
  const localAs = after.localAs ?? before.localAs;
  const ribAfter = locRib(after, routes);
  // The same Loc-RIB serves both when the change touched neither local routes nor RFC 9234 roles.
  const sameRib =
    JSON.stringify(before.localRoutes.map((l) => [l.prefix, l.protocol])) ===
      JSON.stringify(after.localRoutes.map((l) => [l.prefix, l.protocol])) &&
    JSON.stringify(before.neighbors.map((n) => [n.address, n.localRole, n.peerAs])) ===
      JSON.stringify(after.neighbors.map((n) => [n.address, n.localRole, n.peerAs])) &&
    before.localAs === after.localAs;
  const ribBefore = sameRib ? ribAfter : locRib(before, routes);
  const beforeByKey = sameRib ? undefined : new Map(ribBefore.map((r) => [r.key, r]));
  // Routes only the before RIB had (a local route the change removed).
  const inAfter = sameRib ? undefined : new Set(ribAfter.map((r) => r.key));
  const beforeOnly = inAfter ? ribBefore.filter((r) => !inAfter.has(r.key)) : [];
  const neighborsAfter = new Map(after.neighbors.map((n) => [n.address, n]));
  const neighborsBefore = new Map(before.neighbors.map((n) => [n.address, n]));
  const addresses = [...new Set([...after.neighbors.map((n) => n.address), ...before.neighbors.map((n) => n.address)])];
  const buckets = new Map<string, Bucket>();
  const bucket = (key: string, make: () => Finding): Bucket => {
    let b = buckets.get(key);
    if (!b) {
      b = { finding: make(), pending: [] };
      buckets.set(key, b);
    }
    return b;
  };
  const hit = (b: Bucket, r: Route): void => {
    b.finding.count++;
    if (b.pending.length < maxExamples) b.pending.push(r);
  };
  // A class outcome names its findings; a finding exists from the first route that hits it.
  const lazy = (key: string, make: () => Finding): LazyBucket => ({ key, make, bucket: undefined });
  const hitLazy = (l: LazyBucket, r: Route): void => {
    l.bucket ??= bucket(l.key, l.make);
    hit(l.bucket, r);
  };

  // Safeguard communities: the intent's, or a community the configuration names EXPORTABLE.
  const configSafeguard: string[] = [];
  for (const s of after.communities.values()) {
    if (!SAFEGUARD_NAME.test(s.name)) continue;
    for (const e of s.entries) for (const m of e.members) if ('literal' in m) configSafeguard.push(m.literal);
  }

  const reports: NeighborReport[] = [];
  const termStats = new Map<Term, { reached: number; matched: number }>();
  // Term statistics count routes: one evaluation of a class stands for all its routes.
  let termWeight = 1;
  const onTerm = (t: Term, matched: boolean): void => {
    let s = termStats.get(t);
    if (!s) {
      s = { reached: 0, matched: 0 };
      termStats.set(t, s);
    }
    s.reached += termWeight;
    if (matched) s.matched += termWeight;
  };
  const used = new Set<string>();
  for (const n of after.neighbors) for (const f of n.families) reachablePolicies(after, n.exportChain[f], used);
  const changes = termChanges(before, after, used);
  // Per term of the after program: routes it let through that are new to some neighbour, or changed.
  const addedBy = new Map<Term, Map<string, { count: number; examples: Route[] }>>();

  // Neighbours with the same export signature (chain, session type, role, families) get the same answer
  // for a route, except for routes learned from themselves: one evaluation serves them all. Addresses are
  // sorted by signature so that only the current signature's answers are kept.
  const toNeighbor = (p: PolicyProgram): boolean =>
    [...p.policies.values()].some((x) => x.terms.some((t) => t.conditions.some((c) => c.kind === 'to-neighbor')));
  const perAddress = [toNeighbor(before), toNeighbor(after)];
  const signature = (n: Neighbor | undefined, which: 0 | 1): string =>
    n === undefined
      ? '-'
      : JSON.stringify([
          n.exportChain,
          n.internal,
          n.reflectorClient,
          n.localRole,
          n.localAs,
          n.families,
          n.unsupported?.length,
          perAddress[which] ? n.address : '',
        ]);
  const sigs = new Map(
    addresses.map((a) => [a, `${signature(neighborsBefore.get(a), 0)}|${signature(neighborsAfter.get(a), 1)}`]),
  );
  // Export paths the change left alone (same Loc-RIB, same session, chain and sets by content): the
  // route sent before is the one sent after, so one evaluation serves both (findings read only the
  // after evaluation's names and trace). Without sharing (verifyPerRoute) both are evaluated.
  const unchanged = new Set(
    addresses.filter((a) => {
      const nb = neighborsBefore.get(a);
      const na = neighborsAfter.get(a);
      return share && sameRib && nb && na && exportPathKey(before, nb) === exportPathKey(after, na);
    }),
  );
  addresses.sort((x, y) => (sigs.get(x)! < sigs.get(y)! ? -1 : sigs.get(x)! > sigs.get(y)! ? 1 : 0));
  // Routes that every export path treats alike share one evaluation per export signature, and one
  // outcome per neighbour (./classes.ts): the loop over routes only counts and collects examples.
  const classes: RouteClasses = share
    ? routeClasses(ribAfter, [before, after], beforeByKey ? (i) => beforeByKey.get(ribAfter[i]!.key) : undefined)
    : {
        of: Int32Array.from(ribAfter, (_, i) => i),
        sizes: new Int32Array(ribAfter.length).fill(1),
        first: Int32Array.from(ribAfter, (_, i) => i),
        count: ribAfter.length,
      };
  let memoSig = '';
  // Allocated once and cleared per signature (and per neighbour): large arrays made again and again
  // are garbage the size of the class count each time.
  const memoA: (ExportOutcome | undefined)[] = slots(classes.count);
  const memoB: (ExportOutcome | undefined)[] = slots(classes.count);
  /** Per class of the current signature: the deciding term of the after program, and whether before and after differ. */
  const memoTerm: (Term | null | undefined)[] = slots(classes.count);
  const memoDiffers: (boolean | undefined)[] = slots(classes.count);
  const outcomes: (ClassOutcome | undefined)[] = slots(classes.count);
  // Where a class's routes were learned does not depend on the neighbour exported to.
  const learnedOf: (BgpRole | null | undefined)[] = slots(classes.count);

  // Term statistics count each route once per export signature, shared or not: the class whose
  // evaluation was counted for this signature (verifyPerRoute evaluates again per neighbour, uncounted).
  const termCounted = new Uint8Array(classes.count);
  for (const addr of addresses) {
    if (sigs.get(addr) !== memoSig) termCounted.fill(0);
    // Without sharing (verifyPerRoute) each neighbour starts from an empty memo.
    if (!share || sigs.get(addr) !== memoSig) {
      memoSig = sigs.get(addr)!;
      memoA.fill(undefined);
      memoB.fill(undefined);
      memoTerm.fill(undefined);
      memoDiffers.fill(undefined);
    }
    outcomes.fill(undefined);
    const na = neighborsAfter.get(addr);
    const nbf = neighborsBefore.get(addr);
    const n = na ?? nbf!;
    const role = roleOf(n, intent, graph, localAs);
    const ni = intentOf(n, intent);
    const report: NeighborReport = {
      neighbor: addr,
      group: n.group ?? null,
      peer_as: n.peerAs,
      role,
      exported_before: 0,
      exported_after: 0,
      added: 0,
      removed: 0,
      changed: 0,
    };
    reports.push(report);
    if (na?.unsupported) {
      for (const u of na.unsupported) {
        const b = bucket(`unsupported|${addr}|${u.file}:${u.line}`, () =>
          finding(
            'unsupported',
            addr,
            null,
            null,
            null,
            u,
            `neighbor ${addr}: a statement that may change its exports is not modelled`,
          ),
        );
        b.finding.count = Math.max(b.finding.count, 1);
      }
    }
    const alike = unchanged.has(addr);
    const safeguard = ni?.exportable ?? (intent?.exportable.length ? intent.exportable : configSafeguard);
    const external = role === 'provider' || role === 'peer' || role === 'rs';

    /** What exporting a route of class c to this neighbour means, computed for the first such route. */
    const outcomeOf = (c: number, r: Route): ClassOutcome => {
      // A route learned from this neighbour is not sent back: not shared with the signature's others.
      const own = r.peer === addr;
      let a: ExportOutcome | undefined = own ? undefined : memoA[c];
      if (a === undefined) {
        termWeight = own || termCounted[c] ? 0 : classes.sizes[c]!;
        if (!own) termCounted[c] = 1;
        a = na ? exportRoute(after, na, r, false, onTerm) : { sent: false, why: 'neighbour removed', eval: undefined };
        if (!own) memoA[c] = a;
      }
      const rb = beforeByKey ? beforeByKey.get(r.key) : r;
      let b: ExportOutcome | undefined = own ? undefined : memoB[c];
      if (b === undefined) {
        if (alike) b = a;
        else b = nbf && rb ? exportRoute(before, nbf, rb) : { sent: false, why: 'not present before', eval: undefined };
        if (!own) memoB[c] = b;
      }
      const o: ClassOutcome = {
        a,
        b,
        differs: false,
        uncertain: NONE,
        intent: undefined,
        added: undefined,
        leaks: NONE,
        open: true,
      };
      const ev = a.eval;
      if (ev && ev.uncertain.length > 0) {
        o.uncertain = [];
        for (const u of ev.uncertain) {
          const undefinedRef = / is not defined$/.test(u.reason);
          const kind = undefinedRef ? 'undefined-reference' : 'unsupported';
          o.uncertain.push(
            lazy(`${kind}|${addr}|${u.src.file}:${u.src.line}|${u.reason}`, () =>
              finding(kind, addr, ev.decidedBy.policy, null, null, u.src, u.reason),
            ),
          );
        }
      }
      if (!a.sent) return o;
      const out = a.route;
      const by = a.eval?.decidedBy;
      if (ni?.allow) {
        o.intent = lazy(`intent|${addr}|${by?.policy}|${by?.term}`, () =>
          finding(
            'intent-violation',
            addr,
            by?.policy ?? null,
            by?.term ?? null,
            null,
            by?.src ?? n.src,
            `exported to ${addr}, outside the prefixes the intent allows`,
          ),
        );
      }
      let differs = own ? undefined : memoDiffers[c];
      if (differs === undefined) {
        differs = b.sent && !sameExport(b.route, out);
        if (!own) memoDiffers[c] = differs;
      }
      o.differs = differs;
      if ((!b.sent || o.differs) && by) {
        let t = own ? undefined : memoTerm[c];
        if (t === undefined) {
          t = termOf(after, by.policy, by.term) ?? null;
          if (!own) memoTerm[c] = t;
        }
        if (t) {
          let m = addedBy.get(t);
          if (!m) {
            m = new Map();
            addedBy.set(t, m);
          }
          let e = m.get(addr);
          if (!e) {
            e = { count: 0, examples: [] };
            m.set(addr, e);
          }
          o.added = e;
        }
      }
      if (b.sent) return o;
      const src = by?.src ?? n.src;
      let learnedOrNull = learnedOf[c];
      if (learnedOrNull === undefined) {
        learnedOrNull =
          learnedFrom(r, after, neighborsAfter, (x) => roleOf(x, intent, graph, localAs), graph, localAs) ?? null;
        learnedOf[c] = learnedOrNull;
      }
      const learned = learnedOrNull ?? undefined;
      if (learned !== undefined && role !== 'unknown' && role !== 'internal') {
        const type = routeLeakType(learned, role === 'rs' ? 'rs' : role);
        if (type !== null) {
          if (o.leaks === NONE) o.leaks = [];
          o.leaks.push(
            lazy(`leak|${addr}|${by?.policy}|${by?.term}|${type}`, () =>
              finding(
                'route-leak',
                addr,
                by?.policy ?? null,
                by?.term ?? null,
                type,
                src,
                `RFC 7908 type ${type}: a route learned from a ${learned} sent to a ${role}`,
              ),
            ),
          );
        }
      }
      if (out.otc !== undefined && external && na?.localRole === undefined) {
        if (o.leaks === NONE) o.leaks = [];
        o.leaks.push(
          lazy(`otc|${addr}|${by?.policy}|${by?.term}`, () =>
            finding(
              'otc-violation',
              addr,
              by?.policy ?? null,
              by?.term ?? null,
              null,
              src,
              `route carries OTC ${out.otc} (RFC 9234: only to customers) and is sent to a ${role}`,
            ),
          ),
        );
      }
      if (
        external &&
        safeguard.length > 0 &&
        !safeguard.some((c) => out.communities.includes(c) || out.largeCommunities.includes(c))
      ) {
        if (o.leaks === NONE) o.leaks = [];
        o.leaks.push(
          lazy(`safeguard|${addr}|${by?.policy}|${by?.term}`, () =>
            finding(
              'missing-safeguard',
              addr,
              by?.policy ?? null,
              by?.term ?? null,
              null,
              src,
              `exported to a ${role} without the exportable community ${safeguard.join(' or ')}`,
            ),
          ),
        );
      }
      return o;
    };

    /** Keep r as an example where a bucket still has room (its count came with the class). */
    const note = (l: LazyBucket, r: Route): void => {
      const b = l.bucket!;
      if (b.pending.length < maxExamples) b.pending.push(r);
    };
    /** Whether the routes of this class still have something to add route by route. */
    const isOpen = (o: ClassOutcome): boolean =>
      o.intent !== undefined ||
      o.uncertain.some((l) => l.bucket!.pending.length < maxExamples) ||
      o.leaks.some((l) => l.bucket!.pending.length < maxExamples) ||
      (o.added !== undefined && o.added.examples.length < maxExamples);
    /** The first route r of class c: the counts of the whole class, and r where it is an example. */
    const settle = (o: ClassOutcome, c: number, r: Route): void => {
      const size = classes.sizes[c]!;
      for (const u of o.uncertain) {
        u.bucket ??= bucket(u.key, u.make);
        u.bucket.finding.count += size;
        note(u, r);
      }
      if (o.b.sent) report.exported_before += size;
      if (!o.a.sent) {
        if (o.b.sent) report.removed += size;
        o.open = isOpen(o);
        return;
      }
      report.exported_after += size;
      if (o.intent && !ni!.allow!.some((p) => prefixContains(p, r.prefix))) hitLazy(o.intent, r);
      if (o.added) {
        o.added.count += size;
        if (o.added.examples.length < maxExamples) o.added.examples.push(r);
      }
      if (o.b.sent) {
        if (o.differs) report.changed += size;
      } else {
        report.added += size;
        for (const l of o.leaks) {
          l.bucket ??= bucket(l.key, l.make);
          l.bucket.finding.count += size;
          note(l, r);
        }
      }
      o.open = isOpen(o);
    };
    // Classes are numbered in the order of their first routes, so settling them in class order is settling
    // them in route order. While each class closes at once, the routes after a class's first add nothing
    // (the scan skips them): the scan of the RIB starts after the first class that stays open, if any.
    let from = ribAfter.length;
    for (let c = 0; c < classes.count; c++) {
      const i = classes.first[c]!;
      const r = ribAfter[i]!;
      const fresh = outcomeOf(c, r);
      settle(fresh, c, r);
      if (fresh.open) {
        outcomes[c] = fresh;
        from = i + 1;
        break;
      }
      outcomes[c] = CLOSED;
    }
    for (let i = from; i < ribAfter.length; i++) {
      const c = classes.of[i]!;
      const o = outcomes[c];
      if (o === undefined) {
        const r = ribAfter[i]!;
        const fresh = outcomeOf(c, r);
        settle(fresh, c, r);
        // A settled class keeps one shared closed outcome: millions of them would outlive young
        // collections and grow the old heap (and the peak RSS) for nothing.
        outcomes[c] = fresh.open ? fresh : CLOSED;
        continue;
      }
      if (!o.open) continue;
      // Another route of a class whose examples are not complete, or whose intent is checked by prefix.
      const r = ribAfter[i]!;
      for (const u of o.uncertain) note(u, r);
      if (o.a.sent) {
        if (o.intent && !ni!.allow!.some((p) => prefixContains(p, r.prefix))) hitLazy(o.intent, r);
        if (o.added && o.added.examples.length < maxExamples) o.added.examples.push(r);
        if (!o.b.sent) for (const l of o.leaks) note(l, r);
      }
      o.open = isOpen(o);
    }
    // Routes only the before RIB had (a local route the change removed).
    for (const r of beforeOnly) {
      if (!nbf) break;
      if (exportRoute(before, nbf, r).sent) {
        report.exported_before++;
        report.removed++;
      }
    }
  }

  // Structural findings: terms the change emptied or deactivated, or whose conditions now match everything.
  for (const [t, ch] of changes) {
    const stats = termStats.get(t);
    let kind: FindingKind | undefined;
    if (ch.kind === 'term-empty' || ch.kind === 'term-match-deactivated') kind = ch.kind;
    else if (
      t.conditions.length > 0 &&
      // A condition evaluated conservatively as a match says nothing about the term.
      !t.conditions.some((c) => c.kind === 'unsupported' || c.kind === 'undefined') &&
      stats &&
      stats.reached > 0 &&
      stats.matched === stats.reached &&
      t.flow.kind !== 'reject'
    )
      kind = 'term-always-true';
    if (!kind) continue;
    const per = addedBy.get(t) ?? new Map<string, { count: number; examples: Route[] }>();
    const users = after.neighbors.filter((n) =>
      n.families.some((f) => reachablePolicies(after, n.exportChain[f]).has(ch.policy.name)),
    );
    for (const n of users) {
      const list = per.get(n.address) ?? { count: 0, examples: [] };
      const message =
        kind === 'term-empty'
          ? `term ${t.name} of ${ch.policy.name} lost every match condition and now matches every route`
          : kind === 'term-match-deactivated'
            ? `term ${t.name} of ${ch.policy.name} stays active but its match (${t.deactivated.map((d) => d.text).join('; ')}) is deactivated`
            : `term ${t.name} of ${ch.policy.name} matches every route that reaches it (${stats?.reached} on this RIB)`;
      const b = bucket(`${kind}|${n.address}|${termKey(ch.policy.name, t.name)}`, () =>
        finding(kind!, n.address, ch.policy.name, t.name, null, t.src, message),
      );
      b.finding.count = list.count;
      b.pending = list.examples;
    }
  }

  const findings: Finding[] = [];
  for (const b of buckets.values()) {
    const n = neighborsAfter.get(b.finding.neighbor) ?? neighborsBefore.get(b.finding.neighbor);
    b.finding.examples = b.pending.map((r) => example(after, n, r));
    findings.push(b.finding);
  }
  findings.sort((x, y) => x.neighbor.localeCompare(y.neighbor) || x.kind.localeCompare(y.kind) || y.count - x.count);
  const blocking = findings.some((f) => f.kind === 'unsupported' || f.kind === 'undefined-reference');
  const warnings = after.warnings.map((w: PolicyWarning) => ({ file: w.file, line: w.line, message: w.message }));
  return {
    verdict: blocking ? 'cannot-evaluate' : findings.length > 0 ? 'fail' : 'pass',
    neighbors: reports,
    findings,
    warnings,
  };
}

function termOf(p: PolicyProgram, policy: string, term: string): Term | undefined {
  return p.policies.get(policy)?.terms.find((t) => t.name === term);
}

function finding(
  kind: FindingKind,
  neighbor: string,
  policy: string | null,
  term: string | null,
  type: number | null,
  src: SourceRef,
  message: string,
): Finding {
  return {
    kind,
    neighbor,
    policy,
    term,
    rfc7908_type: type,
    count: 0,
    examples: [],
    message,
    file: src.file,
    line: src.line,
  };
}

function example(p: PolicyProgram, n: Neighbor | undefined, r: Route): Example {
  const out: Example = { prefix: r.key, as_path: r.asPath, trace: [] };
  if (n && p.neighbors.includes(n)) {
    const o = exportRoute(p, n, r, true);
    out.trace = o.eval?.trace ?? [];
  }
  return out;
}

/** Where the route was learned, as the role of that neighbour (RFC 9234 names), when it can be told. */
function learnedFrom(
  r: Route,
  p: PolicyProgram,
  byAddr: Map<string, Neighbor>,
  role: (n: Neighbor) => NeighborRole | 'unknown',
  graph: AsGraph | undefined,
  localAs: number | undefined,
): BgpRole | undefined {
  if (r.protocol !== 'bgp' || r.asPath.length === 0) return undefined;
  const n = byAddr.get(r.peer);
  if (n && !n.internal && !isInternal(r, p.localAs)) {
    const x = role(n);
    if (x !== 'unknown' && x !== 'internal') return x;
  }
  // iBGP-learned (or from a session not in the configuration): the relationship with its neighbour AS.
  const first = r.asPath[0]!;
  if (graph && localAs !== undefined && first !== localAs) return graph.relationship(localAs, first);
  return undefined;
}
