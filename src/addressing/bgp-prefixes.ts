// BGP prefixes and their advertisement (including the legacy whole-prefix advertisement status): what is
// announced. Every change here is desired state only; src/snapshot and src/rollout take it to the edge.
import { parsePrefix } from '../lib/prefix.js';
import { addrError } from './errors.js';
import { ASN_PREPEND_COUNT } from './limits.js';
import type { Actor, AuditEntry, BgpPrefix, Prefix } from './model.js';
import type { AddressingTx } from './ports.js';
import type { ServiceDeps } from './transactions.js';
import { checkAnnounceable, checkInside, checkRange, parseCidr } from './validate.js';

export interface EditBgpPrefixInput {
  asn_prepend_count?: number | undefined;
  on_demand?: { advertised?: boolean | undefined } | undefined;
}

/** The legacy advertisement status of a whole prefix; `cidr` says which BGP prefix it is about. */
export interface AdvertisementStatus {
  advertised: boolean;
  advertised_modified_at: string | null;
  cidr: string;
}

export class BgpPrefixService {
  constructor(private readonly d: ServiceDeps) {}

  async create(actor: Actor, accountId: string, prefixId: string, cidr: string): Promise<BgpPrefix> {
    checkAnnounceable('cidr', parseCidr('cidr', cidr));
    return this.d.tx.change([accountId], 'bgp_prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const parent = await this.d.access.ownPrefix(tx, accountId, prefixId, true);
      return this.insert(tx, actor, parent, cidr);
    });
  }

  private async insert(tx: AddressingTx, actor: Actor, parent: Prefix, cidr: string): Promise<BgpPrefix> {
    if (parent.state !== 'active')
      throw addrError(
        'E_ADDR_STATE',
        `prefix ${parent.id} is ${parent.state}; BGP prefixes can be added only to an active prefix`,
      );
    checkInside('cidr', parsePrefix(parent.cidr), parseCidr('cidr', cidr), 'prefix');
    const existing = (await tx.listBgpPrefixes(parent.id)).find((b) => b.cidr === cidr);
    if (existing) throw addrError('E_ADDR_DUPLICATE', `BGP prefix ${existing.id} already has cidr ${cidr}`);
    const at = this.d.tx.now();
    const b: BgpPrefix = {
      id: this.d.tx.newId(),
      prefix_id: parent.id,
      account_id: parent.account_id,
      cidr,
      asn: parent.asn,
      asn_prepend_count: ASN_PREPEND_COUNT.min,
      on_demand: { advertised: false, advertised_modified_at: null, on_demand_enabled: true, on_demand_locked: false },
      created_at: at,
      modified_at: at,
    };
    await this.d.quotas.check(tx, parent.account_id, 'bgp_prefixes');
    await tx.insertBgpPrefix(b);
    const facts = { account_id: parent.account_id, action: 'bgp_prefix.create', type: 'bgp_prefix' as const, id: b.id };
    await this.d.tx.audit(tx, actor, { ...facts, before: null, after: b }, at);
    return b;
  }

  async list(actor: Actor, accountId: string, prefixId: string): Promise<BgpPrefix[]> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      await this.d.access.ownPrefix(tx, accountId, prefixId);
      return tx.listBgpPrefixes(prefixId);
    });
  }

  private async own(tx: AddressingTx, accountId: string, prefixId: string, id: string, forUpdate = false) {
    const b = await tx.getBgpPrefix(id, forUpdate);
    if (!b || b.account_id !== accountId || b.prefix_id !== prefixId)
      throw addrError('E_ADDR_NOT_FOUND', `BGP prefix ${id} not found`);
    return b;
  }

  async get(actor: Actor, accountId: string, prefixId: string, id: string): Promise<BgpPrefix> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      await this.d.access.ownPrefix(tx, accountId, prefixId);
      return this.own(tx, accountId, prefixId, id);
    });
  }

  /**
   * Announces or withdraws (on_demand.advertised) and sets the AS-path prepend count. The hot write of
   * the API, so it is optimistic: one read of the BGP prefix with its parent, the checks, then one
   * statement that writes the change and its audit entry only if neither row changed in between
   * (else it starts again; after three misses it locks the rows instead). Two round trips, one
   * atomic write, no lock held across the checks.
   */
  async edit(
    actor: Actor,
    accountId: string,
    prefixId: string,
    id: string,
    input: EditBgpPrefixInput,
  ): Promise<BgpPrefix> {
    if (input.asn_prepend_count !== undefined)
      checkRange('asn_prepend_count', input.asn_prepend_count, ASN_PREPEND_COUNT);
    // A capped job's change is counted against its caps under a lock: the locked path, not the optimistic one.
    const capped = actor.kind === 'job' && actor.caps !== undefined;
    for (let attempt = 1; attempt <= (capped ? 0 : 3); attempt++) {
      const out = await this.d.tx.read(async (tx) => {
        await this.d.access.account(tx, actor, accountId, 'write');
        const found = await tx.getBgpPrefixWithParent(id);
        const p = found?.parent;
        if (!found || !p || p.account_id !== accountId || p.state === 'deleted' || p.id !== prefixId) {
          // same answers as the two-step lookup: the prefix first, then the BGP prefix
          await this.d.access.ownPrefix(tx, accountId, prefixId);
          throw addrError('E_ADDR_NOT_FOUND', `BGP prefix ${id} not found`);
        }
        const { after, audit } = this.plan(actor, found.parent, found.bgp, input);
        return (await tx.updateBgpPrefixIfUnchanged(found.version, after, audit)) ? after : undefined;
      });
      if (out) {
        this.d.tx.notify([accountId], 'bgp_prefix');
        return out;
      }
    }
    // contended: take the locks instead, which always makes progress
    return this.d.tx.change([accountId], 'bgp_prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const parent = await this.d.access.ownPrefix(tx, accountId, prefixId, true);
      const before = await this.own(tx, accountId, prefixId, id, true);
      return this.apply(tx, actor, parent, before, input);
    });
  }

  /** The checks and the new state of a BGP prefix edit, with its audit entry; writes nothing. */
  private plan(
    actor: Actor,
    parent: Prefix,
    before: BgpPrefix,
    input: EditBgpPrefixInput,
  ): { after: BgpPrefix; audit: AuditEntry } {
    const at = this.d.tx.now();
    const after: BgpPrefix = { ...before, on_demand: { ...before.on_demand }, modified_at: at };
    if (input.asn_prepend_count !== undefined) after.asn_prepend_count = input.asn_prepend_count;
    const adv = input.on_demand?.advertised;
    if (adv !== undefined && adv !== before.on_demand.advertised) {
      if (before.on_demand.on_demand_locked)
        throw addrError(
          'E_ADDR_LOCKED',
          `BGP prefix ${before.id} is locked (on_demand_locked); its advertisement cannot change`,
        );
      if (adv && parent.state !== 'active')
        throw addrError(
          'E_ADDR_STATE',
          `prefix ${parent.id} is ${parent.state}; only an active prefix can be advertised`,
        );
      if (adv && parent.approved !== 'V')
        throw addrError(
          'E_ADDR_NOT_APPROVED',
          `prefix ${parent.id} is not validated (approved = P); POST …/prefixes/${parent.id}/validate first`,
        );
      after.on_demand.advertised = adv;
      after.on_demand.advertised_modified_at = at;
    }
    const changed = adv !== undefined && adv !== before.on_demand.advertised;
    const action = !changed ? 'bgp_prefix.edit' : adv ? 'bgp_prefix.advertise' : 'bgp_prefix.withdraw';
    const facts = { account_id: parent.account_id, action, type: 'bgp_prefix' as const, id: before.id };
    return { after, audit: this.d.tx.entry(actor, { ...facts, before, after }, at) };
  }

  /** The pessimistic variant, inside a transaction that already holds what it read. */
  private async apply(
    tx: AddressingTx,
    actor: Actor,
    parent: Prefix,
    before: BgpPrefix,
    input: EditBgpPrefixInput,
  ): Promise<BgpPrefix> {
    const { after, audit } = this.plan(actor, parent, before, input);
    await this.d.tx.jobCaps(tx, actor);
    await tx.updateBgpPrefix(after, audit);
    return after;
  }

  async delete(actor: Actor, accountId: string, prefixId: string, id: string): Promise<BgpPrefix> {
    return this.d.tx.change([accountId], 'bgp_prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      await this.d.access.ownPrefix(tx, accountId, prefixId);
      const before = await this.own(tx, accountId, prefixId, id, true);
      if (before.on_demand.advertised)
        throw addrError(
          'E_ADDR_STILL_ADVERTISED',
          `BGP prefix ${id} (${before.cidr}) is advertised; withdraw it first`,
        );
      await tx.deleteBgpPrefix(id);
      const facts = { account_id: accountId, action: 'bgp_prefix.delete', type: 'bgp_prefix' as const, id };
      await this.d.tx.audit(tx, actor, { ...facts, before, after: null });
      return before;
    });
  }

  // ---- legacy advertisement status: the BGP prefix whose cidr is the whole prefix ---------------

  async status(actor: Actor, accountId: string, prefixId: string): Promise<AdvertisementStatus> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      const p = await this.d.access.ownPrefix(tx, accountId, prefixId);
      const whole = (await tx.listBgpPrefixes(prefixId)).find((b) => b.cidr === p.cidr);
      return {
        advertised: whole?.on_demand.advertised ?? false,
        advertised_modified_at: whole?.on_demand.advertised_modified_at ?? null,
        cidr: p.cidr,
      };
    });
  }

  /** Sets `advertised` on the whole-prefix BGP prefix, creating it (withdrawn) first when absent. */
  async editStatus(
    actor: Actor,
    accountId: string,
    prefixId: string,
    advertised: boolean,
  ): Promise<AdvertisementStatus> {
    return this.d.tx.change([accountId], 'bgp_prefix', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const parent = await this.d.access.ownPrefix(tx, accountId, prefixId, true);
      let whole = (await tx.listBgpPrefixes(prefixId)).find((b) => b.cidr === parent.cidr);
      if (!whole) {
        if (!advertised) return { advertised: false, advertised_modified_at: null, cidr: parent.cidr };
        checkAnnounceable('cidr', parsePrefix(parent.cidr));
        whole = await this.insert(tx, actor, parent, parent.cidr);
      }
      const after = await this.apply(tx, actor, parent, whole, { on_demand: { advertised } });
      const { advertised: now, advertised_modified_at } = after.on_demand;
      return { advertised: now, advertised_modified_at, cidr: after.cidr };
    });
  }
}
