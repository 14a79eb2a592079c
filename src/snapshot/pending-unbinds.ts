// Bindings removed from desired state stay at the edge for a grace period (src/rollout/controller.ts), so
// the snapshot still holds them and its diff shows no removal. The guard must judge a removal when desired
// state changes, not when the grace expires: this adds them to a diff as unbinds, counted per account,
// location and region like any other. The result is what the guard judges and admits; what deploys (and
// the step log) is the snapshot's own diff.
import type { BindingChange, ChangeCounts, SnapshotDiff } from './diff.js';
import { zeroCounts } from './diff.js';
import type { Binding, LocationInfo } from './model.js';

/**
 * `diff` with `pending` (bindings of the last good snapshot that desired state no longer has) as unbinds.
 * Bindings the diff already removes, or the last good snapshot never held, are left out.
 */
export function withPendingUnbinds(
  diff: SnapshotDiff,
  pending: readonly Binding[],
  baseline: { bindings: readonly Binding[] } | null,
  topology: readonly LocationInfo[],
): SnapshotDiff {
  if (pending.length === 0 || baseline === null) return diff;
  const good = new Set(baseline.bindings.map((b) => b.id));
  const already = new Set(diff.bindings.filter((c) => c.kind === 'unbind').map((c) => c.id));
  const add = pending.filter((b) => good.has(b.id) && !already.has(b.id));
  if (add.length === 0) return diff;
  const universe = new Set(diff.universe);
  const regionOf = new Map(topology.map((l) => [l.id, l.region]));
  const clone = (r: Record<string, ChangeCounts>) =>
    Object.fromEntries(Object.entries(r).map(([k, c]) => [k, { ...c }])) as Record<string, ChangeCounts>;
  const totals = { ...diff.totals };
  const byAccount = clone(diff.byAccount);
  const byLocation = clone(diff.byLocation);
  const byRegion = clone(diff.byRegion);
  const changes: BindingChange[] = [];
  for (const b of add) {
    const at = b.locations === '*' ? diff.universe : b.locations.filter((l) => universe.has(l));
    if (at.length === 0) continue;
    changes.push({
      kind: 'unbind',
      id: b.id,
      account: b.account,
      prefix: b.prefix,
      service: b.service,
      locations: b.locations === '*' && diff.universe.length === topology.length ? '*' : [...at].sort(),
      binding: b,
    });
    totals.unbind++;
    byAccount[b.account] ??= zeroCounts();
    (byAccount[b.account] as ChangeCounts).unbind++;
    const regions = new Set<string>();
    for (const l of at) {
      byLocation[l] ??= zeroCounts();
      (byLocation[l] as ChangeCounts).unbind++;
      regions.add(regionOf.get(l) ?? '?');
    }
    for (const r of regions) {
      byRegion[r] ??= zeroCounts();
      (byRegion[r] as ChangeCounts).unbind++;
    }
  }
  if (changes.length === 0) return diff;
  return {
    ...diff,
    bindings: [...diff.bindings, ...changes],
    totals,
    byAccount,
    byLocation,
    byRegion,
    restoringOnly: false,
  };
}
