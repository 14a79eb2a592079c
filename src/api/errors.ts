// Stable error codes of the HTTP adapter, and how every code (the domain's too) maps to an HTTP status
// and to the numeric `code` of Cloudflare's v4 envelope (clients written for that API expect a number;
// the string code travels beside it as `error_code`).
import { ADDRESSING_ERROR_CODES, type AddressingErrorCode } from '../addressing/errors.js';
import type { ErrorCodeTable } from '../lib/errors.js';

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

/** HTTP status and envelope number of each code. Numbers are stable: never renumber. */
export const ERROR_HTTP: Record<ApiErrorCode | AddressingErrorCode, { status: number; number: number }> = {
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
  E_ADDR_QUOTA: { status: 409, number: 11030 },
};

export function isKnownCode(code: string): code is ApiErrorCode | AddressingErrorCode {
  return code in ERROR_HTTP;
}

// every domain code has a mapping (checked at type level by the Record above; this keeps the import used)
void ADDRESSING_ERROR_CODES;
