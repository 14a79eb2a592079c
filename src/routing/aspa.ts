// ASPA-based AS_PATH verification, exactly as draft-ietf-sidrops-aspa-verification-28:
//   §5   provider authorization function authorized(x, y) over the U-SPAS (union of all ASPAs of a CAS);
//   §6.1 the four ramp bounds max_up_ramp, min_up_ramp, max_down_ramp, min_down_ramp over the
//        COMPRESSED_AS_PATH (consecutive duplicates removed) A(1)=origin .. A(N)=neighbour;
//   §6.2 upstream procedure (route from a customer, a lateral peer, an RS-client, or an RS to its client);
//   §6.3 downstream procedure (route from a provider).
// The hot path (aspaVerdict) allocates nothing: the compressed path goes into a reused scratch buffer and
// each AS's U-SPAS is looked up once. aspaVerify does the same work and also returns the ramps and the
// "Not Provider+" hops the draft (§7.5) says to log.
import { AS_CONFED_SEQUENCE, AS_CONFED_SET, AS_SET, type AsPath } from './as-path.js';
import type { BgpRole } from './roles.js';

/** One ASPA (or SLURM aspaAssertion): customer AS and its set of provider ASes (SPAS). */
export interface Aspa {
  readonly customer: number;
  readonly providers: readonly number[];
}

export type Authorization = 'no-attestation' | 'provider+' | 'not-provider+';
export type AspaVerdict = 'valid' | 'unknown' | 'invalid';
export type AspaProcedure = 'upstream' | 'downstream';

const NO_ATTESTATION = 0;
const PROVIDER_PLUS = 1;
const NOT_PROVIDER_PLUS = 2;
const AUTH_NAMES: readonly Authorization[] = ['no-attestation', 'provider+', 'not-provider+'];

const EMPTY = new Uint32Array(0);

/**
 * The U-SPAS table: for each customer AS the sorted union of the providers of all its ASPAs (draft §5).
 * Immutable once built; the RPKI store swaps whole tables on reload.
 */
export class AspaTable {
  private readonly spas: Map<number, Uint32Array>;

  private constructor(spas: Map<number, Uint32Array>) {
    this.spas = spas;
  }

  /** Build from ASPAs; several ASPAs of one customer are united (U-SPAS). */
  static from(aspas: Iterable<Aspa>): AspaTable {
    const sets = new Map<number, Set<number>>();
    for (const a of aspas) {
      let s = sets.get(a.customer);
      if (!s) {
        s = new Set();
        sets.set(a.customer, s);
      }
      for (const p of a.providers) s.add(p);
    }
    const spas = new Map<number, Uint32Array>();
    for (const [customer, s] of sets) spas.set(customer, Uint32Array.from(s).sort());
    return new AspaTable(spas);
  }

  static readonly empty: AspaTable = new AspaTable(new Map());

  /** Number of customer ASes with an attestation. */
  get size(): number {
    return this.spas.size;
  }

  /** The U-SPAS of a customer, sorted, or undefined when it has no ASPA. */
  providers(customer: number): readonly number[] | undefined {
    const s = this.spas.get(customer);
    return s ? Array.from(s) : undefined;
  }

  /** Every U-SPAS entry, customers in ascending order. */
  *entries(): IterableIterator<Aspa> {
    for (const c of [...this.spas.keys()].sort((a, b) => a - b)) {
      yield { customer: c, providers: Array.from(this.spas.get(c) ?? EMPTY) };
    }
  }

  /** authorized(AS x, AS y) of draft §5: is y an attested provider (or non-transparent RS) of x? */
  authorized(x: number, y: number): Authorization {
    return AUTH_NAMES[authCode(this.spas.get(x), y)]!;
  }

  /** @internal the raw U-SPAS, for the verifier's hot path. */
  lookup(customer: number): Uint32Array | undefined {
    return this.spas.get(customer);
  }
}

