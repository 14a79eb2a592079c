// Error codes of the policy verifier. Registered in src/bin/error-codes.ts; docs/ERRORS.md is generated.
import type { ErrorCodeTable } from '../lib/errors.js';

export const POLICY_ERROR_CODES = {
  E_POLICY_VENDOR: 'The configuration is neither Junos (curly-brace or set form) nor FRR; pass --vendor junos|frr.',
  E_POLICY_RIB:
    'The --rib file is not a JSON route list or MRT TABLE_DUMP_V2 dump, or a route in it is malformed; the message names the route and field.',
  E_POLICY_INTENT:
    'The --intent file is not the expected YAML (neighbors: {ADDRESS|GROUP: {role, allow}}); the message names the key.',
  E_POLICY_FILE: 'A file given to `failsmall verify` (or git:REV:PATH) cannot be read.',
} as const satisfies ErrorCodeTable;
