// The addressing service: every read and change of desired state goes through here, from the HTTP API,
// the admin CLI and jobs alike. It enforces tenancy and scopes, the domain rules (cidr inside its parent,
// first binding covers the prefix, delete only when nothing is advertised or bound, BGP prefixes created
// withdrawn), and writes the audit entry in the same transaction as the change it describes.
import { formatPrefix, parsePrefix, prefixContains } from '../lib/prefix.js';
import { addrError } from './errors.js';
import type {
  Account,
  Actor,
  AuditEntry,
  AuditObjectType,
  BgpPrefix,
  Delegation,
  DesiredState,
  Page,
  PageOf,
  Prefix,
  PrefixState,
  Scope,
  ServiceBinding,
  Token,
} from './model.js';
import { serviceById } from './model.js';
import type { AddressingStore, AddressingTx, ChangeListener, Clock, IdSource } from './ports.js';
import { checkAnnounceable, checkAsn, checkInside, checkRange, parseCidr } from './validate.js';

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

type Level = 'read' | 'write';

/** A token as the audit log shows it: without its hash. */
function redact(t: Token): Omit<Token, 'token_hash'> {
  const { token_hash: _, ...rest } = t;
  return rest;
}

/** Operators read and change every account. `admin` manages accounts and tokens only. */
function isGlobal(actor: Actor): boolean {
  return actor.scopes.includes('operator');
}

export class AddressingService {
  private readonly listeners: ChangeListener[] = [];

