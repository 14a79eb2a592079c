// The route-policy evaluator: one route through a chain of policies of a PolicyProgram. Returns the action,
// the route as modified, what decided (policy, term, file, line) and every step of the trace. A condition
// or action the front end could not translate is evaluated as a match / skipped and makes the result
// `uncertain`: the verifier turns that into "cannot prove safe", never a silent accept.
// The route is copied only when an action writes to it (its community lists only when one is changed in
// place), so rejecting evaluations allocate nothing but their result: the verifier runs millions of them.
import {
  asPathSetMatch,
  asPathSubject,
  communitySetDeletes,
  communitySetMatch,
  prefixListMatch,
  routeFilterMatch,
} from './match.js';
import type { Action, CommunitySet, Condition, Neighbor, Policy, PolicyProgram, SourceRef, Term } from './model.js';
import { isInternal, type Route } from './route.js';

export interface TraceStep {
  policy: string;
  term: string;
  file: string;
  line: number;
  /** What the term did: its flow after a match. */
  result: 'accept' | 'reject' | 'next-term' | 'next-policy' | 'goto' | 'none' | 'default-accept' | 'default-reject';
}

/** The term (or default) that decided. */
export interface Decision {
  policy: string;
  term: string;
  src: SourceRef;
}

export interface EvalResult {
  accept: boolean;
  route: Route;
  decidedBy: Decision;
  /** Every term that matched, in order (only when tracing is on). */
  trace: TraceStep[];
  /** Constructs that were evaluated conservatively on the way. */
  uncertain: { src: SourceRef; reason: string }[];
}

export interface EvalContext {
  program: PolicyProgram;
  neighbor?: Neighbor | undefined;
  /** Record every matched term (the verifier traces only the examples it prints). */
  trace?: boolean;
  /** Called for every term a route reaches, with whether it matched (the verifier's always-true check). */
  onTerm?: (term: Term, matched: boolean) => void;
  /**
   * Evaluate the route as if its MED had been removed before the chain (bgpd toward eBGP): the route
   * seen has no `med` and `receivedMed` = the MED. The copy is made only when the route is written or
   * accepted, not for every route a policy rejects.
   */
  stripMed?: boolean;
}

interface Run {
  ctx: EvalContext;
  route: Route;
  copied: boolean;
  /** The community lists of the copy are its own (not shared with the input route). */
  ownCommunities: boolean;
  ownLarge: boolean;
  trace: TraceStep[];
  uncertain: { src: SourceRef; reason: string }[];
  depth: number;
}

type Uncertain = { src: SourceRef; reason: string };
// Shared empty lists for the results of evaluations that trace nothing and meet nothing uncertain (the
// common case); frozen, so that a push to one of them is an error and not a silent shared write.
const NO_STEPS = Object.freeze([]) as unknown as TraceStep[];
const NO_UNCERTAIN = Object.freeze([]) as unknown as Uncertain[];

function uncertain(run: Run, u: Uncertain): void {
  if (run.uncertain === NO_UNCERTAIN) run.uncertain = [];
  run.uncertain.push(u);
}

/** The route as the chain leaves it: with the MED removed where asked and nothing wrote a copy. */
function routeOf(run: Run): Route {
  return run.copied || !run.ctx.stripMed ? run.route : { ...run.route, med: undefined, receivedMed: run.route.med };
}

type Outcome = { kind: 'accept' | 'reject'; by: Decision } | { kind: 'undecided' };

const MAX_DEPTH = 16;

/** Evaluate `chain` (policy names in order); `atChainEnd` decides a route no policy decided. */
export function evaluateChain(
  ctx: EvalContext,
  chain: readonly string[],
  route: Route,
  atChainEnd: (r: Route) => { accept: boolean; why: string },
): EvalResult {
  const run: Run = {
    ctx,
    route,
    copied: false,
    ownCommunities: false,
    ownLarge: false,
    trace: ctx.trace ? [] : NO_STEPS,
    uncertain: NO_UNCERTAIN,
    depth: 0,
  };
  const o = runChain(run, chain);
  if (o.kind !== 'undecided') {
    const accept = o.kind === 'accept';
    return {
      accept,
      // A rejected route is not sent: its MED-less view is not materialised.
      route: accept ? routeOf(run) : run.route,
      decidedBy: o.by,
      trace: run.trace,
      uncertain: run.uncertain,
    };
  }
  const d = atChainEnd(run.route);
  const final = d.accept ? routeOf(run) : run.route;
  const by = { policy: '(default)', term: d.why, src: { file: ctx.program.file, line: 0 } };
  if (ctx.trace) {
    run.trace.push({
      policy: '(default)',
      term: d.why,
      file: ctx.program.file,
      line: 0,
      result: d.accept ? 'default-accept' : 'default-reject',
    });
  }
  return { accept: d.accept, route: final, decidedBy: by, trace: run.trace, uncertain: run.uncertain };
}

