// Stable error codes of the snapshot compiler and diff. Clients may match on the code.
import { type ErrorCodeTable, FailsmallError } from '../lib/errors.js';

export const SNAPSHOT_ERROR_CODES = {
  E_SNAPSHOT_DUPLICATE:
    'Two BGP prefixes (or bindings) of the desired state compile to the same announcement key; the message names both.',
  E_SNAPSHOT_INVALID:
    'A desired-state record cannot be compiled (bad cidr, ASN, prepend count or location); the message names the record and field.',
  E_SNAPSHOT_UNKNOWN_LOCATION: 'An announcement or binding is placed at a location the topology does not have.',
  E_SNAPSHOT_NOT_FOUND: 'No snapshot matches the reference (number, #number, id or digest prefix).',
  E_SNAPSHOT_AMBIGUOUS: 'A snapshot id prefix matches more than one snapshot; give more characters.',
  E_SNAPSHOT_TAMPERED: "A snapshot's content does not hash to its recorded digest.",
  E_SNAPSHOT_DIGEST_VERSION:
    'A snapshot records a canonical-form version this build does not know (written by a newer release).',
} as const satisfies ErrorCodeTable;

export type SnapshotErrorCode = keyof typeof SNAPSHOT_ERROR_CODES;

export function snapshotError(
  code: SnapshotErrorCode,
  message: string,
  details?: Record<string, unknown>,
): FailsmallError {
  return new FailsmallError(code, message, details);
}
