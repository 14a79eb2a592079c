// BMP decoding (RFC 7854; RFC 9069 Loc-RIB; RFC 8671 O flag). A BmpDecoder is one monitoring session: it
// remembers, per monitored peer, the DecodeContext its Peer Up's OPENs negotiated (4-byte AS, add-path per
// family), so the UPDATEs of Route Monitoring decode the way the router read them. Never throws: damage
// is a WireProblem with an absolute offset; a message whose body is damaged is skipped by its length.
import { formatAddress } from '../../lib/prefix.js';
import { worstAction } from '../bgp/attributes.js';
import { contextFromOpens, decodeContext } from '../bgp/context.js';
import { decodeMessage } from '../bgp/messages.js';
import type { BgpMessage, DecodeContext, OpenMessage, WireProblem } from '../bgp/types.js';
import {
  BMP_COMMON_HEADER,
  BMP_PER_PEER_HEADER,
  BMP_VERSION,
  type BmpMessage,
  type BmpPeer,
  type BmpResult,
  type BmpStatistic,
  type BmpTlv,
  PEER_LOC_RIB,
} from './types.js';

/** Largest BMP message the decoder accepts: a Route Monitoring of an extended (65535-byte) UPDATE plus headers. */
export const MAX_BMP_MESSAGE = 1 << 20;

