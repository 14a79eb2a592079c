// The guard (circuit breaker). Every diff is evaluated before it may deploy: withdrawals, binding
// removals, modifications (origin, prepends, communities) and new announcements are limited as a count
// and as a fraction per account, location, region and globally for the change itself, and withdrawals,
// removals and modifications cumulatively over several sliding windows of what was admitted and as drift
// from the good snapshot of a day ago (guard-cumulative.ts); a prefix that flaps is held. Over a limit the
// change is held for an operator's approval and the breaker trips; a tripped breaker blocks every further
// destructive deployment until an operator resets it. Restoring changes (re-announce, re-bind what a
// known-good state had) are never blocked; new announcements wait while the breaker is tripped.
// Pure: state in, state out.

import type { KnownGood, SnapshotDiff } from '../snapshot/diff.js';
import type { Announcement, Binding } from '../snapshot/model.js';
import { rolloutError } from './errors.js';
import {
  allowedBy,
  CUMULATIVE_KINDS,
  type CumulativeContext,
  driftViolations,
  flapViolations,
  windowViolations,
} from './guard-cumulative.js';
import type {
  AdmittedChange,
  GuardConfig,
  GuardState,
  GuardViolation,
  KindLimits,
  Limit,
  ScopeLimits,
  WindowSpec,
} from './guard-model.js';

export type {
  AdmittedChange,
  BreakerState,
  CumulativeKind,
  CumulativeLimits,
  DriftSpec,
  FlapSpec,
  GuardConfig,
  GuardState,
  GuardViolation,
  KindLimits,
  Limit,
  ScopeLimits,
  WindowSpec,
} from './guard-model.js';

const PER_CHANGE: ScopeLimits = {
  account: { count: 25, fraction: 0.1 },
  location: { count: 25, fraction: 0.005 },
  region: { count: 25, fraction: 0.005 },
  global: { count: 25, fraction: 0.005 },
};

/** The same limits for withdrawals, unbinds and modifications. */
const sameForEveryKind = (l: KindLimits['withdrawals']): KindLimits => ({
  withdrawals: l,
  unbinds: l,
  modifications: l,
});

/**
 * Defaults sized on the 20 February 2026 incident (6,500 prefixes announced, 4,306 BYOIP): at most 40
 * distinct prefixes may be withdrawn in 15 minutes (< 1% of BYOIP, 43) before everything is held; one
 * change may withdraw at most 25 prefixes, or 0.5% of a location, region or the network; one account may
 * withdraw at most 25 of its prefixes or 10%, whichever is larger, so a customer can always delete its own
 * handful. Binding removals and modifications follow the same limits.
 *
 * Over longer windows, sized on the outside red team of issue 10 (1 prefix withdrawn every 26 s for 42
 * minutes stayed at 36 per 15 minutes, under 40, and withdrew 26% of the demo's prefixes): at most 1% of
 * the network (at least 1) per hour and 2% per day or as drift from the good snapshot of a day ago; an
 * account at most 25 or 10% per hour, 25 or 20% per day. A prefix withdrawn and restored more than twice
 * in an hour is held: RFC 2439's classic damping (penalty 1000 per flap, suppress at 2000) suppresses a
 * route at its third flap.
 */
export const DEFAULT_GUARD: GuardConfig = {
  withdrawals: PER_CHANGE,
  unbinds: PER_CHANGE,
  modifications: PER_CHANGE,
  // Issue 10: one customer token announced 8.8.8.0/24 and 1.1.1.0/24 at every location within 1.6 s.
  // New announcements have the withdrawals' blast radius: a customer can still bring its handful at once.
  announcements: PER_CHANGE,
  windows: [
    {
      name: '15m',
      ms: 15 * 60_000,
      ...sameForEveryKind({
        account: { count: 25, fraction: 0.1 },
        location: { count: 40, fraction: 0.005 },
        global: { count: 40, fraction: 0.005 },
      }),
    },
    {
      name: '1h',
      ms: 60 * 60_000,
      ...sameForEveryKind({
        account: { count: 25, fraction: 0.1 },
        location: { count: 1, fraction: 0.01 },
        global: { count: 1, fraction: 0.01 },
      }),
    },
    {
      name: '24h',
      ms: 24 * 3600_000,
      ...sameForEveryKind({
        account: { count: 25, fraction: 0.2 },
        location: { count: 1, fraction: 0.02 },
        global: { count: 1, fraction: 0.02 },
      }),
    },
  ],
  drift: {
    ageMs: 24 * 3600_000,
    ...sameForEveryKind({
      account: { count: 25, fraction: 0.2 },
      location: { count: 1, fraction: 0.02 },
      global: { count: 1, fraction: 0.02 },
    }),
  },
  flap: { ms: 60 * 60_000, cycles: 2 },
  onTrip: 'restore-window',
};

