// Named errors with stable codes. Every layer declares its codes in a table (code → meaning) that
// docs/ERRORS.md is generated from; src/bin/error-codes.test.ts checks that the code and the doc agree.

/** A code table: stable code → one-line meaning, as printed in docs/ERRORS.md. */
export type ErrorCodeTable = Readonly<Record<string, string>>;

export class FailsmallError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'FailsmallError';
    this.code = code;
    this.details = details;
  }
}

export const LIB_ERROR_CODES = {
  E_BYTES_SHORT: 'A read ran past the end of the input; the message names the offset and how many bytes were wanted.',
  E_BYTES_RANGE: 'A value does not fit the field it is written to (e.g. 70000 into a 16-bit field).',
  E_PREFIX_SYNTAX: 'Not an IP prefix: the text is not an IPv4 or IPv6 address with a /length.',
  E_PREFIX_LENGTH: 'The prefix length is out of range for the family (0-32 for IPv4, 0-128 for IPv6).',
  E_PREFIX_HOST_BITS: 'The address has bits set past the prefix length; the message names the canonical prefix.',
  E_ADDRESS_SYNTAX: 'Not an IPv4 or IPv6 address.',
  E_ASN_SYNTAX: 'Not an AS number in asplain (65000), asdot (1.10) or AS-prefixed (AS65000) form.',
  E_TRIE_CAPACITY: 'A prefix trie holds at most 16,777,214 prefixes of one family; the insert was refused.',
  E_ASN_RANGE: 'The AS number is outside 0..4294967295.',
} as const satisfies ErrorCodeTable;
