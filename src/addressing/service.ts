// The addressing service: every read and change of desired state goes through here, from the HTTP API,
// the admin CLI and jobs alike. It enforces tenancy and scopes, the domain rules (cidr inside its parent,
// first binding covers the prefix, delete only when nothing is advertised or bound, BGP prefixes created
// withdrawn), and writes the audit entry in the same transaction as the change it describes.
// The class is built in layers, one file per idea (see service-core.ts); this last one adds service
// bindings and delegations.
import { formatPrefix, parsePrefix, prefixContains } from '../lib/prefix.js';
import { addrError } from './errors.js';
import type { Actor, Delegation, ServiceBinding } from './model.js';
import { serviceById } from './model.js';
import { AddressingBgp } from './service-bgp.js';
import { checkInside, parseCidr } from './validate.js';

export type { CreatePrefixInput, DeletePreconditions, EditBgpPrefixInput, EditPrefixInput } from './service-core.js';

export class AddressingService extends AddressingBgp {
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
      await this.quota(tx, accountId, 'bindings');
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
}