export function allowed(limit: Limit, base: number): number {
  return allowedBy(limit, base);
}

export interface GuardDecision {
  verdict: 'allow' | 'hold';
  restoringOnly: boolean;
  withdrawals: number;
  unbinds: number;
  /** New announcements (not restoring) in the change. */
  announcements?: number;
  /** Absent in decisions recorded before modifications were counted. */
  modifications?: number;
  violations: GuardViolation[];
  /** One line for logs and the CLI. */
  summary: string;
}

export const initialGuardState = (): GuardState => ({
  breaker: { tripped: false, since: null, reason: null },
  admitted: [],
});

export function validateGuardConfig(c: GuardConfig): void {
  const check = (l: Limit, name: string) => {
    if (!Number.isInteger(l.count) || l.count < 0)
      throw rolloutError('E_ROLLOUT_CONFIG', `${name}.count must be a non-negative integer`);
    if (!(l.fraction >= 0 && l.fraction <= 1))
      throw rolloutError('E_ROLLOUT_CONFIG', `${name}.fraction must be within 0..1`);
  };
  for (const k of ['withdrawals', 'unbinds', 'modifications', 'announcements'] as const) {
    for (const s of ['account', 'location', 'region', 'global'] as const) check(c[k][s], `${k}.${s}`);
  }
  const cumulative = (l: KindLimits, name: string) => {
    for (const k of CUMULATIVE_KINDS)
      for (const s of ['account', 'location', 'global'] as const) check(l[k][s], `${name}.${k}.${s}`);
  };
  if (c.windows.length === 0) throw rolloutError('E_ROLLOUT_CONFIG', 'windows needs at least one window');
  for (const [i, w] of c.windows.entries()) {
    if (!(w.ms > 0)) throw rolloutError('E_ROLLOUT_CONFIG', `windows[${i}].ms must be positive`);
    if (i > 0 && !(w.ms > (c.windows[i - 1] as WindowSpec).ms))
      throw rolloutError('E_ROLLOUT_CONFIG', 'windows must be listed shortest first');
    cumulative(w, `windows[${i}]`);
  }
  if (!(c.drift.ageMs > 0)) throw rolloutError('E_ROLLOUT_CONFIG', 'drift.ageMs must be positive');
  cumulative(c.drift, 'drift');
  if (!(c.flap.ms > 0)) throw rolloutError('E_ROLLOUT_CONFIG', 'flap.ms must be positive');
  if (!Number.isInteger(c.flap.cycles) || c.flap.cycles < 0)
    throw rolloutError('E_ROLLOUT_CONFIG', 'flap.cycles must be a non-negative integer');
}

/** The shortest window: what a trip's 'restore-window' puts back. */
export function restoreWindowMs(cfg: GuardConfig): number {
  return (cfg.windows[0] as WindowSpec).ms;
}

/** How long admitted changes are kept: the longest window, the flap window, drift's approvals, 2 restore windows. */
function retentionMs(cfg: GuardConfig): number {
  return Math.max(...cfg.windows.map((w) => w.ms), cfg.flap.ms, cfg.drift.ageMs, 2 * restoreWindowMs(cfg));
}

function inWindow(s: GuardState, now: number, ms: number): AdmittedChange[] {
  return s.admitted.filter((a) => a.at > now - ms);
}

/** What the guard knows besides the diff: the drift diff and, when known, who made each account's delta. */
export interface GuardContext extends CumulativeContext {
  /** Diff from the good snapshot of a day ago (cfg.drift.ageMs) to the proposed one; null: none so old. */
  drift?: SnapshotDiff | null;
}