function contains(s: Uint32Array, y: number): boolean {
  const n = s.length;
  if (n <= 16) {
    for (let i = 0; i < n; i++) if (s[i] === y) return true;
    return false;
  }
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = s[mid]!;
    if (v === y) return true;
    if (v < y) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

function authCode(s: Uint32Array | undefined, y: number): number {
  if (s === undefined) return NO_ATTESTATION;
  return contains(s, y) ? PROVIDER_PLUS : NOT_PROVIDER_PLUS;
}

/** Which procedure the draft applies to a route received from a neighbour with this role (§6.2, §6.3). */
export function aspaProcedureFor(neighborRole: BgpRole): AspaProcedure {
  return neighborRole === 'provider' ? 'downstream' : 'upstream';
}

/**
 * How the route was received: the neighbour's role (RFC 9234 names, from the receiver's point of view) and
 * its AS. The neighbour check of §6.2/§6.3 is skipped only when the receiver is an RS-client, i.e. the
 * neighbour is a route server ('rs'), which may be transparent and absent from the path.
 */
export interface AspaContext {
  neighborRole: BgpRole;
  neighborAsn: number;
}

// Scratch for the compressed path (A(1)=origin first) and each hop's U-SPAS; grown on demand.
let scratchPath = new Float64Array(64);
let scratchSpas: (Uint32Array | undefined)[] = new Array(64).fill(undefined);

const EARLY_EMPTY = 1;
const EARLY_NEIGHBOR = 2;
const EARLY_AS_SET = 3;

/**
 * Fill scratchPath with the COMPRESSED_AS_PATH, origin first, and return N; or the negated early
 * outcome (empty path, neighbour mismatch, AS_SET), in the draft's order of checks.
 */
function compress(path: AsPath, ctx: AspaContext): number {
  // The most recently added AS: the first ASN of the first non-confederation segment.
  let first = -1;
  let firstIsSet = false;
  let any = false;
  for (let i = 0; i < path.length; i++) {
    const s = path[i]!;
    if (s.type === AS_CONFED_SEQUENCE || s.type === AS_CONFED_SET || s.asns.length === 0) continue;
    any = true;
    first = s.asns[0]!;
    firstIsSet = s.type === AS_SET;
    break;
  }
  if (!any) return -EARLY_EMPTY;
  // A leading AS_SET has no "most recently added AS" to compare: it fails on the AS_SET rule (same verdict).
  if (!firstIsSet && ctx.neighborRole !== 'rs' && first !== ctx.neighborAsn) return -EARLY_NEIGHBOR;
  let n = 0;
  let last = -1;
  for (let i = path.length - 1; i >= 0; i--) {
    const s = path[i]!;
    const t = s.type;
    if (t === AS_CONFED_SEQUENCE || t === AS_CONFED_SET) continue;
    if (t === AS_SET && s.asns.length > 0) return -EARLY_AS_SET;
    const asns = s.asns;
    for (let j = asns.length - 1; j >= 0; j--) {
      const a = asns[j]!;
      if (a === last) continue;
      last = a;
      if (n === scratchPath.length) grow();
      scratchPath[n++] = a;
    }
  }
  return n;
}

function grow(): void {
  const p = new Float64Array(scratchPath.length * 2);
  p.set(scratchPath);
  scratchPath = p;
  scratchSpas = scratchSpas.concat(new Array(scratchSpas.length).fill(undefined));
}

/**
 * The verdict only, for the hot path (millions of routes per second): no allocation, and the upstream
 * procedure stops at the first "Not Provider+" hop.
 */
export function aspaVerdict(table: AspaTable, path: AsPath, ctx: AspaContext): AspaVerdict {
  const n = compress(path, ctx);
  if (n <= 0) return 'invalid';
  const p = scratchPath;
  if (ctx.neighborRole !== 'provider') {
    // Upstream (§6.2): every hop A(i) -> A(i+1) must be Provider+; max_up_ramp < N means Invalid.
    let unknown = false;
    for (let i = 0; i < n - 1; i++) {
      const s = table.lookup(p[i]!);
      if (s === undefined) unknown = true;
      else if (!contains(s, p[i + 1]!)) return 'invalid';
    }
    return unknown ? 'unknown' : 'valid';
  }
  // Downstream (§6.3): one lookup per AS, used for both its up hop (to A(i+1)) and down hop (to A(i-1)).
  downstreamRamps(table, n);
  if (rampMaxUp + rampMaxDown < n) return 'invalid';
  if (rampMinUp + rampMinDown < n) return 'unknown';
  return 'valid';
}

// Results of downstreamRamps, kept in module variables so the hot path allocates nothing.
let rampMaxUp = 0;
let rampMinUp = 0;
let rampMaxDown = 0;
let rampMinDown = 0;

/** Compute the four ramps (§6.1) of scratchPath[0..n); indices below are the draft's 1-based I and J. */
function downstreamRamps(table: AspaTable, n: number): void {
  const p = scratchPath;
  const spas = scratchSpas;
  for (let i = 0; i < n; i++) spas[i] = table.lookup(p[i]!);
  // max_up_ramp: minimum I with authorized(A(I), A(I+1)) = Not Provider+, else N;
  // min_up_ramp: minimum I with No Attestation or Not Provider+, else N.
  let maxUp = n;
  let minUp = n;
  for (let i = 1; i < n; i++) {
    const c = authCode(spas[i - 1], p[i]!);
    if (c !== PROVIDER_PLUS && minUp === n) minUp = i;
    if (c === NOT_PROVIDER_PLUS) {
      maxUp = i;
      break;
    }
  }
  // max_down_ramp: N - J + 1 for the maximum J with authorized(A(J), A(J-1)) = Not Provider+, else N;
  // min_down_ramp: the same with No Attestation or Not Provider+.
  let maxDown = n;
  let minDown = n;
  for (let j = n; j >= 2; j--) {
    const c = authCode(spas[j - 1], p[j - 2]!);
    if (c !== PROVIDER_PLUS && minDown === n) minDown = n - j + 1;
    if (c === NOT_PROVIDER_PLUS) {
      maxDown = n - j + 1;
      break;
    }
  }
  for (let i = 0; i < n; i++) spas[i] = undefined;
  rampMaxUp = maxUp;
  rampMinUp = minUp;
  rampMaxDown = maxDown;
  rampMinDown = minDown;
}

/** The four ramp lengths of draft §6.1; for the upstream procedure the down ramps are 0 (§6.2). */
export interface AspaRamps {
  maxUp: number;
  minUp: number;
  maxDown: number;
  minDown: number;
}

/** A hop the provider authorization function found "Not Provider+": `provider` is not in `customer`'s U-SPAS. */
export interface NotProviderPlusHop {
  customer: number;
  provider: number;
  /** 'up': the hop A(i) -> A(i+1) toward the neighbour; 'down': A(j) -> A(j-1) toward the origin. */
  direction: 'up' | 'down';
}

export interface AspaVerification {
  verdict: AspaVerdict;
  procedure: AspaProcedure;
  /** Why it is Invalid: a rule that halts early, or the ramps; null when Valid or Unknown. */
  reason: 'empty-path' | 'neighbor-mismatch' | 'as-set' | 'ramps' | null;
  /** COMPRESSED_AS_PATH in received order (neighbour first); empty when an early rule halted. */
  path: number[];
  /** The ramps; null when an early rule halted before they were computed. */
  ramps: AspaRamps | null;
  /** Every "Not Provider+" hop the procedure evaluated, to log why a route is Invalid (§7.5). */
  notProviderPlus: NotProviderPlusHop[];
}

/** Full verification with ramps and offending hops (for the CLI, logs and the monitor). */
export function aspaVerify(table: AspaTable, path: AsPath, ctx: AspaContext): AspaVerification {
  const procedure = aspaProcedureFor(ctx.neighborRole);
  const n = compress(path, ctx);
  if (n <= 0) {
    const reason = n === -EARLY_EMPTY ? 'empty-path' : n === -EARLY_NEIGHBOR ? 'neighbor-mismatch' : 'as-set';
    return { verdict: 'invalid', procedure, reason, path: [], ramps: null, notProviderPlus: [] };
  }
  const a = Array.from(scratchPath.subarray(0, n)); // A(1)..A(N)
  const notProviderPlus: NotProviderPlusHop[] = [];
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < n - 1; i++) {
    const c = authCode(table.lookup(a[i]!), a[i + 1]!);
    up.push(c);
    if (c === NOT_PROVIDER_PLUS) notProviderPlus.push({ customer: a[i]!, provider: a[i + 1]!, direction: 'up' });
  }
  let ramps: AspaRamps;
  const firstUp = (pred: (c: number) => boolean): number => {
    const i = up.findIndex(pred);
    return i < 0 ? n : i + 1;
  };
  const maxUp = firstUp((c) => c === NOT_PROVIDER_PLUS);
  const minUp = firstUp((c) => c !== PROVIDER_PLUS);
  if (procedure === 'upstream') {
    ramps = { maxUp, minUp, maxDown: 0, minDown: 0 };
  } else {
    // down[k] = authorized(A(k+2), A(k+1)) for k = 0..n-2, i.e. J = k + 2.
    for (let k = 0; k < n - 1; k++) {
      const c = authCode(table.lookup(a[k + 1]!), a[k]!);
      down.push(c);
      if (c === NOT_PROVIDER_PLUS) notProviderPlus.push({ customer: a[k + 1]!, provider: a[k]!, direction: 'down' });
    }
    const lastDown = (pred: (c: number) => boolean): number => {
      for (let k = down.length - 1; k >= 0; k--) if (pred(down[k]!)) return n - (k + 2) + 1;
      return n;
    };
    ramps = {
      maxUp,
      minUp,
      maxDown: lastDown((c) => c === NOT_PROVIDER_PLUS),
      minDown: lastDown((c) => c !== PROVIDER_PLUS),
    };
  }
  let verdict: AspaVerdict = 'valid';
  if (ramps.maxUp + ramps.maxDown < n) verdict = 'invalid';
  else if (ramps.minUp + ramps.minDown < n) verdict = 'unknown';
  return {
    verdict,
    procedure,
    reason: verdict === 'invalid' ? 'ramps' : null,
    path: a.reverse(),
    ramps,
    notProviderPlus,
  };
}