function runChain(run: Run, chain: readonly string[]): Outcome {
  const { program } = run.ctx;
  for (const name of chain) {
    const p = program.policies.get(name);
    if (p === undefined) {
      // Junos refuses to commit this and FRR denies every route; either way the change cannot be proven safe.
      uncertain(run, { src: { file: program.file, line: 0 }, reason: `policy ${name} is not defined` });
      if (program.vendor === 'frr')
        return { kind: 'reject', by: { policy: name, term: '(undefined)', src: { file: program.file, line: 0 } } };
      continue;
    }
    const o = runPolicy(run, p);
    if (o.kind !== 'undecided') return o;
  }
  return { kind: 'undecided' };
}

function runPolicy(run: Run, p: Policy): Outcome {
  const terms = p.terms;
  let i = 0;
  while (i < terms.length) {
    const t = terms[i]!;
    const matched = termMatches(run, t);
    run.ctx.onTerm?.(t, matched);
    if (!matched) {
      i++;
      continue;
    }
    const denied = applyActions(run, t.actions);
    if (denied) {
      record(run, p, t, 'reject');
      return { kind: 'reject', by: { policy: p.name, term: t.name, src: t.src } };
    }
    const f = t.flow;
    record(run, p, t, f.kind);
    switch (f.kind) {
      case 'accept':
        return { kind: 'accept', by: { policy: p.name, term: t.name, src: t.src } };
      case 'reject':
        return { kind: 'reject', by: { policy: p.name, term: t.name, src: t.src } };
      case 'next-policy':
        return { kind: 'undecided' };
      case 'next-term':
      case 'none':
        i++;
        break;
      case 'goto': {
        let j = i + 1;
        while (j < terms.length && terms[j]!.seq < f.seq) j++;
        i = j;
        break;
      }
    }
  }
  // FRR 8.4 (checked against bgpd): a permit entry that matched and went on (on-match next, continue)
  // does not decide; when no later entry matches, the end of the map denies.
  if (p.atEnd === 'reject') return { kind: 'reject', by: { policy: p.name, term: '(implicit deny)', src: p.src } };
  return { kind: 'undecided' };
}

function record(run: Run, p: Policy, t: Term, result: TraceStep['result']): void {
  if (run.ctx.trace) run.trace.push({ policy: p.name, term: t.name, file: t.src.file, line: t.src.line, result });
}

function termMatches(run: Run, t: Term): boolean {
  for (const c of t.conditions) if (!conditionMatches(run, c)) return false;
  return true;
}

function conditionMatches(run: Run, c: Condition): boolean {
  const r = run.route;
  const { program, neighbor } = run.ctx;
  switch (c.kind) {
    case 'route-filter':
      return routeFilterMatch(c.ranges, r.prefix);
    case 'prefix-list': {
      const l = program.prefixLists.get(c.name);
      return l !== undefined && prefixListMatch(l, r.prefix);
    }
    case 'community':
      return c.names.some((n) => {
        const s = program.communities.get(n);
        return s !== undefined && communitySetMatch(s, s.large ? r.largeCommunities : r.communities);
      });
    case 'as-path': {
      const subject = asPathSubject(program.vendor, r.asPath);
      return c.names.some((n) => {
        const s = program.asPaths.get(n);
        return s !== undefined && asPathSetMatch(s, subject);
      });
    }
    case 'protocol':
      return c.protocols.includes(r.protocol);
    case 'route-type':
      // Junos: `internal` is every route that is not external, iBGP-learned and local routes included.
      return (r.protocol === 'bgp' && !isInternal(r, program.localAs)) === (c.routeType === 'external');
    case 'neighbor':
      return c.addresses.includes(r.peer);
    case 'to-neighbor':
      return neighbor !== undefined && c.addresses.includes(neighbor.address);
    case 'family':
      return r.prefix.family === c.family;
    case 'local-pref':
      return (r.localPref ?? 100) === c.value;
    case 'med':
      // The MED-less view (stripMed) has receivedMed = med: the same value either way.
      return (r.med ?? r.receivedMed ?? 0) === c.value;
    case 'origin':
      return r.origin === c.origin;
    case 'next-hop':
      return c.addresses.includes(r.nextHop);
    case 'policy': {
      if (run.depth >= MAX_DEPTH) {
        uncertain(run, { src: c.src, reason: 'policy subroutines nest too deep (a loop?)' });
        return true;
      }
      run.depth++;
      const o = runChain(run, c.names);
      run.depth--;
      if (o.kind !== 'undecided') return o.kind === 'accept';
      // A subroutine that decides nothing takes the protocol's default: BGP export accepts BGP routes.
      return program.defaults.chainEnd === 'bgp-default' && r.protocol === 'bgp';
    }
    case 'unsupported':
    case 'undefined':
      uncertain(run, { src: c.src, reason: c.kind === 'undefined' ? `${c.reference} is not defined` : c.reason });
      return true;
  }
}

