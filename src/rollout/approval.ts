// Who may release a held change, and which change an approval releases. Issue 10's red team ran a job
// with an operator token that approved its own held change and reset the breaker: 378 prefixes withdrawn
// at 12 of 12 locations in 43 s, no human involved. So an approval (and a breaker reset) needs a token of
// kind `person` with scope `approver`, never a job's or an agent's, never one whose desired-state changes
// are in the held change (a second person); and it names the digest of the change it approves, so
// approving one change cannot release another (a newer compile, or the same snapshot on another baseline).
// Pure: values in, values or a refusal out.
import { createHash } from 'node:crypto';
import { APPROVER_SCOPE } from '../addressing/model.js';
import type { Actor } from '../lib/audit.js';
import { rolloutError } from './errors.js';

/** The scope an approval and a breaker reset need (with a token of kind `person`): the Addressing API's. */
export { APPROVER_SCOPE };

/**
 * The digest of one change: from the snapshot the network runs (the last good one, or none) to the
 * snapshot a rollout would deploy. Snapshot ids are sha-256 over number, parent and content digest, so
 * the pair names the delta exactly: the same snapshot on another baseline is another change.
 */
export function changeDigest(baselineId: string | null, snapshotId: string): string {
  return createHash('sha256')
    .update(`failsmall-change v1\n${baselineId ?? '-'}\n${snapshotId}\n`)
    .digest('hex');
}

/** A held change as approvers see it: the digest to name, and the baseline it is computed against. */
export interface HeldChange {
  digest: string;
  baselineId: string | null;
}

export function heldChange(baselineId: string | null, snapshotId: string): HeldChange {
  return { digest: changeDigest(baselineId, snapshotId), baselineId };
}

/** What an approval needs to know of the approver: the Actor of src/lib/audit.ts, its kind and scopes. */
export type Approver = Pick<Actor, 'kind' | 'id' | 'scopes'>;

/**
 * Refuses an approver that is not a person with scope approver, or that made changes in the held change
 * (`authors`: the actor ids the audit log names for the change's delta, src/rollout/attribution.ts).
 */
export function assertMayApprove(actor: Approver, authors: readonly string[], what: string): void {
  if (actor.kind !== 'person')
    throw rolloutError(
      'E_ROLLOUT_APPROVER',
      `${what} needs a person's token (kind person, scope ${APPROVER_SCOPE}); this is a ${actor.kind} token: jobs and agents never approve`,
      { kind: actor.kind },
    );
  if (!actor.scopes.includes(APPROVER_SCOPE))
    throw rolloutError('E_ROLLOUT_APPROVER', `${what} needs a token with scope ${APPROVER_SCOPE}`, {
      scope: APPROVER_SCOPE,
    });
  if (authors.includes(actor.id))
    throw rolloutError(
      'E_ROLLOUT_SELF_APPROVAL',
      `${what}: ${actor.id} made changes in the held change; a second person must approve it`,
      { actor: actor.id },
    );
}

/** Refuses an approval that names another change than the one held (stale or mistaken digest). */
export function assertDigest(named: string, held: HeldChange, rolloutId: string): void {
  if (named === held.digest) return;
  throw rolloutError(
    'E_ROLLOUT_DIGEST',
    `the approval names change ${named.slice(0, 16)}…, but ${rolloutId} holds change ${held.digest} (against baseline ${held.baselineId ?? 'none'}); review that change and name its digest`,
    { named, held: held.digest },
  );
}
