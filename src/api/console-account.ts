// What the console shows and does for one account, through the addressing service with the caller's
// own actor (so tenancy and scopes are the service's, exactly as for the Addressing API): the overview
// (prefixes, BGP prefixes with their state at the edge, bindings, delegations, change history, the
// known-good snapshots it may return to), "revert my last change" and "return my account to snapshot N".
import type { EdgeStatus, EdgeStatusPort } from '../addressing/edge-status.js';
import { incidentError } from '../addressing/incident-mode.js';
import type { Actor, AuditEntry, BgpPrefix, Delegation, Prefix, ServiceBinding } from '../addressing/model.js';
import type { AddressingService } from '../addressing/service.js';
import type { RolloutControl } from '../rollout/control.js';
import type { AuditEvent } from '../rollout/ports.js';
import type { Snapshot } from '../snapshot/model.js';

export interface AccountOverview {
  account: { id: string; name: string | null };
  prefixes: (Prefix & {
    bgp_prefixes: (BgpPrefix & { edge: EdgeStatus | null })[];
    bindings: ServiceBinding[];
    delegations: Delegation[];
  })[];
  history: AuditEntry[];
  /** The network's audit records that concern this account (per-account rollbacks). */
  rollbacks: AuditEvent[];
  snapshots: { number: number; id: string; created_at: string; announcements: number }[];
  last_change: RevertPlan | null;
}

/** How the account's last change would be undone: the entry and the inverse call, or why not. */
export interface RevertPlan {
  entry: Pick<AuditEntry, 'id' | 'at' | 'action' | 'object_type' | 'object_id' | 'actor_id'>;
  inverse: string | null;
  /** The inverse is a re-advertise or a binding restore (allowed in incident mode). */
  restoring: boolean;
  unsupported: string | null;
}

export interface ConsoleAccountDeps {
  service: AddressingService;
  control: RolloutControl;
  /** The control loop's EdgeStatusPort (the answer every BGP prefix response of the API carries). */
  edge: EdgeStatusPort | undefined;
  /** An account's name by id (the store's, outside tenancy: the caller has checked access). */
  accountName(id: string): Promise<string | null>;
  /** Ids of snapshots the whole network completed: the only return targets. */
  goodSnapshotIds(): readonly string[];
}

const isAddressChange = (e: AuditEntry) => e.object_type !== 'account' && e.object_type !== 'token';
const cidrOf = (x: unknown) => (x as { cidr?: string } | null)?.cidr ?? '?';

export function revertPlan(e: AuditEntry): RevertPlan {
  const entry = {
    id: e.id,
    at: e.at,
    action: e.action,
    object_type: e.object_type,
    object_id: e.object_id,
    actor_id: e.actor_id,
  };
  switch (e.action) {
    case 'bgp_prefix.withdraw':
      return { entry, inverse: `re-advertise ${cidrOf(e.before)}`, restoring: true, unsupported: null };
    case 'bgp_prefix.advertise':
      return { entry, inverse: `withdraw ${cidrOf(e.before)}`, restoring: false, unsupported: null };
    case 'binding.delete':
      return { entry, inverse: `restore the binding of ${cidrOf(e.before)}`, restoring: true, unsupported: null };
    case 'binding.create':
      return { entry, inverse: `remove the binding of ${cidrOf(e.after)}`, restoring: false, unsupported: null };
    default:
      return { entry, inverse: null, restoring: false, unsupported: `${e.action} cannot be reverted from the console` };
  }
}

export class ConsoleAccounts {
  private readonly snapCache = new Map<string, Snapshot>();

  constructor(private readonly d: ConsoleAccountDeps) {}

  private async snapshot(id: string): Promise<Snapshot> {
    let s = this.snapCache.get(id);
    if (!s) {
      s = await this.d.control.snapshot(id);
      this.snapCache.set(id, s);
      if (this.snapCache.size > 64) this.snapCache.delete(this.snapCache.keys().next().value as string);
    }
    return s;
  }

  /** Known-good snapshots, newest first, with how many of this account's prefixes each announces. */
  async goodSnapshots(accountId: string, limit = 20): Promise<AccountOverview['snapshots']> {
    const good = new Set(this.d.goodSnapshotIds());
    const list = (await this.d.control.snapshots()).filter((s) => good.has(s.id)).slice(0, limit);
    const out: AccountOverview['snapshots'] = [];
    for (const s of list) {
      const full = await this.snapshot(s.id);
      out.push({
        number: s.number,
        id: s.id,
        created_at: s.createdAt,
        announcements: full.announcements.filter((a) => a.account === accountId).length,
      });
    }
    return out;
  }

