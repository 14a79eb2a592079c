// The BMP model (RFC 7854, RFC 9069 Loc-RIB, RFC 8671 Adj-RIB-Out flag): plain data. BGP PDUs inside are
// decoded by src/wire/bgp with the context the Peer Up's OPENs negotiated. Decoders never throw: they
// return what they read plus WireProblems (stable E_BMP_* codes or the BGP codec's E_BGP_* codes).
import type {
  BgpMessage,
  NotificationMessage,
  OpenMessage,
  Rfc7606Action,
  UpdateMessage,
  WireProblem,
} from '../bgp/types.js';

export const BMP_VERSION = 3;
export const BMP_COMMON_HEADER = 6;
export const BMP_PER_PEER_HEADER = 42;

export const BMP_ROUTE_MONITORING = 0;
export const BMP_STATISTICS = 1;
export const BMP_PEER_DOWN = 2;
export const BMP_PEER_UP = 3;
export const BMP_INITIATION = 4;
export const BMP_TERMINATION = 5;
export const BMP_ROUTE_MIRRORING = 6;

/** Peer types: 0 global instance, 1 RD instance, 2 local instance (RFC 7854), 3 Loc-RIB (RFC 9069). */
export const PEER_GLOBAL = 0;
export const PEER_RD = 1;
export const PEER_LOCAL = 2;
export const PEER_LOC_RIB = 3;

/** The per-peer header (RFC 7854 §4.2); the flags are split out by their meaning for the peer type. */
export interface BmpPeer {
  type: number;
  /** Raw flags byte. */
  flags: number;
  /** V: the peer address is IPv6 (not meaningful for Loc-RIB). */
  ipv6: boolean;
  /** L: post-policy Adj-RIB-In (pre-policy when false). */
  postPolicy: boolean;
  /** A: the AS_PATH in this peer's Route Monitoring uses 2-byte ASNs (legacy format). */
  as2: boolean;
  /** O (RFC 8671): Adj-RIB-Out rather than Adj-RIB-In. */
  adjRibOut: boolean;
  /** F (RFC 9069, Loc-RIB only): the Loc-RIB is filtered (not every route is sent). */
  filtered: boolean;
  /** Peer distinguisher, 8 bytes (the RD for RD-instance peers, the VRF id for Loc-RIB). */
  distinguisher: Uint8Array;
  /** 4 bytes (IPv4) or 16 bytes (IPv6) address of the peer (zero for Loc-RIB). */
  address: Uint8Array;
  asn: number;
  bgpId: Uint8Array;
  /** Seconds and microseconds since the epoch (0 when the router did not fill it). */
  seconds: number;
  microseconds: number;
}

export interface BmpTlv {
  type: number;
  value: Uint8Array;
}

export interface BmpInitiation {
  type: 4;
  tlvs: BmpTlv[];
  /** Type 1 sysDescr, type 2 sysName, type 0 free strings (decoded as UTF-8). */
  sysDescr?: string;
  sysName?: string;
  strings: string[];
}

export interface BmpTermination {
  type: 5;
  tlvs: BmpTlv[];
  /** Type 1 reason: 0 admin close, 1 unspecified, 2 out of resources, 3 redundant connection, 4 permanently closed. */
  reason?: number;
  strings: string[];
}

export interface BmpPeerUp {
  type: 3;
  peer: BmpPeer;
  localAddress: Uint8Array;
  localPort: number;
  remotePort: number;
  /** The OPEN the monitored router sent to the peer, and the one it received. */
  sentOpen?: OpenMessage;
  receivedOpen?: OpenMessage;
  tlvs: BmpTlv[];
  /** Information TLV type 3 (RFC 9069): the VRF or table name. */
  tableName?: string;
}

export interface BmpPeerDown {
  type: 2;
  peer: BmpPeer;
  /** 1 local NOTIFICATION, 2 local without (FSM event), 3 remote NOTIFICATION, 4 remote without, 5 de-configured, 6 Loc-RIB closed. */
  reason: number;
  notification?: NotificationMessage;
  fsmEvent?: number;
  data: Uint8Array;
}

export interface BmpRouteMonitoring {
  type: 0;
  peer: BmpPeer;
  /** The UPDATE as decoded with this peer's context; absent when the PDU was not an UPDATE at all. */
  update?: UpdateMessage;
  /** The worst RFC 7606 action of the UPDATE's own problems: what a receiver would do about it. */
  updateAction: Rfc7606Action;
}

export interface BmpStatistic {
  type: number;
  /** 4- or 8-byte counters and gauges as numbers (exact below 2^53). */
  value?: number;
  /** Types 9 and 10: per-AFI/SAFI gauges. */
  afi?: number;
  safi?: number;
  raw: Uint8Array;
}

export interface BmpStatistics {
  type: 1;
  peer: BmpPeer;
  stats: BmpStatistic[];
}

export interface BmpRouteMirroring {
  type: 6;
  peer: BmpPeer;
  messages: BgpMessage[];
  /** Information TLV code: 0 errored PDU, 1 messages lost. */
  info?: number;
}

export interface BmpUnknown {
  type: number;
  body: Uint8Array;
}

export type BmpMessage =
  | BmpRouteMonitoring
  | BmpStatistics
  | BmpPeerDown
  | BmpPeerUp
  | BmpInitiation
  | BmpTermination
  | BmpRouteMirroring
  | BmpUnknown;

/**
 * One decoded BMP message. `length` is the common header's length (what to skip to the next message) or 0
 * when the header is unusable (then the stream cannot be followed: action 'session-reset').
 */
export interface BmpResult {
  message?: BmpMessage;
  problems: WireProblem[];
  action: Rfc7606Action;
  length: number;
}
