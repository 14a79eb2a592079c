// The public model of the BGP codec: plain data, no presentation. Addresses are raw bytes (format them
// with formatAddress of src/lib/prefix.ts); everything a byte-exact re-encoding needs (attribute order,
// flags, 2- or 4-byte AS encoding through the context) is kept. Decoders never throw on bad input: they
// return what they could read plus WireProblems, each with the RFC 7606 action it calls for.
import type { Family, Prefix } from '../../lib/prefix.js';

/**
 * What the receiver should do about a problem (RFC 7606 §2 and §3), least to most severe:
 * 'none' (noted only), 'attribute-discard' (drop that attribute, keep the route), 'treat-as-withdraw'
 * (the UPDATE's prefixes are withdrawn), 'af-disable' (stop the address family, RFC 4760 §7),
 * 'session-reset' (send a NOTIFICATION and close).
 */
export type Rfc7606Action = 'none' | 'attribute-discard' | 'treat-as-withdraw' | 'af-disable' | 'session-reset';

/** Severity rank of each action: the worst problem decides what the receiver does. */
export const ACTION_RANK: Readonly<Record<Rfc7606Action, number>> = {
  none: 0,
  'attribute-discard': 1,
  'treat-as-withdraw': 2,
  'af-disable': 3,
  'session-reset': 4,
};

/** One thing wrong with the input: stable code (WIRE_ERROR_CODES), words, absolute byte offset. */
export interface WireProblem {
  action: Rfc7606Action;
  code: string;
  message: string;
  /** Absolute offset into the buffer handed to the decoder. */
  offset: number;
  /** The path attribute type code the problem is about, when it is about one. */
  attrType?: number;
  /** For 'session-reset' problems: the NOTIFICATION (code, subcode) RFC 4271 §6 says to send. */
  notify?: readonly [code: number, subcode: number];
}

/** What the session negotiated; decoding and encoding depend on it. */
export interface DecodeContext {
  /** Both sides announced the 4-octet AS capability (RFC 6793): AS_PATH/AGGREGATOR carry 4-byte ASNs. */
  as4: boolean;
  /** Whether NLRI of (afi, safi) carry a 4-byte path identifier (RFC 7911 add-path, receive direction). */
  addPath(afi: number, safi: number): boolean;
  /** Extended messages (RFC 8654) negotiated: messages up to 65535 bytes instead of 4096. */
  extendedMessage: boolean;
  /**
   * Set when decoding the attributes of an MRT TABLE_DUMP_V2 RIB entry (RFC 6396 §4.3.4): MP_REACH_NLRI may
   * then be abbreviated to next-hop length and next hop only, for this family (recognised when the attribute
   * length is exactly 1 + next-hop length; the full form is accepted too).
   */
  mrtRib?: AfiSafi;
}

/** AFI / SAFI numbers used by the codec (IANA). */
export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;
export const SAFI_MULTICAST = 2;

/** AS_PATH segment types (RFC 4271, RFC 5065). */
export const AS_SET = 1;
export const AS_SEQUENCE = 2;
export const AS_CONFED_SEQUENCE = 3;
export const AS_CONFED_SET = 4;

/** One AS_PATH / AS4_PATH segment: 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET. */
export interface AsPathSegment {
  type: 1 | 2 | 3 | 4;
  asns: number[];
}

/** One NLRI entry: a prefix, with its add-path identifier when the family uses add-path. */
export interface Nlri {
  /** The prefix with host bits cleared. */
  prefix: Prefix;
  /** RFC 7911 path identifier, present exactly when the NLRI was decoded with add-path. */
  pathId?: number;
  /**
   * The address bytes as received (ceil(len/8) long), present only when they had host bits set past the
   * prefix length: bgpdump's upstream expectation prints the masked prefix, and the encoder writes these
   * bytes back so that encode(decode(x)) = x even then.
   */
  hostBits?: Uint8Array;
}

/** AGGREGATOR / AS4_AGGREGATOR: the AS and router address (4 bytes) that aggregated the route. */
export interface Aggregator {
  asn: number;
  address: Uint8Array;
}

/** A LARGE_COMMUNITY (RFC 8092): three 32-bit numbers. */
export interface LargeCommunity {
  global: number;
  local1: number;
  local2: number;
}

/**
 * MP_REACH_NLRI (RFC 4760). `nextHop` is the raw next-hop field; for IPv4/IPv6 unicast and multicast the
 * global and link-local addresses are split out. `nlri` is decoded for IPv4/IPv6 unicast and multicast;
 * for other families (VPN, FlowSpec, EVPN, BGP-LS, ...) it is absent and `nlriBytes` holds the raw field.
 */
export interface MpReach {
  afi: number;
  safi: number;
  nextHop: Uint8Array;
  /** 4 bytes (IPv4) or 16 bytes (IPv6 global), when the next-hop field has a length this codec knows. */
  nextHopGlobal?: Uint8Array;
  /** IPv6 link-local next hop (second 16 bytes of a 32-byte next-hop field). */
  nextHopLinkLocal?: Uint8Array;
  /** The byte after the next hop: reserved (RFC 4760), the SNPA count in RFC 2858. Kept for re-encoding. */
  reserved: number;
  nlri?: Nlri[];
  /** The NLRI field as received (a view into the input). */
  nlriBytes: Uint8Array;
  /** The MRT RIB abbreviated form (next-hop length and next hop only) was read; encode writes it back so. */
  abbreviated?: boolean;
}

/** MP_UNREACH_NLRI (RFC 4760): withdrawn routes of one family; `nlri` decoded as for MpReach. */
export interface MpUnreach {
  afi: number;
  safi: number;
  nlri?: Nlri[];
  nlriBytes: Uint8Array;
}

