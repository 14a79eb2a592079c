// Stable error codes of the rollout store (snapshots, rollouts, engine state and audit in the database).
import type { ErrorCodeTable } from '../lib/errors.js';

export const ROLLOUT_STORE_ERROR_CODES = {
  E_STORE_SNAPSHOT_CONFLICT:
    'A different snapshot with the same number is already stored (two control planes writing one history); the message names both ids.',
  E_STORE_SNAPSHOT_ENCODING:
    "A stored snapshot's content cannot be decoded (unknown encoding, corrupt bytes); the message names the snapshot.",
} as const satisfies ErrorCodeTable;
