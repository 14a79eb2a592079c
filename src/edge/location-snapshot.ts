// What the control plane hands one location's agents: the assignment (which snapshot to run) and that
// location's part of the snapshot, nothing of other locations. Serve builds it (src/fleet/http-fleet.ts),
// the agent rebuilds a snapshot from it and checks it against the digests that came with it.
import type { Announcement, Binding, Snapshot } from '../snapshot/model.js';
import { inScope } from '../snapshot/model.js';
import { type LocationView, viewFor } from '../snapshot/view.js';

export interface Assignment {
  snapshotId: string;
  number: number;
  /** What the location's view holds: agents and operators compare the speaker's read-back with it. */
  announceCount: number;
  announceDigest: string;
  at: number;
}

export interface LocationSnapshot {
  id: string;
  number: number;
  location: string;
  announcements: Announcement[];
  bindings: Binding[];
  withdrawAll: Snapshot['withdrawAll'];
  /** The view digests the agent checks what it rebuilt against. */
  announceDigest: string;
  bindingDigest: string;
}

export function toLocationSnapshot(s: Snapshot, location: string): LocationSnapshot {
  const v = viewFor(s, location);
  return {
    id: s.id,
    number: s.number,
    location,
    announcements: s.announcements.filter((a) => inScope(a.locations, location)),
    bindings: s.bindings.filter((b) => inScope(b.locations, location)),
    withdrawAll: s.withdrawAll,
    announceDigest: v.announceDigest,
    bindingDigest: v.bindingDigest,
  };
}

/** Rebuilds a snapshot object from a location's part; throws when it does not hash to the sent digests. */
export function fromLocationSnapshot(ls: LocationSnapshot): { snapshot: Snapshot; view: LocationView } {
  const snapshot: Snapshot = {
    id: ls.id,
    number: ls.number,
    parent: null,
    digest: '',
    createdAt: '',
    origin: 'compile',
    reason: '',
    announcements: ls.announcements,
    bindings: ls.bindings,
    withdrawAll: ls.withdrawAll,
  };
  const view = viewFor(snapshot, ls.location);
  if (view.announceDigest !== ls.announceDigest || view.bindingDigest !== ls.bindingDigest)
    throw new Error(
      `snapshot #${ls.number} does not hash to the digests serve sent (${view.announceDigest} ≠ ${ls.announceDigest})`,
    );
  return { snapshot, view };
}
