// Typed decoding of MRT records (RFC 6396, RFC 8050) from the raw records of reader.ts. Strict where
// bgpdump is lenient: a field that runs past its record, a prefix length over the family's maximum, a RIB
// entry naming a peer the PEER_INDEX_TABLE does not have, are damage (E_MRT_*) with the offset of the bad
// byte, and the record is skipped. BGP messages and path attributes stay raw bytes here: decode them with
// src/wire/bgp (decodeMessage, decodePathAttributes; for RIB entries pass a context with `mrtRib`, since
// RFC 6396 §4.3.4 abbreviates MP_REACH_NLRI there). Never throws.
import { ByteReader } from '../../lib/bytes.js';
import { FailsmallError } from '../../lib/errors.js';
import { type Family, type Prefix, prefixFromBytes } from '../../lib/prefix.js';
import { decodeContext, decodePathAttributes } from '../bgp/index.js';
import type { AttributesResult, DecodeContext } from '../bgp/types.js';
import {
  BGP4MP_STATE_CHANGE,
  BGP4MP_STATE_CHANGE_AS4,
  bgp4mpIsAddPath,
  bgp4mpIsAs4,
  bgp4mpIsLocal,
  bgp4mpIsMessage,
  MRT_BGP,
  MRT_BGP4MP,
  MRT_BGP4MP_ET,
  MRT_TABLE_DUMP,
  MRT_TABLE_DUMP_V2,
  MRTD_BGP_STATE_CHANGE,
  PEER_INDEX_TABLE,
  RIB_GENERIC,
  RIB_GENERIC_ADDPATH,
  ribIsAddPath,
} from './constants.js';
import type { MrtDamage, MrtRawRecord } from './reader.js';

export interface MrtHeader {
  offset: number;
  timestamp: number;
  microseconds: number;
  type: number;
  subtype: number;
}

export interface MrtPeer {
  bgpId: Uint8Array;
  family: Family;
  address: Uint8Array;
  asn: number;
  /** The peer type had the AS4 bit: its AS was written in 4 bytes. */
  as4: boolean;
}

export interface PeerIndexTable {
  kind: 'peer_index_table';
  collectorId: Uint8Array;
  viewName: string;
  peers: MrtPeer[];
}

export interface RibEntry {
  peerIndex: number;
  originatedTime: number;
  /** RFC 8050 path identifier (the _ADDPATH subtypes). */
  pathId?: number;
  /** The BGP path attributes, raw (4-byte AS numbers; MP_REACH_NLRI abbreviated). */
  attributes: Uint8Array;
  /** Offset of the entry in the input. */
  offset: number;
}

/** RIB_IPV4/IPV6_UNICAST/MULTICAST and their _ADDPATH variants. */
export interface RibRecord {
  kind: 'rib';
  afi: 1 | 2;
  safi: 1 | 2;
  addPath: boolean;
  sequence: number;
  prefix: Prefix;
  entries: RibEntry[];
}

/** RIB_GENERIC(_ADDPATH): any AFI/SAFI, NLRI kept raw (one NLRI as its family encodes it). */
export interface RibGenericRecord {
  kind: 'rib_generic';
  afi: number;
  safi: number;
  addPath: boolean;
  sequence: number;
  nlri: Uint8Array;
  entries: RibEntry[];
}

/** TABLE_DUMP (version 1): one route. */
export interface TableDumpRecord {
  kind: 'table_dump';
  viewNumber: number;
  sequence: number;
  prefix: Prefix;
  status: number;
  originatedTime: number;
  peerAddress: Uint8Array;
  peerAs: number;
  /** Subtypes 3 and 4 (used by some collectors) carry 4-byte AS numbers. */
  as4: boolean;
  attributes: Uint8Array;
}

interface Bgp4mpCommon {
  peerAs: number;
  localAs: number;
  ifIndex: number;
  afi: number;
  peerAddress: Uint8Array;
  localAddress: Uint8Array;
  as4: boolean;
}

export interface Bgp4mpMessageRecord extends Bgp4mpCommon {
  kind: 'bgp4mp_message';
  /** The _LOCAL subtypes: a message the collector sent, not one it received. */
  local: boolean;
  addPath: boolean;
  /** The whole BGP message, header included. */
  message: Uint8Array;
}

