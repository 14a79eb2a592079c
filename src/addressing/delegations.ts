// Delegations: part of a prefix handed to another account, which may then bind services inside it.
import { formatPrefix, parsePrefix, prefixContains } from '../lib/prefix.js';
import { addrError } from './errors.js';
import type { Actor, Delegation } from './model.js';
import type { ServiceDeps } from './transactions.js';
import { checkInside, parseCidr } from './validate.js';

export class DelegationService {
  constructor(private readonly d: ServiceDeps) {}

  async create(
    actor: Actor,
    accountId: string,
    prefixId: string,
    input: { cidr: string; delegated_account_id: string },
  ): Promise<Delegation> {
    const ip = parseCidr('cidr', input.cidr);
    return this.d.tx.change([accountId, input.delegated_account_id], 'delegation', async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      const parent = await this.d.access.ownPrefix(tx, accountId, prefixId, true);
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
      const at = this.d.tx.now();
      const d: Delegation = {
        id: this.d.tx.newId(),
        parent_prefix_id: prefixId,
        account_id: accountId,
        cidr: formatPrefix(ip),
        delegated_account_id: input.delegated_account_id,
        created_at: at,
        modified_at: at,
      };
      await tx.insertDelegation(d);
      const facts = { account_id: accountId, action: 'delegation.create', type: 'delegation' as const, id: d.id };
      await this.d.tx.audit(tx, actor, { ...facts, before: null, after: d }, at);
      return d;
    });
  }

  async list(actor: Actor, accountId: string, prefixId: string): Promise<Delegation[]> {
    return this.d.tx.read(async (tx) => {
      await this.d.access.account(tx, actor, accountId, 'read');
      await this.d.access.ownPrefix(tx, accountId, prefixId);
      return tx.listDelegations(prefixId);
    });
  }

  async delete(actor: Actor, accountId: string, prefixId: string, id: string): Promise<Delegation> {
    return this.d.tx.change([accountId], 'delegation', async (tx, touch) => {
      await this.d.access.account(tx, actor, accountId, 'write');
      await this.d.access.ownPrefix(tx, accountId, prefixId, true);
      const d = await tx.getDelegation(id);
      if (!d || d.parent_prefix_id !== prefixId) throw addrError('E_ADDR_NOT_FOUND', `delegation ${id} not found`);
      touch(d.delegated_account_id);
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
      const facts = { account_id: accountId, action: 'delegation.delete', type: 'delegation' as const, id };
      await this.d.tx.audit(tx, actor, { ...facts, before: d, after: null });
      return d;
    });
  }
}
