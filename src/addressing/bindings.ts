// Service bindings: which service answers traffic for a cidr inside a prefix (the most specific wins).
// The owner of a prefix sees and changes every binding in it; a delegated account only its own, inside
// what is delegated to it. Every change is in the audit log of the prefix's owner and of the acting
// account (Transactions.entry records actor_account_id, the acting account).
import { parsePrefix, prefixContains } from '../lib/prefix.js';
import { addrError } from './errors.js';
import type { Actor, ServiceBinding } from './model.js';
import { serviceById } from './model.js';
import type { ServiceDeps } from './transactions.js';
import { checkInside, parseCidr } from './validate.js';

export class BindingService {
  constructor(private readonly d: ServiceDeps) {}

  async create(
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
    return this.d.tx.change([accountId], 'binding', async (tx, touch) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const reached = await this.d.access.reachablePrefix(tx, accountId, prefixId, true);
      const { prefix, within } = reached;
      touch(prefix.account_id);
      if (prefix.state !== 'active')
        throw addrError(
          'E_ADDR_STATE',
          `prefix ${prefixId} is ${prefix.state}; bindings can be added only to an active prefix`,
        );
      checkInside('cidr', parsePrefix(prefix.cidr), ip, 'prefix');
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
      if (dup) {
        // another account's binding is not named: its id is not this account's to know
        const which = this.d.access.seesBinding(reached, dup) ? `binding ${dup.id} (${dup.service_name})` : 'a binding';
        throw addrError('E_ADDR_DUPLICATE', `${which} already binds ${input.cidr}`);
      }
      const at = this.d.tx.now();
      const b: ServiceBinding = {
        id: this.d.tx.newId(),
        prefix_id: prefixId,
        account_id: accountId,
        cidr: input.cidr,
        service_id: service.id,
        service_name: service.name,
        provisioning: { state: 'provisioning' },
        created_at: at,
        modified_at: at,
      };
      await this.d.quotas.check(tx, accountId, 'bindings');
      await tx.insertBinding(b);
      const facts = { account_id: prefix.account_id, action: 'binding.create', type: 'binding' as const, id: b.id };
      await this.d.tx.audit(tx, actor, { ...facts, before: null, after: b }, at);
      return b;
    });
  }

  async list(actor: Actor, accountId: string, prefixId: string): Promise<ServiceBinding[]> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      const reached = await this.d.access.reachablePrefix(tx, accountId, prefixId);
      return (await tx.listBindings(prefixId)).filter((b) => this.d.access.seesBinding(reached, b));
    });
  }

  async get(actor: Actor, accountId: string, prefixId: string, id: string): Promise<ServiceBinding> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      const reached = await this.d.access.reachablePrefix(tx, accountId, prefixId);
      const b = await tx.getBinding(id);
      if (!b || !this.d.access.seesBinding(reached, b)) throw addrError('E_ADDR_NOT_FOUND', `binding ${id} not found`);
      return b;
    });
  }

  async delete(actor: Actor, accountId: string, prefixId: string, id: string): Promise<ServiceBinding> {
    return this.d.tx.change([accountId], 'binding', async (tx, touch) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const reached = await this.d.access.reachablePrefix(tx, accountId, prefixId, true);
      const { prefix } = reached;
      touch(prefix.account_id);
      const b = await tx.getBinding(id);
      if (!b || !this.d.access.seesBinding(reached, b)) throw addrError('E_ADDR_NOT_FOUND', `binding ${id} not found`);
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
      const facts = { account_id: prefix.account_id, action: 'binding.delete', type: 'binding' as const, id };
      await this.d.tx.audit(tx, actor, { ...facts, before: b, after: null });
      return b;
    });
  }
}
