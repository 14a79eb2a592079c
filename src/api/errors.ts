// Stable error codes of the HTTP adapter, and how every code an HTTP request can meet maps to a status
// and to the numeric `code` of Cloudflare's v4 envelope (clients written for that API expect a number;
// the string code travels beside it as `error_code`). ERROR_HTTP is typed over the union of the code
// tables of every layer that runs under a request (lib, addressing, snapshot, rollout, api): a code
// added to one of them without a mapping here does not compile. (wire and routing run under no route;
// the store's codes reach the API as E_API_INTERNAL-like 500s with their own code, see httpOf.)

import type { ADDRESSING_ERROR_CODES } from '../addressing/errors.js';
import type { INCIDENT_ERROR_CODES } from '../addressing/incident-mode.js';
import type { ErrorCodeTable, LIB_ERROR_CODES } from '../lib/errors.js';
import type { ROLLOUT_ERROR_CODES } from '../rollout/errors.js';
import type { SNAPSHOT_ERROR_CODES } from '../snapshot/errors.js';
import type { AGENT_API_ERROR_CODES } from './agent-errors.js';

export const API_ERROR_CODES = {
  E_API_UNAUTHENTICATED: 'No valid API token: the Authorization header is missing, malformed, unknown or revoked.',
  E_API_QUERY_PARAM:
    'A query parameter is unknown, valueless (?flag), empty, repeated or of the wrong type; the message names it.',
  E_API_BODY:
    'The request body does not match the schema (unknown field, wrong type, missing field); the message names the field.',
  E_API_PATH_PARAM: 'A path parameter is malformed (ids are 32 lowercase hex characters).',
  E_API_JSON: 'The request body is not valid JSON.',
  E_API_ROUTE: 'No such route (method and path).',
  E_API_INTERNAL: 'Unexpected server error; the request id in the log tells what happened.',
  E_API_JSON_DUPLICATE_KEY: 'The JSON body gives one key twice in the same object; the message names it.',
  E_API_RATE_LIMITED: 'Too many requests from this client address or with this token; retry after Retry-After seconds.',
  E_API_BODY_TIMEOUT: 'The request body did not arrive in time (a slow client); the connection is closed.',
  E_API_TEXT:
    'A string of the request holds a NUL character or an unpaired UTF-16 surrogate, or the body is not valid UTF-8.',
} as const satisfies ErrorCodeTable;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

/** Every code an HTTP request can meet. */
export type HttpErrorCode =
  | ApiErrorCode
  | keyof typeof ADDRESSING_ERROR_CODES
  | keyof typeof INCIDENT_ERROR_CODES
  | keyof typeof AGENT_API_ERROR_CODES
  | keyof typeof ROLLOUT_ERROR_CODES
  | keyof typeof SNAPSHOT_ERROR_CODES
  | keyof typeof LIB_ERROR_CODES;

export interface HttpMapping {
  status: number;
  /** The envelope's numeric code. Stable: never renumber. */
  number: number;
}

