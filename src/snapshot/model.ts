// Operational state: what the edge must announce and hold, per location. A snapshot is compiled from the
// desired state (src/addressing), is immutable, content-addressed (sha-256 of a canonical text form),
// numbered and linked to its parent. Plain data only; views, digests and diffs are derived from it.

/** Where an entry applies: every location ('*'), or the listed location ids (sorted, unique). */
export type LocationScope = '*' | readonly string[];

/** One BGP announcement. Keyed by `prefix`: a prefix is announced by one account at a time. */
export interface Announcement {
  /** Canonical prefix text (src/lib/prefix.ts formatPrefix). */
  readonly prefix: string;
  readonly account: string;
  readonly origin: number;
  /** How many times the origin ASN is prepended (0 = plain). */
  readonly prepends: number;
  /** Sorted standard / large communities as text ("65000:100", "65000:1:2"). */
  readonly communities: readonly string[];
  readonly locations: LocationScope;
}

/** A service binding the edge must hold: which service answers traffic for a cidr. Keyed by `id`. */
export interface Binding {
  readonly id: string;
  readonly account: string;
  readonly prefix: string;
  readonly service: string;
  readonly locations: LocationScope;
}

/** Explicit, guard-approved permission for a snapshot to leave a location announcing nothing. */
export interface WithdrawAllMark {
  readonly approvalId: string;
  readonly approvedBy: string;
  readonly reason: string;
}

/** What a snapshot says, without its identity: the part the content digest covers. */
export interface SnapshotContent {
  /** Sorted by prefix text. */
  readonly announcements: readonly Announcement[];
  /** Sorted by id. */
  readonly bindings: readonly Binding[];
  readonly withdrawAll: WithdrawAllMark | null;
}

export type SnapshotOrigin = 'compile' | 'rollback' | 'account-rollback' | 'restore' | 'approval';

export interface Snapshot extends SnapshotContent {
  /** sha-256 (hex) over number, parent and digest: the snapshot's identity. */
  readonly id: string;
  /** 1, 2, 3, ... in creation order. */
  readonly number: number;
  /** Id of the snapshot this one was made after (the previous one), or null for the first. */
  readonly parent: string | null;
  /** sha-256 (hex) of the canonical content: equal content, equal digest. */
  readonly digest: string;
  /** Version of the canonical form the digest was computed with (src/snapshot/digest.ts); absent: 1. */
  readonly digestVersion?: number;
  readonly createdAt: string;
  readonly origin: SnapshotOrigin;
  /** Why it exists: the compile trigger, the rollback command, ... */
  readonly reason: string;
}

/** A PoP: the unit a rollout stage selects. */
export interface LocationInfo {
  readonly id: string;
  readonly region: string;
  /** 1 = largest PoPs. Canary stages prefer the smallest tier numbers last (start small). */
  readonly tier: number;
}

/** Short human reference: "#12 (3fa9c0d1e2b4)". */
export function snapshotLabel(s: Pick<Snapshot, 'number' | 'id'>): string {
  return `#${s.number} (${s.id.slice(0, 12)})`;
}

export function inScope(scope: LocationScope, location: string): boolean {
  return scope === '*' || scope.includes(location);
}

export function scopeKey(scope: LocationScope): string {
  return scope === '*' ? '*' : scope.join(',');
}
