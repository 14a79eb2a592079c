// Actors for tests, in the one vocabulary of src/lib/audit.ts. Engine commands take an Actor; approvals
// and breaker resets need a person with scope approver (src/rollout/approval.ts), so tests that approve
// use APPROVER, and the other commands an operator person.
import type { Actor } from '../lib/audit.js';

export function person(id: string, scopes: readonly string[] = ['operator'], account_id: string | null = null): Actor {
  return { kind: 'person', id, account_id, scopes, request_id: `test-${id}` };
}

/** An operator: pauses, resumes, promotes, aborts, rolls back; cannot approve. */
export const OPERATOR: Actor = person('ops:olga');
/** A second person who may approve held changes and reset the breaker. */
export const APPROVER: Actor = person('ops:alice', ['operator', 'approver']);
