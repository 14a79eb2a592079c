// Recovery of desired state (issue 10): the operator's "reject" of a held or halted change, and the bulk
// actions of a bad day (re-advertise an account or a set, restore bindings from a snapshot), write desired
// state back to what a known-good snapshot says, so the next compile no longer carries the rogue change
// and later legitimate changes flow without a further hold. Without this, desired state kept the rogue
// change: every later change was held again, and after a mass DELETE the only way out was approving 506
// unbinds.
//
// The items say what must be true afterwards ("ensure"), so a restore is idempotent: what already holds is
// counted as unchanged, what cannot be done (another account's live prefix now covers the space, a locked
// BGP prefix) is reported, never half-done. The whole restore is one transaction with one audit entry per
// object it writes, each naming the reason. What reaches the edge is decided afterwards, by the compile
// and the guard like any other change: re-announcing what the last good snapshot announced is restoring.
import { formatPrefix, parsePrefix, prefixContains, tryParsePrefix } from '../lib/prefix.js';
import { ASN_PREPEND_COUNT, inRange } from './limits.js';
import type { Actor, BgpPrefix, Prefix, ServiceBinding } from './model.js';
import { serviceById } from './model.js';
import type { AddressingTx } from './ports.js';
import type { ServiceDeps } from './transactions.js';

/** What desired state must say afterwards, one object at a time (derived from a snapshot in src/snapshot). */
export type RestoreItem =
  /** The account's BGP prefix `cidr` is advertised with this origin and prepends (its prefix live again). */
  | { kind: 'advertise'; account: string; cidr: string; origin: number; prepends: number }
  /** The account's BGP prefix `cidr` is not advertised. */
  | { kind: 'withdraw'; account: string; cidr: string }
  /** Binding `id` exists (re-created with the same id, so the snapshot diff sees the same binding). */
  | { kind: 'bind'; id: string; account: string; cidr: string; service_id: string }
  /** Binding `id` does not exist. */
  | { kind: 'unbind'; id: string; account: string };

export interface RestoreOutcome {
  /** Objects written. */
  changed: number;
  /** Items that held already. */
  unchanged: number;
  /** Items that could not be done, with why (nothing of them was written). */
  impossible: { item: RestoreItem; why: string }[];
  /** Accounts whose desired state was written. */
  accounts: string[];
}

const MAX_ITEMS = 100_000;

/**
 * The order items are carried out in: prefixes and announcements first (a binding needs its live prefix),
 * then binding removals, then re-creations (a binding changed in place is removed, then made again).
 */
export const RESTORE_ORDER = { advertise: 0, withdraw: 1, unbind: 2, bind: 3 } as const;

export function inRestoreOrder(items: readonly RestoreItem[]): RestoreItem[] {
  return [...items].sort((a, b) => RESTORE_ORDER[a.kind] - RESTORE_ORDER[b.kind]);
}

export class RecoveryService {
  constructor(private readonly d: ServiceDeps) {}

  /**
   * Makes desired state say what `items` say, in one transaction, each write audited with `reason` (and
   * `cause`, e.g. the rejected rollout, in the entry's after). Operators only: it spans accounts.
   */
  async restore(actor: Actor, items: readonly RestoreItem[], reason: string): Promise<RestoreOutcome> {
    this.d.access.operator(actor, 'restoring desired state from a snapshot');
    if (items.length > MAX_ITEMS) throw new RangeError(`at most ${MAX_ITEMS} restore items at once`);
    const accounts = [...new Set(items.map((i) => i.account))].sort();
    const out: RestoreOutcome = { changed: 0, unchanged: 0, impossible: [], accounts: [] };
    const written = new Set<string>();
    await this.d.tx.change(accounts, 'bgp_prefix', async (tx) => {
      const run = new RestoreRun(this.d, tx, actor, reason);
      const sorted = inRestoreOrder(items);
      for (const item of sorted) {
        const r = await run.apply(item);
        if (r === 'unchanged') out.unchanged++;
        else if (r === 'changed') {
          out.changed++;
          written.add(item.account);
        } else out.impossible.push({ item, why: r.why });
      }
    });
    out.accounts = [...written].sort();
    return out;
  }
}

type ItemResult = 'changed' | 'unchanged' | { why: string };