/** An attribute this codec does not decode (or could not: see the problems), kept raw with its flags. */
export interface RawAttribute {
  type: number;
  flags: number;
  value: Uint8Array;
}

/** ORIGIN values. */
export const ORIGIN_IGP = 0;
export const ORIGIN_EGP = 1;
export const ORIGIN_INCOMPLETE = 2;

/**
 * The path attributes of one UPDATE. Each known attribute has a typed field (absent when not present or
 * discarded); unknown ones are in `unknown`. `layout` is the wire order, one number per attribute:
 * `(flags << 8) | type`, with the extended-length bit as received, so that the encoder reproduces the input
 * byte for byte. Build attributes by hand without `layout` and the encoder uses type order and standard flags.
 */
export interface PathAttributes {
  /** 0 IGP, 1 EGP, 2 INCOMPLETE. */
  origin?: number;
  asPath?: AsPathSegment[];
  as4Path?: AsPathSegment[];
  /** NEXT_HOP, 4 bytes. */
  nextHop?: Uint8Array;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: Aggregator;
  as4Aggregator?: Aggregator;
  /** COMMUNITIES (RFC 1997), each as a 32-bit number (high 16 bits the AS). */
  communities?: number[];
  /** ORIGINATOR_ID, 4 bytes. */
  originatorId?: Uint8Array;
  /** CLUSTER_LIST, 4-byte ids. */
  clusterList?: Uint8Array[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** EXTENDED_COMMUNITIES (RFC 4360), each 8 bytes (a view into the input). */
  extendedCommunities?: Uint8Array[];
  largeCommunities?: LargeCommunity[];
  /** Only to Customer (RFC 9234, type 35): the AS number. */
  otc?: number;
  unknown?: RawAttribute[];
  layout?: number[];
}

/** Result of decodePathAttributes. `action` is the most severe action of `problems` ('none' if empty). */
export interface AttributesResult {
  attrs: PathAttributes;
  problems: WireProblem[];
  action: Rfc7606Action;
}

/** Result of decodeNlri; problems carry 'session-reset' (the caller may soften it, e.g. to af-disable). */
export interface NlriResult {
  nlri: Nlri[];
  problems: WireProblem[];
}

export type { Family, Prefix };

// ---- messages ----

export const MSG_OPEN = 1;
export const MSG_UPDATE = 2;
export const MSG_NOTIFICATION = 3;
export const MSG_KEEPALIVE = 4;
export const MSG_ROUTE_REFRESH = 5;

/** A (afi, safi) pair. */
export interface AfiSafi {
  afi: number;
  safi: number;
}

/** One capability of an OPEN (RFC 5492); `code` is the IANA capability code. */
export type Capability =
  /** 1: multiprotocol (RFC 4760). */
  | { code: 1; afi: number; reserved: number; safi: number }
  /**
   * 2: route refresh (RFC 2918); 6: extended message (RFC 8654); 70: enhanced route refresh (RFC 7313);
   * 128: Cisco's pre-standard route refresh. No value.
   */
  | { code: 2 | 6 | 70 | 128 }
  /** 9: BGP role (RFC 9234): 0 provider, 1 route server, 2 route server client, 3 customer, 4 peer. */
  | { code: 9; role: number }
  /** 64: graceful restart (RFC 4724): restart flags (4 bits), restart time (12 bits), per-family flags. */
  | { code: 64; flags: number; time: number; families: (AfiSafi & { flags: number })[] }
  /** 65: 4-octet AS number (RFC 6793). */
  | { code: 65; asn: number }
  /** 69: add-path (RFC 7911): sendReceive 1 receive, 2 send, 3 both. */
  | { code: 69; families: (AfiSafi & { sendReceive: number })[] }
  /** Anything else, or a known capability whose value is malformed (then a problem says so). */
  | { code: number; raw: Uint8Array };

/** An OPEN optional parameter: capabilities (type 2) or anything else kept raw. */
export type OptionalParameter = { type: 2; capabilities: Capability[] } | { type: number; value: Uint8Array };

export interface OpenMessage {
  type: 1;
  version: number;
  /** My Autonomous System (2 bytes; AS_TRANS 23456 when the real AS is in the 4-octet AS capability). */
  myAs: number;
  holdTime: number;
  /** BGP identifier, 4 bytes. */
  bgpId: Uint8Array;
  params: OptionalParameter[];
  /** RFC 9072 extended optional parameters length encoding was used (255, 255, u16 length). */
  extendedParams?: boolean;
}

export interface UpdateMessage {
  type: 2;
  withdrawn: Nlri[];
  attrs: PathAttributes;
  nlri: Nlri[];
}

export interface NotificationMessage {
  type: 3;
  code: number;
  subcode: number;
  data: Uint8Array;
}

export interface KeepaliveMessage {
  type: 4;
}

/** ROUTE-REFRESH (RFC 2918); `subtype` is the reserved byte, used by RFC 7313 (0 request, 1 BoRR, 2 EoRR). */
export interface RouteRefreshMessage {
  type: 5;
  afi: number;
  subtype: number;
  safi: number;
  /** Bytes after the 4-byte body (ORF entries, RFC 5291), when present. */
  data?: Uint8Array;
}

/** A message of a type this codec does not know, kept raw. */
export interface UnknownMessage {
  type: number;
  body: Uint8Array;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage
  | UnknownMessage;

/**
 * Result of decoding one message. `length` is the message length from its header (what to skip to reach the
 * next message), or 0 when the header itself is unusable. `message` is absent when nothing could be decoded.
 */
export interface MessageResult {
  message?: BgpMessage;
  problems: WireProblem[];
  action: Rfc7606Action;
  length: number;
}
