// Health gates: one interface, several sources. A rollout stage passes only when every gate passes;
// a failing gate halts it; "no data" and "inconclusive" pause it and never count as a pass.

import type { Snapshot } from '../snapshot/model.js';
import type { LocationView } from '../snapshot/view.js';
import type { AgentReport, GateResult, Rollout, Signals, VerdictStatus } from './ports.js';

export interface GateContext {
  rollout: Readonly<Rollout>;
  snapshot: Snapshot;
  /** The last good snapshot (what halted locations go back to), or null. */
  baseline: Snapshot | null;
  /** Locations this rollout has deployed to so far. */
  touched: readonly string[];
  /** When the current stage was deployed: reports and verdicts older than this say nothing about it. */
  stageDeployedAt: number;
  reports: readonly AgentReport[];
  /** The view a location must hold under the rollout's snapshot (cached by the engine). */
  expected(location: string): LocationView;
  /** The view under the baseline, or null when there is none. */
  previous(location: string): LocationView | null;
  now: number;
}

export interface HealthGate {
  readonly name: string;
  evaluate(ctx: GateContext): Promise<Omit<GateResult, 'at'>> | Omit<GateResult, 'at'>;
}

const ORDER: Record<VerdictStatus, number> = { pass: 0, inconclusive: 1, 'no-data': 2, fail: 3 };

/** Worst of the verdicts: fail > no-data > inconclusive > pass. No gates at all is no data. */
export function combine(results: readonly Omit<GateResult, 'at'>[]): VerdictStatus {
  if (results.length === 0) return 'no-data';
  let worst: VerdictStatus = 'pass';
  for (const r of results) if (ORDER[r.status] > ORDER[worst]) worst = r.status;
  return worst;
}

function listed(xs: readonly string[], max = 5): string {
  return xs.length <= max ? xs.join(', ') : `${xs.slice(0, max).join(', ')} and ${xs.length - max} more`;
}

/**
 * Every agent of every touched location applied the rollout's snapshot and its speaker announces exactly
 * what the snapshot says (set digest of announcements and bindings). An agent that has not reported since
 * the deploy is no data; one that refused or failed, or announces something else, fails the gate.
 */
export class AppliedExactlyGate implements HealthGate {
  readonly name = 'applied-exactly';
  /**
   * applyTimeoutMs: how long agents get to apply before "not yet applied" becomes a failure;
   * maxReportAgeMs: an older report says nothing about now (the agent may be cut off).
   */
  constructor(
    private readonly applyTimeoutMs = 60_000,
    private readonly maxReportAgeMs = 30_000,
  ) {}

  evaluate(ctx: GateContext): Omit<GateResult, 'at'> {
    const byLoc = new Map<string, AgentReport[]>();
    for (const r of ctx.reports) {
      const l = byLoc.get(r.location) ?? [];
      l.push(r);
      byLoc.set(r.location, l);
    }
    const silent: string[] = [];
    const bad: string[] = [];
    const pending: string[] = [];
    for (const loc of ctx.touched) {
      const agents = byLoc.get(loc) ?? [];
      if (agents.length === 0) {
        silent.push(`${loc} (no agent)`);
        continue;
      }
      const want = ctx.expected(loc);
      for (const a of agents) {
        if (a.reportedAt < ctx.stageDeployedAt || ctx.now - a.reportedAt > this.maxReportAgeMs) {
          silent.push(a.agentId);
        } else if (a.state === 'refused' || a.state === 'error') {
          bad.push(`${a.agentId} ${a.state}: ${a.detail ?? ''}`);
        } else if (a.appliedSnapshot !== want.snapshotId) {
          if (a.state === 'fail-static') silent.push(`${a.agentId} (fail-static)`);
          else if (ctx.now - ctx.stageDeployedAt > this.applyTimeoutMs)
            bad.push(`${a.agentId} still on ${a.appliedSnapshot?.slice(0, 12) ?? 'nothing'}`);
          else pending.push(a.agentId);
        } else if (a.announceDigest !== want.announceDigest) {
          bad.push(
            `${a.agentId} announces ${a.announceCount} prefixes (digest ${a.announceDigest}), snapshot says ${want.announceCount} (${want.announceDigest})`,
          );
        } else if (a.bindingDigest !== want.bindingDigest) {
          bad.push(`${a.agentId} holds ${a.bindingCount} bindings, snapshot says ${want.bindingCount}`);
        }
      }
    }
    if (bad.length) return { gate: this.name, status: 'fail', reason: listed(bad) };
    if (silent.length)
      return { gate: this.name, status: 'no-data', reason: `no report since the deploy from ${listed(silent)}` };
    if (pending.length)
      return { gate: this.name, status: 'inconclusive', reason: `not applied yet: ${listed(pending)}` };
    return {
      gate: this.name,
      status: 'pass',
      reason: `${ctx.reports.length} agents applied and announce exactly the snapshot`,
    };
  }
}