  constructor(
    private readonly store: AddressingStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
  ) {
    // changes committed by other processes on the same database reach the same listeners
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
  private async access(tx: AddressingTx, actor: Actor, accountId: string, level: Level): Promise<void> {
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
  private async ownPrefix(tx: AddressingTx, accountId: string, id: string, forUpdate = false): Promise<Prefix> {
    const p = await tx.getPrefix(id, forUpdate);
    if (!p || p.account_id !== accountId || p.state === 'deleted')
      throw addrError('E_ADDR_NOT_FOUND', `prefix ${id} not found`);
    return p;
  }

  /**
   * A prefix reachable by `accountId` for bindings: its own, or another account's of which part is
   * delegated to it. `within` lists the delegated cidrs (undefined for the owner: all of it).
   */
  private async bindablePrefix(
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

  private now(): string {
    return this.clock.now().toISOString();
  }

  private async audit(
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

  private auditEntry(
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

  private notify(accountIds: string[], type: AuditObjectType): void {
    for (const l of this.listeners) l({ account_ids: accountIds, object_type: type });
  }

  /** One transaction for one change; listeners hear of it only after the commit. */
  private async change<T>(
    accountIds: string[],
    type: AuditObjectType,
    fn: (tx: AddressingTx) => Promise<T>,
  ): Promise<T> {
    const out = await this.store.transaction(fn);
    this.notify(accountIds, type);
    return out;
  }

  private read<T>(fn: (tx: AddressingTx) => Promise<T>): Promise<T> {
    return this.store.read(fn);
  }

  // ---- accounts (admin) --------------------------------------------------------------------------

  private requireAdmin(actor: Actor): void {
    if (!actor.scopes.includes('admin'))
      throw addrError('E_ADDR_FORBIDDEN', 'this operation needs a token with scope admin', { scope: 'admin' });
  }

  async createAccount(actor: Actor, name: string): Promise<Account> {
    this.requireAdmin(actor);
    const a: Account = { id: this.ids.next(), name, created_at: this.now() };
    return this.change([a.id], 'account', async (tx) => {
      await tx.insertAccount(a);
      await this.audit(tx, actor, a.id, 'account.create', 'account', a.id, null, a, a.created_at);
      return a;
    });
  }

  async listAccounts(actor: Actor): Promise<Account[]> {
    this.requireAdmin(actor);
    return this.read((tx) => tx.listAccounts());
  }

  /**
   * Records a token. The caller generates the secret and passes only its SHA-256: the secret never
   * reaches the store (nor this layer).
   */
  async createToken(
    actor: Actor,
    input: { account_id: string | null; name: string; scopes: Scope[]; token_hash: string },
  ): Promise<Token> {
    this.requireAdmin(actor);
    const t: Token = { id: this.ids.next(), ...input, created_at: this.now(), revoked_at: null };
    return this.change(input.account_id ? [input.account_id] : [], 'token', async (tx) => {
      if (input.account_id !== null && !(await tx.getAccount(input.account_id)))
        throw addrError('E_ADDR_NOT_FOUND', `account ${input.account_id} not found`);
      await tx.insertToken(t);
      await this.audit(tx, actor, input.account_id, 'token.create', 'token', t.id, null, redact(t), t.created_at);
      return t;
    });
  }

  async listTokens(actor: Actor, accountId: string | null): Promise<Token[]> {
    this.requireAdmin(actor);
    return this.read((tx) => tx.listTokens(accountId));
  }

  async revokeToken(actor: Actor, id: string): Promise<Token> {
    this.requireAdmin(actor);
    return this.change([], 'token', async (tx) => {
      const before = await tx.getToken(id);
      if (!before) throw addrError('E_ADDR_NOT_FOUND', `token ${id} not found`);
      if (before.revoked_at) return before;
      const at = this.now();
      await tx.revokeToken(id, at);
      const after = { ...before, revoked_at: at };
      await this.audit(tx, actor, before.account_id, 'token.revoke', 'token', id, redact(before), redact(after), at);
      return after;
    });
  }

  // ---- prefixes ----------------------------------------------------------------------------------

  async createPrefix(actor: Actor, accountId: string, input: CreatePrefixInput): Promise<Prefix> {
    const ip = parseCidr('cidr', input.cidr);
    checkAnnounceable('cidr', ip);
    checkAsn('asn', input.asn);
    const at = this.now();
    const p: Prefix = {
      id: this.ids.next(),
      account_id: accountId,
      cidr: input.cidr,
      asn: input.asn,
      description: input.description ?? '',
      approved: 'P',
      loa_document_id: input.loa_document_id ?? null,
      state: 'active',
      created_at: at,
      modified_at: at,
    };
    return this.change([accountId], 'prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const overlaps = await tx.overlappingPrefixes(p.cidr);
      if (overlaps.length > 0) {
        const own = overlaps.filter((o) => o.account_id === accountId).map((o) => `${o.id} (${o.cidr})`);
        const others = overlaps.length - own.length;
        const names = [...own, ...(others > 0 ? [`${others} prefix(es) of other accounts`] : [])].join(', ');
        throw addrError('E_ADDR_OVERLAP', `cidr ${p.cidr} overlaps existing prefix(es): ${names}`);
      }
      await tx.insertPrefix(p);
      await this.audit(tx, actor, accountId, 'prefix.create', 'prefix', p.id, null, p, at);
      return p;
    });
  }

  async listPrefixes(actor: Actor, accountId: string, state: PrefixState, page: Page): Promise<PageOf<Prefix>> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      return tx.listPrefixes(accountId, state, page);
    });
  }

  async getPrefix(actor: Actor, accountId: string, id: string): Promise<Prefix> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      return (await this.bindablePrefix(tx, accountId, id)).prefix;
    });
  }

  async editPrefix(actor: Actor, accountId: string, id: string, input: EditPrefixInput): Promise<Prefix> {
    return this.change([accountId], 'prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const before = await this.ownPrefix(tx, accountId, id, true);
      const at = this.now();
      const after: Prefix = { ...before, modified_at: at };
      if (input.description !== undefined) after.description = input.description;
      if (input.state !== undefined) after.state = input.state;
      await tx.updatePrefix(after);
      await this.audit(tx, actor, accountId, 'prefix.edit', 'prefix', id, before, after, at);
      return after;
    });
  }

  /**
   * Ownership validation. failsmall has no LOA or RPKI back-end of its own: validation checks what it
   * can (the prefix is live, canonical and announceable, the ASN usable) and marks it `V`.
   */
  async validatePrefix(actor: Actor, accountId: string, id: string): Promise<Prefix> {
    return this.change([accountId], 'prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const before = await this.ownPrefix(tx, accountId, id, true);
      if (before.state !== 'active')
        throw addrError('E_ADDR_STATE', `prefix ${id} is ${before.state}; only an active prefix can be validated`);
      checkAnnounceable('cidr', parseCidr('cidr', before.cidr));
      checkAsn('asn', before.asn);
      if (before.approved === 'V') return before;
      const at = this.now();
      const after: Prefix = { ...before, approved: 'V', modified_at: at };
      await tx.updatePrefix(after);
      await this.audit(tx, actor, accountId, 'prefix.validate', 'prefix', id, before, after, at);
      return after;
    });
  }

  /**
   * Deletes a prefix (state `deleted`) when nothing inside it is advertised, bound or delegated;
   * otherwise E_ADDR_DELETE_BLOCKED naming each blocker. Withdrawn BGP prefixes go with it.
   */
  async deletePrefix(actor: Actor, accountId: string, id: string, pre: DeletePreconditions = {}): Promise<Prefix> {
    return this.change([accountId], 'prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const before = await this.ownPrefix(tx, accountId, id, true);
      if (pre.expectState !== undefined && before.state !== pre.expectState) {
        throw addrError(
          'E_ADDR_PRECONDITION',
          `prefix ${id} is ${before.state}, not ${pre.expectState}; left unchanged`,
          { state: before.state },
        );
      }
      const bgp = await tx.listBgpPrefixes(id);
      const bindings = await tx.listBindings(id);
      const delegations = await tx.listDelegations(id);
      const blockers = [
        ...bgp.filter((b) => b.on_demand.advertised).map((b) => `advertised BGP prefix ${b.id} (${b.cidr})`),
        ...bindings.map((b) => `service binding ${b.id} (${b.cidr}, ${b.service_name})`),
        ...delegations.map((d) => `delegation ${d.id} (${d.cidr} to account ${d.delegated_account_id})`),
      ];
      if (blockers.length > 0) {
        throw addrError(
          'E_ADDR_DELETE_BLOCKED',
          `prefix ${id} (${before.cidr}) cannot be deleted: ${blockers.join('; ')}`,
          { blockers },
        );
      }
      const at = this.now();
      for (const b of bgp) {
        await tx.deleteBgpPrefix(b.id);
        await this.audit(tx, actor, accountId, 'bgp_prefix.delete', 'bgp_prefix', b.id, b, null, at);
      }
      const after: Prefix = { ...before, state: 'deleted', modified_at: at };
      await tx.updatePrefix(after);
      await this.audit(tx, actor, accountId, 'prefix.delete', 'prefix', id, before, after, at);
      return after;
    });
  }

  // ---- BGP prefixes ------------------------------------------------------------------------------

  async createBgpPrefix(actor: Actor, accountId: string, prefixId: string, cidr: string): Promise<BgpPrefix> {
    const ip = parseCidr('cidr', cidr);
    checkAnnounceable('cidr', ip);
    return this.change([accountId], 'bgp_prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const parent = await this.ownPrefix(tx, accountId, prefixId, true);
      return this.insertBgp(tx, actor, parent, cidr);
    });
  }

  private async insertBgp(tx: AddressingTx, actor: Actor, parent: Prefix, cidr: string): Promise<BgpPrefix> {
    if (parent.state !== 'active')
      throw addrError(
        'E_ADDR_STATE',
        `prefix ${parent.id} is ${parent.state}; BGP prefixes can be added only to an active prefix`,
      );
    checkInside('cidr', parsePrefix(parent.cidr), parseCidr('cidr', cidr), 'prefix');
    const existing = (await tx.listBgpPrefixes(parent.id)).find((b) => b.cidr === cidr);
    if (existing) throw addrError('E_ADDR_DUPLICATE', `BGP prefix ${existing.id} already has cidr ${cidr}`);
    const at = this.now();
    const b: BgpPrefix = {
      id: this.ids.next(),
      prefix_id: parent.id,
      account_id: parent.account_id,
      cidr,
      asn: parent.asn,
      asn_prepend_count: 0,
      on_demand: { advertised: false, advertised_modified_at: null, on_demand_enabled: true, on_demand_locked: false },
      created_at: at,
      modified_at: at,
    };
    await tx.insertBgpPrefix(b);
    await this.audit(tx, actor, parent.account_id, 'bgp_prefix.create', 'bgp_prefix', b.id, null, b, at);
    return b;
  }

  async listBgpPrefixes(actor: Actor, accountId: string, prefixId: string): Promise<BgpPrefix[]> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      await this.ownPrefix(tx, accountId, prefixId);
      return tx.listBgpPrefixes(prefixId);
    });
  }

  private async ownBgp(
    tx: AddressingTx,
    accountId: string,
    prefixId: string,
    id: string,
    forUpdate = false,
  ): Promise<BgpPrefix> {
    const b = await tx.getBgpPrefix(id, forUpdate);
    if (!b || b.account_id !== accountId || b.prefix_id !== prefixId)
      throw addrError('E_ADDR_NOT_FOUND', `BGP prefix ${id} not found`);
    return b;
  }

  async getBgpPrefix(actor: Actor, accountId: string, prefixId: string, id: string): Promise<BgpPrefix> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      await this.ownPrefix(tx, accountId, prefixId);
      return this.ownBgp(tx, accountId, prefixId, id);
    });
  }

  /** Announces or withdraws (on_demand.advertised) and sets the AS-path prepend count. */
  /**
   * Announces or withdraws (on_demand.advertised) and sets the AS-path prepend count. The hot write of
   * the API, so it is optimistic: one read of the BGP prefix with its parent, the checks, then one
   * statement that writes the change and its audit entry only if neither row changed in between
   * (else it starts again; after three misses it locks the rows instead). Two round trips, one
   * atomic write, no lock held across the checks.
   */
  async editBgpPrefix(
    actor: Actor,
    accountId: string,
    prefixId: string,
    id: string,
    input: EditBgpPrefixInput,
  ): Promise<BgpPrefix> {
    if (input.asn_prepend_count !== undefined) checkRange('asn_prepend_count', input.asn_prepend_count, 0, 3);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const out = await this.store.read(async (tx) => {
        await this.access(tx, actor, accountId, 'write');
        const found = await tx.getBgpPrefixWithParent(id);
        if (
          !found ||
          found.parent.account_id !== accountId ||
          found.parent.state === 'deleted' ||
          found.parent.id !== prefixId
        ) {
          // same answers as the two-step lookup: the prefix first, then the BGP prefix
          await this.ownPrefix(tx, accountId, prefixId);
          throw addrError('E_ADDR_NOT_FOUND', `BGP prefix ${id} not found`);
        }
        const { after, audit } = this.planBgpEdit(actor, found.parent, found.bgp, input);
        return (await tx.updateBgpPrefixIfUnchanged(found.version, after, audit)) ? after : undefined;
      });
      if (out) {
        this.notify([accountId], 'bgp_prefix');
        return out;
      }
    }
    // contended: take the locks instead, which always makes progress
    return this.change([accountId], 'bgp_prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const parent = await this.ownPrefix(tx, accountId, prefixId, true);
      const before = await this.ownBgp(tx, accountId, prefixId, id, true);
      return this.applyBgpEdit(tx, actor, parent, before, input);
    });
  }

  /** The checks and the new state of a BGP prefix edit, with its audit entry; writes nothing. */
  private planBgpEdit(
    actor: Actor,
    parent: Prefix,
    before: BgpPrefix,
    input: EditBgpPrefixInput,
  ): { after: BgpPrefix; audit: AuditEntry } {
    const at = this.now();
    const after: BgpPrefix = { ...before, on_demand: { ...before.on_demand }, modified_at: at };
    if (input.asn_prepend_count !== undefined) after.asn_prepend_count = input.asn_prepend_count;
    const adv = input.on_demand?.advertised;
    if (adv !== undefined && adv !== before.on_demand.advertised) {
      if (before.on_demand.on_demand_locked)
        throw addrError(
          'E_ADDR_LOCKED',
          `BGP prefix ${before.id} is locked (on_demand_locked); its advertisement cannot change`,
        );
      if (adv) {
        if (parent.state !== 'active')
          throw addrError(
            'E_ADDR_STATE',
            `prefix ${parent.id} is ${parent.state}; only an active prefix can be advertised`,
          );
        if (parent.approved !== 'V')
          throw addrError(
            'E_ADDR_NOT_APPROVED',
            `prefix ${parent.id} is not validated (approved = P); POST …/prefixes/${parent.id}/validate first`,
          );
      }
      after.on_demand.advertised = adv;
      after.on_demand.advertised_modified_at = at;
    }
    const action =
      adv === undefined || adv === before.on_demand.advertised
        ? 'bgp_prefix.edit'
        : adv
          ? 'bgp_prefix.advertise'
          : 'bgp_prefix.withdraw';
    const audit = this.auditEntry(actor, parent.account_id, action, 'bgp_prefix', before.id, before, after, at);
    return { after, audit };
  }

  /** The pessimistic variant, inside a transaction that already holds what it read. */
  private async applyBgpEdit(
    tx: AddressingTx,
    actor: Actor,
    parent: Prefix,
    before: BgpPrefix,
    input: EditBgpPrefixInput,
  ): Promise<BgpPrefix> {
    const { after, audit } = this.planBgpEdit(actor, parent, before, input);
    await tx.updateBgpPrefix(after, audit);
    return after;
  }

  async deleteBgpPrefix(actor: Actor, accountId: string, prefixId: string, id: string): Promise<BgpPrefix> {
    return this.change([accountId], 'bgp_prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      await this.ownPrefix(tx, accountId, prefixId);
      const before = await this.ownBgp(tx, accountId, prefixId, id, true);
      if (before.on_demand.advertised)
        throw addrError(
          'E_ADDR_STILL_ADVERTISED',
          `BGP prefix ${id} (${before.cidr}) is advertised; withdraw it first`,
        );
      await tx.deleteBgpPrefix(id);
      await this.audit(tx, actor, accountId, 'bgp_prefix.delete', 'bgp_prefix', id, before, null, this.now());
      return before;
    });
  }

  // ---- legacy advertisement status: the BGP prefix whose cidr is the whole prefix ---------------

  async getAdvertisementStatus(
    actor: Actor,
    accountId: string,
    prefixId: string,
  ): Promise<{ advertised: boolean; advertised_modified_at: string | null }> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      const p = await this.ownPrefix(tx, accountId, prefixId);
      const whole = (await tx.listBgpPrefixes(prefixId)).find((b) => b.cidr === p.cidr);
      return {
        advertised: whole?.on_demand.advertised ?? false,
        advertised_modified_at: whole?.on_demand.advertised_modified_at ?? null,
      };
    });
  }

  /** Sets `advertised` on the whole-prefix BGP prefix, creating it (withdrawn) first when absent. */
  async editAdvertisementStatus(
    actor: Actor,
    accountId: string,
    prefixId: string,
    advertised: boolean,
  ): Promise<{ advertised: boolean; advertised_modified_at: string | null }> {
    return this.change([accountId], 'bgp_prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const parent = await this.ownPrefix(tx, accountId, prefixId, true);
      let whole = (await tx.listBgpPrefixes(prefixId)).find((b) => b.cidr === parent.cidr);
      if (!whole) {
        if (!advertised) return { advertised: false, advertised_modified_at: null };
        checkAnnounceable('cidr', parsePrefix(parent.cidr));
        whole = await this.insertBgp(tx, actor, parent, parent.cidr);
      }
      const after = await this.applyBgpEdit(tx, actor, parent, whole, { on_demand: { advertised } });
      return { advertised: after.on_demand.advertised, advertised_modified_at: after.on_demand.advertised_modified_at };
    });
  }

  // ---- service bindings --------------------------------------------------------------------------

  async createBinding(
    actor: Actor,
    accountId: string,
    prefixId: string,
    input: { cidr: string; service_id: string },
  ): Promise<ServiceBinding> {
    const ip = parseCidr('cidr', input.cidr);
    const service = serviceById(input.service_id);
    if (!service)
      throw addrError(
        'E_ADDR_UNKNOWN_SERVICE',
        `service_id ${input.service_id} names no service; GET …/addressing/services lists them`,
      );
    return this.change([accountId], 'binding', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const { prefix, within } = await this.bindablePrefix(tx, accountId, prefixId, true);
      if (prefix.state !== 'active')
        throw addrError(
          'E_ADDR_STATE',
          `prefix ${prefixId} is ${prefix.state}; bindings can be added only to an active prefix`,
        );
      const outer = parsePrefix(prefix.cidr);
      checkInside('cidr', outer, ip, 'prefix');
      if (within && !within.some((d) => prefixContains(parsePrefix(d), ip))) {
        throw addrError(
          'E_ADDR_OUTSIDE_PREFIX',
          `cidr: ${input.cidr} is not inside a cidr delegated to account ${accountId} (${within.join(', ')})`,
          { field: 'cidr' },
        );
      }
      const existing = await tx.listBindings(prefixId);
      if (existing.length === 0 && input.cidr !== prefix.cidr) {
        throw addrError(
          'E_ADDR_FIRST_BINDING',
          `the first binding of prefix ${prefixId} must cover the whole prefix ${prefix.cidr}, not ${input.cidr}`,
        );
      }
      const dup = existing.find((b) => b.cidr === input.cidr);
      if (dup)
        throw addrError('E_ADDR_DUPLICATE', `binding ${dup.id} already binds ${input.cidr} (to ${dup.service_name})`);
      const at = this.now();
      const b: ServiceBinding = {
        id: this.ids.next(),
        prefix_id: prefixId,
        account_id: accountId,
        cidr: input.cidr,
        service_id: service.id,
        service_name: service.name,
        provisioning: { state: 'provisioning' },
        created_at: at,
        modified_at: at,
      };
      await tx.insertBinding(b);
      await this.audit(tx, actor, accountId, 'binding.create', 'binding', b.id, null, b, at);
      return b;
    });
  }

  /** The owner sees every binding; a delegated account sees those inside its delegated cidrs. */
  private visibleBindings(all: ServiceBinding[], within: string[] | undefined): ServiceBinding[] {
    if (!within) return all;
    const ds = within.map((d) => parsePrefix(d));
    return all.filter((b) => ds.some((d) => prefixContains(d, parsePrefix(b.cidr))));
  }

  async listBindings(actor: Actor, accountId: string, prefixId: string): Promise<ServiceBinding[]> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      const { within } = await this.bindablePrefix(tx, accountId, prefixId);
      return this.visibleBindings(await tx.listBindings(prefixId), within);
    });
  }

  async getBinding(actor: Actor, accountId: string, prefixId: string, id: string): Promise<ServiceBinding> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      const { within } = await this.bindablePrefix(tx, accountId, prefixId);
      const b = await tx.getBinding(id);
      if (!b || b.prefix_id !== prefixId || this.visibleBindings([b], within).length === 0)
        throw addrError('E_ADDR_NOT_FOUND', `binding ${id} not found`);
      return b;
    });
  }

  async deleteBinding(actor: Actor, accountId: string, prefixId: string, id: string): Promise<ServiceBinding> {
    return this.change([accountId], 'binding', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const { prefix, within } = await this.bindablePrefix(tx, accountId, prefixId, true);
      const b = await tx.getBinding(id);
      if (!b || b.prefix_id !== prefixId || this.visibleBindings([b], within).length === 0)
        throw addrError('E_ADDR_NOT_FOUND', `binding ${id} not found`);
      if (b.cidr === prefix.cidr) {
        const rest = (await tx.listBindings(prefixId)).filter((x) => x.id !== id);
        if (rest.length > 0) {
          throw addrError(
            'E_ADDR_BINDING_IN_USE',
            `binding ${id} covers the whole prefix ${prefix.cidr}; delete the more specific bindings first: ${rest.map((x) => `${x.id} (${x.cidr})`).join(', ')}`,
          );
        }
      }
      await tx.deleteBinding(id);
      await this.audit(tx, actor, prefix.account_id, 'binding.delete', 'binding', id, b, null, this.now());
      return b;
    });
  }

  // ---- delegations -------------------------------------------------------------------------------

  async createDelegation(
    actor: Actor,
    accountId: string,
    prefixId: string,
    input: { cidr: string; delegated_account_id: string },
  ): Promise<Delegation> {
    const ip = parseCidr('cidr', input.cidr);
    return this.change([accountId, input.delegated_account_id], 'delegation', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      const parent = await this.ownPrefix(tx, accountId, prefixId, true);
      if (parent.state !== 'active')
        throw addrError(
          'E_ADDR_STATE',
          `prefix ${prefixId} is ${parent.state}; delegations can be added only to an active prefix`,
        );
      if (input.delegated_account_id === accountId) {
        throw addrError('E_ADDR_DELEGATION', 'delegated_account_id: an account cannot delegate to itself', {
          field: 'delegated_account_id',
        });
      }
      checkInside('cidr', parsePrefix(parent.cidr), ip, 'prefix');
      if (!(await tx.getAccount(input.delegated_account_id))) {
        throw addrError(
          'E_ADDR_DELEGATION',
          `delegated_account_id: account ${input.delegated_account_id} does not exist`,
          { field: 'delegated_account_id' },
        );
      }
      const dup = (await tx.listDelegations(prefixId)).find(
        (d) => d.cidr === input.cidr && d.delegated_account_id === input.delegated_account_id,
      );
      if (dup)
        throw addrError('E_ADDR_DUPLICATE', `delegation ${dup.id} already delegates ${input.cidr} to that account`);
      const at = this.now();
      const d: Delegation = {
        id: this.ids.next(),
        parent_prefix_id: prefixId,
        account_id: accountId,
        cidr: formatPrefix(ip),
        delegated_account_id: input.delegated_account_id,
        created_at: at,
        modified_at: at,
      };
      await tx.insertDelegation(d);
      await this.audit(tx, actor, accountId, 'delegation.create', 'delegation', d.id, null, d, at);
      return d;
    });
  }

  async listDelegations(actor: Actor, accountId: string, prefixId: string): Promise<Delegation[]> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      await this.ownPrefix(tx, accountId, prefixId);
      return tx.listDelegations(prefixId);
    });
  }

  async deleteDelegation(actor: Actor, accountId: string, prefixId: string, id: string): Promise<Delegation> {
    return this.change([accountId], 'delegation', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      await this.ownPrefix(tx, accountId, prefixId, true);
      const d = await tx.getDelegation(id);
      if (!d || d.parent_prefix_id !== prefixId) throw addrError('E_ADDR_NOT_FOUND', `delegation ${id} not found`);
      const ds = parsePrefix(d.cidr);
      const inUse = (await tx.listBindings(prefixId)).filter(
        (b) => b.account_id === d.delegated_account_id && prefixContains(ds, parsePrefix(b.cidr)),
      );
      if (inUse.length > 0) {
        throw addrError(
          'E_ADDR_STATE',
          `delegation ${id} is in use by the delegated account's bindings: ${inUse.map((b) => `${b.id} (${b.cidr})`).join(', ')}`,
        );
      }
      await tx.deleteDelegation(id);
      await this.audit(tx, actor, accountId, 'delegation.delete', 'delegation', id, d, null, this.now());
      return d;
    });
  }

  // ---- audit and export --------------------------------------------------------------------------

  async listAudit(actor: Actor, accountId: string, page: Page): Promise<PageOf<AuditEntry>> {
    return this.read(async (tx) => {
      await this.access(tx, actor, accountId, 'read');
      return tx.listAudit(accountId, page);
    });
  }

  /**
   * The whole desired state in one consistent read, for the snapshot compiler. Not tied to an actor:
   * it is called by the control plane itself, never through the HTTP API.
   */
  async exportDesiredState(): Promise<DesiredState> {
    return this.store.transaction(
      async (tx) => {
        const read_at = this.now();
        return { read_at, ...(await tx.readDesiredState()) };
      },
      { snapshot: true },
    );
  }

  /** Prefixes of any account in `state`, keyset-paged by id; for operators and jobs. */
  async prefixesInState(actor: Actor, state: PrefixState, afterId: string, limit: number): Promise<Prefix[]> {
    if (!isGlobal(actor))
      throw addrError('E_ADDR_FORBIDDEN', 'listing every account needs scope operator', { scope: 'operator' });
    return this.read((tx) => tx.listPrefixesByState(state, afterId, limit));
  }
}
