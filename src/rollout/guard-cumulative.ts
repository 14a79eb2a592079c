// The guard's limits over time, the ones a patient job cannot slip under: what admitted changes withdrew,
// unbound and modified, counted as distinct prefixes / binding ids per account, location and network over
// several sliding windows and as drift from the last good snapshot of a day ago; and flap detection, an
// announcement withdrawn and restored too often. Pure: the ledger of admitted changes (GuardState) and the
// diff being judged in, violations out. guard.ts composes these with the per-change limits.
//
// One customer withdrawing its own few prefixes is never held by these limits: within a window, the
// account with the most changes that stays inside its own account limit is left out of the location and
// network counts (only that one: a second account's changes count in full). When the caller knows which
// accounts' deltas were made by their own identities (attribution from the audit log), only those
// accounts may be left out.
import type { SnapshotDiff } from '../snapshot/diff.js';
import type { LocationScope } from '../snapshot/model.js';
import type {
  AdmittedChange,
  CumulativeKind,
  CumulativeLimits,
  GuardConfig,
  GuardState,
  GuardViolation,
  Limit,
} from './guard-model.js';

export const CUMULATIVE_KINDS: readonly CumulativeKind[] = ['withdrawals', 'unbinds', 'modifications'];

interface Item {
  account: string;
  locations: LocationScope;
}

type Items = Record<CumulativeKind, Map<string, Item>>;

const emptyItems = (): Items => ({ withdrawals: new Map(), unbinds: new Map(), modifications: new Map() });

const SIZE: Record<CumulativeKind, 'announcements' | 'bindings'> = {
  withdrawals: 'announcements',
  unbinds: 'bindings',
  modifications: 'announcements',
};

/** The withdrawals, unbinds and modifications of a diff, each where it happens. */
export function itemsOfDiff(diff: SnapshotDiff, into: Items = emptyItems()): Items {
  for (const c of diff.announcements) {
    if (c.kind === 'withdraw') into.withdrawals.set(c.prefix, { account: c.account, locations: c.locations });
    else if (c.kind === 'modify') into.modifications.set(c.prefix, { account: c.account, locations: c.locations });
  }
  for (const c of diff.bindings)
    if (c.kind === 'unbind') into.unbinds.set(c.id, { account: c.account, locations: c.locations });
  return into;
}

/** What the ledger's entries took away (an entry recorded before modifications were counted has none). */
function itemsOfLedger(entries: readonly AdmittedChange[], into: Items = emptyItems()): Items {
  for (const a of entries) {
    for (const w of a.withdrawn) into.withdrawals.set(w.prefix, w);
    for (const m of a.modified ?? []) into.modifications.set(m.prefix, m);
    for (const u of a.unbound) into.unbinds.set(u.id, u);
  }
  return into;
}

function unapprovedSince(s: GuardState, since: number): AdmittedChange[] {
  // An approved change was judged by a second person: it does not count against the changes after it.
  return s.admitted.filter((a) => a.at > since && a.approvalId === null);
}

/** Keys an operator approved (within `since`): drift leaves them out, like the windows do. */
function approvedKeys(s: GuardState, since: number): Items {
  return itemsOfLedger(s.admitted.filter((a) => a.at > since && a.approvalId !== null));
}

export function allowedBy(limit: Limit, base: number): number {
  return Math.max(limit.count, Math.floor(limit.fraction * base));
}

export interface CumulativeContext {
  /** Accounts whose delta was made by their own identities; absent: any account may be the one left out. */
  selfService?: ReadonlySet<string>;
}

/**
 * Judges one cumulative count: `all` (what the window or the drift holds, this change included) against
 * `limits`, in the scopes this change touches (`mine`). Sizes are the last good snapshot's.
 */
