// The desired-state controller: reads desired state (the addressing service's export), compiles it, and
// proposes a snapshot to the engine when the result differs from the last one proposed. It is where
// configured state becomes operational state, and it adds one safety rule of its own: a service binding
// removed from desired state stays at the edge for a grace period (default 15 minutes). Re-binding is
// what made the 20 February recovery take hours; a prefix withdrawn by mistake and restored within the
// grace period comes back with its bindings untouched. The guard still judges the removal when desired
// state changes: a change of the kept set is proposed (with the kept ids) even when the content is not.
import type { DesiredState } from '../addressing/model.js';
import type { FailsmallError } from '../lib/errors.js';
import { type CompileOptions, compile, makeContent } from '../snapshot/compile.js';
import { contentDigest } from '../snapshot/digest.js';
import type { Binding, LocationInfo, Snapshot } from '../snapshot/model.js';
import type { RolloutEngine } from './engine.js';
import type { Clock, Rollout } from './ports.js';

export type DesiredInput = Pick<DesiredState, 'prefixes' | 'bgp_prefixes' | 'bindings' | 'ownership'>;

export interface DesiredSource {
  read(): Promise<DesiredInput>;
}

/** Several sources as one (e.g. the Addressing API plus the network's own, statically configured space). */
export function mergeDesired(parts: readonly DesiredInput[]): DesiredInput {
  return {
    prefixes: parts.flatMap((p) => p.prefixes),
    bgp_prefixes: parts.flatMap((p) => p.bgp_prefixes),
    bindings: parts.flatMap((p) => p.bindings),
    ownership: parts.flatMap((p) => p.ownership),
  };
}

export interface ControllerOptions {
  compile: CompileOptions;
  /** The fleet's current locations, read at each compile (agents register over time); default compile.locations. */
  locations?: () => readonly LocationInfo[];
  clock: Clock;
  /** How long a binding removed from desired state stays at the edge. Default 15 minutes; 0 disables. */
  bindingGraceMs?: number;
  actor?: string;
}

export type SyncResult =
  | { outcome: 'unchanged' }
  | { outcome: 'proposed'; snapshot: Snapshot; rollout: Rollout; retainedBindings: number }
  | { outcome: 'error'; error: FailsmallError };

/** What the controller last proposed: the content digest and the bindings it kept only for their grace. */
function proposalKey(digest: string, kept: readonly Binding[]): string {
  return `${digest}|${kept
    .map((b) => b.id)
    .sort()
    .join(',')}`;
}

export class DesiredStateController {
  private lastProposal: string | null = null;
  private lastBindings: readonly Binding[] = [];
  private resumed = false;
  private readonly removedSince = new Map<string, number>();
  private readonly grace: number;

  constructor(
    private readonly engine: RolloutEngine,
    private readonly source: DesiredSource,
    private readonly o: ControllerOptions,
  ) {
    this.grace = o.bindingGraceMs ?? 15 * 60_000;
  }

  /**
   * After a restart, take up where the last compiled snapshot left off: an unchanged desired state then
   * proposes nothing, and bindings it had kept for their grace period stay kept. Rollback snapshots are
   * skipped on the way back: a rollback must not make the controller re-propose what was rolled back.
   */
  private async resume(): Promise<void> {
    this.resumed = true;
    let s = this.engine.latestSnapshot();
    for (let hops = 0; s && s.origin !== 'compile' && s.parent && hops < 10_000; hops++) {
      s = await this.engine.snapshot(s.parent);
    }
    if (s?.origin !== 'compile') return;
    this.lastProposal = proposalKey(s.digest, []);
    this.lastBindings = s.bindings;
  }

  /** Compiles the current desired state; proposes it when it differs from the last proposal. */
  async sync(reason = 'desired state changed'): Promise<SyncResult> {
    if (!this.resumed) await this.resume();
    let compiled: ReturnType<typeof compile>;
    try {
      const locations = this.o.locations?.() ?? this.o.compile.locations;
      compiled = compile(await this.source.read(), { ...this.o.compile, locations });
    } catch (e) {
      if ((e as FailsmallError).code?.startsWith('E_SNAPSHOT_'))
        return { outcome: 'error', error: e as FailsmallError };
      throw e;
    }
    const now = this.o.clock.now();
    const present = new Set(compiled.bindings.map((b) => b.id));
    const kept: Binding[] = [];
    for (const b of this.lastBindings) {
      if (present.has(b.id)) continue;
      const since = this.removedSince.get(b.id) ?? now;
      if (now - since < this.grace) {
        this.removedSince.set(b.id, since);
        kept.push(b);
      } else {
        this.removedSince.delete(b.id);
      }
    }
    for (const id of [...this.removedSince.keys()]) if (present.has(id)) this.removedSince.delete(id);
    const content = kept.length ? makeContent(compiled.announcements, [...compiled.bindings, ...kept], null) : compiled;
    const key = proposalKey(contentDigest(content), kept);
    if (key === this.lastProposal) return { outcome: 'unchanged' };
    const { snapshot, rollout } = await this.engine.propose(content, {
      origin: 'compile',
      reason: kept.length ? `${reason} (${kept.length} removed bindings kept for the grace period)` : reason,
      actor: this.o.actor ?? 'controller',
      graced: kept.map((b) => b.id),
    });
    this.lastProposal = key;
    this.lastBindings = content.bindings;
    return { outcome: 'proposed', snapshot, rollout, retainedBindings: kept.length };
  }
}
