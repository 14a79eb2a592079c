// The ports the addressing service needs from the outside world. src/store implements them (PGlite and
// PostgreSQL behind Kysely); src/bin/server.ts hands the implementation to the service. Nothing here
// does I/O: these are interfaces over the plain data of model.ts.

import type {
  Account,
  AuditEntry,
  BgpPrefix,
  Delegation,
  DesiredState,
  OwnershipProof,
  Page,
  PageOf,
  Prefix,
  PrefixState,
  ServiceBinding,
  Token,
} from './model.js';
import type { QuotaKind } from './quotas.js';

/** Reads and writes inside one transaction. Every method of the service that changes state runs in one. */
export interface AddressingTx {
  // accounts and tokens
  getAccount(id: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  insertAccount(a: Account): Promise<void>;
  /** The ASNs an admin registered for the account, ascending (what RPKI and IRR proofs must name). */
  listAccountAsns(accountId: string): Promise<number[]>;
  /** Replaces the account's registered ASNs. */
  setAccountAsns(accountId: string, asns: readonly number[]): Promise<void>;
  /** The prefix's recorded ownership proof. */
  getOwnershipProof(prefixId: string): Promise<OwnershipProof | undefined>;
  /** Records (or replaces) a prefix's ownership proof. */
  putOwnershipProof(p: OwnershipProof): Promise<void>;
  insertToken(t: Token): Promise<void>;
  getToken(id: string): Promise<Token | undefined>;
  listTokens(accountId: string | null): Promise<Token[]>;
  revokeToken(id: string, at: string): Promise<void>;

  // prefixes. `forUpdate` locks the row until the transaction ends.
  getPrefix(id: string, forUpdate?: boolean): Promise<Prefix | undefined>;
  listPrefixes(accountId: string, state: PrefixState, page: Page): Promise<PageOf<Prefix>>;
  /** Prefixes in any account whose state is `state`, in id order, after `afterId` (keyset paging). */
  listPrefixesByState(state: PrefixState, afterId: string, limit: number): Promise<Prefix[]>;
  /**
   * Serialises, until the transaction ends, every writer that claims address space: two racing creates of
   * overlapping prefixes otherwise each pass the overlap check and then deadlock on the exclusion
   * constraint, one lock taken first makes the second see the first's prefix and answer 409.
   */
  lockPrefixSpace(): Promise<void>;
  /** Live (not deleted) prefixes of any account whose cidr overlaps `cidr`. */
  overlappingPrefixes(cidr: string): Promise<Prefix[]>;
  insertPrefix(p: Prefix): Promise<void>;
  updatePrefix(p: Prefix): Promise<void>;

  // BGP prefixes
  getBgpPrefix(id: string, forUpdate?: boolean): Promise<BgpPrefix | undefined>;
  listBgpPrefixes(prefixId: string): Promise<BgpPrefix[]>;
  /** A BGP prefix and its parent prefix in one read, with an opaque version of both rows. */
  getBgpPrefixWithParent(id: string): Promise<{ bgp: BgpPrefix; parent: Prefix; version: string } | undefined>;
  /**
   * Compare-and-set in one statement: writes `b` and its audit entry only if neither the BGP prefix
   * nor its parent changed since `version` was read (and holds the parent against concurrent change
   * while writing). False when something changed: nothing was written.
   */
  updateBgpPrefixIfUnchanged(version: string, b: BgpPrefix, audit: AuditEntry): Promise<boolean>;
  insertBgpPrefix(b: BgpPrefix): Promise<void>;
  /** Updates a BGP prefix; with `audit`, writes that entry in the same statement (one round trip). */
  updateBgpPrefix(b: BgpPrefix, audit?: AuditEntry): Promise<void>;
  deleteBgpPrefix(id: string): Promise<void>;

  // service bindings
  getBinding(id: string): Promise<ServiceBinding | undefined>;
  listBindings(prefixId: string): Promise<ServiceBinding[]>;
  insertBinding(b: ServiceBinding): Promise<void>;
  deleteBinding(id: string): Promise<void>;

  // delegations
  getDelegation(id: string): Promise<Delegation | undefined>;
  listDelegations(prefixId: string): Promise<Delegation[]>;
  /** Delegations made to `accountId` (what it may use of other accounts' prefixes). */
  listDelegationsTo(accountId: string): Promise<Delegation[]>;
  insertDelegation(d: Delegation): Promise<void>;
  deleteDelegation(id: string): Promise<void>;

  // audit
  insertAudit(e: AuditEntry): Promise<void>;
  /**
   * How many audit entries job actor `actorId` wrote in run `run`, and since `since` (ISO), taking a lock
   * that serialises this actor's writers until the transaction ends (for its caps, transactions.ts).
   */
  jobChanges(actorId: string, run: string, since: string): Promise<{ run: number; hour: number }>;
  /** The ids of the actors whose audit entries name this object (who created, edited, validated it). */
  objectActors(objectType: AuditEntry['object_type'], objectId: string): Promise<string[]>;
  /** The audit log of an account, or (null) of what was done outside any account: accounts, global tokens. */
  /** Live objects of an account (prefixes not deleted, BGP prefixes, bindings), for its quotas. */
  countLive(accountId: string, kind: QuotaKind): Promise<number>;
  listAudit(accountId: string | null, page: Page): Promise<PageOf<AuditEntry>>;

  /** Everything the snapshot compiler reads; called inside a read-only transaction for consistency. */
  readDesiredState(): Promise<Omit<DesiredState, 'read_at'>>;
}

export interface AddressingStore {
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: AddressingTx) => Promise<T>, opts?: { snapshot?: boolean }): Promise<T>;
  /**
   * Runs reads outside an explicit transaction (each statement sees what is committed when it runs):
   * the cheap path for GETs. `opts.snapshot` on transaction() gives one consistent view instead.
   */
  read<T>(fn: (tx: AddressingTx) => Promise<T>): Promise<T>;
  /** A token by the SHA-256 (hex) of its secret; outside any transaction (hot path of every request). */
  tokenByHash(hash: string): Promise<Token | undefined>;
  /**
   * Changes committed by other processes sharing the database (polled from the audit log), so caches
   * can drop what they hold: an account id, or null for "anything may have changed" (e.g. the
   * notification connection was lost). Absent for an embedded store no other process can open.
   */
  watch?(listener: (accountId: string | null) => void): () => void;
  close(): Promise<void>;
}

/** Identifiers, injected so tests are deterministic (time is src/lib/clock.ts's Clock). */
export interface IdSource {
  /** A new id: 32 lowercase hex characters. */
  next(): string;
}

/** Told after each committed change, so caches and the snapshot compiler can react. */
export interface Change {
  account_ids: string[];
  object_type: AuditEntry['object_type'] | 'unknown';
  /** True when the change's extent is unknown: treat every account as changed. */
  all?: boolean;
}
export type ChangeListener = (change: Change) => void;