const utf8 = new TextDecoder('utf-8', { fatal: false });

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}
function u16(b: Uint8Array, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

/** A stable key of a monitored peer (type, distinguisher, address, RIB direction), for state per peer. */
export function peerKey(p: BmpPeer): string {
  let d = '';
  for (const x of p.distinguisher) d += x.toString(16).padStart(2, '0');
  const addr = formatAddress(p.address.length === 16 ? 6 : 4, p.address);
  return `${p.type}|${d}|${addr}|${p.adjRibOut ? 'out' : 'in'}`;
}

/** The peer's address as text (`0.0.0.0` for Loc-RIB, whose address field is zero). */
export function peerAddress(p: BmpPeer): string {
  return formatAddress(p.address.length === 16 ? 6 : 4, p.address);
}

/** A route distinguisher (RFC 4364 §4.2) as pmacct and most tools print it: `type:admin:assigned`. */
export function formatRd(rd: Uint8Array): string {
  const t = u16(rd, 0);
  if (t === 0) return `0:${u16(rd, 2)}:${u32(rd, 4)}`;
  if (t === 1) return `1:${rd[2]}.${rd[3]}.${rd[4]}.${rd[5]}:${u16(rd, 6)}`;
  if (t === 2) return `2:${u32(rd, 2)}:${u16(rd, 6)}`;
  return `${t}:${Buffer.from(rd.subarray(2)).toString('hex')}`;
}

export class BmpDecoder {
  private readonly contexts = new Map<string, DecodeContext>();

  /** Peers whose Peer Up was seen and not yet followed by a Peer Down. */
  get peersUp(): number {
    return this.contexts.size;
  }

  /** The context the UPDATEs of this peer are decoded with (a default when no Peer Up was seen). */
  contextOf(peer: BmpPeer): DecodeContext {
    const known = this.contexts.get(peerKey(peer));
    if (known) return peer.as2 === !known.as4 ? known : { ...known, as4: !peer.as2 };
    return decodeContext({ as4: !peer.as2, extendedMessage: true });
  }

  /** Decodes one message at buf[start]; `end` bounds the input. */
  decode(buf: Uint8Array, start = 0, end = buf.length): BmpResult {
    const problems: WireProblem[] = [];
    end = Math.min(end, buf.length);
    const done = (length: number, message?: BmpMessage): BmpResult => {
      const r: BmpResult = { problems, action: worstAction(problems), length };
      if (message) r.message = message;
      return r;
    };
    if (end - start < BMP_COMMON_HEADER) {
      problems.push(fatal('E_BMP_SHORT', `a BMP common header needs 6 bytes at offset ${start}`, start));
      return done(0);
    }
    const version = buf[start]!;
    const length = u32(buf, start + 1);
    const type = buf[start + 5]!;
    if (version !== BMP_VERSION) {
      problems.push(fatal('E_BMP_VERSION', `BMP version ${version} at offset ${start} is not 3`, start));
      return done(0);
    }
    if (length < BMP_COMMON_HEADER || length > MAX_BMP_MESSAGE) {
      problems.push(
        fatal(
          'E_BMP_LENGTH',
          `BMP message length ${length} at offset ${start + 1} is not 6-${MAX_BMP_MESSAGE}`,
          start + 1,
        ),
      );
      return done(0);
    }
    if (length > end - start) {
      problems.push(
        fatal(
          'E_BMP_SHORT',
          `BMP message at offset ${start} has length ${length}, ${end - start} bytes present`,
          start + 1,
        ),
      );
      return done(length);
    }
    const b = start + BMP_COMMON_HEADER;
    const e = start + length;
    if (type === 4 || type === 5) {
      const tlvs = readTlvs(buf, b, e, problems);
      const strings = tlvs.filter((t) => t.type === 0).map((t) => utf8.decode(t.value));
      if (type === 4) {
        const m: BmpMessage = { type: 4, tlvs, strings };
        const d = tlvs.find((t) => t.type === 1);
        const n = tlvs.find((t) => t.type === 2);
        if (d) m.sysDescr = utf8.decode(d.value);
        if (n) m.sysName = utf8.decode(n.value);
        return done(length, m);
      }
      const m: BmpMessage = { type: 5, tlvs, strings };
      const r = tlvs.find((t) => t.type === 1 && t.value.length === 2);
      if (r) m.reason = u16(r.value, 0);
      return done(length, m);
    }
    if (type > 6) {
      problems.push({
        action: 'none',
        code: 'E_BMP_TYPE',
        message: `BMP message type ${type} at offset ${start + 5} is not 0-6; skipped`,
        offset: start + 5,
      });
      return done(length, { type, body: buf.slice(b, e) });
    }
    if (e - b < BMP_PER_PEER_HEADER) {
      problems.push(
        skip('E_BMP_SHORT', `a type ${type} BMP message needs a 42-byte per-peer header at offset ${b}`, b),
      );
      return done(length);
    }
    const peer = readPeer(buf, b);
    const p = b + BMP_PER_PEER_HEADER;
    switch (type) {
      case 0:
        return done(length, this.routeMonitoring(buf, p, e, peer, problems));
      case 1:
        return done(length, { type: 1, peer, stats: readStats(buf, p, e, problems) });
      case 2:
        return done(length, this.peerDown(buf, p, e, peer, problems));
      case 3:
        return done(length, this.peerUp(buf, p, e, peer, problems));
      default:
        return done(length, this.mirroring(buf, p, e, peer, problems));
    }
  }

  private routeMonitoring(buf: Uint8Array, p: number, e: number, peer: BmpPeer, problems: WireProblem[]): BmpMessage {
    const r = decodeMessage(buf, this.contextOf(peer), p, e);
    for (const x of r.problems) problems.push(x);
    if (r.message?.type === 2 && 'withdrawn' in r.message) {
      return { type: 0, peer, update: r.message, updateAction: r.action };
    }
    if (r.message) {
      problems.push(
        skip(
          'E_BMP_PDU',
          `Route Monitoring at offset ${p} holds a type ${r.message.type} BGP message, not an UPDATE`,
          p,
        ),
      );
    }
    return { type: 0, peer, updateAction: r.action === 'none' ? 'treat-as-withdraw' : r.action };
  }

  private peerUp(buf: Uint8Array, p: number, e: number, peer: BmpPeer, problems: WireProblem[]): BmpMessage {
    if (e - p < 20) {
      problems.push(skip('E_BMP_SHORT', `Peer Up at offset ${p} needs 20 bytes of local address and ports`, p));
      return { type: 3, peer, localAddress: new Uint8Array(16), localPort: 0, remotePort: 0, tlvs: [] };
    }
    const localAddress = peer.ipv6 ? buf.slice(p, p + 16) : buf.slice(p + 12, p + 16);
    const m: BmpMessage & { type: 3 } = {
      type: 3,
      peer,
      localAddress,
      localPort: u16(buf, p + 16),
      remotePort: u16(buf, p + 18),
      tlvs: [],
    };
    let q = p + 20;
    const opens: OpenMessage[] = [];
    for (let i = 0; i < 2; i++) {
      const r = decodeMessage(buf, decodeContext(), q, e);
      for (const x of r.problems) problems.push({ ...x, action: x.action === 'session-reset' ? 'none' : x.action });
      if (r.length === 0 || q + r.length > e) {
        problems.push(skip('E_BMP_OPEN', `Peer Up at offset ${p}: OPEN ${i + 1} at offset ${q} cannot be framed`, q));
        return m;
      }
      if (r.message?.type === 1 && 'version' in r.message) opens.push(r.message);
      else
        problems.push({
          action: 'none',
          code: 'E_BMP_OPEN',
          message: `Peer Up: message ${i + 1} at offset ${q} is not an OPEN`,
          offset: q,
        });
      q += r.length;
    }
    if (opens[0]) m.sentOpen = opens[0];
    if (opens[1]) m.receivedOpen = opens[1];
    m.tlvs = readTlvs(buf, q, e, problems);
    const name = m.tlvs.find((t) => t.type === 3);
    if (name) m.tableName = utf8.decode(name.value);
    if (m.sentOpen && m.receivedOpen) {
      // Adj-RIB-In: the router receives what the peer sends. Adj-RIB-Out (RFC 8671): the other way round.
      // Loc-RIB (RFC 9069 §5.3): the OPENs are the router's own, built so that sent = received.
      const ctx =
        peer.adjRibOut && peer.type !== PEER_LOC_RIB
          ? contextFromOpens(m.receivedOpen, m.sentOpen)
          : contextFromOpens(m.sentOpen, m.receivedOpen);
      this.contexts.set(peerKey(peer), { ...ctx, as4: ctx.as4 && !peer.as2, extendedMessage: true });
    }
    return m;
  }

  private peerDown(buf: Uint8Array, p: number, e: number, peer: BmpPeer, problems: WireProblem[]): BmpMessage {
    this.contexts.delete(peerKey(peer));
    if (e - p < 1) {
      problems.push(skip('E_BMP_SHORT', `Peer Down at offset ${p} has no reason byte`, p));
      return { type: 2, peer, reason: 0, data: new Uint8Array(0) };
    }
    const reason = buf[p]!;
    const m: BmpMessage & { type: 2 } = { type: 2, peer, reason, data: buf.slice(p + 1, e) };
    if (reason === 1 || reason === 3) {
      const r = decodeMessage(buf, decodeContext(), p + 1, e);
      if (r.message?.type === 3 && 'subcode' in r.message) m.notification = r.message;
      else
        problems.push({
          action: 'none',
          code: 'E_BMP_PDU',
          message: `Peer Down reason ${reason} at offset ${p}: no NOTIFICATION follows`,
          offset: p + 1,
        });
    } else if (reason === 2 && e - p >= 3) m.fsmEvent = u16(buf, p + 1);
    return m;
  }

  private mirroring(buf: Uint8Array, p: number, e: number, peer: BmpPeer, problems: WireProblem[]): BmpMessage {
    const m: BmpMessage & { type: 6 } = { type: 6, peer, messages: [] };
    for (const t of readTlvs(buf, p, e, problems)) {
      if (t.type === 1 && t.value.length === 2) m.info = u16(t.value, 0);
      if (t.type !== 0) continue;
      const r = decodeMessage(t.value, this.contextOf(peer));
      if (r.message) m.messages.push(r.message as BgpMessage);
    }
    return m;
  }
}

function fatal(code: string, message: string, offset: number): WireProblem {
  return { action: 'session-reset', code, message, offset };
}
function skip(code: string, message: string, offset: number): WireProblem {
  return { action: 'treat-as-withdraw', code, message, offset };
}

function readPeer(buf: Uint8Array, p: number): BmpPeer {
  const type = buf[p]!;
  const flags = buf[p + 1]!;
  const loc = type === PEER_LOC_RIB;
  const ipv6 = !loc && (flags & 0x80) !== 0;
  return {
    type,
    flags,
    ipv6,
    postPolicy: !loc && (flags & 0x40) !== 0,
    as2: !loc && (flags & 0x20) !== 0,
    adjRibOut: !loc && (flags & 0x10) !== 0,
    filtered: loc && (flags & 0x80) !== 0,
    distinguisher: buf.slice(p + 2, p + 10),
    address: ipv6 ? buf.slice(p + 10, p + 26) : buf.slice(p + 22, p + 26),
    asn: u32(buf, p + 26),
    bgpId: buf.slice(p + 30, p + 34),
    seconds: u32(buf, p + 34),
    microseconds: u32(buf, p + 38),
  };
}

function readTlvs(buf: Uint8Array, p: number, e: number, problems: WireProblem[]): BmpTlv[] {
  const out: BmpTlv[] = [];
  while (p < e) {
    if (e - p < 4) {
      problems.push({
        action: 'none',
        code: 'E_BMP_TLV',
        message: `${e - p} stray bytes at offset ${p} where a TLV header should be`,
        offset: p,
      });
      break;
    }
    const len = u16(buf, p + 2);
    if (p + 4 + len > e) {
      problems.push({
        action: 'none',
        code: 'E_BMP_TLV',
        message: `TLV at offset ${p} of length ${len} runs past its message`,
        offset: p,
      });
      break;
    }
    out.push({ type: u16(buf, p), value: buf.slice(p + 4, p + 4 + len) });
    p += 4 + len;
  }
  return out;
}

function readStats(buf: Uint8Array, p: number, e: number, problems: WireProblem[]): BmpStatistic[] {
  const out: BmpStatistic[] = [];
  if (e - p < 4) {
    problems.push({
      action: 'none',
      code: 'E_BMP_SHORT',
      message: `Statistics Report at offset ${p} has no count`,
      offset: p,
    });
    return out;
  }
  const count = u32(buf, p);
  p += 4;
  for (let i = 0; i < count && p < e; i++) {
    if (e - p < 4 || p + 4 + u16(buf, p + 2) > e) {
      problems.push({
        action: 'none',
        code: 'E_BMP_TLV',
        message: `statistic ${i + 1} at offset ${p} runs past its message`,
        offset: p,
      });
      break;
    }
    const type = u16(buf, p);
    const len = u16(buf, p + 2);
    const v = p + 4;
    const s: BmpStatistic = { type, raw: buf.slice(v, v + len) };
    if (len === 4) s.value = u32(buf, v);
    else if (len === 8) s.value = u32(buf, v) * 2 ** 32 + u32(buf, v + 4);
    else if (len === 11) {
      s.afi = u16(buf, v);
      s.safi = buf[v + 2]!;
      s.value = u32(buf, v + 3) * 2 ** 32 + u32(buf, v + 7);
    }
    out.push(s);
    p = v + len;
  }
  return out;
}