/**
 * What the guard admitted taking away from known-good states (kept two windows): re-announcing or
 * re-binding one of these unchanged is restoring (src/snapshot/diff.ts KnownGood). The last good
 * snapshot itself is the diff's `before`.
 */
export function knownGood(s: GuardState): KnownGood {
  const announcements = new Map<string, Announcement>();
  const bindings = new Map<string, Binding>();
  for (const a of s.admitted) {
    for (const w of a.withdrawn) announcements.set(w.prefix, w);
    for (const u of a.unbound) bindings.set(u.id, u);
  }
  return { announcements, bindings };
}

/**
 * Evaluates one diff (the whole change about to be deployed, against what the network runs) at `now`.
 * A diff with only restoring changes is always allowed, tripped breaker or not.
 */
export function evaluateGuard(
  diff: SnapshotDiff,
  state: GuardState,
  cfg: GuardConfig,
  now: number,
  hasWithdrawAllMark = false,
  ctx: GuardContext = {},
): GuardDecision {
  const t = diff.totals;
  const base = {
    verdict: 'allow' as const,
    restoringOnly: diff.restoringOnly,
    withdrawals: t.withdraw,
    unbinds: t.unbind,
    announcements: diff.fresh.totals.announce,
    modifications: t.modify,
  };
  if (diff.restoringOnly) return { ...base, violations: [], summary: 'restoring only: never blocked' };
  const v: GuardViolation[] = [];
  if (state.breaker.tripped) {
    v.push({
      kind: 'breaker',
      scope: 'breaker',
      key: state.breaker.reason ?? 'tripped',
      count: 0,
      base: 0,
      allowed: 0,
    });
  }
  if (diff.emptiedLocations.length > 0 && !hasWithdrawAllMark) {
    for (const l of diff.emptiedLocations) {
      v.push({
        kind: 'withdraw-all',
        scope: 'location',
        key: l,
        count: diff.before.byLocation[l]?.announcements ?? 0,
        base: 0,
        allowed: 0,
      });
    }
  }
  // New announcements are counted from the diff's fresh counts (re-announcements are restoring).
  const kinds = [
    ['withdrawals', 'withdraw', 'announcements', diff],
    ['unbinds', 'unbind', 'bindings', diff],
    ['modifications', 'modify', 'announcements', diff],
    ['announcements', 'announce', 'announcements', diff.fresh],
  ] as const;
  for (const [kind, field, size, counts] of kinds) {
    const lim = cfg[kind];
    const over = (scope: GuardViolation['scope'], key: string, count: number, b: number, l: Limit) => {
      const a = allowed(l, b);
      if (count > a) v.push({ kind, scope, key, count, base: b, allowed: a });
    };
    over('global', '*', counts.totals[field], diff.before[size], lim.global);
    for (const [acct, c] of Object.entries(counts.byAccount)) {
      if (c[field] > 0) over('account', acct, c[field], diff.before.byAccount[acct]?.[size] ?? 0, lim.account);
    }
    for (const [loc, c] of Object.entries(counts.byLocation)) {
      if (c[field] > 0) over('location', loc, c[field], diff.before.byLocation[loc]?.[size] ?? 0, lim.location);
    }
    for (const [reg, c] of Object.entries(counts.byRegion)) {
      if (c[field] > 0) over('region', reg, c[field], diff.before.byRegion[reg]?.[size] ?? 0, lim.region);
    }
  }
  v.push(...windowViolations(diff, state, cfg, now, ctx));
  v.push(...driftViolations(diff, ctx.drift, state, cfg, now, ctx));
  v.push(...flapViolations(diff, state, cfg, now));
  if (v.length === 0)
    return {
      ...base,
      violations: [],
      summary: `allowed: ${t.withdraw} withdrawals, ${t.unbind} unbinds, ${t.modify} modifications, ${diff.fresh.totals.announce} new announcements`,
    };
  return { ...base, verdict: 'hold', violations: v, summary: `held: ${summarizeViolations(v)}` };
}

