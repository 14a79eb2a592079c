// Stable error codes of the guard and the rollout engine. The HTTP adapter maps them to statuses.
import { type ErrorCodeTable, FailsmallError } from '../lib/errors.js';

export const ROLLOUT_ERROR_CODES = {
  E_ROLLOUT_NOT_FOUND: 'No rollout has this id.',
  E_ROLLOUT_STATE: 'The operation does not apply to the rollout in its current state; the message names the state.',
  E_ROLLOUT_REASON_REQUIRED:
    'Approvals, breaker resets, aborts and rollbacks need a non-empty reason for the audit log.',
  E_ROLLOUT_NO_BASELINE: 'Nothing has been deployed yet, so there is nothing to roll back from.',
  E_ROLLOUT_CONFIG:
    'The rollout or guard configuration is invalid (stages, fractions, bake times, limits); the message names the field.',
  E_GUARD_NOT_TRIPPED: 'The circuit breaker is not tripped; there is nothing to reset.',
  E_ROLLOUT_APPROVER:
    "Approvals and breaker resets need a token of kind person with scope approver; a job's or an agent's token never approves.",
  E_ROLLOUT_SELF_APPROVAL:
    'The approver made desired-state changes that are in the held change (or in the change that tripped the breaker): a second person must approve.',
  E_ROLLOUT_DIGEST:
    "The approval names another change than the one held (a newer compile, or the baseline moved); the message gives the held change's digest.",
  E_ROLLOUT_NO_RECOVERY:
    'Reject and the bulk restores write desired state, and this control plane runs without the Addressing API that holds it.',
} as const satisfies ErrorCodeTable;

export type RolloutErrorCode = keyof typeof ROLLOUT_ERROR_CODES;

export function rolloutError(
  code: RolloutErrorCode,
  message: string,
  details?: Record<string, unknown>,
): FailsmallError {
  return new FailsmallError(code, message, details);
}
