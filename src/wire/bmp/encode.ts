// Writing BMP messages (RFC 7854, RFC 9069): the per-peer header and the message types a monitored router
// sends. Used by tests, benchmarks and replay tools that play a router; BGP PDUs come in already encoded
// (encodeMessage of src/wire/bgp).
import { ByteWriter } from '../../lib/bytes.js';
import { BMP_VERSION, type BmpTlv } from './types.js';

export interface BmpPeerSpec {
  type?: number;
  /** Flags byte as sent (V 0x80, L 0x40, A 0x20, O 0x10; for Loc-RIB F 0x80). */
  flags?: number;
  distinguisher?: Uint8Array;
  /** 4 or 16 bytes; 4 bytes are written IPv4-style (12 zero bytes first). */
  address: Uint8Array;
  asn: number;
  bgpId: Uint8Array;
  seconds?: number;
  microseconds?: number;
}

function frame(type: number, body: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter(256);
  w.u8(BMP_VERSION);
  const at = w.reserve(4);
  w.u8(type);
  body(w);
  w.setU32(at, w.length);
  return w.finish();
}

function writePeer(w: ByteWriter, p: BmpPeerSpec): void {
  const v6 = p.address.length === 16;
  w.u8(p.type ?? 0).u8((p.flags ?? 0) | (v6 && (p.type ?? 0) !== 3 ? 0x80 : 0));
  w.bytes(p.distinguisher ?? new Uint8Array(8));
  if (!v6) w.bytes(new Uint8Array(12));
  w.bytes(p.address).u32(p.asn).bytes(p.bgpId);
  w.u32(p.seconds ?? 0).u32(p.microseconds ?? 0);
}

function writeTlvs(w: ByteWriter, tlvs: readonly BmpTlv[]): void {
  for (const t of tlvs) w.u16(t.type).u16(t.value.length).bytes(t.value);
}

export const textTlv = (type: number, text: string): BmpTlv => ({ type, value: new TextEncoder().encode(text) });

export function encodeInitiation(tlvs: readonly BmpTlv[]): Uint8Array {
  return frame(4, (w) => writeTlvs(w, tlvs));
}

export function encodeTermination(tlvs: readonly BmpTlv[]): Uint8Array {
  return frame(5, (w) => writeTlvs(w, tlvs));
}

export function encodePeerUp(
  peer: BmpPeerSpec,
  local: { address: Uint8Array; port: number; remotePort: number },
  sentOpen: Uint8Array,
  receivedOpen: Uint8Array,
  tlvs: readonly BmpTlv[] = [],
): Uint8Array {
  return frame(3, (w) => {
    writePeer(w, peer);
    if (local.address.length === 4) w.bytes(new Uint8Array(12));
    w.bytes(local.address).u16(local.port).u16(local.remotePort);
    w.bytes(sentOpen).bytes(receivedOpen);
    writeTlvs(w, tlvs);
  });
}

export function encodePeerDown(peer: BmpPeerSpec, reason: number, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  return frame(2, (w) => {
    writePeer(w, peer);
    w.u8(reason).bytes(data);
  });
}

export function encodeRouteMonitoring(peer: BmpPeerSpec, update: Uint8Array): Uint8Array {
  return frame(0, (w) => {
    writePeer(w, peer);
    w.bytes(update);
  });
}

export function encodeStatistics(peer: BmpPeerSpec, stats: readonly { type: number; value: Uint8Array }[]): Uint8Array {
  return frame(1, (w) => {
    writePeer(w, peer);
    w.u32(stats.length);
    writeTlvs(w, stats);
  });
}
