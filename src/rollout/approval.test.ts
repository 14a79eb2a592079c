// The approval rules of issue 10, from the red team's run: a job with an operator token approved its own
// held change and reset the breaker (378 prefixes withdrawn at 12 of 12 locations, 43 s, no human).
import { describe, expect, it } from 'vitest';
import { person } from '../testing/actors.js';
import { assertDigest, assertMayApprove, changeDigest, heldChange } from './approval.js';

const job = { kind: 'job' as const, id: 'tok-job', scopes: ['operator', 'approver'] };
const agent = { kind: 'agent' as const, id: 'tok-agent', scopes: ['approver'] };

describe('who may approve', () => {
  it("refuses a job's and an agent's token whatever its scopes", () => {
    expect(() => assertMayApprove(job, [], 'approving r7')).toThrow(
      expect.objectContaining({ code: 'E_ROLLOUT_APPROVER' }),
    );
    expect(() => assertMayApprove(agent, [], 'approving r7')).toThrow(
      expect.objectContaining({ code: 'E_ROLLOUT_APPROVER' }),
    );
  });
  it('refuses a person without scope approver (an operator is not an approver)', () => {
    expect(() => assertMayApprove(person('ops:olga'), [], 'approving r7')).toThrow(/scope approver/);
  });
  it('refuses the person whose changes are in the held change: a second person approves', () => {
    const alice = person('ops:alice', ['approver']);
    expect(() => assertMayApprove(alice, ['tok-job', 'ops:alice'], 'approving r7')).toThrow(
      expect.objectContaining({ code: 'E_ROLLOUT_SELF_APPROVAL' }),
    );
    expect(() => assertMayApprove(alice, ['tok-job'], 'approving r7')).not.toThrow();
  });
});

describe('an approval names the change', () => {
  it('the digest names the pair (baseline, snapshot): the same snapshot on another baseline is another change', () => {
    const a = changeDigest('base-1', 'snap-9');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(changeDigest('base-1', 'snap-9')).toBe(a);
    expect(changeDigest('base-2', 'snap-9')).not.toBe(a);
    expect(changeDigest('base-1', 'snap-8')).not.toBe(a);
    expect(changeDigest(null, 'snap-9')).not.toBe(a);
  });
  it("refuses a digest that is not the held change's", () => {
    const held = heldChange('base-1', 'snap-9');
    expect(() => assertDigest(held.digest, held, 'r7')).not.toThrow();
    expect(() => assertDigest(changeDigest('base-1', 'snap-8'), held, 'r7')).toThrow(
      expect.objectContaining({ code: 'E_ROLLOUT_DIGEST' }),
    );
  });
});
