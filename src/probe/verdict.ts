// Probe results → a health verdict per location (pass, fail, no-data), for the rollout engine's
// external-verdict gate. Pure: results in, verdicts out. A window of recent results per location;
// too few results is no data (never a pass), a success ratio under the floor or a slow median is a fail.
import type { ProbeResult } from './tcp.js';

export interface ProbeVerdictConfig {
  /** Results older than this (ms) say nothing about now. */
  windowMs: number;
  /** Fewer results than this in the window: no data. */
  minSamples: number;
  /** Success ratio below this fails the location. */
  minSuccessRatio: number;
  /** Median connect latency above this (ms) fails the location. */
  maxMedianMs: number;
}

export const DEFAULT_PROBE_VERDICT: ProbeVerdictConfig = {
  windowMs: 3000,
  minSamples: 3,
  minSuccessRatio: 0.9,
  maxMedianMs: 500,
};

export interface LocationVerdict {
  location: string;
  status: 'pass' | 'fail' | 'no-data';
  samples: number;
  successRatio: number | null;
  medianMs: number | null;
  reason: string;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** The verdict of each location in `locations` over the results in (now - windowMs, now]. */
export function probeVerdicts(
  results: readonly ProbeResult[],
  locations: readonly string[],
  now: number,
  c: ProbeVerdictConfig = DEFAULT_PROBE_VERDICT,
): LocationVerdict[] {
  return locations.map((location) => {
    const rs = results.filter((r) => r.location === location && r.at > now - c.windowMs && r.at <= now);
    if (rs.length < c.minSamples)
      return {
        location,
        status: 'no-data',
        samples: rs.length,
        successRatio: null,
        medianMs: null,
        reason: `${rs.length} probe results in ${c.windowMs} ms (need ${c.minSamples})`,
      };
    const good = rs.filter((r) => r.ok);
    const ratio = good.length / rs.length;
    const med = median(good.map((r) => r.ms));
    const pct = `${Math.round(ratio * 1000) / 10}%`;
    if (ratio < c.minSuccessRatio) {
      const errors = [...new Set(rs.filter((r) => !r.ok).map((r) => r.error))].join(', ');
      return {
        location,
        status: 'fail',
        samples: rs.length,
        successRatio: ratio,
        medianMs: med,
        reason: `TCP connect success ${pct} < ${c.minSuccessRatio * 100}% (${errors})`,
      };
    }
    if (med !== null && med > c.maxMedianMs)
      return {
        location,
        status: 'fail',
        samples: rs.length,
        successRatio: ratio,
        medianMs: med,
        reason: `median connect ${med} ms > ${c.maxMedianMs} ms`,
      };
    return {
      location,
      status: 'pass',
      samples: rs.length,
      successRatio: ratio,
      medianMs: med,
      reason: `TCP connect success ${pct}, median ${med} ms`,
    };
  });
}
