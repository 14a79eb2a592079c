// A small fake Fleet for the engine's and the control loop's tests (one agent per location that applies
// a hand-over at once and reads back exactly the snapshot's view, unless told to misbehave), and the
// Fleet port's contract as cases every implementation runs: the simulated fleet (src/sim) and the
// agents over HTTP (src/fleet) alike.
import { expect, it } from 'vitest';
import type { Clock } from '../lib/clock.js';
import type { LocationInfo, Snapshot } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';
import type { AgentReport, Fleet } from './ports.js';

/** Four locations in two regions: enough for a canary, a region and the rest. */
export const FOUR_LOCATIONS: LocationInfo[] = ['ams', 'fra', 'iad', 'sjc'].map((id, i) => ({
  id,
  region: i < 2 ? 'eu' : 'na',
  tier: 2,
}));

/** Canary, then everything, 10 s bake each. */
export const TWO_STAGES = [
  { name: 'canary', count: 1, bakeMs: 10_000 },
  { name: 'all', fraction: 1, bakeMs: 10_000 },
];

export class FakeFleet implements Fleet {
  readonly handed: { snapshotId: string; locations: readonly string[] }[] = [];
  private readonly current = new Map<string, Snapshot>();
  /** Locations whose agent reads back something other than the snapshot (a speaker that drops routes). */
  readonly broken = new Set<string>();
  /** Locations whose agent does not report (cut off). */
  readonly silent = new Set<string>();
  /** The next deploy throws (a transport that fails). */
  failNext = false;

  constructor(
    private locs: LocationInfo[],
    private readonly clock: Clock,
  ) {}

  locations(): readonly LocationInfo[] {
    return this.locs;
  }

  /** Agents register (or leave): the fleet's topology changes. */
  setLocations(locs: LocationInfo[]): void {
    this.locs = locs;
  }

  async deploy(snapshot: Snapshot, locations: readonly string[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('transport down');
    }
    this.handed.push({ snapshotId: snapshot.id, locations: [...locations] });
    for (const l of locations) this.current.set(l, snapshot);
  }

  running(location: string): Snapshot | undefined {
    return this.current.get(location);
  }

  async reports(locations?: readonly string[]): Promise<readonly AgentReport[]> {
    const want = locations ? new Set(locations) : null;
    const out: AgentReport[] = [];
    for (const l of this.locs) {
      if ((want && !want.has(l.id)) || this.silent.has(l.id)) continue;
      const s = this.current.get(l.id);
      const v = s ? viewFor(s, l.id) : null;
      out.push({
        agentId: `${l.id}-1`,
        location: l.id,
        node: `edge1.${l.id}`,
        appliedSnapshot: s?.id ?? null,
        announceDigest: v ? (this.broken.has(l.id) ? '0:broken' : v.announceDigest) : null,
        announceCount: v ? (this.broken.has(l.id) ? 0 : v.announceCount) : 0,
        bindingDigest: v?.bindingDigest ?? null,
        bindingCount: v?.bindingCount ?? 0,
        state: 'ok',
        detail: null,
        reportedAt: this.clock.now(),
      });
    }
    return out;
  }
}

/**
 * The Fleet port's contract. `open` gives a fleet with at least two locations and a snapshot that
 * announces something everywhere; `settle` lets the fleet's agents apply what they were handed.
 */
export function fleetPortCases(
  open: () => Promise<{ fleet: Fleet; snapshot: Snapshot; settle(): Promise<void> }>,
): void {
  it('names its locations once each, with region and tier', async () => {
    const { fleet } = await open();
    const ids = fleet.locations().map((l) => l.id);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(new Set(ids).size).toBe(ids.length);
    for (const l of fleet.locations()) expect(typeof l.region).toBe('string');
  });

  it('hands a snapshot only to the locations named; reports say what each agent applied', async () => {
    const { fleet, snapshot, settle } = await open();
    const [a, b] = fleet.locations().map((l) => l.id) as [string, string];
    await fleet.deploy(snapshot, [a]);
    await fleet.tick?.();
    await settle();
    const reports = await fleet.reports();
    expect(reports.filter((r) => r.location === a).every((r) => r.appliedSnapshot === snapshot.id)).toBe(true);
    expect(reports.some((r) => r.location === a)).toBe(true);
    expect(reports.filter((r) => r.location === b).some((r) => r.appliedSnapshot === snapshot.id)).toBe(false);
  });

  it('reports only the locations asked for, with the read-back of the applied view', async () => {
    const { fleet, snapshot, settle } = await open();
    const ids = fleet.locations().map((l) => l.id);
    await fleet.deploy(snapshot, ids);
    await settle();
    const only = await fleet.reports([ids[0] as string]);
    expect(only.length).toBeGreaterThan(0);
    expect(only.every((r) => r.location === ids[0])).toBe(true);
    for (const r of only) expect(r.announceDigest).toBe(viewFor(snapshot, r.location).announceDigest);
  });
}