/** One restore inside its transaction: reads each account's prefixes once. */
class RestoreRun {
  private readonly prefixes = new Map<string, Prefix[]>();
  private readonly at: string;

  constructor(
    private readonly d: ServiceDeps,
    private readonly tx: AddressingTx,
    private readonly actor: Actor,
    private readonly reason: string,
  ) {
    this.at = d.tx.now();
  }

  /** Every prefix of the account, live and deleted (deleted ones may be brought back). */
  private async accountPrefixes(account: string): Promise<Prefix[]> {
    let list = this.prefixes.get(account);
    if (!list) {
      list = [];
      for (const state of ['active', 'pending_delete', 'deleted'] as const) {
        for (let page = 1; ; page++) {
          const got = await this.tx.listPrefixes(account, state, { page, per_page: 1000 });
          list.push(...got.items);
          if (got.items.length < 1000) break;
        }
      }
      this.prefixes.set(account, list);
    }
    return list;
  }

  private async audit(
    account: string,
    action: string,
    type: 'prefix' | 'bgp_prefix' | 'binding',
    id: string,
    before: unknown,
    after: unknown,
  ) {
    await this.d.tx.audit(
      this.tx,
      this.actor,
      { account_id: account, action, type, id, before, after, reason: this.reason },
      this.at,
    );
  }

  /** The account's prefix that contains `cidr`: a live one first, else the newest deleted one. */
  private async parentOf(account: string, cidr: string): Promise<Prefix | undefined> {
    const want = parsePrefix(cidr);
    const inside = (await this.accountPrefixes(account)).filter((p) => prefixContains(parsePrefix(p.cidr), want));
    return (
      inside.find((p) => p.state === 'active') ??
      inside.find((p) => p.state === 'pending_delete') ??
      inside.filter((p) => p.state === 'deleted').sort((a, b) => (a.modified_at < b.modified_at ? 1 : -1))[0]
    );
  }

  /** Makes `p` active again (a deleted or pending-delete prefix), unless another live prefix took its space. */
  private async revive(p: Prefix): Promise<Prefix | { why: string }> {
    if (p.state === 'active') return p;
    if (p.state === 'deleted') {
      await this.tx.lockPrefixSpace();
      const clash = (await this.tx.overlappingPrefixes(p.cidr)).filter((o) => o.id !== p.id);
      if (clash.length)
        return {
          why: `prefix ${p.cidr} cannot come back: ${clash.map((c) => `${c.cidr} (${c.id})`).join(', ')} took its space`,
        };
    }
    const after: Prefix = { ...p, state: 'active', modified_at: this.at };
    await this.tx.updatePrefix(after);
    await this.audit(p.account_id, 'prefix.restore', 'prefix', p.id, p, after);
    const list = this.prefixes.get(p.account_id) ?? [];
    this.prefixes.set(
      p.account_id,
      list.map((x) => (x.id === p.id ? after : x)),
    );
    return after;
  }

  private async bgpPrefix(parent: Prefix, cidr: string): Promise<BgpPrefix | undefined> {
    return (await this.tx.listBgpPrefixes(parent.id)).find((b) => b.cidr === cidr);
  }

  async apply(item: RestoreItem): Promise<ItemResult> {
    const cidr = 'cidr' in item ? canonical(item.cidr) : null;
    if ('cidr' in item && cidr === null) return { why: `${item.cidr} is not a prefix` };
    switch (item.kind) {
      case 'advertise':
        return this.advertise(item, cidr as string);
      case 'withdraw':
        return this.withdraw(item.account, cidr as string);
      case 'bind':
        return this.bind(item, cidr as string);
      case 'unbind':
        return this.unbind(item);
    }
  }

