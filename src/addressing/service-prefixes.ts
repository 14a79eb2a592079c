// Accounts and tokens (admin), prefixes, and the audit log and desired-state export: the layer of the
// addressing service that owns the top-level objects. See service-core.ts for how the layers fit.
import { addrError } from './errors.js';
import type {
  Account,
  Actor,
  AuditEntry,
  DesiredState,
  Page,
  PageOf,
  Prefix,
  PrefixState,
  Scope,
  Token,
} from './model.js';
import {
  AddressingCore,
  type CreatePrefixInput,
  type DeletePreconditions,
  type EditPrefixInput,
  isGlobal,
  redact,
} from './service-core.js';
import { checkAnnounceable, checkAsn, parseCidr } from './validate.js';

export class AddressingPrefixes extends AddressingCore {
  // ---- accounts (admin) --------------------------------------------------------------------------

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
    this.requireSameAccount(actor, input.account_id, 'mint');
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
      this.requireSameAccount(actor, before.account_id, 'revoke');
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
      await this.quota(tx, accountId, 'prefixes');
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

  // ---- audit and export --------------------------------------------------------------------------

  /**
   * The audit entries of no account (what global operator and admin tokens did outside any account:
   * accounts created, global tokens minted and revoked), for global admins only.
   */
  async listGlobalAudit(actor: Actor, page: Page): Promise<PageOf<AuditEntry>> {
    this.requireAdmin(actor);
    this.requireSameAccount(actor, null, 'read the audit log of');
    return this.read((tx) => tx.listAudit(null, page));
  }

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
