// The stable codes of the agent-facing routes (src/api/agent-routes.ts); their HTTP statuses and envelope
// numbers are in the one table of src/api/errors.ts.
import type { ErrorCodeTable } from '../lib/errors.js';

export const AGENT_API_ERROR_CODES = {
  E_AGENT_UNAUTHENTICATED: 'No valid agent credential: the Authorization header is missing, unknown or revoked.',
  E_AGENT_LOCATION: 'An agent asked for or reported about a location its credential is not bound to.',
  E_AGENT_NO_SNAPSHOT: 'The snapshot an agent asked for does not exist.',
  E_AGENT_BODY: 'An agent request does not match the schema; the message names the field.',
} as const satisfies ErrorCodeTable;