export interface Bgp4mpStateChangeRecord extends Bgp4mpCommon {
  kind: 'bgp4mp_state_change';
  oldState: number;
  newState: number;
}

/**
 * Legacy MRTd BGP records (type 5, RFC 6396 §B.2.1, in RIPE RIS files of 1999-2000): a BGP message body
 * (without the 19-byte header; 2-byte AS numbers) between two peers.
 */
export interface BgpLegacyMessageRecord {
  kind: 'bgp_legacy_message';
  /** The BGP message type the subtype stands for: 1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE. */
  messageType: number;
  peerAs: number;
  peerAddress: Uint8Array;
  localAs: number;
  localAddress: Uint8Array;
  body: Uint8Array;
}

export interface BgpLegacyStateChangeRecord {
  kind: 'bgp_legacy_state_change';
  peerAs: number;
  peerAddress: Uint8Array;
  oldState: number;
  newState: number;
}

/** A type or subtype this reader does not decode (OSPF, IS-IS, deprecated BGP4MP_ENTRY, ...): kept raw. */
export interface OtherRecord {
  kind: 'other';
  body: Uint8Array;
}

export type MrtBody =
  | PeerIndexTable
  | RibRecord
  | RibGenericRecord
  | TableDumpRecord
  | Bgp4mpMessageRecord
  | Bgp4mpStateChangeRecord
  | BgpLegacyMessageRecord
  | BgpLegacyStateChangeRecord
  | OtherRecord;

export interface MrtRecord {
  header: MrtHeader;
  body: MrtBody;
}

export type DecodeRecordResult = { ok: true; record: MrtRecord } | { ok: false; damage: MrtDamage };

/** MRTd BGP subtypes that carry a message: subtype → BGP message type. */
const LEGACY_MESSAGE_TYPES: Readonly<Record<number, number>> = { 1: 2, 5: 1, 6: 3, 7: 4 };

class Damage extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

function prefixAt(r: ByteReader, family: Family, len: number, at: number): Prefix {
  const max = family === 4 ? 32 : 128;
  if (len > max) throw new Damage('E_MRT_PREFIX', `prefix length ${len} is over ${max} for IPv${family}`, at);
  return prefixFromBytes(family, r.bytes((len + 7) >> 3), len);
}

/**
 * Decodes MRT records; keeps the last PEER_INDEX_TABLE so RIB entries can be checked against it. One
 * decoder per input stream.
 */
export class MrtDecoder {
  peerTable: PeerIndexTable | undefined;

  decode(raw: MrtRawRecord): DecodeRecordResult {
    const header: MrtHeader = {
      offset: raw.offset,
      timestamp: raw.timestamp,
      microseconds: raw.microseconds,
      type: raw.type,
      subtype: raw.subtype,
    };
    const r = new ByteReader(raw.buf, raw.start, raw.end);
    try {
      const body = this.body(raw, r);
      if (
        body.kind !== 'other' &&
        body.kind !== 'bgp4mp_message' &&
        body.kind !== 'bgp_legacy_message' &&
        r.remaining > 0
      ) {
        throw new Damage('E_MRT_TRAILING', `${r.remaining} bytes left over after the record's fields`, r.pos);
      }
      return { ok: true, record: { header, body } };
    } catch (e) {
      let code = 'E_MRT_BODY';
      let message = String(e);
      let at = r.pos;
      if (e instanceof Damage) {
        code = e.code;
        message = e.message;
        at = e.at;
      } else if (e instanceof FailsmallError) {
        code = e.code === 'E_BYTES_SHORT' ? 'E_MRT_SHORT' : 'E_MRT_BODY';
        message = e.message;
        const off = e.details?.offset;
        if (typeof off === 'number') at = off;
      }
      // `at` is an index into the chunk buffer: translate it to an input offset.
      const offset = raw.offset + (raw.extended ? 16 : 12) + (at - raw.start);
      return {
        ok: false,
        damage: { offset, code, message: `${message} (record at ${raw.offset})`, type: raw.type, subtype: raw.subtype },
      };
    }
  }