  private async advertise(item: Extract<RestoreItem, { kind: 'advertise' }>, cidr: string): Promise<ItemResult> {
    if (!inRange(ASN_PREPEND_COUNT, item.prepends)) return { why: `prepends ${item.prepends} out of range` };
    const found = await this.parentOf(item.account, cidr);
    if (!found) return { why: `account ${item.account} has no prefix containing ${cidr}` };
    const wasLive = found.state === 'active';
    const parent = await this.revive(found);
    if ('why' in parent) return parent;
    const asn = item.origin === parent.asn ? null : item.origin;
    const before = await this.bgpPrefix(parent, cidr);
    if (!before) {
      const b: BgpPrefix = {
        id: this.d.tx.newId(),
        prefix_id: parent.id,
        account_id: parent.account_id,
        cidr,
        asn: asn ?? parent.asn,
        asn_prepend_count: item.prepends,
        on_demand: {
          advertised: true,
          advertised_modified_at: this.at,
          on_demand_enabled: true,
          on_demand_locked: false,
        },
        created_at: this.at,
        modified_at: this.at,
      };
      await this.tx.insertBgpPrefix(b);
      await this.audit(parent.account_id, 'bgp_prefix.restore', 'bgp_prefix', b.id, null, b);
      return 'changed';
    }
    const origin = before.asn ?? parent.asn;
    if (before.on_demand.advertised && origin === item.origin && before.asn_prepend_count === item.prepends)
      return wasLive ? 'unchanged' : 'changed';
    if (before.on_demand.on_demand_locked && !before.on_demand.advertised)
      return { why: `BGP prefix ${before.id} (${cidr}) is locked (on_demand_locked)` };
    const after: BgpPrefix = {
      ...before,
      asn: origin === item.origin ? before.asn : item.origin,
      asn_prepend_count: item.prepends,
      on_demand: {
        ...before.on_demand,
        advertised: true,
        advertised_modified_at: before.on_demand.advertised ? before.on_demand.advertised_modified_at : this.at,
      },
      modified_at: this.at,
    };
    await this.tx.updateBgpPrefix(after);
    await this.audit(
      parent.account_id,
      before.on_demand.advertised ? 'bgp_prefix.edit' : 'bgp_prefix.advertise',
      'bgp_prefix',
      before.id,
      before,
      after,
    );
    return 'changed';
  }

  private async withdraw(account: string, cidr: string): Promise<ItemResult> {
    const parent = await this.parentOf(account, cidr);
    if (!parent || parent.state === 'deleted') return 'unchanged'; // nothing live can announce it
    const before = await this.bgpPrefix(parent, cidr);
    if (!before?.on_demand.advertised) return 'unchanged';
    if (before.on_demand.on_demand_locked)
      return { why: `BGP prefix ${before.id} (${cidr}) is locked (on_demand_locked)` };
    const after: BgpPrefix = {
      ...before,
      on_demand: { ...before.on_demand, advertised: false, advertised_modified_at: this.at },
      modified_at: this.at,
    };
    await this.tx.updateBgpPrefix(after);
    await this.audit(account, 'bgp_prefix.withdraw', 'bgp_prefix', before.id, before, after);
    return 'changed';
  }

  private async bind(item: Extract<RestoreItem, { kind: 'bind' }>, cidr: string): Promise<ItemResult> {
    const existing = await this.tx.getBinding(item.id);
    if (existing) return 'unchanged';
    const service = serviceById(item.service_id);
    if (!service) return { why: `service ${item.service_id} is unknown` };
    const found = await this.parentOf(item.account, cidr);
    if (!found) return { why: `account ${item.account} has no prefix containing ${cidr}` };
    const parent = await this.revive(found);
    if ('why' in parent) return parent;
    const clash = (await this.tx.listBindings(parent.id)).find((b) => b.cidr === cidr);
    if (clash) return { why: `binding ${clash.id} binds ${cidr} now` };
    const b: ServiceBinding = {
      id: item.id,
      prefix_id: parent.id,
      account_id: item.account,
      cidr,
      service_id: service.id,
      service_name: service.name,
      provisioning: { state: 'active' },
      created_at: this.at,
      modified_at: this.at,
    };
    await this.tx.insertBinding(b);
    await this.audit(parent.account_id, 'binding.restore', 'binding', b.id, null, b);
    return 'changed';
  }

  private async unbind(item: Extract<RestoreItem, { kind: 'unbind' }>): Promise<ItemResult> {
    const b = await this.tx.getBinding(item.id);
    if (!b) return 'unchanged';
    await this.tx.deleteBinding(item.id);
    await this.audit(b.account_id, 'binding.delete', 'binding', b.id, b, null);
    return 'changed';
  }
}

function canonical(text: string): string | null {
  const r = tryParsePrefix(text);
  return r.ok ? formatPrefix(r.prefix) : null;
}