// The AS path is never changed in place (every action assigns a new list), so a copy shares it; the
// community lists are copied before the first in-place addition (ownList).
function writable(run: Run): Route {
  if (!run.copied) {
    const r = run.route;
    run.route = run.ctx.stripMed ? { ...r, med: undefined, receivedMed: r.med } : { ...r };
    run.copied = true;
  }
  return run.route;
}

/** The copy's community list (or large one), its own, ready to be changed in place. */
function ownList(run: Run, key: 'communities' | 'largeCommunities'): string[] {
  const r = writable(run);
  if (key === 'communities' ? !run.ownCommunities : !run.ownLarge) {
    r[key] = r[key].slice();
    if (key === 'communities') run.ownCommunities = true;
    else run.ownLarge = true;
  }
  return r[key];
}

function setList(run: Run, key: 'communities' | 'largeCommunities', v: string[]): void {
  writable(run)[key] = v;
  if (key === 'communities') run.ownCommunities = true;
  else run.ownLarge = true;
}

function literalsOf(s: CommunitySet): string[] {
  return s.entries.flatMap((e) => e.members.flatMap((m) => ('literal' in m ? [m.literal] : [])));
}

function addUnique(list: string[], values: readonly string[]): void {
  for (const v of values) if (!list.includes(v)) list.push(v);
}

/** Apply actions in order; returns true when a called policy denied the route. */
function applyActions(run: Run, actions: readonly Action[]): boolean {
  const { program } = run.ctx;
  for (const a of actions) {
    switch (a.kind) {
      case 'community': {
        writable(run);
        if (a.op === 'set') {
          // Junos `community set A B`: the route carries exactly the members of A and B afterwards.
          setList(run, 'communities', []);
          setList(run, 'largeCommunities', []);
        }
        for (const n of a.names) {
          const s = program.communities.get(n);
          if (s === undefined) {
            uncertain(run, { src: a.src, reason: `community ${n} is not defined` });
            continue;
          }
          const key = s.large ? 'largeCommunities' : 'communities';
          if (a.op === 'delete')
            setList(
              run,
              key,
              run.route[key].filter((v) => !communitySetDeletes(s, v)),
            );
          else addUnique(ownList(run, key), literalsOf(s));
        }
        break;
      }
      case 'community-values': {
        const key = a.large ? 'largeCommunities' : 'communities';
        if (a.op === 'set') setList(run, key, []);
        addUnique(ownList(run, key), a.values);
        break;
      }
      case 'community-none':
        setList(run, 'communities', []);
        break;
      case 'local-pref': {
        const r = writable(run);
        // FRR adds to the attribute as the route carries it (none from an eBGP peer: 0); Junos to the
        // route's preference, 100 unless something set it.
        const cur = r.localPref ?? (program.vendor === 'frr' ? 0 : 100);
        r.localPref =
          a.op === 'set' ? a.value : a.op === 'add' ? Math.min(cur + a.value, 0xffffffff) : Math.max(cur - a.value, 0);
        break;
      }
      case 'med': {
        const r = writable(run);
        const cur = r.med ?? 0;
        r.med =
          a.op === 'set' ? a.value : a.op === 'add' ? Math.min(cur + a.value, 0xffffffff) : Math.max(cur - a.value, 0);
        break;
      }
      case 'prepend': {
        const r = writable(run);
        r.asPath = [...a.asns, ...r.asPath];
        break;
      }
      case 'prepend-last-as': {
        const r = writable(run);
        const last = r.asPath[0] ?? run.ctx.neighbor?.localAs ?? program.localAs;
        if (last !== undefined) r.asPath = [...new Array<number>(a.count).fill(last), ...r.asPath];
        break;
      }
      case 'as-path-exclude': {
        const r = writable(run);
        r.asPath = r.asPath.filter((x) => !a.asns.includes(x));
        break;
      }
      case 'next-hop':
        writable(run).nextHop = a.value;
        break;
      case 'origin':
        writable(run).origin = a.origin;
        break;
      case 'call': {
        if (run.depth >= MAX_DEPTH) {
          uncertain(run, { src: a.src, reason: 'route-map calls nest too deep (a loop?)' });
          break;
        }
        run.depth++;
        const o = runChain(run, [a.policy]);
        run.depth--;
        if (o.kind === 'reject') return true;
        break;
      }
      case 'unsupported':
        uncertain(run, { src: a.src, reason: a.reason });
        break;
    }
  }
  return false;
}