  private body(raw: MrtRawRecord, r: ByteReader): MrtBody {
    switch (raw.type) {
      case MRT_TABLE_DUMP_V2:
        return this.tableDumpV2(raw.subtype, r);
      case MRT_BGP4MP:
      case MRT_BGP4MP_ET:
        return this.bgp4mp(raw.subtype, r);
      case MRT_TABLE_DUMP:
        return this.tableDump(raw.subtype, r);
      case MRT_BGP:
        return this.legacyBgp(raw.subtype, r);
      default:
        return { kind: 'other', body: r.bytes(r.remaining) };
    }
  }

  private tableDumpV2(subtype: number, r: ByteReader): MrtBody {
    if (subtype === PEER_INDEX_TABLE) {
      const collectorId = r.bytes(4);
      const viewName = new TextDecoder().decode(r.bytes(r.u16()));
      const n = r.u16();
      const peers: MrtPeer[] = [];
      for (let i = 0; i < n; i++) {
        const t = r.u8();
        const bgpId = r.bytes(4);
        const family: Family = t & 1 ? 6 : 4;
        const address = r.bytes(family === 4 ? 4 : 16);
        const as4 = (t & 2) !== 0;
        peers.push({ bgpId, family, address, asn: as4 ? r.u32() : r.u16(), as4 });
      }
      const table: PeerIndexTable = { kind: 'peer_index_table', collectorId, viewName, peers };
      this.peerTable = table;
      return table;
    }
    const addPath = ribIsAddPath(subtype);
    const base = addPath ? subtype - 6 : subtype;
    if (base < 2 || base > 6) return { kind: 'other', body: r.bytes(r.remaining) };
    const sequence = r.u32();
    if (subtype === RIB_GENERIC || subtype === RIB_GENERIC_ADDPATH) {
      const afi = r.u16();
      const safi = r.u8();
      // The NLRI is one entry as the family encodes it; for the IP families that is length + bytes.
      const at = r.pos;
      const plen = r.peekU8();
      const nlri = afi === 1 || afi === 2 ? r.bytes(1 + ((plen + 7) >> 3)) : r.bytes(0);
      if (!(afi === 1 || afi === 2)) throw new Damage('E_MRT_GENERIC', `RIB_GENERIC of AFI ${afi} is not decoded`, at);
      return { kind: 'rib_generic', afi, safi, addPath, sequence, nlri, entries: this.entries(r, addPath) };
    }
    const afi: 1 | 2 = base === 2 || base === 3 ? 1 : 2;
    const safi: 1 | 2 = base === 2 || base === 4 ? 1 : 2;
    const at = r.pos;
    const prefix = prefixAt(r, afi === 1 ? 4 : 6, r.u8(), at);
    return { kind: 'rib', afi, safi, addPath, sequence, prefix, entries: this.entries(r, addPath) };
  }

  private entries(r: ByteReader, addPath: boolean): RibEntry[] {
    const n = r.u16();
    const peers = this.peerTable?.peers;
    const out: RibEntry[] = [];
    for (let i = 0; i < n; i++) {
      const offset = r.pos;
      const peerIndex = r.u16();
      if (peers === undefined) throw new Damage('E_MRT_PEER_INDEX', 'RIB entry before any PEER_INDEX_TABLE', offset);
      if (peerIndex >= peers.length) {
        throw new Damage(
          'E_MRT_PEER_INDEX',
          `RIB entry names peer ${peerIndex}, the PEER_INDEX_TABLE has ${peers.length}`,
          offset,
        );
      }
      const originatedTime = r.u32();
      const e: RibEntry = { peerIndex, originatedTime, attributes: new Uint8Array(0), offset };
      if (addPath) e.pathId = r.u32();
      e.attributes = r.bytes(r.u16());
      out.push(e);
    }
    return out;
  }