function judge(
  kind: CumulativeKind,
  all: Map<string, Item>,
  mine: Map<string, Item>,
  limits: CumulativeLimits,
  diff: SnapshotDiff,
  window: string,
  ctx: CumulativeContext,
): GuardViolation[] {
  if (mine.size === 0) return [];
  const size = SIZE[kind];
  const out: GuardViolation[] = [];
  const perAccount = new Map<string, number>();
  for (const it of all.values()) perAccount.set(it.account, (perAccount.get(it.account) ?? 0) + 1);
  const touchedAccounts = new Set([...mine.values()].map((i) => i.account));
  let exempt: string | null = null;
  let exemptCount = 0;
  for (const [acct, n] of perAccount) {
    const a = allowedBy(limits.account, diff.before.byAccount[acct]?.[size] ?? 0);
    if (n > a) {
      if (touchedAccounts.has(acct))
        out.push({
          kind,
          scope: 'account',
          key: acct,
          count: n,
          base: diff.before.byAccount[acct]?.[size] ?? 0,
          allowed: a,
          window,
        });
      continue;
    }
    if (ctx.selfService && !ctx.selfService.has(acct)) continue;
    if (n > exemptCount || (n === exemptCount && exempt !== null && acct < exempt)) {
      exempt = acct;
      exemptCount = n;
    }
  }
  // Location and network counts, without the one customer's own changes.
  let star = 0;
  let total = 0;
  const perLoc = new Map<string, number>();
  const universe = new Set(diff.universe);
  for (const it of all.values()) {
    if (it.account === exempt) continue;
    total++;
    if (it.locations === '*') star++;
    else for (const l of it.locations) if (universe.has(l)) perLoc.set(l, (perLoc.get(l) ?? 0) + 1);
  }
  const touchedLocs = new Set<string>();
  for (const it of mine.values()) {
    if (it.account === exempt) continue;
    if (it.locations === '*') for (const l of diff.universe) touchedLocs.add(l);
    else for (const l of it.locations) if (universe.has(l)) touchedLocs.add(l);
  }
  if ([...mine.values()].some((i) => i.account !== exempt)) {
    const a = allowedBy(limits.global, diff.before[size]);
    if (total > a)
      out.push({ kind, scope: 'global', key: '*', count: total, base: diff.before[size], allowed: a, window });
  }
  for (const l of [...touchedLocs].sort()) {
    const n = star + (perLoc.get(l) ?? 0);
    const b = diff.before.byLocation[l]?.[size] ?? 0;
    const a = allowedBy(limits.location, b);
    if (n > a) out.push({ kind, scope: 'location', key: l, count: n, base: b, allowed: a, window });
  }
  return out;
}

/** Every window of `cfg`: the ledger's unapproved changes inside it plus this change, per kind and scope. */
export function windowViolations(
  diff: SnapshotDiff,
  s: GuardState,
  cfg: GuardConfig,
  now: number,
  ctx: CumulativeContext = {},
): GuardViolation[] {
  const mine = itemsOfDiff(diff);
  const out: GuardViolation[] = [];
  for (const w of cfg.windows) {
    const all = itemsOfDiff(diff, itemsOfLedger(unapprovedSince(s, now - w.ms)));
    for (const k of CUMULATIVE_KINDS) out.push(...judge(k, all[k], mine[k], w[k], diff, w.name, ctx));
  }
  return out;
}

/**
 * Drift: how far the proposed snapshot is from the good snapshot of a day ago (`drift`, that diff), less
 * what operators approved since, plus this change (pending unbinds included), per kind and scope.
 */
export function driftViolations(
  diff: SnapshotDiff,
  drift: SnapshotDiff | null | undefined,
  s: GuardState,
  cfg: GuardConfig,
  now: number,
  ctx: CumulativeContext = {},
): GuardViolation[] {
  if (!drift) return [];
  const mine = itemsOfDiff(diff);
  const all = itemsOfDiff(drift);
  const approved = approvedKeys(s, now - cfg.drift.ageMs);
  for (const k of CUMULATIVE_KINDS) {
    for (const key of approved[k].keys()) all[k].delete(key);
    for (const [key, it] of mine[k]) all[k].set(key, it);
  }
  const name = `drift-${Math.round(cfg.drift.ageMs / 3600_000)}h`;
  const out: GuardViolation[] = [];
  for (const k of CUMULATIVE_KINDS) out.push(...judge(k, all[k], mine[k], cfg.drift[k], diff, name, ctx));
  return out;
}

/**
 * How often each prefix was withdrawn by changes admitted within the flap window. Admitted changes run
 * one after another against the last good snapshot, so a change that withdraws or modifies a prefix finds
 * it announced: every earlier withdrawal in the window was followed by a restore (a re-announce, a
 * rollback, a restoring rollout), and this count is the prefix's withdraw-and-restore cycles.
 */
export function flapCycles(s: GuardState, cfg: GuardConfig, now: number): Map<string, number> {
  const cycles = new Map<string, number>();
  for (const a of s.admitted) {
    if (a.at <= now - cfg.flap.ms) continue;
    for (const w of a.withdrawn) cycles.set(w.prefix, (cycles.get(w.prefix) ?? 0) + 1);
  }
  return cycles;
}

/** Withdrawals and modifications of prefixes that flapped more than `cfg.flap.cycles` times. */
export function flapViolations(diff: SnapshotDiff, s: GuardState, cfg: GuardConfig, now: number): GuardViolation[] {
  const cycles = flapCycles(s, cfg, now);
  if (cycles.size === 0) return [];
  const out: GuardViolation[] = [];
  const seen = new Set<string>();
  for (const c of diff.announcements) {
    if ((c.kind !== 'withdraw' && c.kind !== 'modify') || seen.has(c.prefix)) continue;
    seen.add(c.prefix);
    const n = cycles.get(c.prefix) ?? 0;
    if (n > cfg.flap.cycles)
      out.push({
        kind: 'flap',
        scope: 'prefix',
        key: c.prefix,
        count: n,
        base: 0,
        allowed: cfg.flap.cycles,
        window: `${Math.round(cfg.flap.ms / 60_000)}m`,
      });
  }
  return out;
}
