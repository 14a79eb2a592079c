// The guard (circuit breaker). Every diff is evaluated before it may deploy: withdrawals and binding
// removals are limited as a count and as a fraction per account, location, region and globally, and as a
// rate over a sliding window of what was admitted. Over a limit the change is held for an operator's
// approval and the breaker trips; a tripped breaker blocks every further destructive deployment until an
// operator resets it. Restoring changes (re-announce, re-bind what a known-good state had) are never
// blocked; new announcements are limited like withdrawals and wait while the breaker is tripped.
// Pure: state in, state out.

import type { KnownGood, SnapshotDiff } from '../snapshot/diff.js';
import type { Announcement, Binding } from '../snapshot/model.js';
import { rolloutError } from './errors.js';

/** Allowed = max(count, floor(fraction × size of the scope before the change)). */
export interface Limit {
  count: number;
  fraction: number;
}

export interface ScopeLimits {
  account: Limit;
  location: Limit;
  region: Limit;
  global: Limit;
}

export interface GuardConfig {
  withdrawals: ScopeLimits;
  unbinds: ScopeLimits;
  /** New announcements (prefixes no known-good state announced) per change. */
  announcements: ScopeLimits;
  /** Sliding window over admitted changes: distinct prefixes withdrawn / bindings removed. */
  window: { ms: number; withdrawals: Limit; unbinds: Limit };
  /**
   * What a trip does to changes already admitted inside the window: 'restore-window' re-announces and
   * re-binds them at once (restoring changes need no approval); 'hold' leaves them.
   */
  onTrip: 'restore-window' | 'hold';
}

/**
 * Defaults sized on the 20 February 2026 incident (6,500 prefixes announced, 4,306 BYOIP): at most 40
 * distinct prefixes may be withdrawn in 15 minutes (< 1% of BYOIP, 43) before everything is held; one
 * change may withdraw at most 25 prefixes, or 0.5% of a location, region or the network; one account may
 * withdraw at most 25 of its prefixes or 10%, whichever is larger, so a customer can always delete its own
 * handful. Binding removals follow the same limits.
 */
export const DEFAULT_GUARD: GuardConfig = {
  withdrawals: {
    account: { count: 25, fraction: 0.1 },
    location: { count: 25, fraction: 0.005 },
    region: { count: 25, fraction: 0.005 },
    global: { count: 25, fraction: 0.005 },
  },
  unbinds: {
    account: { count: 25, fraction: 0.1 },
    location: { count: 25, fraction: 0.005 },
    region: { count: 25, fraction: 0.005 },
    global: { count: 25, fraction: 0.005 },
  },
  // Issue 10: one customer token announced 8.8.8.0/24 and 1.1.1.0/24 at every location within 1.6 s.
  // New announcements have the withdrawals' blast radius: a customer can still bring its handful at once.
  announcements: {
    account: { count: 25, fraction: 0.1 },
    location: { count: 25, fraction: 0.005 },
    region: { count: 25, fraction: 0.005 },
    global: { count: 25, fraction: 0.005 },
  },
  window: { ms: 15 * 60_000, withdrawals: { count: 40, fraction: 0.005 }, unbinds: { count: 40, fraction: 0.005 } },
  onTrip: 'restore-window',
};

export function allowed(limit: Limit, base: number): number {
  return Math.max(limit.count, Math.floor(limit.fraction * base));
}

export interface GuardViolation {
  kind: 'withdrawals' | 'unbinds' | 'announcements' | 'withdraw-all' | 'breaker';
  scope: 'account' | 'location' | 'region' | 'global' | 'window' | 'breaker';
  key: string;
  count: number;
  base: number;
  allowed: number;
}

export interface GuardDecision {
  verdict: 'allow' | 'hold';
  restoringOnly: boolean;
  withdrawals: number;
  unbinds: number;
  /** New announcements (not restoring) in the change. */
  announcements?: number;
  violations: GuardViolation[];
  /** One line for logs and the CLI. */
  summary: string;
}

/** What was admitted, kept for the window's rate and for restoring after a trip. */
export interface AdmittedChange {
  at: number;
  rolloutId: string;
  approvalId: string | null;
  withdrawn: Announcement[];
  unbound: Binding[];
}

export interface BreakerState {
  tripped: boolean;
  since: number | null;
  reason: string | null;
}

export interface GuardState {
  breaker: BreakerState;
  admitted: AdmittedChange[];
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
  for (const k of ['withdrawals', 'unbinds', 'announcements'] as const) {
    for (const s of ['account', 'location', 'region', 'global'] as const) check(c[k][s], `${k}.${s}`);
  }
  if (!(c.window.ms > 0)) throw rolloutError('E_ROLLOUT_CONFIG', 'window.ms must be positive');
  check(c.window.withdrawals, 'window.withdrawals');
  check(c.window.unbinds, 'window.unbinds');
}

