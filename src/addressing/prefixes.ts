// Prefixes: the blocks an account brings (BYOIP). Created pending validation; deleted (soft) only when
// nothing inside is advertised, bound or delegated.
import { isGlobal } from './access.js';
import { checkAnnounceSpace } from './announce-space.js';
import { addrError } from './errors.js';
import {
  type Actor,
  APPROVER_SCOPE,
  type OwnershipProof,
  type Page,
  type PageOf,
  type Prefix,
  type PrefixState,
} from './model.js';
import { findProof } from './ownership.js';
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
/** An operator's approval of a prefix's Letter of Authorization: the proof of last resort. */
export interface ApproveLoaInput {
  reason: string;
  /** The LOA document approved; default the one the prefix names. */
  loa_document_id?: string | undefined;
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
   * Ownership validation (issue 10): the prefix's space must be announceable (no default route,
   * special-purpose or bogon space, lengths within the limits) and its ownership proven by a ROA in the
   * configured VRPs or an IRR route object authorising its ASN, which must be one of the account's
   * registered ASNs. The proof is recorded with the change to `V`, in one transaction; without one the
   * prefix stays `P` (E_ADDR_OWNERSHIP_UNPROVEN) and only an operator's LOA approval can prove it.
   */
  async validate(actor: Actor, accountId: string, id: string): Promise<Prefix> {
    return this.d.tx.change([accountId], 'prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const before = await this.d.access.ownPrefix(tx, accountId, id, true);
      const ip = this.provable(before, id);
      const held = before.approved === 'V' ? await tx.getOwnershipProof(id) : undefined;
      if (held && held.method !== 'legacy') return before;
      const asns = await tx.listAccountAsns(accountId);
      const found = findProof(this.d.ownership.evidence, ip, before.asn, asns);
      // A grandfathered proof (migration 014) stays until evidence replaces it: validating never withdraws.
      if (found === null && held) return before;
      if (found === null) {
        const registered = asns.length ? `the account's ASNs (${asns.map((a) => `AS${a}`).join(', ')})` : 'none';
        throw addrError(
          'E_ADDR_OWNERSHIP_UNPROVEN',
          `prefix ${id} (${before.cidr} AS${before.asn}): no ROA in the configured VRPs and no IRR route object ` +
            `authorises AS${before.asn} ${asns.includes(before.asn) ? '' : `(not one of ${registered}) `}` +
            `to originate it; an operator can approve its LOA (POST …/prefixes/${id}/loa_approval)`,
          { asn: before.asn, account_asns: asns },
        );
      }
      return this.prove(tx, actor, before, found.method, found.evidence, 'prefix.validate');
    });
  }

  /**
   * A second person approves the prefix's LOA: the recorded proof when neither RPKI nor IRR proves it,
   * so the same rule as approving a held change (src/rollout/approval.ts): a global token of kind
   * `person` with scope `approver`, never a job's or an agent's, and never an identity the audit log names
   * for the prefix (who created, edited or validated it). It names its reason for the audit log.
   */
  async approveLoa(actor: Actor, accountId: string, id: string, input: ApproveLoaInput): Promise<Prefix> {
    if (!isGlobal(actor))
      throw addrError('E_ADDR_FORBIDDEN', 'approving an LOA needs a token with scope operator', { scope: 'operator' });
    if (actor.kind !== 'person')
      throw addrError('E_ADDR_FORBIDDEN', `an LOA is approved by a person, not by a ${actor.kind}`, {
        scope: APPROVER_SCOPE,
      });
    if (!actor.scopes.includes(APPROVER_SCOPE))
      throw addrError('E_ADDR_FORBIDDEN', `approving an LOA needs a token with scope ${APPROVER_SCOPE}`, {
        scope: APPROVER_SCOPE,
      });
    if (input.reason.trim() === '')
      throw addrError('E_ADDR_INVALID', 'reason: an LOA approval needs a reason', { field: 'reason' });
    return this.d.tx.change([accountId], 'prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const before = await this.d.access.ownPrefix(tx, accountId, id, true);
      this.provable(before, id);
      if ((await tx.objectActors('prefix', id)).includes(actor.id))
        throw addrError(
          'E_ADDR_SELF_APPROVAL',
          `${actor.id} created, edited or validated prefix ${id}; a second person must approve its LOA`,
          { actor: actor.id },
        );
      const doc = input.loa_document_id ?? before.loa_document_id;
      if (doc === null || doc === '')
        throw addrError('E_ADDR_STATE', `prefix ${id} names no LOA document: give loa_document_id`, {
          field: 'loa_document_id',
        });
      const withDoc = { ...before, loa_document_id: doc };
      return this.prove(
        tx,
        actor,
        withDoc,
        'loa',
        `LOA ${doc} approved: ${input.reason}`,
        'prefix.loa_approve',
        before,
      );
    });
  }

  /** The recorded ownership proof of a prefix, or null. */
  async ownership(actor: Actor, accountId: string, id: string): Promise<OwnershipProof | null> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      await this.d.access.ownPrefix(tx, accountId, id);
      return (await tx.getOwnershipProof(id)) ?? null;
    });
  }

  /** The checks every proof needs first: live, announceable space, usable ASN. */
  private provable(p: Prefix, id: string) {
    if (p.state !== 'active')
      throw addrError('E_ADDR_STATE', `prefix ${id} is ${p.state}; only an active prefix can be validated`);
    const ip = parseCidr('cidr', p.cidr);
    checkAnnounceable('cidr', ip);
    checkAnnounceSpace('cidr', ip, this.d.ownership.space);
    checkAsn('asn', p.asn);
    return ip;
  }

  /** Records the proof and marks the prefix `V`, audited, in the caller's transaction. */
  private async prove(
    tx: AddressingTx,
    actor: Actor,
    p: Prefix,
    method: OwnershipProof['method'],
    evidence: string,
    action: string,
    before: Prefix = p,
  ): Promise<Prefix> {
    const at = this.d.tx.now();
    const proof: OwnershipProof = {
      prefix_id: p.id,
      account_id: p.account_id,
      cidr: p.cidr,
      asn: p.asn,
      method,
      evidence,
      proven_by: actor.id,
      proven_at: at,
    };
    await tx.putOwnershipProof(proof);
    const after: Prefix = { ...p, approved: 'V', modified_at: at };
    await tx.updatePrefix(after);
    const facts = { account_id: p.account_id, action, type: 'prefix' as const, id: p.id };
    await this.d.tx.audit(tx, actor, { ...facts, before, after: { ...after, ownership: proof } }, at);
    return after;
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
