// The guard's data: its configuration (limits per change, over windows, as drift, for flapping), its
// verdicts and its state (the breaker and the ledger of admitted changes). Types only; guard.ts and
// guard-cumulative.ts hold the rules.
import type { Announcement, Binding } from '../snapshot/model.js';

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
  /** Limits of one change (the whole diff against the last good snapshot). */
  withdrawals: ScopeLimits;
  unbinds: ScopeLimits;
  /** Announcements whose origin, prepends or communities change (next hops are not in a snapshot). */
  modifications: ScopeLimits;
  /** New announcements (prefixes no known-good state announced) per change. */
  announcements: ScopeLimits;
  /**
   * Sliding windows over admitted changes (shortest first): distinct prefixes withdrawn, bindings removed
   * and prefixes modified, per account, location and network, this change included.
   */
  windows: readonly WindowSpec[];
  /** The same counts against the good snapshot of a day ago (net change, less what operators approved). */
  drift: DriftSpec;
  flap: FlapSpec;
  /**
   * What a trip does to changes already admitted inside the shortest window: 'restore-window' re-announces and
   * re-binds them at once (restoring changes need no approval); 'hold' leaves them.
   */
  onTrip: 'restore-window' | 'hold';
}

/** What the cumulative limits count: distinct prefixes withdrawn or modified, distinct bindings removed. */
export type CumulativeKind = 'withdrawals' | 'unbinds' | 'modifications';

/** Limits of one cumulative count, per scope. */
export interface CumulativeLimits {
  account: Limit;
  location: Limit;
  global: Limit;
}

export type KindLimits = Record<CumulativeKind, CumulativeLimits>;

export interface WindowSpec extends KindLimits {
  /** Short name in violations and logs ("15m", "1h", "24h"). */
  name: string;
  ms: number;
}

export interface DriftSpec extends KindLimits {
  /** How old the good snapshot compared with is: the newest that became good at least this long ago. */
  ageMs: number;
}

export interface FlapSpec {
  ms: number;
  /** Withdrawn and restored more than this many times within `ms`: further changes to it are held. */
  cycles: number;
}

export interface GuardViolation {
  kind: 'withdrawals' | 'unbinds' | 'modifications' | 'announcements' | 'flap' | 'withdraw-all' | 'breaker';
  scope: 'account' | 'location' | 'region' | 'global' | 'prefix' | 'breaker';
  key: string;
  count: number;
  base: number;
  allowed: number;
  /** The window ("15m", "1h", "24h") or drift a cumulative limit counts over; absent for one change's limits. */
  window?: string;
}

/** What was admitted, kept for the window's rate and for restoring after a trip. */
export interface AdmittedChange {
  at: number;
  rolloutId: string;
  approvalId: string | null;
  withdrawn: Announcement[];
  unbound: Binding[];
  /** The announcements as they were before the change modified them (absent in older records). */
  modified?: Announcement[];
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
