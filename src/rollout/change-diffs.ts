// The diffs the guard and the approval rules judge a change by, for the engine (engine.ts): the whole
// network from the last good snapshot (with what the guard admitted taking away known-good, issue 10),
// with bindings kept only for their grace counted as removed, the drift from the good snapshot of a day
// ago, and who made a delta (from the one audit log), which accounts made their own. Split from the engine along this idea: what a
// change is, as opposed to how the engine steps it.
import { diffSnapshots, type KnownGood, type SnapshotDiff } from '../snapshot/diff.js';
import type { LocationInfo, Snapshot, SnapshotContent } from '../snapshot/model.js';
import { withPendingUnbinds } from '../snapshot/pending-unbinds.js';
import { type AccountItems, ATTRIBUTION_LOOKBACK_MS, attribute, selfServiceAccounts } from './attribution.js';
import { type GuardConfig, knownGood } from './guard.js';
import type { AuditEvent, ChangeHistory, EngineState } from './ports.js';

export interface ChangeDiffsDeps {
  topology(): readonly LocationInfo[];
  state(): Readonly<EngineState>;
  snapshot(id: string): Promise<Snapshot>;
  now(): number;
  guard: GuardConfig;
  history: ChangeHistory | undefined;
}

export class ChangeDiffs {
  /** The last full diff computed (baseline → snapshot), reused by activation and step accounting. */
  last: { from: string | null; to: string; admitted: unknown; diff: SnapshotDiff } | null = null;

  constructor(private readonly d: ChangeDiffsDeps) {}

  /**
   * Diff of the whole network from `before` (the last good snapshot) to `after`, cached for the latest
   * pair. What the guard admitted taking away from good states is known-good too: putting it back is
   * restoring; any other announcement or binding is new (issue 10).
   */
  full(before: Snapshot | null, after: SnapshotContent & { id?: string }): SnapshotDiff {
    const from = before?.id ?? null;
    const to = after.id;
    const admitted = this.d.state().guard.admitted;
    const hit = this.last;
    if (to && hit && hit.from === from && hit.to === to && hit.admitted === admitted) return hit.diff;
    const diff = diffSnapshots(before, after, this.d.topology(), undefined, this.known(before, after));
    if (to) this.last = { from, to, admitted, diff };
    return diff;
  }

  /**
   * Known-good beyond the last good snapshot: what the guard admitted taking away. Before anything was
   * ever deployed there is no good state to fail small against: the first snapshot is the starting
   * point (its ownership is proven by the compiler like every other) and goes out as a bootstrap.
   */
  private known(before: Snapshot | null, after: SnapshotContent): KnownGood {
    if (before !== null || this.d.state().baselineId !== null) return knownGood(this.d.state().guard);
    return {
      announcements: new Map(after.announcements.map((a) => [a.prefix, a])),
      bindings: new Map(after.bindings.map((b) => [b.id, b])),
    };
  }

  /**
   * What the guard judges: the diff from the last good snapshot, with the bindings `s` holds only for
   * their grace counted as removed.
   */
  judged(base: Snapshot | null, s: Snapshot, graced: readonly string[] | undefined): SnapshotDiff {
    const diff = this.full(base, s);
    if (!graced?.length) return diff;
    const ids = new Set(graced);
    return withPendingUnbinds(
      diff,
      s.bindings.filter((b) => ids.has(b.id)),
      base,
      this.d.topology(),
    );
  }

  /**
   * The good snapshot drift is measured from: the newest that became good at least drift.ageMs ago, or,
   * while the record is younger than that, the oldest one known.
   */
  private async driftReference(): Promise<Snapshot | null> {
    const { goodIds, goodAt } = this.d.state();
    if (!goodAt) return null;
    const cutoff = this.d.now() - this.d.guard.drift.ageMs;
    let ref: string | null = null;
    let oldest: string | null = null;
    for (const id of goodIds) {
      const at = goodAt[id];
      if (at === undefined) continue;
      oldest ??= id;
      if (at <= cutoff) ref = id;
    }
    const id = ref ?? oldest;
    if (id === null) return null;
    try {
      return await this.d.snapshot(id);
    } catch {
      return null; // an unknown good snapshot (trimmed history): no drift to judge
    }
  }

  /** The diff from the drift reference to `s`; null when there is none or it is the last good snapshot. */
  async drift(s: Snapshot): Promise<SnapshotDiff | null> {
    const ref = await this.driftReference();
    if (!ref || ref.id === this.d.state().baselineId) return null;
    return diffSnapshots(ref, s, this.d.topology());
  }

  async history(base: Snapshot | null): Promise<readonly AuditEvent[]> {
    if (!this.d.history) return [];
    const from = (base ? Date.parse(base.createdAt) : this.d.now()) - ATTRIBUTION_LOOKBACK_MS;
    return this.d.history.addressingChangesSince(new Date(from).toISOString());
  }

  /**
   * The accounts the guard's cumulative limits may leave out (guard-cumulative.ts): those whose items
   * the limits count (this change's withdrawals, modifications and binding removals, those of the
   * unapproved changes in the guard's ledger, the drift's) were all made by the account's own identities,
   * attributed through the one audit log (attribution.ts selfServiceAccounts). A job's or an operator's
   * change in an account makes it no customer's own. Undefined without a history (no attribution: any
   * account may be left out); sorted, so the engine's input is a value.
   */
  async selfService(
    diff: SnapshotDiff,
    drift: SnapshotDiff | null | undefined,
    base: Snapshot | null,
  ): Promise<string[] | undefined> {
    if (!this.d.history) return undefined;
    const items = {
      announcements: [] as AccountItems['announcements'][number][],
      bindings: [] as AccountItems['bindings'][number][],
    };
    const fromDiff = (d: SnapshotDiff) => {
      for (const c of d.announcements)
        if (c.kind === 'withdraw' || c.kind === 'modify')
          items.announcements.push({ prefix: c.prefix, account: c.account, kind: c.kind });
      for (const c of d.bindings)
        if (c.kind === 'unbind')
          items.bindings.push({ id: c.id, prefix: c.prefix, account: c.account, kind: 'unbind' });
    };
    fromDiff(diff);
    // Nothing of this change for the cumulative limits to count: no account needs to be left out.
    if (items.announcements.length === 0 && items.bindings.length === 0) return [];
    if (drift) fromDiff(drift);
    for (const a of this.d.state().guard.admitted) {
      if (a.approvalId !== null) continue; // approved: the windows do not count it
      const asOf = a.at; // who had made it when it was admitted
      for (const w of a.withdrawn)
        items.announcements.push({ prefix: w.prefix, account: w.account, kind: 'withdraw', asOf });
      for (const m of a.modified ?? [])
        items.announcements.push({ prefix: m.prefix, account: m.account, kind: 'modify', asOf });
      for (const u of a.unbound)
        items.bindings.push({ id: u.id, prefix: u.prefix, account: u.account, kind: 'unbind', asOf });
    }
    return selfServiceAccounts(items, await this.history(base));
  }

  /** Ids of the actors whose desired-state changes are in `diff` (every kind of change). */
  async authorsOf(diff: SnapshotDiff, base: Snapshot | null): Promise<string[]> {
    if (!this.d.history) return [];
    return attribute(diff, await this.history(base)).authors.map((a) => a.id);
  }
}
