// An in-memory BGP speaker and binding table: what the simulated fleet and tests run instead of BIRD.
// They hold the view's entry groups (shared, frozen; no copy per agent) and compute what they announce
// from what they hold. Faults can be injected to exercise the gates: a speaker that silently drops
// routes, or one that fails to apply.

import type { BindingTable, Speaker } from '../edge/agent.js';
import { announcementLine, bindingLine, SetDigest } from '../snapshot/digest.js';
import type { Announcement, Binding } from '../snapshot/model.js';
import type { EntryGroup, LocationView } from '../snapshot/view.js';

export type SpeakerFault =
  | { kind: 'none' }
  /** Applies, but exports only the first `keep` announcements (a filter gone wrong). */
  | { kind: 'drop'; keep: number }
  /** apply() throws (the daemon refuses the configuration). */
  | { kind: 'fail'; message: string };

function digestOf<T>(
  groups: readonly EntryGroup<T>[],
  line: (x: T) => string,
  keep = Number.POSITIVE_INFINITY,
): { digest: string; count: number } {
  const d = new SetDigest();
  let left = keep;
  for (const g of groups) {
    if (g.entries.length <= left) {
      d.merge(g.digest);
      left -= g.entries.length;
      continue;
    }
    for (const e of g.entries) {
      if (left-- <= 0) break;
      d.add(line(e));
    }
  }
  return { digest: d.toString(), count: d.count };
}

export class MemorySpeaker implements Speaker {
  private groups: readonly EntryGroup<Announcement>[] = [];
  fault: SpeakerFault = { kind: 'none' };
  applies = 0;

  async apply(view: LocationView): Promise<void> {
    if (this.fault.kind === 'fail') throw new Error(this.fault.message);
    this.groups = view.announcements;
    this.applies++;
  }

  async announced(): Promise<{ digest: string; count: number }> {
    return digestOf(this.groups, announcementLine, this.fault.kind === 'drop' ? this.fault.keep : undefined);
  }

  /** Whether `prefix` is exported right now. */
  announces(prefix: string): boolean {
    let left = this.fault.kind === 'drop' ? this.fault.keep : Number.POSITIVE_INFINITY;
    for (const g of this.groups) {
      for (const e of g.entries) {
        if (left-- <= 0) return false;
        if (e.prefix === prefix) return true;
      }
    }
    return false;
  }

  /** Every exported announcement, with its attributes (what a read-back of the speaker gives). */
  exported(): Announcement[] {
    const out: Announcement[] = [];
    let left = this.fault.kind === 'drop' ? this.fault.keep : Number.POSITIVE_INFINITY;
    for (const g of this.groups) for (const e of g.entries) if (left-- > 0) out.push(e);
    return out;
  }

  /** Every exported prefix. */
  prefixes(): Set<string> {
    const out = new Set<string>();
    let left = this.fault.kind === 'drop' ? this.fault.keep : Number.POSITIVE_INFINITY;
    for (const g of this.groups) for (const e of g.entries) if (left-- > 0) out.add(e.prefix);
    return out;
  }
}

export class MemoryBindingTable implements BindingTable {
  private groups: readonly EntryGroup<Binding>[] = [];

  async apply(view: LocationView): Promise<void> {
    this.groups = view.bindings;
  }

  async held(): Promise<{ digest: string; count: number }> {
    return digestOf(this.groups, bindingLine);
  }

  ids(): Set<string> {
    const out = new Set<string>();
    for (const g of this.groups) for (const e of g.entries) out.add(e.id);
    return out;
  }

  /** Every binding held, with its attributes. */
  bound(): Binding[] {
    const out: Binding[] = [];
    for (const g of this.groups) for (const e of g.entries) out.push(e);
    return out;
  }
}
