// Prefixes: the blocks an account brings (BYOIP). Created pending validation; deleted (soft) only when
// nothing inside is advertised, bound or delegated.
import { addrError } from './errors.js';
import type { Actor, Page, PageOf, Prefix, PrefixState } from './model.js';
import type { AddressingTx } from './ports.js';
import type { ServiceDeps } from './transactions.js';
import { checkAnnounceable, checkAsn, parseCidr } from './validate.js';

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
/** Preconditions a job states so that it changes only what it meant to (safety rule 2). */
export interface DeletePreconditions {
  expectState?: PrefixState;
}

export class PrefixService {
  constructor(private readonly d: ServiceDeps) {}

  async create(actor: Actor, accountId: string, input: CreatePrefixInput): Promise<Prefix> {
    const ip = parseCidr('cidr', input.cidr);
    checkAnnounceable('cidr', ip);
    checkAsn('asn', input.asn);
    const at = this.d.tx.now();
    const p: Prefix = {
      id: this.d.tx.newId(),
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
    return this.d.tx.change([accountId], 'prefix', async (tx) => {
      await tx.lockPrefixSpace();
      await this.d.access.account(tx, actor, accountId, 'write');
      const overlaps = await tx.overlappingPrefixes(p.cidr);
      if (overlaps.length > 0) {
        const own = overlaps.filter((o) => o.account_id === accountId).map((o) => `${o.id} (${o.cidr})`);
        const others = overlaps.length - own.length;
        const names = [...own, ...(others > 0 ? [`${others} prefix(es) of other accounts`] : [])].join(', ');
        throw addrError('E_ADDR_OVERLAP', `cidr ${p.cidr} overlaps existing prefix(es): ${names}`);
      }
      await this.d.quotas.check(tx, accountId, 'prefixes');
      await tx.insertPrefix(p);
      const facts = { account_id: accountId, action: 'prefix.create', type: 'prefix' as const, id: p.id };
      await this.d.tx.audit(tx, actor, { ...facts, before: null, after: p }, at);
      return p;
    });
  }

  async list(actor: Actor, accountId: string, state: PrefixState, page: Page): Promise<PageOf<Prefix>> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      return tx.listPrefixes(accountId, state, page);
    });
  }

  /** The account's prefix, or one of which part is delegated to it (it may read the parent). */
  async get(actor: Actor, accountId: string, id: string): Promise<Prefix> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      return (await this.d.access.reachablePrefix(tx, accountId, id)).prefix;
    });
  }

  async edit(actor: Actor, accountId: string, id: string, input: EditPrefixInput): Promise<Prefix> {
    return this.d.tx.change([accountId], 'prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const before = await this.d.access.ownPrefix(tx, accountId, id, true);
      const at = this.d.tx.now();
      const after: Prefix = { ...before, modified_at: at };
      if (input.description !== undefined) after.description = input.description;
      if (input.state !== undefined) after.state = input.state;
      await this.write(tx, actor, 'prefix.edit', before, after, at);
      return after;
    });
  }

  /**
   * Ownership validation. failsmall has no LOA or RPKI back-end of its own: validation checks what it
   * can (the prefix is live, canonical and announceable, the ASN usable) and marks it `V`.
   */
  async validate(actor: Actor, accountId: string, id: string): Promise<Prefix> {
    return this.d.tx.change([accountId], 'prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const before = await this.d.access.ownPrefix(tx, accountId, id, true);
      if (before.state !== 'active')
        throw addrError('E_ADDR_STATE', `prefix ${id} is ${before.state}; only an active prefix can be validated`);
      checkAnnounceable('cidr', parseCidr('cidr', before.cidr));
      checkAsn('asn', before.asn);
      if (before.approved === 'V') return before;
      const at = this.d.tx.now();
      const after: Prefix = { ...before, approved: 'V', modified_at: at };
      await this.write(tx, actor, 'prefix.validate', before, after, at);
      return after;
    });
  }

  /**
   * Deletes a prefix (state `deleted`) when nothing inside it is advertised, bound or delegated;
   * otherwise E_ADDR_DELETE_BLOCKED naming each blocker. Withdrawn BGP prefixes go with it.
   */
  async delete(actor: Actor, accountId: string, id: string, pre: DeletePreconditions = {}): Promise<Prefix> {
    return this.d.tx.change([accountId], 'prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const before = await this.d.access.ownPrefix(tx, accountId, id, true);
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
      const at = this.d.tx.now();
      for (const b of bgp) {
        await tx.deleteBgpPrefix(b.id);
        const facts = { account_id: accountId, action: 'bgp_prefix.delete', type: 'bgp_prefix' as const, id: b.id };
        await this.d.tx.audit(tx, actor, { ...facts, before: b, after: null }, at);
      }
      const after: Prefix = { ...before, state: 'deleted', modified_at: at };
      await this.write(tx, actor, 'prefix.delete', before, after, at);
      return after;
    });
  }

  /** Writes a changed prefix and its audit entry (in the caller's transaction). */
  private async write(tx: AddressingTx, actor: Actor, action: string, before: Prefix, after: Prefix, at: string) {
    await tx.updatePrefix(after);
    const facts = { account_id: before.account_id, action, type: 'prefix' as const, id: before.id };
    await this.d.tx.audit(tx, actor, { ...facts, before, after }, at);
  }

  /** Prefixes of any account in `state`, keyset-paged by id; for operators and jobs. */
  async inState(actor: Actor, state: PrefixState, afterId: string, limit: number): Promise<Prefix[]> {
    this.d.access.operator(actor, 'listing every account');
    return this.d.tx.read((tx) => tx.listPrefixesByState(state, afterId, limit));
  }
}