  private tableDump(subtype: number, r: ByteReader): MrtBody {
    if (subtype < 1 || subtype > 4)
      throw new Damage('E_MRT_SUBTYPE', `TABLE_DUMP subtype ${subtype} is not an AFI`, r.pos);
    const family: Family = subtype === 2 || subtype === 4 ? 6 : 4;
    const as4 = subtype >= 3;
    const viewNumber = r.u16();
    const sequence = r.u16();
    const addr = r.bytes(family === 4 ? 4 : 16);
    const at = r.pos;
    const len = r.u8();
    if (len > (family === 4 ? 32 : 128)) throw new Damage('E_MRT_PREFIX', `prefix length ${len} is out of range`, at);
    const prefix = prefixFromBytes(family, addr, len);
    const status = r.u8();
    const originatedTime = r.u32();
    const peerAddress = r.bytes(family === 4 ? 4 : 16);
    const peerAs = as4 ? r.u32() : r.u16();
    const attributes = r.bytes(r.u16());
    return {
      kind: 'table_dump',
      viewNumber,
      sequence,
      prefix,
      status,
      originatedTime,
      peerAddress,
      peerAs,
      as4,
      attributes,
    };
  }

  private legacyBgp(subtype: number, r: ByteReader): MrtBody {
    const messageType = LEGACY_MESSAGE_TYPES[subtype];
    if (subtype === MRTD_BGP_STATE_CHANGE) {
      const peerAs = r.u16();
      const peerAddress = r.bytes(4);
      return { kind: 'bgp_legacy_state_change', peerAs, peerAddress, oldState: r.u16(), newState: r.u16() };
    }
    if (messageType === undefined) return { kind: 'other', body: r.bytes(r.remaining) };
    const peerAs = r.u16();
    const peerAddress = r.bytes(4);
    const localAs = r.u16();
    const localAddress = r.bytes(4);
    return {
      kind: 'bgp_legacy_message',
      messageType,
      peerAs,
      peerAddress,
      localAs,
      localAddress,
      body: r.bytes(r.remaining),
    };
  }

  private bgp4mp(subtype: number, r: ByteReader): MrtBody {
    const isState = subtype === BGP4MP_STATE_CHANGE || subtype === BGP4MP_STATE_CHANGE_AS4;
    if (!isState && !bgp4mpIsMessage(subtype)) return { kind: 'other', body: r.bytes(r.remaining) };
    const as4 = bgp4mpIsAs4(subtype);
    const peerAs = as4 ? r.u32() : r.u16();
    const localAs = as4 ? r.u32() : r.u16();
    const ifIndex = r.u16();
    const at = r.pos;
    const afi = r.u16();
    if (afi !== 1 && afi !== 2) throw new Damage('E_MRT_AFI', `BGP4MP address family ${afi} is not 1 or 2`, at);
    const peerAddress = r.bytes(afi === 1 ? 4 : 16);
    const localAddress = r.bytes(afi === 1 ? 4 : 16);
    const common = { peerAs, localAs, ifIndex, afi, peerAddress, localAddress, as4 };
    if (isState) return { kind: 'bgp4mp_state_change', ...common, oldState: r.u16(), newState: r.u16() };
    const message = r.bytes(r.remaining);
    if (message.length < 19) {
      throw new Damage('E_MRT_SHORT', `BGP4MP message of ${message.length} bytes is shorter than a BGP header`, at);
    }
    return {
      kind: 'bgp4mp_message',
      ...common,
      local: bgp4mpIsLocal(subtype),
      addPath: bgp4mpIsAddPath(subtype),
      message,
    };
  }
}

const ribContexts = new Map<number, DecodeContext>();

/**
 * The path attributes of a RIB entry, decoded by the BGP codec (src/wire/bgp) with what RFC 6396 says about
 * them: 4-byte AS numbers (2-byte in TABLE_DUMP v1 subtypes 1 and 2), and MP_REACH_NLRI abbreviated to the
 * next hop of the record's family.
 */
export function decodeRibAttributes(
  rec: RibRecord | RibGenericRecord | TableDumpRecord,
  attributes: Uint8Array,
): AttributesResult {
  const as4 = rec.kind === 'table_dump' ? rec.as4 : true;
  const afi = rec.kind === 'table_dump' ? (rec.prefix.family === 4 ? 1 : 2) : rec.afi;
  const safi = rec.kind === 'table_dump' ? 1 : rec.safi;
  const key = (as4 ? 1 : 0) | (afi << 1) | (safi << 17);
  let ctx = ribContexts.get(key);
  if (!ctx) {
    ctx = decodeContext({ as4, mrtRib: { afi, safi } });
    ribContexts.set(key, ctx);
  }
  return decodePathAttributes(attributes, 0, attributes.length, ctx);
}
