// The console's alert feed and audit filters. Alerts are derived from what the engine already knows
// (breaker, held and halted rollouts, failed gates, agents out of sync); monitors and probes publish
// verdicts (POST /v1/verdicts) that gates read, so their failures show here under their own source
// once they exist. Pure functions over the rollout control's views.
import type { RolloutStatusView } from '../rollout/control.js';
import type { AgentReport, AuditEvent, Rollout } from '../rollout/ports.js';

export type Severity = 'critical' | 'warning' | 'info';

export interface Alert {
  id: string;
  at: number;
  severity: Severity;
  /** guard, gate:<name>, agent, or a verdict source. */
  source: string;
  title: string;
  detail: string;
  rollout: string | null;
  location: string | null;
  /** Still true now (a tripped breaker, a held rollout, an agent out of sync); false: history. */
  active: boolean;
}

const SEV: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export function alertsOf(
  status: RolloutStatusView,
  rollouts: readonly Rollout[],
  agents: readonly AgentReport[],
  audit: readonly AuditEvent[],
): Alert[] {
  const out: Alert[] = [];
  if (status.breaker.tripped)
    out.push({
      id: 'breaker',
      at: status.breaker.since ?? 0,
      severity: 'critical',
      source: 'guard',
      title: 'Circuit breaker tripped',
      detail: status.breaker.reason ?? '',
      rollout: null,
      location: null,
      active: true,
    });
  for (const a of audit) {
    if (a.action !== 'breaker.trip') continue;
    out.push({
      id: `trip-${a.id}`,
      at: Date.parse(a.at),
      severity: 'critical',
      source: 'guard',
      title: `Breaker trip by ${a.object_id}`,
      detail: a.reason ?? '',
      rollout: a.object_id,
      location: null,
      active: false,
    });
  }
  for (const r of rollouts) {
    if (r.status === 'held')
      out.push({
        id: `held-${r.id}`,
        at: r.createdAt,
        severity: 'warning',
        source: 'guard',
        title: `${r.id} (#${r.snapshotNumber}) held for approval`,
        detail: r.guard?.summary ?? '',
        rollout: r.id,
        location: null,
        active: true,
      });
    if (r.halt)
      out.push({
        id: `halt-${r.id}`,
        at: r.halt.at,
        severity: 'critical',
        source: 'gate',
        title: `${r.id} (#${r.snapshotNumber}) halted`,
        detail: r.halt.reason,
        rollout: r.id,
        location: null,
        active: r.status === 'running' || r.status === 'paused',
      });
    for (const g of r.gates) {
      if (g.status !== 'fail') continue;
      out.push({
        id: `gate-${r.id}-${g.gate}-${g.at}`,
        at: g.at,
        severity: 'warning',
        source: `gate:${g.gate}`,
        title: `${g.gate} failed for ${r.id}`,
        detail: g.reason,
        rollout: r.id,
        location: null,
        active: false,
      });
    }
  }
  for (const a of agents) {
    if (a.state === 'ok') continue;
    out.push({
      id: `agent-${a.agentId}`,
      at: a.reportedAt,
      severity: a.state === 'error' || a.state === 'refused' ? 'critical' : 'warning',
      source: 'agent',
      title: `${a.agentId} is ${a.state}`,
      detail: a.detail ?? '',
      rollout: null,
      location: a.location,
      active: true,
    });
  }
  return out.sort((x, y) => Number(y.active) - Number(x.active) || SEV[x.severity] - SEV[y.severity] || y.at - x.at);
}

export function filterAlerts(list: readonly Alert[], q: { severity?: Severity; source?: string; since?: number }) {
  return list.filter(
    (a) =>
      (q.severity === undefined || a.severity === q.severity) &&
      (q.source === undefined || a.source === q.source || a.source.startsWith(`${q.source}:`)) &&
      (q.since === undefined || a.at >= q.since),
  );
}

/**
 * Newest first (the list is oldest first, as the rollout store reads it); `actor` matches a substring of
 * `kind:id`, `target` of the object (type and id), `action` a prefix (e.g. "rollout." or "incident_mode").
 */
export function filterAudit(
  list: readonly AuditEvent[],
  q: { actor?: string; action?: string; target?: string; since?: number; limit?: number },
): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (let i = list.length - 1; i >= 0 && out.length < (q.limit ?? 500); i--) {
    const a = list[i] as AuditEvent;
    if (q.actor !== undefined && !`${a.actor_kind}:${a.actor_id}`.includes(q.actor)) continue;
    if (q.action !== undefined && !a.action.startsWith(q.action)) continue;
    if (q.target !== undefined && !`${a.object_type}:${a.object_id}`.includes(q.target)) continue;
    if (q.since !== undefined && Date.parse(a.at) < q.since) continue;
    out.push(a);
  }
  return out;
}
