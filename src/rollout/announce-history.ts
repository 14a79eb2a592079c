// Prefixes announced over time, configured versus actually announced, in total and per location: the
// picture operators watched on 20 February 2026 (a graph of prefixes advertised to a peer). A bounded
// time series the control plane keeps in memory, sampled from the latest compiled snapshot (configured)
// and the agents' reports (announced: what each agent read back from its speaker). Pure.
import type { AgentReport } from '../snapshot/agent-report.js';
import type { Snapshot } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';

export interface AnnounceSample {
  at: number;
  /** Prefix announcements the latest snapshot asks for, summed over locations. */
  configured: number;
  /** Prefix announcements the agents report, summed over locations. */
  announced: number;
  /** Per location: [configured, announced]. */
  locations: Record<string, readonly [number, number]>;
}

/**
 * One sample. A location's announced count is the smallest of its agents' reports (a peer of the
 * agent that lost prefixes sees the loss; an average would hide half of it); a location with no
 * report counts 0, because nothing there says it announces anything.
 */
export function announceSample(
  at: number,
  locations: readonly string[],
  latest: Snapshot | null,
  reports: readonly AgentReport[],
): AnnounceSample {
  const byLoc = new Map<string, number>();
  for (const r of reports) {
    const prev = byLoc.get(r.location);
    byLoc.set(r.location, prev === undefined ? r.announceCount : Math.min(prev, r.announceCount));
  }
  const out: Record<string, readonly [number, number]> = {};
  let configured = 0;
  let announced = 0;
  for (const l of locations) {
    const c = latest ? viewFor(latest, l).announceCount : 0;
    const a = byLoc.get(l) ?? 0;
    out[l] = [c, a];
    configured += c;
    announced += a;
  }
  return { at, configured, announced, locations: out };
}

export interface AnnounceSeries {
  /** Sample times (ms), oldest first. */
  at: number[];
  configured: number[];
  announced: number[];
  /** Per location, aligned with `at`. */
  locations: Record<string, { configured: number[]; announced: number[] }>;
}

/** A ring of at most `capacity` samples (default: one hour at one sample a second). */
export class AnnounceHistory {
  private readonly ring: AnnounceSample[] = [];
  private start = 0;

  constructor(readonly capacity = 3600) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.ring.length;
  }

  add(s: AnnounceSample): void {
    const last = this.last();
    if (last && s.at <= last.at) return; // time only moves forward; a late sample is dropped
    if (this.ring.length < this.capacity) this.ring.push(s);
    else {
      this.ring[this.start] = s;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  last(): AnnounceSample | undefined {
    if (this.ring.length === 0) return undefined;
    return this.ring[(this.start + this.ring.length - 1) % this.ring.length];
  }

  /** Samples at or after `since`, oldest first. */
  samples(since = Number.NEGATIVE_INFINITY): AnnounceSample[] {
    const out: AnnounceSample[] = [];
    for (let i = 0; i < this.ring.length; i++) {
      const s = this.ring[(this.start + i) % this.ring.length] as AnnounceSample;
      if (s.at >= since) out.push(s);
    }
    return out;
  }

  /** Column form for charts; `only` restricts the per-location columns. */
  series(since?: number, only?: readonly string[]): AnnounceSeries {
    const list = this.samples(since);
    const names = new Set<string>();
    for (const s of list) for (const l of Object.keys(s.locations)) if (!only || only.includes(l)) names.add(l);
    const locations: AnnounceSeries['locations'] = {};
    for (const l of [...names].sort()) {
      locations[l] = {
        configured: list.map((s) => s.locations[l]?.[0] ?? 0),
        announced: list.map((s) => s.locations[l]?.[1] ?? 0),
      };
    }
    return {
      at: list.map((s) => s.at),
      configured: list.map((s) => s.configured),
      announced: list.map((s) => s.announced),
      locations,
    };
  }
}
