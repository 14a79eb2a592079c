// Error codes of the wire layer (BGP messages and attributes, MRT, BMP). Decoders do not throw: these codes
// travel in WireProblem.code together with the RFC 7606 action; encoders throw FailsmallError with them.
import type { ErrorCodeTable } from '../lib/errors.js';

export const WIRE_ERROR_CODES = {
  E_BGP_MARKER: 'A BGP message header does not start with 16 bytes of 0xff.',
  E_BGP_LENGTH:
    'A BGP message length is below 19, above 4096 (65535 with extended messages), past the input, or wrong for its type.',
  E_BGP_TYPE: 'A BGP message type is not one of OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH.',
  E_BGP_OPEN: 'An OPEN message is malformed: version, hold time, or optional parameter lengths.',
  E_BGP_CAPABILITY: 'A capability in an OPEN has a value of the wrong length for its code; it is kept raw.',
  E_BGP_UPDATE_LENGTH: 'The withdrawn-routes or path-attribute length of an UPDATE runs past the message.',
  E_BGP_NLRI: 'An NLRI entry has a prefix length over 32 (IPv4) or 128 (IPv6), or runs past its field.',
  E_BGP_ATTR_OVERRUN: 'A path attribute header or value runs past the path attributes field.',
  E_BGP_ATTR_FLAGS: 'A known path attribute has the wrong optional/transitive flags.',
  E_BGP_ATTR_LENGTH: 'A known path attribute has a length its type does not allow.',
  E_BGP_ATTR_VALUE: 'A path attribute value is invalid (ORIGIN over 2, AS_PATH segment type or length, ...).',
  E_BGP_ATTR_DUPLICATE: 'A path attribute appears more than once in one UPDATE; all but the first are discarded.',
  E_BGP_ATTR_MISSING:
    'A well-known mandatory attribute (ORIGIN, AS_PATH, NEXT_HOP) is missing from an UPDATE with NLRI.',
  E_BGP_ATTR_WELLKNOWN: 'An attribute type this codec does not know arrived marked well-known (optional bit clear).',
  E_BGP_MP: 'MP_REACH_NLRI or MP_UNREACH_NLRI is malformed: next-hop length or NLRI field.',
  E_BGP_ENCODE: 'A message or attribute cannot be encoded: a field is missing, out of range, or too long.',
} as const satisfies ErrorCodeTable;

export type WireErrorCode = keyof typeof WIRE_ERROR_CODES;
