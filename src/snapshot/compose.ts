// Building new snapshot content out of existing snapshots: the operations behind rollback and restore.
// Each returns content; the caller seals it as a new, numbered snapshot (a rollback never rewrites history).
import { makeContent } from './compile.js';
import type { Announcement, Binding, SnapshotContent, WithdrawAllMark } from './model.js';

/** `current`, with every entry of `account` replaced by that account's entries in `target`. */
export function withAccountFrom(current: SnapshotContent, target: SnapshotContent, account: string): SnapshotContent {
  const others = current.announcements.filter((a) => a.account !== account);
  const taken = new Set(others.map((a) => a.prefix));
  const mine = target.announcements.filter((a) => a.account === account && !taken.has(a.prefix));
  const otherBindings = current.bindings.filter((b) => b.account !== account);
  const takenB = new Set(otherBindings.map((b) => b.id));
  const myBindings = target.bindings.filter((b) => b.account === account && !takenB.has(b.id));
  return makeContent([...others, ...mine], [...otherBindings, ...myBindings], null);
}

/** `current` plus the given announcements and bindings where `current` lacks their key: restoring only. */
export function withRestored(
  current: SnapshotContent,
  announcements: readonly Announcement[],
  bindings: readonly Binding[],
): SnapshotContent {
  const have = new Set(current.announcements.map((a) => a.prefix));
  const haveB = new Set(current.bindings.map((b) => b.id));
  const addA = new Map<string, Announcement>();
  for (const a of announcements) if (!have.has(a.prefix)) addA.set(a.prefix, a);
  const addB = new Map<string, Binding>();
  for (const b of bindings) if (!haveB.has(b.id)) addB.set(b.id, b);
  return makeContent(
    [...current.announcements, ...addA.values()],
    [...current.bindings, ...addB.values()],
    current.withdrawAll,
  );
}

/** The same content carrying an explicit, guard-approved permission to withdraw everything. */
export function withWithdrawAllMark(c: SnapshotContent, mark: WithdrawAllMark): SnapshotContent {
  return { announcements: c.announcements, bindings: c.bindings, withdrawAll: mark };
}

/** The same content without any withdraw-all mark. */
export function withoutMark(c: SnapshotContent): SnapshotContent {
  return c.withdrawAll === null ? c : { announcements: c.announcements, bindings: c.bindings, withdrawAll: null };
}
