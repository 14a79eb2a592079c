// MRT into the monitor: BGP4MP updates (each message's own time), state changes (a session that leaves
// Established is a peer down), and TABLE_DUMP_V2 / TABLE_DUMP RIBs as initial state. Pure: raw records in
// (from MrtStreamReader), route events out; the CLI reads and decompresses the files.
import { formatAddress } from '../lib/prefix.js';
import { decodeContext, decodeMessage } from '../wire/bgp/index.js';
import type { DecodeContext } from '../wire/bgp/types.js';
import type { MrtDamage, MrtRawRecord } from '../wire/mrt/reader.js';
import { decodeRibAttributes, MrtDecoder } from '../wire/mrt/records.js';
import { applyUpdate } from './ingest.js';
import type { Monitor } from './monitor.js';

const ESTABLISHED = 6;

export class MrtFeed {
  private readonly decoder = new MrtDecoder();
  private readonly contexts = new Map<number, DecodeContext>();
  private readonly peerIds = new Map<string, number>();
  /** IPv4 peers by AS then address (no string per record on the hot path). */
  private readonly peers4 = new Map<number, Map<number, number>>();
  /** Counters: BGP messages read, and records the decoder reported as damaged. */
  messages = 0;
  damaged = 0;
  /** Time (ms) of the last record, for the caller's clock. */
  lastTime = 0;

  constructor(private readonly m: Monitor) {}

  private peer(address: Uint8Array, asn: number): number {
    if (address.length === 4) {
      const a = ((address[0]! << 24) | (address[1]! << 16) | (address[2]! << 8) | address[3]!) >>> 0;
      let byAddr = this.peers4.get(asn);
      if (!byAddr) {
        byAddr = new Map();
        this.peers4.set(asn, byAddr);
      }
      let i = byAddr.get(a);
      if (i === undefined) {
        i = this.peerByText(address, asn);
        byAddr.set(a, i);
      }
      return i;
    }
    return this.peerByText(address, asn);
  }

  private peerByText(address: Uint8Array, asn: number): number {
    const text = `mrt:${formatAddress(address.length === 16 ? 6 : 4, address)} AS${asn}`;
    let i = this.peerIds.get(text);
    if (i === undefined) {
      i = this.m.peer(text, asn);
      this.peerIds.set(text, i);
    }
    return i;
  }

  private ctx(as4: boolean, addPath: boolean): DecodeContext {
    const k = (as4 ? 1 : 0) | (addPath ? 2 : 0);
    let c = this.contexts.get(k);
    if (!c) {
      c = decodeContext({ as4, addPath, extendedMessage: true });
      this.contexts.set(k, c);
    }
    return c;
  }

  record(raw: MrtRawRecord): void {
    const time = raw.timestamp * 1000 + Math.floor(raw.microseconds / 1000);
    this.lastTime = time;
    const r = this.decoder.decode(raw);
    if (!r.ok) {
      this.damaged++;
      return;
    }
    const b = r.record.body;
    switch (b.kind) {
      case 'bgp4mp_message': {
        if (b.local) return;
        this.messages++;
        const res = decodeMessage(b.message, this.ctx(b.as4, b.addPath));
        const msg = res.message;
        if (msg?.type !== 2 || !('withdrawn' in msg)) return;
        applyUpdate(this.m, this.peer(b.peerAddress, b.peerAs), msg, res.action, time);
        return;
      }
      case 'bgp4mp_state_change':
        if (b.newState !== ESTABLISHED) this.m.peerDown(this.peer(b.peerAddress, b.peerAs), time);
        return;
      case 'rib': {
        const table = this.decoder.peerTable;
        if (!table) return;
        for (const e of b.entries) {
          const p = table.peers[e.peerIndex];
          if (!p) continue;
          const a = decodeRibAttributes(b, e.attributes);
          if (a.action === 'treat-as-withdraw' || a.action === 'session-reset') continue;
          this.m.announce(this.peer(p.address, p.asn), b.prefix, a.attrs.asPath ?? [], a.attrs.otc, time);
        }
        return;
      }
      case 'table_dump': {
        const a = decodeRibAttributes(b, b.attributes);
        if (a.action === 'treat-as-withdraw' || a.action === 'session-reset') return;
        this.m.announce(this.peer(b.peerAddress, b.peerAs), b.prefix, a.attrs.asPath ?? [], a.attrs.otc, time);
        return;
      }
      default:
    }
  }

  damage(_d: MrtDamage): void {
    this.damaged++;
  }
}
