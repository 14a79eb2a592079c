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
  // MRT (src/wire/mrt): damage in a dump is reported with its input offset and the record is skipped.
  E_MRT_TRUNCATED: 'The MRT input ends inside a record header or body (the damage names how many bytes were present).',
  E_MRT_RECORD_TOO_LONG:
    'An MRT record claims a body longer than the reader accepts (16 MiB); the reader looks for the next plausible header.',
  E_MRT_HEADER:
    'An MRT header cannot be right: a type IANA does not list, or an extended-timestamp record shorter than its 4-byte microsecond field.',
  E_MRT_UNKNOWN_TYPE:
    'An MRT record of a type IANA does not list, whose length leads to a plausible next header: skipped by its length, as bgpdump does.',
  E_MRT_RESYNC:
    'After a damaged MRT header the reader skipped bytes up to the next plausible header (the message says how many).',
  E_MRT_SHORT: 'A field of an MRT record runs past the end of the record.',
  E_MRT_TRAILING: 'An MRT record has bytes left over after its last field.',
  E_MRT_PREFIX: 'An MRT record holds a prefix length over 32 (IPv4) or 128 (IPv6).',
  E_MRT_PEER_INDEX:
    'A TABLE_DUMP_V2 RIB entry names a peer index the PEER_INDEX_TABLE does not have, or comes before any table.',
  E_MRT_AFI: 'A BGP4MP record has an address family other than 1 (IPv4) or 2 (IPv6).',
  E_MRT_SUBTYPE: 'A TABLE_DUMP record subtype is not an address family this reader knows (1-4).',
  E_MRT_GENERIC: 'A TABLE_DUMP_V2 RIB_GENERIC record is for an address family this reader does not decode.',
  E_MRT_BODY: 'An MRT record could not be decoded (the message says why).',
  E_MRT_ENCODE: 'An MRT record cannot be written: a field is missing, the wrong size, or out of range.',
  E_MRT_FILE: 'An MRT file cannot be opened or read.',
  E_MRT_DECOMPRESS: 'The gzip or bzip2 stream of an MRT file is corrupt or ends early; records before it were read.',
  // BMP (src/wire/bmp): a broken common header stops the stream (the station closes the connection); a
  // damaged body is skipped by its length.
  E_BMP_VERSION: 'A BMP common header has a version other than 3.',
  E_BMP_LENGTH: 'A BMP message length is below 6 or above 1 MiB.',
  E_BMP_SHORT: 'A BMP message, per-peer header or field runs past the input or its message.',
  E_BMP_TYPE: 'A BMP message type is not 0-6; the message is skipped.',
  E_BMP_TLV: 'A BMP information or statistics TLV runs past its message.',
  E_BMP_OPEN: 'A BMP Peer Up does not hold two framable BGP OPEN messages.',
  E_BMP_PDU: 'A BMP Route Monitoring or Peer Down holds a BGP message of the wrong type.',
  E_BMP_RESYNC: 'The BMP stream had bytes that are not a BMP header; the reader skipped to the next plausible one.',
  E_BGP_LABELED_NLRI: 'A labeled or VPN NLRI (RFC 8277, RFC 4364) is shorter than its labels and route distinguisher.',
} as const satisfies ErrorCodeTable;

export type WireErrorCode = keyof typeof WIRE_ERROR_CODES;