function inWindow(s: GuardState, now: number, ms: number): AdmittedChange[] {
  return s.admitted.filter((a) => a.at > now - ms);
}

/** Distinct prefixes withdrawn and bindings removed by what is admitted inside the window. */
export function windowUsage(
  s: GuardState,
  cfg: GuardConfig,
  now: number,
): { prefixes: Set<string>; bindings: Set<string> } {
  const prefixes = new Set<string>();
  const bindings = new Set<string>();
  for (const a of inWindow(s, now, cfg.window.ms)) {
    for (const w of a.withdrawn) prefixes.add(w.prefix);
    for (const u of a.unbound) bindings.add(u.id);
  }
  return { prefixes, bindings };
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
): GuardDecision {
  const t = diff.totals;
  const base = {
    verdict: 'allow' as const,
    restoringOnly: diff.restoringOnly,
    withdrawals: t.withdraw,
    unbinds: t.unbind,
    announcements: diff.fresh.totals.announce,
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
  const used = windowUsage(state, cfg, now);
  for (const c of diff.announcements) if (c.kind === 'withdraw') used.prefixes.add(c.prefix);
  for (const c of diff.bindings) if (c.kind === 'unbind') used.bindings.add(c.id);
  const windowed = [
    ['withdrawals', used.prefixes.size, t.withdraw, diff.before.announcements],
    ['unbinds', used.bindings.size, t.unbind, diff.before.bindings],
  ] as const;
  for (const [kind, count, inThisChange, base] of windowed) {
    const a = allowed(cfg.window[kind], base);
    if (count > a && inThisChange > 0)
      v.push({ kind, scope: 'window', key: `${cfg.window.ms / 1000}s`, count, base, allowed: a });
  }
  if (v.length === 0)
    return {
      ...base,
      violations: [],
      summary: `allowed: ${t.withdraw} withdrawals, ${t.unbind} unbinds, ${diff.fresh.totals.announce} new announcements`,
    };
  return { ...base, verdict: 'hold', violations: v, summary: `held: ${summarizeViolations(v)}` };
}

/** One line: each kind and scope once, with how many keys it hit and the worst count against its limit. */
export function summarizeViolations(v: readonly GuardViolation[]): string {
  const groups = new Map<string, GuardViolation[]>();
  for (const x of v) {
    const k = `${x.kind}/${x.scope}`;
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
        `${worst.kind} over the limit at ${g.length} ${plural[worst.scope] ?? worst.scope} (worst ${worst.key}: ${worst.count} > ${worst.allowed})`,
      );
  }
  return parts.join('; ');
}

export function violationText(x: GuardViolation): string {
  if (x.kind === 'breaker') return `breaker tripped since ${x.key}`;
  if (x.kind === 'withdraw-all')
    return `withdraws everything at ${x.key} (${x.count} prefixes) without a withdraw-all mark`;
  return `${x.count} ${x.kind} ${x.scope === 'global' ? 'network-wide' : `${x.scope} ${x.key}`} > ${x.allowed} allowed${x.base ? ` (of ${x.base})` : ''}`;
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
  const unbound: Binding[] = [];
  for (const c of diff.bindings) if (c.kind === 'unbind') unbound.push(c.binding);
  // Entries older than the window are of no more use, except for restoring after a trip: keep 2 windows.
  const keep = state.admitted.filter((a) => a.at > now - 2 * cfg.window.ms);
  if (withdrawn.length === 0 && unbound.length === 0) return { ...state, admitted: keep };
  return { ...state, admitted: [...keep, { at: now, rolloutId, approvalId, withdrawn, unbound }] };
}

export function trip(state: GuardState, reason: string, now: number): GuardState {
  if (state.breaker.tripped) return state;
  return { ...state, breaker: { tripped: true, since: now, reason } };
}

export function reset(state: GuardState): GuardState {
  if (!state.breaker.tripped) throw rolloutError('E_GUARD_NOT_TRIPPED', 'the circuit breaker is not tripped');
  return { ...state, breaker: { tripped: false, since: null, reason: null } };
}

/** What admitted changes inside the window took away: what 'restore-window' puts back. */
export function windowLosses(
  state: GuardState,
  cfg: GuardConfig,
  now: number,
): { announcements: Announcement[]; bindings: Binding[] } {
  const announcements: Announcement[] = [];
  const bindings: Binding[] = [];
  for (const a of inWindow(state, now, cfg.window.ms)) {
    if (a.approvalId !== null) continue; // an operator approved these withdrawals explicitly
    announcements.push(...a.withdrawn);
    bindings.push(...a.unbound);
  }
  return { announcements, bindings };
}
