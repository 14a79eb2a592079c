// What desired state must say for it to compile back to a known-good snapshot (issue 10's recovery):
// the inverse of a change's delta for "reject", and the announcements or bindings of a snapshot for the
// operator's bulk actions. Pure: snapshot content in, the addressing layer's restore items out.
import type { RestoreItem } from '../addressing/recovery.js';
import type { SnapshotDiff } from './diff.js';
import type { Binding, SnapshotContent } from './model.js';

/**
 * Desired state back to the diff's "before" side (the last good snapshot) for exactly the diff's delta,
 * optionally only for `accounts`: withdrawn → advertised again with the old attributes, newly announced →
 * withdrawn, modified → the old origin and prepends, unbound → re-created with the same id, bound → removed.
 */
export function rejectPlan(
  diff: SnapshotDiff,
  accounts?: ReadonlySet<string>,
  retained: readonly Binding[] = [],
): RestoreItem[] {
  const mine = (a: string) => accounts === undefined || accounts.has(a);
  const out: RestoreItem[] = [];
  const seen = new Set<string>();
  const push = (key: string, item: RestoreItem) => {
    if (seen.has(key) || !mine(item.account)) return;
    seen.add(key);
    out.push(item);
  };
  for (const c of diff.announcements) {
    const b = c.before;
    const a = c.after;
    if (b)
      push(`a:${b.prefix}`, {
        kind: 'advertise',
        account: b.account,
        cidr: b.prefix,
        origin: b.origin,
        prepends: b.prepends,
      });
    // announced by an account that did not announce it before: withdraw it there
    if (a && (!b || b.account !== a.account))
      push(`w:${a.account}:${a.prefix}`, { kind: 'withdraw', account: a.account, cidr: a.prefix });
  }
  // A binding changed in place (the same id on both sides) is removed, then made again as it was.
  for (const c of diff.bindings) {
    if (c.kind === 'unbind')
      push(`b:${c.id}`, { kind: 'bind', id: c.id, account: c.account, cidr: c.prefix, service_id: c.service });
    else push(`u:${c.id}`, { kind: 'unbind', id: c.id, account: c.account });
  }
  // Bindings the change removed from desired state that the edge still holds for their grace period: no
  // delta in the snapshot yet, but they would go when the grace ends. Their removal is the change's too.
  for (const b of retained)
    push(`b:${b.id}`, { kind: 'bind', id: b.id, account: b.account, cidr: b.prefix, service_id: b.service });
  return out;
}

/**
 * Bindings of `rejected` that the last good snapshot also held but desired state no longer has: kept at the
 * edge only by the controller's grace period (src/rollout/controller.ts).
 */
export function retainedBindings(
  baseline: SnapshotContent,
  rejected: SnapshotContent,
  desiredIds: ReadonlySet<string>,
): Binding[] {
  const good = new Set(baseline.bindings.map((b) => b.id));
  return rejected.bindings.filter((b) => good.has(b.id) && !desiredIds.has(b.id));
}

/** The accounts a diff changes anything of. */
export function accountsOf(diff: SnapshotDiff): string[] {
  return Object.keys(diff.byAccount).sort();
}

export interface SnapshotSelection {
  /** Only this account's entries. */
  account?: string;
  /** Only these prefixes (canonical text). */
  prefixes?: readonly string[];
}

/** Re-advertise what `target` announced (an account's, or a set of prefixes), with its attributes. */
export function readvertisePlan(target: SnapshotContent, sel: SnapshotSelection = {}): RestoreItem[] {
  const only = sel.prefixes ? new Set(sel.prefixes) : null;
  return target.announcements
    .filter((a) => (sel.account === undefined || a.account === sel.account) && (only === null || only.has(a.prefix)))
    .map((a) => ({ kind: 'advertise', account: a.account, cidr: a.prefix, origin: a.origin, prepends: a.prepends }));
}

/** Re-create the bindings `target` held (of an account, or inside a set of prefixes), with their ids. */
export function restoreBindingsPlan(target: SnapshotContent, sel: SnapshotSelection = {}): RestoreItem[] {
  const only = sel.prefixes ? new Set(sel.prefixes) : null;
  return target.bindings
    .filter((b) => (sel.account === undefined || b.account === sel.account) && (only === null || only.has(b.prefix)))
    .map((b) => ({ kind: 'bind', id: b.id, account: b.account, cidr: b.prefix, service_id: b.service }));
}