/** HTTP status and envelope number of each code. Numbers are stable: never renumber. */
export const ERROR_HTTP: Record<HttpErrorCode, HttpMapping> = {
  E_API_UNAUTHENTICATED: { status: 401, number: 10000 },
  E_API_QUERY_PARAM: { status: 400, number: 10001 },
  E_API_BODY: { status: 400, number: 10002 },
  E_API_PATH_PARAM: { status: 400, number: 10003 },
  E_API_JSON: { status: 400, number: 10004 },
  E_API_ROUTE: { status: 404, number: 10005 },
  E_API_INTERNAL: { status: 500, number: 10006 },
  E_API_JSON_DUPLICATE_KEY: { status: 400, number: 10020 },
  E_API_TEXT: { status: 400, number: 10021 },
  E_API_RATE_LIMITED: { status: 429, number: 10022 },
  E_API_BODY_TIMEOUT: { status: 408, number: 10023 },
  E_ADDR_NOT_FOUND: { status: 404, number: 11000 },
  E_ADDR_FORBIDDEN: { status: 403, number: 11001 },
  E_ADDR_CIDR: { status: 400, number: 11002 },
  E_ADDR_TOO_SPECIFIC: { status: 400, number: 11003 },
  E_ADDR_OUTSIDE_PREFIX: { status: 400, number: 11004 },
  E_ADDR_OVERLAP: { status: 409, number: 11005 },
  E_ADDR_DUPLICATE: { status: 409, number: 11006 },
  E_ADDR_DELETE_BLOCKED: { status: 409, number: 11007 },
  E_ADDR_STATE: { status: 409, number: 11008 },
  E_ADDR_NOT_APPROVED: { status: 409, number: 11009 },
  E_ADDR_LOCKED: { status: 409, number: 11010 },
  E_ADDR_STILL_ADVERTISED: { status: 409, number: 11011 },
  E_ADDR_FIRST_BINDING: { status: 400, number: 11012 },
  E_ADDR_BINDING_IN_USE: { status: 409, number: 11013 },
  E_ADDR_UNKNOWN_SERVICE: { status: 400, number: 11014 },
  E_ADDR_DELEGATION: { status: 400, number: 11015 },
  E_ADDR_INVALID: { status: 400, number: 11016 },
  E_ADDR_PRECONDITION: { status: 409, number: 11017 },
  E_ADDR_JOB_CAP: { status: 409, number: 11018 },
  E_ADDR_NOT_ANNOUNCEABLE: { status: 400, number: 11040 },
  E_ADDR_OWNERSHIP_UNPROVEN: { status: 409, number: 11041 },
  E_ADDR_JOB_RATE: { status: 429, number: 11042 },
  E_ADDR_SELF_APPROVAL: { status: 403, number: 11043 },
  E_ROLLOUT_NOT_FOUND: { status: 404, number: 12000 },
  E_ROLLOUT_STATE: { status: 409, number: 12001 },
  E_ROLLOUT_REASON_REQUIRED: { status: 400, number: 12002 },
  E_ROLLOUT_NO_BASELINE: { status: 409, number: 12003 },
  E_ROLLOUT_CONFIG: { status: 400, number: 12004 },
  E_GUARD_NOT_TRIPPED: { status: 409, number: 12007 },
  // issue 10: approvals by a second person, naming the change's digest
  E_ROLLOUT_APPROVER: { status: 403, number: 12020 },
  E_ROLLOUT_SELF_APPROVAL: { status: 403, number: 12021 },
  E_ROLLOUT_DIGEST: { status: 409, number: 12022 },
  E_ROLLOUT_NO_RECOVERY: { status: 409, number: 12008 },
  E_SNAPSHOT_NOT_FOUND: { status: 404, number: 12100 },
  E_SNAPSHOT_AMBIGUOUS: { status: 400, number: 12101 },
  E_SNAPSHOT_DUPLICATE: { status: 409, number: 12102 },
  E_SNAPSHOT_INVALID: { status: 400, number: 12103 },
  E_SNAPSHOT_UNKNOWN_LOCATION: { status: 400, number: 12104 },
  E_SNAPSHOT_TAMPERED: { status: 500, number: 12105 },
  E_SNAPSHOT_DIGEST_VERSION: { status: 500, number: 12106 },
  // lib codes reach a request only through a value the domain failed to check first: bad input all the
  // same, except a full trie, which is ours.
  E_BYTES_SHORT: { status: 400, number: 13000 },
  E_BYTES_RANGE: { status: 400, number: 13001 },
  E_PREFIX_SYNTAX: { status: 400, number: 13002 },
  E_PREFIX_LENGTH: { status: 400, number: 13003 },
  E_PREFIX_HOST_BITS: { status: 400, number: 13004 },
  E_ADDRESS_SYNTAX: { status: 400, number: 13005 },
  E_ASN_SYNTAX: { status: 400, number: 13006 },
  E_ASN_RANGE: { status: 400, number: 13007 },
  E_TRIE_CAPACITY: { status: 500, number: 13008 },
  // incident mode and the console's self-service (423 Locked: the switch, not the caller, refuses)
  E_INCIDENT_FROZEN: { status: 423, number: 14000 },
  E_INCIDENT_REASON_REQUIRED: { status: 400, number: 14001 },
  E_CONSOLE_NOTHING_TO_REVERT: { status: 409, number: 14002 },
  E_CONSOLE_REVERT_UNSUPPORTED: { status: 409, number: 14003 },
  E_CONSOLE_NOT_GOOD_SNAPSHOT: { status: 409, number: 14004 },
  // the edge agents' routes (src/api/agent-routes.ts)
  E_AGENT_UNAUTHENTICATED: { status: 401, number: 15000 },
  E_AGENT_LOCATION: { status: 403, number: 15001 },
  E_AGENT_NO_SNAPSHOT: { status: 404, number: 15002 },
  E_AGENT_BODY: { status: 400, number: 15003 },
  E_ADDR_QUOTA: { status: 409, number: 11030 },
};

export function isKnownCode(code: string): code is HttpErrorCode {
  return Object.hasOwn(ERROR_HTTP, code);
}

/** The mapping of any code; a code of no table the API knows (the store's) is a 500 that keeps its name. */
export function httpOf(code: string): HttpMapping {
  return isKnownCode(code) ? ERROR_HTTP[code] : ERROR_HTTP.E_API_INTERNAL;
}
