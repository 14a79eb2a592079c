// MRT writer for TABLE_DUMP_V2 (PEER_INDEX_TABLE, RIB_IPV4/IPV6 unicast and multicast, add-path
// variants) and BGP4MP / BGP4MP_ET (MESSAGE*, STATE_CHANGE*), so that tests and the lab can produce dumps.
// encodeRecord(decoded) reproduces the input bytes of every record kind it writes. Values that do not fit
// their field throw FailsmallError E_MRT_ENCODE (or E_BYTES_RANGE from the byte writer).
import { ByteWriter } from '../../lib/bytes.js';
import { FailsmallError } from '../../lib/errors.js';
import type { Prefix } from '../../lib/prefix.js';
import {
  BGP4MP_MESSAGE,
  BGP4MP_MESSAGE_ADDPATH,
  BGP4MP_MESSAGE_AS4,
  BGP4MP_MESSAGE_AS4_ADDPATH,
  BGP4MP_MESSAGE_AS4_LOCAL,
  BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH,
  BGP4MP_MESSAGE_LOCAL,
  BGP4MP_MESSAGE_LOCAL_ADDPATH,
  BGP4MP_STATE_CHANGE,
  BGP4MP_STATE_CHANGE_AS4,
  MRT_BGP4MP,
  MRT_BGP4MP_ET,
  MRT_TABLE_DUMP_V2,
  PEER_INDEX_TABLE,
} from './constants.js';
import type {
  Bgp4mpMessageRecord,
  Bgp4mpStateChangeRecord,
  MrtPeer,
  MrtRecord,
  PeerIndexTable,
  RibEntry,
  RibRecord,
} from './records.js';

function fail(message: string): never {
  throw new FailsmallError('E_MRT_ENCODE', message);
}

/** When a record is written: seconds, and microseconds for the extended-timestamp (BGP4MP_ET) form. */
export interface MrtTime {
  timestamp: number;
  microseconds?: number;
}

/** One whole record: common header (with the microsecond field for _ET types) and body. */
export function frameRecord(type: number, subtype: number, time: MrtTime, body: Uint8Array): Uint8Array {
  const et = type === MRT_BGP4MP_ET;
  const w = new ByteWriter(body.length + 16);
  w.u32(time.timestamp)
    .u16(type)
    .u16(subtype)
    .u32(body.length + (et ? 4 : 0));
  if (et) w.u32(time.microseconds ?? 0);
  w.bytes(body);
  return w.finish();
}

function writeAddress(w: ByteWriter, a: Uint8Array, size: number, what: string): void {
  if (a.length !== size) fail(`${what} must be ${size} bytes, not ${a.length}`);
  w.bytes(a);
}

export function encodePeerIndexTable(t: Omit<PeerIndexTable, 'kind'>, time: MrtTime): Uint8Array {
  const w = new ByteWriter(64 + t.peers.length * 24);
  writeAddress(w, t.collectorId, 4, 'collector BGP id');
  const name = new TextEncoder().encode(t.viewName);
  w.u16(name.length).bytes(name).u16(t.peers.length);
  for (const p of t.peers) writePeer(w, p);
  return frameRecord(MRT_TABLE_DUMP_V2, PEER_INDEX_TABLE, time, w.finish());
}

function writePeer(w: ByteWriter, p: MrtPeer): void {
  const as4 = p.as4 || p.asn > 0xffff;
  w.u8((p.family === 6 ? 1 : 0) | (as4 ? 2 : 0));
  writeAddress(w, p.bgpId, 4, 'peer BGP id');
  writeAddress(w, p.address, p.family === 4 ? 4 : 16, 'peer address');
  if (as4) w.u32(p.asn);
  else w.u16(p.asn);
}

/** The TABLE_DUMP_V2 subtype of a RIB record: 2-5, or 8-11 with add-path. */
export function ribSubtype(afi: number, safi: number, addPath: boolean): number {
  if ((afi !== 1 && afi !== 2) || (safi !== 1 && safi !== 2)) fail(`no RIB subtype for AFI ${afi} SAFI ${safi}`);
  const base = afi === 1 ? (safi === 1 ? 2 : 3) : safi === 1 ? 4 : 5;
  return addPath ? base + 6 : base;
}

function writePrefix(w: ByteWriter, p: Prefix): void {
  w.u8(p.len).bytes(p.addr.subarray(0, (p.len + 7) >> 3));
}

function writeEntries(w: ByteWriter, entries: readonly RibEntry[], addPath: boolean): void {
  if (entries.length > 0xffff) fail(`${entries.length} RIB entries do not fit one record`);
  w.u16(entries.length);
  for (const e of entries) {
    w.u16(e.peerIndex).u32(e.originatedTime);
    if (addPath) w.u32(e.pathId ?? 0);
    w.u16(e.attributes.length).bytes(e.attributes);
  }
}

