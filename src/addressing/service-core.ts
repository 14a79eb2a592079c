// The addressing service: every read and change of desired state goes through here, from the HTTP API,
// the admin CLI and jobs alike. It enforces tenancy and scopes, the domain rules (cidr inside its parent,
// first binding covers the prefix, delete only when nothing is advertised or bound, BGP prefixes created
// withdrawn), and writes the audit entry in the same transaction as the change it describes.
//
// The service is one class built in layers, one file per idea: this file holds the shared machinery
// (access checks, ownership lookups, audit entries, transactions and change notification);
// service-prefixes.ts accounts, tokens, prefixes and the audit log; service-bgp.ts BGP prefixes and
// their advertisement; service.ts bindings and delegations, and is the class the rest of the code uses.

import { addrError } from './errors.js';
import type { Actor, AuditEntry, AuditObjectType, Prefix, PrefixState, Token } from './model.js';
import type { AddressingStore, AddressingTx, ChangeListener, Clock, IdSource } from './ports.js';
import { checkQuota, DEFAULT_QUOTAS, type QuotaKind, type Quotas } from './quotas.js';

export interface CreatePrefixInput {
  cidr: string;
  asn: number;
  description?: string | undefined;
  loa_document_id?: string | null | undefined;
}
export interface EditPrefixInput {
  description?: string | undefined;
  /** Only `active` and `pending_delete` can be set; `deleted` is reached by DELETE. */
  state?: 'active' | 'pending_delete' | undefined;
}
export interface EditBgpPrefixInput {
  asn_prepend_count?: number | undefined;
  on_demand?: { advertised?: boolean | undefined } | undefined;
}
/** Preconditions a job states so that it changes only what it meant to (safety rule 2). */
export interface DeletePreconditions {
  expectState?: PrefixState;
}

export type Level = 'read' | 'write';
/** A token as the audit log shows it: without its hash. */
export function redact(t: Token): Omit<Token, 'token_hash'> {
  const { token_hash: _, ...rest } = t;
  return rest;
}

/** Operators read and change every account. `admin` manages accounts and tokens only. */
export function isGlobal(actor: Actor): boolean {
  return actor.scopes.includes('operator');
}

export class AddressingCore {
  private readonly listeners: ChangeListener[] = [];

  constructor(
    protected readonly store: AddressingStore,
    protected readonly clock: Clock,
    protected readonly ids: IdSource,
  ) {
    store.watch?.((accountId) => {
      const change =
        accountId === null
          ? { account_ids: [], object_type: 'unknown' as const, all: true }
          : { account_ids: [accountId], object_type: 'unknown' as const };
      for (const l of this.listeners) l(change);
    });
  }

  /** Called after every committed change (not for reads, not after a rollback). */
  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  // ---- access ------------------------------------------------------------------------------------

  /** Tenancy first (another account's objects do not exist for this actor), then scope. */
  protected async access(tx: AddressingTx, actor: Actor, accountId: string, level: Level): Promise<void> {
    const global = isGlobal(actor);
    if (!global && actor.account_id !== accountId)
      throw addrError('E_ADDR_NOT_FOUND', `account ${accountId} not found`);
    if (level === 'write' && !global && !actor.scopes.includes('addressing:write')) {
      throw addrError('E_ADDR_FORBIDDEN', 'this operation needs a token with scope addressing:write', {
        scope: 'addressing:write',
      });
    }
    if (
      level === 'read' &&
      !global &&
      !actor.scopes.includes('addressing:read') &&
      !actor.scopes.includes('addressing:write')
    ) {
      throw addrError('E_ADDR_FORBIDDEN', 'this operation needs a token with scope addressing:read', {
        scope: 'addressing:read',
      });
    }
    // A tenant token's account exists (foreign key); an operator may name any id, so check it.
    if (global && !(await tx.getAccount(accountId)))
      throw addrError('E_ADDR_NOT_FOUND', `account ${accountId} not found`);
  }

  /** 404 unless the actor may see the account; 403 unless it has the scope for `level`. */
  async checkAccount(actor: Actor, accountId: string, level: Level): Promise<void> {
    await this.read((tx) => this.access(tx, actor, accountId, level));
  }

