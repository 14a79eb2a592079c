// Verdicts for the rollout engine's gates, per location: the monitor says `fail` when a prefix the location
// answers for has an open alert that means harm (visibility lost, hijacked, leaked, invalid), `pass` when
// every such prefix is visible on the sessions that carried it, and `no-data` when no session has ever
// carried them (a gate must not read silence as health). The shape is the rollout's ExternalVerdict
// without its time; src/bin hands them to the Signals port.
import { type Prefix, parsePrefix, prefixContains, prefixKey } from '../lib/prefix.js';
import { RULES, type Rule } from './alerts.js';
import type { Monitor } from './monitor.js';

export type MonitorVerdictStatus = 'pass' | 'fail' | 'no-data';

export interface MonitorVerdict {
  source: 'monitor';
  rolloutId: null;
  /** null: about the whole network (our own leak), so it judges every rollout. */
  location: string | null;
  status: MonitorVerdictStatus;
  reason: string;
}

/** Rules whose open alert on a location's prefix fails its gate; new neighbours are for people to look at. */
const FAILING: ReadonlySet<Rule> = new Set(RULES.filter((r) => r !== 'new-upstream' && r !== 'new-downstream'));

export function locationVerdicts(m: Monitor, locations: Record<string, readonly string[]>): MonitorVerdict[] {
  const open = m.alerts.openAlerts().filter((a) => FAILING.has(a.spec.rule));
  const out: MonitorVerdict[] = [];
  for (const [location, texts] of Object.entries(locations)) {
    const prefixes: Prefix[] = texts.map(parsePrefix);
    const inside = (text: string) => {
      const p = parsePrefix(text);
      return prefixes.some((q) => prefixContains(q, p) || prefixContains(p, q));
    };
    const bad = open.filter((a) => inside(a.spec.prefix));
    if (bad.length > 0) {
      out.push({
        source: 'monitor',
        rolloutId: null,
        location,
        status: 'fail',
        reason: bad.map((a) => `${a.spec.rule} ${a.spec.prefix}: ${a.spec.message}`).join('; '),
      });
      continue;
    }
    const seen = prefixes.map((p) => ({ p, v: m.visibility(p) }));
    const known = seen.filter((x) => x.v && x.v.seen > 0);
    if (known.length === 0) {
      out.push({
        source: 'monitor',
        rolloutId: null,
        location,
        status: 'no-data',
        reason: 'no session has carried these prefixes yet',
      });
      continue;
    }
    out.push({
      source: 'monitor',
      rolloutId: null,
      location,
      status: 'pass',
      reason: known.map((x) => `${prefixKey(x.p)} visible on ${x.v!.now}/${x.v!.seen} sessions`).join(', '),
    });
  }
  // Our network leaking others' routes is about whatever we just changed, wherever: fail every rollout.
  const leaks = open.filter((a) => a.spec.rule === 'own-leak');
  if (leaks.length > 0) {
    out.push({
      source: 'monitor',
      rolloutId: null,
      location: null,
      status: 'fail',
      reason: leaks.map((a) => a.spec.message).join('; '),
    });
  }
  return out;
}