export function encodeRib(rec: Omit<RibRecord, 'kind'>, time: MrtTime): Uint8Array {
  if (rec.prefix.family !== (rec.afi === 1 ? 4 : 6)) fail(`an IPv${rec.prefix.family} prefix in an AFI ${rec.afi} RIB`);
  const w = new ByteWriter(64);
  w.u32(rec.sequence);
  writePrefix(w, rec.prefix);
  writeEntries(w, rec.entries, rec.addPath);
  return frameRecord(MRT_TABLE_DUMP_V2, ribSubtype(rec.afi, rec.safi, rec.addPath), time, w.finish());
}

/** The BGP4MP subtype for a message with these properties. */
export function bgp4mpMessageSubtype(as4: boolean, local: boolean, addPath: boolean): number {
  if (addPath) {
    if (local) return as4 ? BGP4MP_MESSAGE_AS4_LOCAL_ADDPATH : BGP4MP_MESSAGE_LOCAL_ADDPATH;
    return as4 ? BGP4MP_MESSAGE_AS4_ADDPATH : BGP4MP_MESSAGE_ADDPATH;
  }
  if (local) return as4 ? BGP4MP_MESSAGE_AS4_LOCAL : BGP4MP_MESSAGE_LOCAL;
  return as4 ? BGP4MP_MESSAGE_AS4 : BGP4MP_MESSAGE;
}

function writeBgp4mpCommon(
  w: ByteWriter,
  r: Omit<Bgp4mpMessageRecord, 'kind' | 'message' | 'local' | 'addPath'>,
): void {
  if (!r.as4 && (r.peerAs > 0xffff || r.localAs > 0xffff)) fail('a 4-byte AS number needs an AS4 subtype');
  if (r.as4) w.u32(r.peerAs).u32(r.localAs);
  else w.u16(r.peerAs).u16(r.localAs);
  w.u16(r.ifIndex).u16(r.afi);
  const size = r.afi === 1 ? 4 : r.afi === 2 ? 16 : fail(`BGP4MP address family ${r.afi} is not 1 or 2`);
  writeAddress(w, r.peerAddress, size, 'peer address');
  writeAddress(w, r.localAddress, size, 'local address');
}

/** A BGP4MP (or, with microseconds, BGP4MP_ET) MESSAGE record around a whole BGP message. */
export function encodeBgp4mpMessage(r: Omit<Bgp4mpMessageRecord, 'kind'>, time: MrtTime): Uint8Array {
  const w = new ByteWriter(r.message.length + 48);
  writeBgp4mpCommon(w, r);
  w.bytes(r.message);
  const type = time.microseconds === undefined ? MRT_BGP4MP : MRT_BGP4MP_ET;
  return frameRecord(type, bgp4mpMessageSubtype(r.as4, r.local, r.addPath), time, w.finish());
}

export function encodeBgp4mpStateChange(r: Omit<Bgp4mpStateChangeRecord, 'kind'>, time: MrtTime): Uint8Array {
  const w = new ByteWriter(48);
  writeBgp4mpCommon(w, r);
  w.u16(r.oldState).u16(r.newState);
  const type = time.microseconds === undefined ? MRT_BGP4MP : MRT_BGP4MP_ET;
  return frameRecord(type, r.as4 ? BGP4MP_STATE_CHANGE_AS4 : BGP4MP_STATE_CHANGE, time, w.finish());
}

/** Re-encodes a decoded record of a kind this writer handles (TABLE_DUMP_V2 and BGP4MP). */
export function encodeRecord(rec: MrtRecord): Uint8Array {
  const h = rec.header;
  const time: MrtTime =
    h.type === MRT_BGP4MP_ET ? { timestamp: h.timestamp, microseconds: h.microseconds } : { timestamp: h.timestamp };
  const b = rec.body;
  switch (b.kind) {
    case 'peer_index_table':
      return encodePeerIndexTable(b, time);
    case 'rib':
      return encodeRib(b, time);
    case 'bgp4mp_message':
      return encodeBgp4mpMessage(b, time);
    case 'bgp4mp_state_change':
      return encodeBgp4mpStateChange(b, time);
    default:
      return fail(`the MRT writer does not write ${b.kind} records`);
  }
}

/** Concatenates records into one dump. */
export function concatRecords(records: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const r of records) n += r.length;
  const out = new Uint8Array(n);
  let p = 0;
  for (const r of records) {
    out.set(r, p);
    p += r.length;
  }
  return out;
}
