// Error codes of the routing layer (RPKI data, SLURM, AS paths, roles, AS relationships). Registered in
// src/bin/error-codes.ts; docs/ERRORS.md is generated from this table.
import type { ErrorCodeTable } from '../lib/errors.js';

export const ROUTING_ERROR_CODES = {
  E_RPKI_JSON: 'The RPKI file is not valid JSON; the message gives the parser error.',
  E_RPKI_FORMAT:
    'The RPKI file is not one of the known layouts (rpki-client JSON, Routinator json/jsonext/csv); the message names what is missing.',
  E_RPKI_VRP:
    'A VRP is malformed: bad prefix, AS number, or a maxLength shorter than the prefix or longer than the family allows; the message names the entry.',
  E_RPKI_ASPA: 'An ASPA is malformed: bad customer or provider AS number; the message names the entry.',
  E_RPKI_CSV: 'A line of a Routinator CSV file is malformed; the message names the line.',
  E_SLURM_SYNTAX:
    'The SLURM file (RFC 8416) is malformed: wrong slurmVersion, a missing or unknown member, or a bad prefix/ASN; the message names the JSON path.',
  E_SLURM_OVERLAP:
    'Two SLURM files given together overlap (RFC 8416 §4.2): the same prefix or ASPA customer is filtered or asserted in both.',
  E_ASPATH_SYNTAX:
    'The AS path text is malformed: unbalanced {…}/(…)/[…], an empty set, or a token that is not an AS number.',
  E_ROLE_UNKNOWN: 'Not a BGP role (RFC 9234): expected provider, customer, peer, rs or rs-client (or the codes 0-4).',
  E_ASREL_SYNTAX:
    'A line of a CAIDA AS-relationship file is malformed: expected a|b|-1 or a|b|0 (serial-1) with an optional |source (serial-2).',
  E_ASREL_CONFLICT: 'The AS-relationship file gives the same pair of ASes two different relationships.',
  E_ROUTING_FILE:
    'A file given to a routing command (RPKI data, SLURM, AS relationships) cannot be read or decompressed.',
  E_RPKI_RELOAD_FAILED:
    'Reloading the RPKI store failed; the store keeps serving the previous data. The message gives the cause.',
} as const satisfies ErrorCodeTable;

export type RoutingErrorCode = keyof typeof ROUTING_ERROR_CODES;
