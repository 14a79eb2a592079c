// The transaction runner every addressing service shares: one transaction per change, its audit entry
// written inside it, listeners told only after the commit. Time is the one Clock of src/lib/clock.ts.

import { type Clock, isoNow } from '../lib/clock.js';
import type { AccessChecker } from './access.js';
import type { AnnounceSpace } from './announce-space.js';
import { addrError } from './errors.js';
import type { Actor, AuditEntry, AuditObjectType } from './model.js';
import type { OwnershipEvidence } from './ownership.js';
import type { AddressingStore, AddressingTx, Change, ChangeListener, IdSource } from './ports.js';
import type { QuotaChecker } from './quotas.js';

/** What an audit entry says besides who acted and when. */
export interface AuditFacts {
  /** The account whose data changed (a prefix's owner), or null for global objects. */
  account_id: string | null;
  action: string;
  type: AuditObjectType;
  id: string;
  before: unknown;
  after: unknown;
  reason?: string | null;
}

export class Transactions {
  private readonly listeners: ChangeListener[] = [];

  constructor(
    readonly store: AddressingStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {
    store.watch?.((accountId) => {
      const change: Change =
        accountId === null
          ? { account_ids: [], object_type: 'unknown', all: true }
          : { account_ids: [accountId], object_type: 'unknown' };
      for (const l of this.listeners) l(change);
    });
  }

  /** Called after every committed change (not for reads, not after a rollback). */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** ISO-8601 text of now. */
  now(): string {
    return isoNow(this.clock);
  }

  newId(): string {
    return this.ids.next();
  }

  /** The audit entry of a change made by `actor` at `at`. */
  entry(actor: Actor, f: AuditFacts, at: string): AuditEntry {
    return {
      id: this.ids.next(),
      account_id: f.account_id,
      at,
      actor_kind: actor.kind,
      actor_id: actor.id,
      // Always the actor's own account (null: a global actor): who made a change for its own account and
      // who made it from outside (a job, an operator) cannot be told apart otherwise (rollout/attribution.ts).
      actor_account_id: actor.account_id,
      request_id: actor.request_id,
      action: f.action,
      object_type: f.type,
      object_id: f.id,
      before: f.before ?? null,
      after: f.after ?? null,
      reason: f.reason ?? null,
      ...(actor.kind === 'job' ? { job_run: actor.run ?? actor.request_id } : {}),
    };
  }

  /** Writes the audit entry inside `tx`, the transaction of the change it describes. */
  async audit(tx: AddressingTx, actor: Actor, f: AuditFacts, at = this.now()): Promise<void> {
    await this.jobCaps(tx, actor);
    await tx.insertAudit(this.entry(actor, f, at));
  }

  /**
   * A job with caps (a job token's) makes at most `perRun` changes in its run and `perHour` in any hour,
   * counted in the one audit log inside the change's transaction (the store serialises one job's
   * writers, so racing requests cannot both take the last one). Refused: nothing is written.
   */
  async jobCaps(tx: AddressingTx, actor: Actor): Promise<void> {
    if (actor.kind !== 'job' || !actor.caps) return;
    const run = actor.run ?? actor.request_id;
    const since = new Date(this.clock.now() - 3600_000).toISOString();
    const used = await tx.jobChanges(actor.id, run, since);
    const over =
      used.run >= actor.caps.perRun
        ? `its cap of ${actor.caps.perRun} changes in run ${run}`
        : used.hour >= actor.caps.perHour
          ? `its cap of ${actor.caps.perHour} changes per hour`
          : null;
    if (over)
      throw addrError('E_ADDR_JOB_RATE', `job ${actor.id} reached ${over}; nothing changed`, {
        run,
        used,
        caps: actor.caps,
      });
  }

  notify(accountIds: readonly (string | null)[], type: AuditObjectType): void {
    const ids = [...new Set(accountIds.filter((a): a is string => a !== null))];
    for (const l of this.listeners) l({ account_ids: ids, object_type: type });
  }

  /**
   * One transaction for one change; listeners hear of it only after the commit. `touch` adds an account
   * found inside the transaction (a delegated prefix's owner) to those told.
   */
  async change<T>(
    accountIds: readonly (string | null)[],
    type: AuditObjectType,
    fn: (tx: AddressingTx, touch: (accountId: string) => void) => Promise<T>,
  ): Promise<T> {
    const touched = [...accountIds];
    const out = await this.store.transaction((tx) => fn(tx, (id) => touched.push(id)));
    this.notify(touched, type);
    return out;
  }

  read<T>(fn: (tx: AddressingTx) => Promise<T>): Promise<T> {
    return this.store.read(fn);
  }
}

/** What each addressing service is built from: the shared runner, access checker and quotas. */
export interface ServiceDeps {
  tx: Transactions;
  access: AccessChecker;
  quotas: QuotaChecker;
  /** What proves ownership (configured VRPs, IRR route objects) and what space may be announced. */
  ownership: { evidence: OwnershipEvidence; space: AnnounceSpace };
}
