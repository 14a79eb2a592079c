// Rollout stages: which locations each stage adds, and the default plan canary (one location) → 5% →
// 25% → 100% with a bake time per stage.
import type { LocationInfo } from '../snapshot/model.js';
import { rolloutError } from './errors.js';
import type { Stage } from './ports.js';

export interface StageSpec {
  name: string;
  /** Exactly this many locations in total by the end of the stage... */
  count?: number;
  /** ...or this fraction of all locations (rounded up). */
  fraction?: number;
  bakeMs: number;
}

export const DEFAULT_STAGES: readonly StageSpec[] = [
  { name: 'canary', count: 1, bakeMs: 5 * 60_000 },
  { name: '5%', fraction: 0.05, bakeMs: 5 * 60_000 },
  { name: '25%', fraction: 0.25, bakeMs: 10 * 60_000 },
  { name: '100%', fraction: 1, bakeMs: 5 * 60_000 },
];

export function validateStages(specs: readonly StageSpec[]): void {
  if (specs.length === 0) throw rolloutError('E_ROLLOUT_CONFIG', 'a rollout needs at least one stage');
  for (const s of specs) {
    const hasCount = s.count !== undefined;
    const hasFraction = s.fraction !== undefined;
    if (hasCount === hasFraction)
      throw rolloutError('E_ROLLOUT_CONFIG', `stage ${s.name}: give exactly one of count and fraction`);
    if (hasCount && !(Number.isInteger(s.count) && (s.count as number) >= 1)) {
      throw rolloutError('E_ROLLOUT_CONFIG', `stage ${s.name}: count must be a positive integer`);
    }
    if (hasFraction && !((s.fraction as number) > 0 && (s.fraction as number) <= 1)) {
      throw rolloutError('E_ROLLOUT_CONFIG', `stage ${s.name}: fraction must be within (0, 1]`);
    }
    if (!(s.bakeMs >= 0)) throw rolloutError('E_ROLLOUT_CONFIG', `stage ${s.name}: bakeMs must be >= 0`);
  }
  const last = specs[specs.length - 1] as StageSpec;
  if (last.fraction !== 1)
    throw rolloutError('E_ROLLOUT_CONFIG', 'the last stage must cover every location (fraction 1)');
}

/**
 * Canary order: the smallest PoPs (highest tier number) first, spreading over regions, so early stages
 * risk little traffic and see more than one region as soon as they can.
 */
export function canaryOrder(locations: readonly LocationInfo[]): LocationInfo[] {
  const byRegion = new Map<string, LocationInfo[]>();
  const sorted = [...locations].sort((a, b) => b.tier - a.tier || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const l of sorted) {
    const list = byRegion.get(l.region) ?? [];
    list.push(l);
    byRegion.set(l.region, list);
  }
  // Round-robin over regions, each region's list already in tier order.
  const regions = [...byRegion.keys()].sort((a, b) => {
    const x = byRegion.get(a)?.[0] as LocationInfo;
    const y = byRegion.get(b)?.[0] as LocationInfo;
    return y.tier - x.tier || (a < b ? -1 : 1);
  });
  const out: LocationInfo[] = [];
  for (let i = 0; out.length < sorted.length; i++) {
    for (const r of regions) {
      const l = byRegion.get(r)?.[i];
      if (l) out.push(l);
    }
  }
  return out;
}

/** Stages with the locations each adds; a stage that would add none is dropped. */
export function planStages(locations: readonly LocationInfo[], specs: readonly StageSpec[]): Stage[] {
  validateStages(specs);
  const order = canaryOrder(locations).map((l) => l.id);
  const stages: Stage[] = [];
  let done = 0;
  for (const s of specs) {
    const target = Math.min(order.length, s.count ?? Math.ceil((s.fraction as number) * order.length));
    if (target <= done) continue;
    stages.push({
      name: s.name,
      locations: order.slice(done, target),
      bakeMs: s.bakeMs,
      deployedAt: null,
      passedAt: null,
    });
    done = target;
  }
  return stages;
}

/** One stage with every location and no bake: the fast path of restoring changes. */
export function fastStages(locations: readonly LocationInfo[]): Stage[] {
  return [
    { name: 'all (fast path)', locations: locations.map((l) => l.id), bakeMs: 0, deployedAt: null, passedAt: null },
  ];
}
