// The simulated fleet: in-process edge agents (src/edge) with in-memory speakers, behind an in-process
// transport that behaves like a key-value bus (one current snapshot per location; an agent that was cut
// off reads the current value when it comes back). Implements the rollout engine's Fleet port.
import { type AgentStatus, EdgeAgent } from '../edge/agent.js';
import type { Clock } from '../lib/clock.js';
import type { Fleet } from '../rollout/ports.js';
import type { LocationInfo, Snapshot } from '../snapshot/model.js';
import { MemoryBindingTable, MemorySpeaker } from './memory-speaker.js';
import type { SimLocation } from './topology.js';

export interface SimAgent {
  agent: EdgeAgent;
  speaker: MemorySpeaker;
  bindings: MemoryBindingTable;
}

export interface SimulatedFleetOptions {
  locations: readonly SimLocation[];
  clock: Clock;
  controlPlaneTimeoutMs?: number;
  /**
   * Modelled time from hand-over to applied (bus propagation + speaker reconfiguration), in clock ms.
   * 0 (default): agents apply inside deploy(). Otherwise deliveries wait for pump() at or after that time.
   */
  applyDelayMs?: number;
}

/** Hand-overs the fleet remembers: a long-running demo must not grow without bound. */
export const MAX_DELIVERIES = 10_000;

export class SimulatedFleet implements Fleet {
  private readonly locs: readonly LocationInfo[];
  private readonly agents: SimAgent[] = [];
  private readonly byLocation = new Map<string, SimAgent[]>();
  /** The bus: the snapshot each location must run. */
  private readonly current = new Map<string, Snapshot>();
  private readonly cutOff = new Set<string>();
  private readonly lastReport = new Map<string, AgentStatus>();
  /** The newest hand-overs (at most MAX_DELIVERIES), for replays and tests: (time, location, snapshot). */
  readonly deliveries: { at: number; location: string; snapshotId: string }[] = [];
  deliveryLog = true;
  /** Hand-overs counted since the start (the log above keeps only the newest). */
  deliveryCount = 0;
  private readonly pending: { due: number; location: string; snapshot: Snapshot }[] = [];

  constructor(private readonly o: SimulatedFleetOptions) {
    this.locs = o.locations.map(({ id, region, tier }) => ({ id, region, tier }));
    for (const l of o.locations) {
      const list: SimAgent[] = [];
      for (let n = 0; n < l.nodes; n++) {
        const speaker = new MemorySpeaker();
        const bindings = new MemoryBindingTable();
        const agent = new EdgeAgent({
          id: `${l.id}-${n + 1}`,
          location: l.id,
          node: `edge${n + 1}.${l.id}`,
          speaker,
          bindings,
          clock: o.clock,
          controlPlaneTimeoutMs: o.controlPlaneTimeoutMs,
        });
        const a = { agent, speaker, bindings };
        list.push(a);
        this.agents.push(a);
      }
      this.byLocation.set(l.id, list);
    }
  }

  locations(): readonly LocationInfo[] {
    return this.locs;
  }

  all(): readonly SimAgent[] {
    return this.agents;
  }

  get(agentId: string): SimAgent {
    const a = this.agents.find((x) => x.agent.id === agentId);
    if (!a) throw new Error(`no agent ${agentId}`);
    return a;
  }

  at(location: string): readonly SimAgent[] {
    return this.byLocation.get(location) ?? [];
  }

  async deploy(snapshot: Snapshot, locations: readonly string[]): Promise<void> {
    const at = this.o.clock.now();
    for (const l of locations) {
      this.current.set(l, snapshot);
      this.deliveryCount++;
      if (this.deliveryLog) {
        this.deliveries.push({ at, location: l, snapshotId: snapshot.id });
        if (this.deliveries.length > MAX_DELIVERIES) this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERIES);
      }
      if (this.o.applyDelayMs) this.pending.push({ due: at + this.o.applyDelayMs, location: l, snapshot });
      else await this.deliver(l, snapshot);
    }
  }

  private async deliver(location: string, snapshot: Snapshot): Promise<void> {
    // A later hand-over to the same location wins (the bus keeps one value per location).
    if (this.current.get(location) !== snapshot) return;
    for (const a of this.byLocation.get(location) ?? []) {
      if (!this.cutOff.has(a.agent.id)) await a.agent.receive(snapshot);
    }
  }

  /** Applies the hand-overs that are due (with applyDelayMs); returns how many locations applied. */
  async pump(): Promise<number> {
    const now = this.o.clock.now();
    let n = 0;
    while (this.pending.length && (this.pending[0] as { due: number }).due <= now) {
      const p = this.pending.shift() as (typeof this.pending)[number];
      await this.deliver(p.location, p.snapshot);
      n++;
    }
    return n;
  }

  async reports(locations?: readonly string[]): Promise<readonly AgentStatus[]> {
    const want = locations ? new Set(locations) : null;
    const out: AgentStatus[] = [];
    for (const a of this.agents) {
      if (want && !want.has(a.agent.location)) continue;
      if (!this.cutOff.has(a.agent.id)) this.lastReport.set(a.agent.id, await a.agent.report());
      const r = this.lastReport.get(a.agent.id);
      if (r) out.push(r);
    }
    return out;
  }

  /** Cuts agents off the control plane (they fail static) or brings them back (they catch up). */
  async setReachable(agentIds: readonly string[], reachable: boolean): Promise<void> {
    for (const id of agentIds) {
      const a = this.get(id);
      if (!reachable) {
        this.cutOff.add(id);
        continue;
      }
      this.cutOff.delete(id);
      const s = this.current.get(a.agent.location);
      if (s) await a.agent.receive(s);
      else a.agent.contact();
    }
  }

  /** Once per control-loop round: due deliveries, then heartbeats (the bus connection is alive). */
  async tick(): Promise<void> {
    await this.pump();
    this.heartbeat();
  }

  /** Heartbeats from every reachable agent (the bus connection is alive). */
  heartbeat(): void {
    for (const a of this.agents) if (!this.cutOff.has(a.agent.id)) a.agent.contact();
  }
}
