// rejectTargetId: what a reject returns desired state to, decided on the engine's model alone.
import { describe, expect, it } from 'vitest';
import type { SnapshotOrigin } from '../snapshot/model.js';
import { initialModel, rejectTargetId } from './machine.js';
import type { Rollout, RolloutStatus } from './ports.js';

function rollout(id: string, snapshotId: string, status: RolloutStatus, createdAt: number): Rollout {
  return {
    id,
    snapshotId,
    snapshotNumber: 0,
    kind: 'fast',
    status,
    baselineId: 'good',
    stages: [],
    stageIndex: 0,
    pause: null,
    touched: [],
    guard: null,
    approval: null,
    halt: null,
    gates: [],
    events: [],
    createdAt,
    createdBy: 'system:guard',
    reason: '',
  };
}

const origins: Record<string, SnapshotOrigin> = {
  good: 'compile',
  held: 'compile',
  restore1: 'restore',
  restore2: 'restore',
  rollback: 'rollback',
};
const ctx = { originOf: (id: string) => origins[id] };
const model = (...rs: Rollout[]) => {
  const m = initialModel(undefined, rs);
  return { ...m, state: { ...m.state, baselineId: 'good' } };
};

describe('rejectTargetId', () => {
  it('is the last good snapshot when no breaker restore is in flight', () => {
    expect(rejectTargetId(model(), ctx)).toBe('good');
    expect(rejectTargetId(model(rollout('r1', 'held', 'held', 1)), ctx)).toBe('good');
    // A finished restore is the last good snapshot already (or was aborted by an operator): not a target.
    expect(rejectTargetId(model(rollout('r2', 'restore1', 'completed', 2)), ctx)).toBe('good');
    expect(rejectTargetId(model(rollout('r2', 'restore1', 'aborted', 2)), ctx)).toBe('good');
    // Only the breaker's own restores: a rollback's fast part is an operator's choice, judged as such.
    expect(rejectTargetId(model(rollout('r2', 'rollback', 'running', 2)), ctx)).toBe('good');
  });

  it("is the breaker restore's snapshot while it is queued, deploying or paused; the newest of several", () => {
    for (const s of ['queued', 'running', 'paused'] as const)
      expect(rejectTargetId(model(rollout('r1', 'held', 'held', 1), rollout('r2', 'restore1', s, 2)), ctx)).toBe(
        'restore1',
      );
    expect(
      rejectTargetId(model(rollout('r3', 'restore2', 'queued', 3), rollout('r2', 'restore1', 'running', 2)), ctx),
    ).toBe('restore2');
  });
});
