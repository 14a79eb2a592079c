// MRT type and subtype numbers (RFC 6396, RFC 8050) and their names, as IANA lists them.

export const MRT_BGP = 5; // legacy MRTd BGP (RFC 6396 §4 deprecated types)
export const MRT_TABLE_DUMP = 12;
export const MRT_TABLE_DUMP_V2 = 13;
export const MRT_BGP4MP = 16;
export const MRT_BGP4MP_ET = 17;

// TABLE_DUMP subtypes are the AFI of the entries (RFC 6396 §4.2).
export const TD_AFI_IPV4 = 1;
export const TD_AFI_IPV6 = 2;

// TABLE_DUMP_V2 subtypes (RFC 6396 §4.3, RFC 8050 §4).
export const PEER_INDEX_TABLE = 1;
export const RIB_IPV4_UNICAST = 2;
export const RIB_IPV4_MULTICAST = 3;
export const RIB_IPV6_UNICAST = 4;
export const RIB_IPV6_MULTICAST = 5;
export const RIB_GENERIC = 6;
export const RIB_IPV4_UNICAST_ADDPATH = 8;
export const RIB_IPV4_MULTICAST_ADDPATH = 9;
export const RIB_IPV6_UNICAST_ADDPATH = 10;
export const RIB_IPV6_MULTICAST_ADDPATH = 11;
export const RIB_GENERIC_ADDPATH = 12;

// BGP4MP / BGP4MP_ET subtypes (RFC 6396 §4.4, RFC 8050 §3).
export const BGP4MP_STATE_CHANGE = 0;
export const BGP4MP_MESSAGE = 1;
export const BGP4MP_ENTRY = 2; // deprecated
export const BGP4MP_SNAPSHOT = 3; // deprecated
export const BGP4MP_MESSAGE_AS4 = 4;
export const BGP4MP_STATE_CHANGE_AS4 = 5;
export const BGP4MP_MESSAGE_LOCAL = 6;
export const BGP4MP_MESSAGE_AS4_LOCAL = 7;
export const BGP4MP_MESSAGE_ADDPATH = 8;
export const BGP4MP_MESSAGE_AS4_ADDPATH = 9;
export const BGP4MP_MESSAGE_LOCAL_ADDPATH = 10;
export const BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH = 11;

// Legacy MRTd BGP subtypes (RFC 6396 §B.2.1).
export const MRTD_BGP_UPDATE = 1;
export const MRTD_BGP_STATE_CHANGE = 3;
export const MRTD_BGP_KEEPALIVE = 7;

const TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NULL',
  1: 'START',
  2: 'DIE',
  3: 'I_AM_DEAD',
  4: 'PEER_DOWN',
  5: 'BGP',
  6: 'RIP',
  7: 'IDRP',
  8: 'RIPNG',
  9: 'BGP4PLUS',
  10: 'BGP4PLUS_01',
  11: 'OSPFv2',
  12: 'TABLE_DUMP',
  13: 'TABLE_DUMP_V2',
  16: 'BGP4MP',
  17: 'BGP4MP_ET',
  32: 'ISIS',
  33: 'ISIS_ET',
  48: 'OSPFv3',
  49: 'OSPFv3_ET',
};

const SUBTYPE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  5: { 0: 'NULL', 1: 'UPDATE', 2: 'PREF_UPDATE', 3: 'STATE_CHANGE', 4: 'SYNC', 5: 'OPEN', 6: 'NOTIFY', 7: 'KEEPALIVE' },
  12: { 1: 'AFI_IPv4', 2: 'AFI_IPv6' },
  13: {
    1: 'PEER_INDEX_TABLE',
    2: 'RIB_IPV4_UNICAST',
    3: 'RIB_IPV4_MULTICAST',
    4: 'RIB_IPV6_UNICAST',
    5: 'RIB_IPV6_MULTICAST',
    6: 'RIB_GENERIC',
    8: 'RIB_IPV4_UNICAST_ADDPATH',
    9: 'RIB_IPV4_MULTICAST_ADDPATH',
    10: 'RIB_IPV6_UNICAST_ADDPATH',
    11: 'RIB_IPV6_MULTICAST_ADDPATH',
    12: 'RIB_GENERIC_ADDPATH',
  },
  16: {
    0: 'STATE_CHANGE',
    1: 'MESSAGE',
    2: 'ENTRY',
    3: 'SNAPSHOT',
    4: 'MESSAGE_AS4',
    5: 'STATE_CHANGE_AS4',
    6: 'MESSAGE_LOCAL',
    7: 'MESSAGE_AS4_LOCAL',
    8: 'MESSAGE_ADDPATH',
    9: 'MESSAGE_AS4_ADDPATH',
    10: 'MESSAGE_LOCAL_ADDPATH',
    11: 'MESSAGE_AS4_LOCAL_ADDPATH',
  },
};

/** "TABLE_DUMP_V2", or "TYPE_<n>" for a number IANA has not named. */
export function mrtTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `TYPE_${type}`;
}

/** "RIB_IPV4_UNICAST", or "SUBTYPE_<n>". BGP4MP_ET shares BGP4MP's subtypes. */
export function mrtSubtypeName(type: number, subtype: number): string {
  const t = type === MRT_BGP4MP_ET ? MRT_BGP4MP : type;
  return SUBTYPE_NAMES[t]?.[subtype] ?? `SUBTYPE_${subtype}`;
}

/** BGP4MP(_ET) message subtypes whose header carries 4-byte AS numbers. */
export function bgp4mpIsAs4(subtype: number): boolean {
  return (
    subtype === BGP4MP_MESSAGE_AS4 ||
    subtype === BGP4MP_STATE_CHANGE_AS4 ||
    subtype === BGP4MP_MESSAGE_AS4_LOCAL ||
    subtype === BGP4MP_MESSAGE_AS4_ADDPATH ||
    subtype === BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH
  );
}

/** BGP4MP(_ET) message subtypes whose NLRI carry RFC 7911 path identifiers (RFC 8050). */
export function bgp4mpIsAddPath(subtype: number): boolean {
  return subtype >= BGP4MP_MESSAGE_ADDPATH && subtype <= BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH;
}

/** BGP4MP(_ET) message subtypes recorded on the sending side (the _LOCAL variants). */
export function bgp4mpIsLocal(subtype: number): boolean {
  return (
    subtype === BGP4MP_MESSAGE_LOCAL ||
    subtype === BGP4MP_MESSAGE_AS4_LOCAL ||
    subtype === BGP4MP_MESSAGE_LOCAL_ADDPATH ||
    subtype === BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH
  );
}

/** BGP4MP(_ET) subtypes that carry a BGP message. */
export function bgp4mpIsMessage(subtype: number): boolean {
  return subtype === BGP4MP_MESSAGE || (subtype >= BGP4MP_MESSAGE_AS4 && subtype <= 11 && subtype !== 5);
}

/** TABLE_DUMP_V2 RIB subtypes with add-path (RFC 8050). */
export function ribIsAddPath(subtype: number): boolean {
  return subtype >= RIB_IPV4_UNICAST_ADDPATH && subtype <= RIB_GENERIC_ADDPATH;
}