  /** The account's live prefix `id`, or 404. */
  protected async ownPrefix(tx: AddressingTx, accountId: string, id: string, forUpdate = false): Promise<Prefix> {
    const p = await tx.getPrefix(id, forUpdate);
    if (!p || p.account_id !== accountId || p.state === 'deleted')
      throw addrError('E_ADDR_NOT_FOUND', `prefix ${id} not found`);
    return p;
  }

  /**
   * A prefix reachable by `accountId` for bindings: its own, or another account's of which part is
   * delegated to it. `within` lists the delegated cidrs (undefined for the owner: all of it).
   */
  protected async bindablePrefix(
    tx: AddressingTx,
    accountId: string,
    id: string,
    forUpdate = false,
  ): Promise<{ prefix: Prefix; within: string[] | undefined }> {
    const p = await tx.getPrefix(id, forUpdate);
    if (!p || p.state === 'deleted') throw addrError('E_ADDR_NOT_FOUND', `prefix ${id} not found`);
    if (p.account_id === accountId) return { prefix: p, within: undefined };
    const mine = (await tx.listDelegations(id)).filter((d) => d.delegated_account_id === accountId);
    if (mine.length === 0) throw addrError('E_ADDR_NOT_FOUND', `prefix ${id} not found`);
    return { prefix: p, within: mine.map((d) => d.cidr) };
  }

  protected now(): string {
    return this.clock.now().toISOString();
  }

  protected async audit(
    tx: AddressingTx,
    actor: Actor,
    accountId: string | null,
    action: string,
    type: AuditObjectType,
    id: string,
    before: unknown,
    after: unknown,
    at: string,
  ): Promise<void> {
    await tx.insertAudit(this.auditEntry(actor, accountId, action, type, id, before, after, at));
  }

  protected auditEntry(
    actor: Actor,
    accountId: string | null,
    action: string,
    type: AuditObjectType,
    id: string,
    before: unknown,
    after: unknown,
    at: string,
  ): AuditEntry {
    return {
      id: this.ids.next(),
      account_id: accountId,
      at,
      actor_kind: actor.kind,
      actor_id: actor.id,
      request_id: actor.request_id,
      action,
      object_type: type,
      object_id: id,
      before: before ?? null,
      after: after ?? null,
    };
  }

  protected notify(accountIds: string[], type: AuditObjectType): void {
    for (const l of this.listeners) l({ account_ids: accountIds, object_type: type });
  }

  /** One transaction for one change; listeners hear of it only after the commit. */
  protected async change<T>(
    accountIds: string[],
    type: AuditObjectType,
    fn: (tx: AddressingTx) => Promise<T>,
  ): Promise<T> {
    const out = await this.store.transaction(fn);
    this.notify(accountIds, type);
    return out;
  }

  protected read<T>(fn: (tx: AddressingTx) => Promise<T>): Promise<T> {
    return this.store.read(fn);
  }

  /**
   * An admin token bound to an account administers that account's tokens only: minting a global token
   * (operator, admin of everything) or one of another account would be an escalation.
   */
  protected requireSameAccount(actor: Actor, accountId: string | null, verb: string): void {
    if (actor.account_id === null || actor.account_id === accountId) return;
    throw addrError(
      'E_ADDR_FORBIDDEN',
      `an admin token of account ${actor.account_id} cannot ${verb} ${accountId === null ? 'a global token' : "another account's tokens"}`,
      { scope: 'admin' },
    );
  }

  /** Per-account quotas (DEFAULT_QUOTAS); the composition root or a test may set others. */
  quotas: Quotas = { ...DEFAULT_QUOTAS };

  protected async quota(tx: AddressingTx, accountId: string, kind: QuotaKind): Promise<void> {
    checkQuota(this.quotas, accountId, kind, await tx.countLive(accountId, kind));
  }

  protected requireAdmin(actor: Actor): void {
    if (!actor.scopes.includes('admin'))
      throw addrError('E_ADDR_FORBIDDEN', 'this operation needs a token with scope admin', { scope: 'admin' });
  }
}
