// A small pcap reader and TCP stream reassembler for corpus tests: classic pcap (either byte order, micro- or
// nanosecond), Ethernet with VLAN tags, Linux cooked (SLL), raw IP; IPv4 and IPv6; TCP payloads put in
// sequence order per direction, retransmissions and overlaps dropped. Test helper, not product code.
import { formatAddress } from '../lib/prefix.js';

export interface TcpStream {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** Time of the first payload byte, seconds. */
  firstSeen: number;
  bytes: Uint8Array;
}

interface Segment {
  seq: number;
  data: Uint8Array;
}

export function readPcapTcpStreams(file: Uint8Array): TcpStream[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = dv.getUint32(0, true);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new Error(`not a classic pcap file (magic ${magic.toString(16)})`);
  const linkType = dv.getUint32(20, le);
  const flows = new Map<string, { s: TcpStream; segs: Segment[] }>();
  let p = 24;
  while (p + 16 <= file.length) {
    const ts = dv.getUint32(p, le);
    const incl = dv.getUint32(p + 8, le);
    const pkt = file.subarray(p + 16, p + 16 + incl);
    p += 16 + incl;
    let q = 0;
    let etherType: number;
    if (linkType === 1) {
      etherType = (pkt[12]! << 8) | pkt[13]!;
      q = 14;
      while (etherType === 0x8100 || etherType === 0x88a8) {
        etherType = (pkt[q + 2]! << 8) | pkt[q + 3]!;
        q += 4;
      }
    } else if (linkType === 113) {
      etherType = (pkt[14]! << 8) | pkt[15]!;
      q = 16;
    } else if (linkType === 101 || linkType === 12) {
      etherType = pkt[0]! >> 4 === 6 ? 0x86dd : 0x0800;
    } else throw new Error(`pcap link type ${linkType} is not supported`);
    let src: string;
    let dst: string;
    let proto: number;
    let l4: number;
    let l4end: number;
    if (etherType === 0x0800) {
      const ihl = (pkt[q]! & 15) * 4;
      const total = (pkt[q + 2]! << 8) | pkt[q + 3]!;
      proto = pkt[q + 9]!;
      src = formatAddress(4, pkt.subarray(q + 12, q + 16));
      dst = formatAddress(4, pkt.subarray(q + 16, q + 20));
      l4 = q + ihl;
      l4end = Math.min(pkt.length, q + total);
    } else if (etherType === 0x86dd) {
      const plen = (pkt[q + 4]! << 8) | pkt[q + 5]!;
      proto = pkt[q + 6]!;
      src = formatAddress(6, pkt.subarray(q + 8, q + 24));
      dst = formatAddress(6, pkt.subarray(q + 24, q + 40));
      l4 = q + 40;
      l4end = Math.min(pkt.length, l4 + plen);
    } else continue;
    if (proto !== 6) continue;
    const srcPort = (pkt[l4]! << 8) | pkt[l4 + 1]!;
    const dstPort = (pkt[l4 + 2]! << 8) | pkt[l4 + 3]!;
    const seq = ((pkt[l4 + 4]! << 24) | (pkt[l4 + 5]! << 16) | (pkt[l4 + 6]! << 8) | pkt[l4 + 7]!) >>> 0;
    const off = (pkt[l4 + 12]! >> 4) * 4;
    const data = pkt.subarray(l4 + off, l4end);
    if (data.length === 0) continue;
    const key = `${src}|${srcPort}|${dst}|${dstPort}`;
    let f = flows.get(key);
    if (!f) {
      f = { s: { src, srcPort, dst, dstPort, firstSeen: ts, bytes: new Uint8Array(0) }, segs: [] };
      flows.set(key, f);
    }
    f.segs.push({ seq, data });
  }
  const out: TcpStream[] = [];
  for (const { s, segs } of flows.values()) {
    // Sequence numbers relative to the first segment, unwrapped modulo 2^32.
    const base = segs[0]!.seq;
    const rel = segs.map((g) => ({ at: (g.seq - base + 0x100000000) % 0x100000000, data: g.data }));
    rel.sort((a, b) => a.at - b.at);
    const parts: Uint8Array[] = [];
    let next = 0;
    for (const g of rel) {
      const end = g.at + g.data.length;
      if (end <= next) continue; // retransmission
      parts.push(g.data.subarray(Math.max(0, next - g.at)));
      next = end;
    }
    s.bytes = Buffer.concat(parts);
    out.push(s);
  }
  return out;
}