/** One line: each kind and scope once, with how many keys it hit and the worst count against its limit. */
export function summarizeViolations(v: readonly GuardViolation[]): string {
  const groups = new Map<string, GuardViolation[]>();
  for (const x of v) {
    const k = `${x.kind}/${x.scope}/${x.window ?? ''}`;
    const g = groups.get(k) ?? [];
    g.push(x);
    groups.set(k, g);
  }
  const plural: Record<string, string> = { account: 'accounts', location: 'locations', region: 'regions' };
  const parts: string[] = [];
  for (const g of groups.values()) {
    const worst = g.reduce((a, b) => (b.count - b.allowed > a.count - a.allowed ? b : a));
    if (g.length === 1) parts.push(violationText(worst));
    else
      parts.push(
        `${worst.kind}${worst.window ? ` ${windowPhrase(worst.window)}` : ''} over the limit at ${g.length} ${plural[worst.scope] ?? worst.scope} (worst ${worst.key}: ${worst.count} > ${worst.allowed})`,
      );
  }
  return parts.join('; ');
}

export function violationText(x: GuardViolation): string {
  if (x.kind === 'breaker') return `breaker tripped since ${x.key}`;
  if (x.kind === 'withdraw-all')
    return `withdraws everything at ${x.key} (${x.count} prefixes) without a withdraw-all mark`;
  if (x.kind === 'flap')
    return `${x.key} was withdrawn and restored ${x.count} times in ${x.window} (more than ${x.allowed}): further changes to it are held`;
  return `${x.count} ${x.kind} ${x.scope === 'global' ? 'network-wide' : `${x.scope} ${x.key}`}${x.window ? ` ${windowPhrase(x.window)}` : ''} > ${x.allowed} allowed${x.base ? ` (of ${x.base})` : ''}`;
}

/** "in 1h", or for drift "since the good snapshot of 24h ago". */
function windowPhrase(w: string): string {
  return w.startsWith('drift-') ? `since the good snapshot of ${w.slice(6)} ago` : `in ${w}`;
}

/** Records a deployment that was admitted (by the limits, or by an approval). Returns the new state. */
export function admit(
  state: GuardState,
  cfg: GuardConfig,
  diff: SnapshotDiff,
  rolloutId: string,
  now: number,
  approvalId: string | null,
): GuardState {
  const withdrawn: Announcement[] = [];
  for (const c of diff.announcements) if (c.kind === 'withdraw' && c.before) withdrawn.push(c.before);
  const modified: Announcement[] = [];
  for (const c of diff.announcements) if (c.kind === 'modify' && c.before) modified.push(c.before);
  const unbound: Binding[] = [];
  for (const c of diff.bindings) if (c.kind === 'unbind') unbound.push(c.binding);
  // Entries older than every window (and the flap window, and drift's approvals) are of no more use.
  const keep = state.admitted.filter((a) => a.at > now - retentionMs(cfg));
  if (withdrawn.length === 0 && unbound.length === 0 && modified.length === 0) return { ...state, admitted: keep };
  return { ...state, admitted: [...keep, { at: now, rolloutId, approvalId, withdrawn, unbound, modified }] };
}

export function trip(state: GuardState, reason: string, now: number): GuardState {
  if (state.breaker.tripped) return state;
  return { ...state, breaker: { tripped: true, since: now, reason } };
}

export function reset(state: GuardState): GuardState {
  if (!state.breaker.tripped) throw rolloutError('E_GUARD_NOT_TRIPPED', 'the circuit breaker is not tripped');
  return { ...state, breaker: { tripped: false, since: null, reason: null } };
}

/** What admitted changes inside the shortest window took away: what 'restore-window' puts back. */
export function windowLosses(
  state: GuardState,
  cfg: GuardConfig,
  now: number,
): { announcements: Announcement[]; bindings: Binding[] } {
  const announcements: Announcement[] = [];
  const bindings: Binding[] = [];
  for (const a of inWindow(state, now, restoreWindowMs(cfg))) {
    if (a.approvalId !== null) continue; // an operator approved these withdrawals explicitly
    announcements.push(...a.withdrawn);
    bindings.push(...a.unbound);
  }
  return { announcements, bindings };
}
