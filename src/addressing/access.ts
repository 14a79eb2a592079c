// Who may see and change what: the one access checker every addressing service shares. Tenancy comes
// first (another account's objects do not exist for this actor: 404), then scope (403). A delegated
// account reaches the owner's prefix only through its delegations, and there only its own bindings.
import { parsePrefix, prefixContains } from '../lib/prefix.js';
import { addrError } from './errors.js';
import type { Actor, Prefix, ServiceBinding } from './model.js';
import type { AddressingTx } from './ports.js';

export type Level = 'read' | 'write';

/** Operators read and change every account. `admin` manages accounts and tokens only. */
export function isGlobal(actor: Actor): boolean {
  return actor.scopes.includes('operator');
}

/**
 * A prefix as one account reaches it: its own (`within` undefined: all of it), or another account's of
 * which `within` (the delegated cidrs) is delegated to it.
 */
export interface ReachedPrefix {
  prefix: Prefix;
  within: string[] | undefined;
  /** The account that reached it. */
  viewer: string;
}

export class AccessChecker {
  /** 404 unless the actor may see the account; 403 unless it has the scope for `level`. */
  async account(tx: AddressingTx, actor: Actor, accountId: string, level: Level): Promise<void> {
    const global = isGlobal(actor);
    if (!global && actor.account_id !== accountId)
      throw addrError('E_ADDR_NOT_FOUND', `account ${accountId} not found`);
    const needs = level === 'write' ? ['addressing:write'] : ['addressing:read', 'addressing:write'];
    if (!global && !needs.some((s) => actor.scopes.includes(s))) {
      const scope = needs[0] as string;
      throw addrError('E_ADDR_FORBIDDEN', `this operation needs a token with scope ${scope}`, { scope });
    }
    // A tenant token's account exists (foreign key); an operator may name any id, so check it.
    if (global && !(await tx.getAccount(accountId)))
      throw addrError('E_ADDR_NOT_FOUND', `account ${accountId} not found`);
  }

  admin(actor: Actor): void {
    if (!actor.scopes.includes('admin'))
      throw addrError('E_ADDR_FORBIDDEN', 'this operation needs a token with scope admin', { scope: 'admin' });
  }

  /**
   * An admin token bound to an account administers that account's tokens only: minting a global token
   * (operator, admin of everything) or one of another account would be an escalation.
   */
  sameAccount(actor: Actor, accountId: string | null, verb: string): void {
    if (actor.account_id === null || actor.account_id === accountId) return;
    throw addrError(
      'E_ADDR_FORBIDDEN',
      `an admin token of account ${actor.account_id} cannot ${verb} ${accountId === null ? 'a global token' : "another account's tokens"}`,
      { scope: 'admin' },
    );
  }

  operator(actor: Actor, what: string): void {
    if (!isGlobal(actor)) throw addrError('E_ADDR_FORBIDDEN', `${what} needs scope operator`, { scope: 'operator' });
  }

  /** The account's own live prefix `id`, or 404. */
  async ownPrefix(tx: AddressingTx, accountId: string, id: string, forUpdate = false): Promise<Prefix> {
    const p = await tx.getPrefix(id, forUpdate);
    if (!p || p.account_id !== accountId || p.state === 'deleted')
      throw addrError('E_ADDR_NOT_FOUND', `prefix ${id} not found`);
    return p;
  }

  /** A live prefix `accountId` owns or has part of delegated to it, or 404. */
  async reachablePrefix(tx: AddressingTx, accountId: string, id: string, forUpdate = false): Promise<ReachedPrefix> {
    const p = await tx.getPrefix(id, forUpdate);
    if (!p || p.state === 'deleted') throw addrError('E_ADDR_NOT_FOUND', `prefix ${id} not found`);
    if (p.account_id === accountId) return { prefix: p, within: undefined, viewer: accountId };
    const mine = (await tx.listDelegations(id)).filter((d) => d.delegated_account_id === accountId);
    if (mine.length === 0) throw addrError('E_ADDR_NOT_FOUND', `prefix ${id} not found`);
    return { prefix: p, within: mine.map((d) => d.cidr), viewer: accountId };
  }

  /**
   * Whether the viewer of `reached` may see (and so change) binding `b`. The owner sees every binding of
   * its prefix; a delegated account only its own, inside what is delegated to it: not the owner's, not
   * another delegated account's, even when they share a delegated range.
   */
  seesBinding(reached: ReachedPrefix, b: ServiceBinding): boolean {
    if (b.prefix_id !== reached.prefix.id) return false;
    if (!reached.within) return true;
    if (b.account_id !== reached.viewer) return false;
    const cidr = parsePrefix(b.cidr);
    return reached.within.some((d) => prefixContains(parsePrefix(d), cidr));
  }
}