/**
 * Announced-prefix counts against expectation: each agent announces the number the snapshot says, and the
 * snapshot itself does not shrink a location by more than `maxDropFraction` of what it announced under the
 * baseline (the 2016 GCE failure: a config that dropped every block), unless it carries a withdraw-all mark.
 */
export class PrefixCountGate implements HealthGate {
  readonly name = 'prefix-count';
  constructor(private readonly maxDropFraction = 0.5) {}

  evaluate(ctx: GateContext): Omit<GateResult, 'at'> {
    const bad: string[] = [];
    const reported = new Set<string>();
    for (const loc of ctx.touched) {
      const want = ctx.expected(loc);
      const prev = ctx.previous(loc);
      if (prev && !ctx.snapshot.withdrawAll && prev.announceCount > 0) {
        const drop = (prev.announceCount - want.announceCount) / prev.announceCount;
        if (drop > this.maxDropFraction)
          bad.push(`${loc}: snapshot drops ${(drop * 100).toFixed(1)}% of ${prev.announceCount} prefixes`);
      }
    }
    for (const r of ctx.reports) {
      if (r.reportedAt < ctx.stageDeployedAt || r.appliedSnapshot !== ctx.snapshot.id) continue;
      reported.add(r.location);
      const want = ctx.expected(r.location).announceCount;
      if (r.announceCount !== want) bad.push(`${r.agentId}: announces ${r.announceCount}, expected ${want}`);
    }
    if (bad.length) return { gate: this.name, status: 'fail', reason: listed(bad) };
    const missing = ctx.touched.filter((l) => !reported.has(l));
    if (missing.length) return { gate: this.name, status: 'no-data', reason: `no count yet from ${listed(missing)}` };
    return { gate: this.name, status: 'pass', reason: 'announced counts match the snapshot' };
  }
}

/**
 * Verdicts published from outside (canary analysis, BGP visibility, probes, customer health) for this
 * rollout or for a touched location since the stage was deployed. A fail from any source fails the gate;
 * with `required`, silence is no data.
 */
export class ExternalVerdictGate implements HealthGate {
  readonly name: string;
  constructor(
    private readonly signals: Signals,
    private readonly required: readonly string[] = [],
    name = 'external',
  ) {
    this.name = name;
  }

  evaluate(ctx: GateContext): Omit<GateResult, 'at'> {
    const touched = new Set(ctx.touched);
    const relevant = this.signals
      .verdicts(ctx.stageDeployedAt)
      .filter(
        (v) =>
          (v.rolloutId === null || v.rolloutId === ctx.rollout.id) && (v.location === null || touched.has(v.location)),
      );
    const fails = relevant.filter((v) => v.status === 'fail');
    if (fails.length)
      return {
        gate: this.name,
        status: 'fail',
        reason: listed(fails.map((v) => `${v.source}${v.location ? `@${v.location}` : ''}: ${v.reason}`)),
      };
    const missing = this.required.filter((src) => !relevant.some((v) => v.source === src));
    if (missing.length) return { gate: this.name, status: 'no-data', reason: `no verdict yet from ${listed(missing)}` };
    const unsure = relevant.filter((v) => v.status !== 'pass');
    // A source's latest verdict counts: a later pass clears an earlier inconclusive.
    const latest = new Map<string, (typeof relevant)[number]>();
    for (const v of relevant) latest.set(`${v.source}@${v.location ?? '*'}`, v);
    const stillUnsure = [...latest.values()].filter((v) => v.status !== 'pass');
    if (unsure.length && stillUnsure.length) {
      return {
        gate: this.name,
        status: stillUnsure.some((v) => v.status === 'no-data') ? 'no-data' : 'inconclusive',
        reason: listed(stillUnsure.map((v) => `${v.source}: ${v.reason}`)),
      };
    }
    return {
      gate: this.name,
      status: 'pass',
      reason: relevant.length ? `${relevant.length} external verdicts pass` : 'no external verdict required',
    };
  }
}