  /** The newest change to the account's address space (account and token records are not such changes). */
  async lastChange(actor: Actor, accountId: string): Promise<{ entry: AuditEntry; plan: RevertPlan } | null> {
    const page = await this.d.service.listAudit(actor, accountId, { page: 1, per_page: 50 });
    const entry = page.items.find(isAddressChange);
    return entry ? { entry, plan: revertPlan(entry) } : null;
  }

  async overview(actor: Actor, accountId: string): Promise<AccountOverview> {
    const s = this.d.service;
    await s.checkAccount(actor, accountId, 'read');
    const prefixes = (await s.prefixes.list(actor, accountId, 'active', { page: 1, per_page: 5000 })).items.sort(
      (a, b) => a.cidr.localeCompare(b.cidr, 'en', { numeric: true }),
    );
    const full: AccountOverview['prefixes'] = [];
    for (const p of prefixes) {
      const bgp = await s.bgp.list(actor, accountId, p.id);
      full.push({
        ...p,
        bgp_prefixes: bgp.map((b) => ({
          ...b,
          // the same answer the Addressing API's BGP prefix responses carry
          edge: this.d.edge ? this.d.edge.edgeStatus(b.cidr, b.on_demand.advertised) : null,
        })),
        bindings: await s.bindings.list(actor, accountId, p.id),
        delegations: await s.delegations.list(actor, accountId, p.id),
      });
    }
    const history = (await s.listAudit(actor, accountId, { page: 1, per_page: 50 })).items;
    const rollbacks = (await this.d.control.audit()).filter((a) => a.account_id === accountId).reverse();
    // the account's own name (checkAccount above let this actor see the account)
    const name = await this.d.accountName(accountId);
    return {
      account: { id: accountId, name },
      prefixes: full,
      history,
      rollbacks,
      snapshots: await this.goodSnapshots(accountId),
      last_change: (() => {
        const e = history.find(isAddressChange);
        return e ? revertPlan(e) : null;
      })(),
    };
  }

  /**
   * Undoes the account's newest change with the inverse call, through the service with the caller's
   * actor. `restoringOnly` (incident mode for a customer): only a re-advertise or a binding restore.
   */
  async revertLast(actor: Actor, accountId: string, restoringOnly: boolean): Promise<RevertPlan> {
    await this.d.service.checkAccount(actor, accountId, 'write');
    const last = await this.lastChange(actor, accountId);
    if (!last) throw incidentError('E_CONSOLE_NOTHING_TO_REVERT', `account ${accountId} has no change to revert`);
    const { entry, plan } = last;
    if (plan.unsupported) throw incidentError('E_CONSOLE_REVERT_UNSUPPORTED', plan.unsupported);
    if (restoringOnly && !plan.restoring)
      throw incidentError(
        'E_INCIDENT_FROZEN',
        `incident mode is on: reverting ${entry.action} would ${plan.inverse}, which is not a restoring change`,
      );
    const s = this.d.service;
    const before = entry.before as BgpPrefix & ServiceBinding;
    const after = entry.after as ServiceBinding | null;
    switch (entry.action) {
      case 'bgp_prefix.withdraw':
      case 'bgp_prefix.advertise':
        await s.bgp.edit(actor, accountId, before.prefix_id, before.id, {
          on_demand: { advertised: entry.action === 'bgp_prefix.withdraw' },
        });
        break;
      case 'binding.delete':
        await s.bindings.create(actor, accountId, before.prefix_id, {
          cidr: before.cidr,
          service_id: before.service_id,
        });
        break;
      case 'binding.create':
        if (after) await s.bindings.delete(actor, accountId, after.prefix_id, after.id);
        break;
    }
    return plan;
  }

  /** Returns the account's slice of the network to known-good snapshot `number` (the engine's per-account rollback). */
  async returnTo(actor: Actor, accountId: string, number: number, reason: string) {
    await this.d.service.checkAccount(actor, accountId, 'write');
    const good = await this.goodSnapshots(accountId, 1000);
    const target = good.find((g) => g.number === number);
    if (!target)
      throw incidentError(
        'E_CONSOLE_NOT_GOOD_SNAPSHOT',
        `snapshot #${number} is not a known-good snapshot of this network; known good: ${good
          .slice(0, 10)
          .map((g) => `#${g.number}`)
          .join(', ')}`,
      );
    const r = await this.d.control.rollback({
      to: target.id,
      account: accountId,
      actor,
      reason,
    });
    return { snapshot: { id: r.snapshot.id, number: r.snapshot.number }, rollouts: r.rollouts.map((x) => x.id) };
  }
}
