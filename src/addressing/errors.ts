// Stable error codes of the addressing domain. The HTTP adapter maps each to a status
// (src/api/errors.ts); clients may match on the code.
import { type ErrorCodeTable, FailsmallError } from '../lib/errors.js';

export const ADDRESSING_ERROR_CODES = {
  E_ADDR_NOT_FOUND: "No such object in this account (another account's ids answer the same way).",
  E_ADDR_FORBIDDEN: 'The token lacks the scope this operation needs; the message names the scope.',
  E_ADDR_SELF_APPROVAL:
    "The approver of a prefix's LOA created, edited or validated the prefix: a second person must approve it.",
  E_ADDR_CIDR: 'The cidr is not a canonical IP prefix; the message says why and, for host bits, the canonical form.',
  E_ADDR_TOO_SPECIFIC: 'The cidr is longer than the network may announce (IPv4 /24, IPv6 /48).',
  E_ADDR_OUTSIDE_PREFIX: 'The cidr of a BGP prefix, binding or delegation is not inside its parent prefix.',
  E_ADDR_OVERLAP: 'The new prefix overlaps a prefix that already exists (in any account).',
  E_ADDR_DUPLICATE: 'An object with this cidr already exists under this prefix.',
  E_ADDR_DELETE_BLOCKED:
    'The prefix cannot be deleted while something is advertised, bound or delegated; the message names each blocker.',
  E_ADDR_STATE: "The operation is not allowed in the object's current state; the message names the state.",
  E_ADDR_NOT_APPROVED: 'The prefix is not yet validated (approved = P); validate it before advertising.',
  E_ADDR_NOT_ANNOUNCEABLE:
    'The cidr may not be announced by anyone: a default route, special-purpose or bogon space (IANA registries), or longer or shorter than the configured limits; the message names the registry entry or limit.',
  E_ADDR_OWNERSHIP_UNPROVEN:
    "Nothing proves the account may announce the prefix: no ROA in the configured VRPs and no IRR route object authorises one of the account's ASNs; an operator may approve its LOA.",
  E_ADDR_LOCKED: 'The BGP prefix has on_demand_locked set; its advertisement cannot be changed.',
  E_ADDR_STILL_ADVERTISED: 'The BGP prefix is advertised; withdraw it before deleting it.',
  E_ADDR_FIRST_BINDING: 'The first service binding of a prefix must cover the whole prefix.',
  E_ADDR_BINDING_IN_USE: 'The whole-prefix binding cannot go while more specific bindings remain.',
  E_ADDR_UNKNOWN_SERVICE: 'service_id names no known service (see GET /services).',
  E_ADDR_DELEGATION: 'The delegation is invalid (to the owning account itself, or to an account that does not exist).',
  E_ADDR_INVALID: 'A value is out of range; the message names the field.',
  E_ADDR_PRECONDITION: "A job's precondition no longer holds (e.g. the prefix is no longer pending_delete).",
  E_ADDR_QUOTA: 'The account holds as many prefixes, BGP prefixes or bindings as its quota allows.',
  E_ADDR_JOB_CAP: 'A job found more work than its cap allows and stopped before changing anything.',
  E_ADDR_JOB_RATE:
    'A job token reached its cap of changes per run or per hour; nothing was changed. The message names the cap; a new run (header X-Failsmall-Job-Run) or the next hour frees it.',
} as const satisfies ErrorCodeTable;

export type AddressingErrorCode = keyof typeof ADDRESSING_ERROR_CODES;

export function addrError(
  code: AddressingErrorCode,
  message: string,
  details?: Record<string, unknown>,
): FailsmallError {
  return new FailsmallError(code, message, details);
}
