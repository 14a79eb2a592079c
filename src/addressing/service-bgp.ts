// BGP prefixes and their advertisement (including the legacy whole-prefix advertisement status): the
// layer of the addressing service that decides what is announced. See service-core.ts for the layers.
import { parsePrefix } from '../lib/prefix.js';
import { addrError } from './errors.js';
import type { Actor, AuditEntry, BgpPrefix, Prefix } from './model.js';
import type { AddressingTx } from './ports.js';
import type { EditBgpPrefixInput } from './service-core.js';
import { AddressingPrefixes } from './service-prefixes.js';
import { checkAnnounceable, checkInside, checkRange, parseCidr } from './validate.js';

export class AddressingBgp extends AddressingPrefixes {
  // ---- BGP prefixes ------------------------------------------------------------------------------

  async createBgpPrefix(actor: Actor, accountId: string, prefixId: string, cidr: string): Promise<BgpPrefix> {
    const ip = parseCidr('cidr', cidr);
    checkAnnounceable('cidr', ip);
    return this.change([accountId], 'bgp_prefix', async (tx) => {
      await this.access(tx, actor, accountId, 'write');
      await this.quota(tx, accountId, 'bgp_prefixes');
      const parent = await this.ownPrefix(tx, accountId, prefixId, true);
      return this.insertBgp(tx, actor, parent, cidr);
    });
  }

  protected async insertBgp(tx: AddressingTx, actor: Actor, parent: Prefix, cidr: string): Promise<BgpPrefix> {
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

  protected async ownBgp(
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
  protected planBgpEdit(
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
  protected async applyBgpEdit(
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
}
