// What `failsmall mrt stats` reports about a dump: records by type and subtype, peers, prefixes per
// family, BGP messages by type, and damage. Records are decoded with records.ts and BGP messages with
// src/wire/bgp, so the figures also exercise the strict decoders (an UPDATE with an RFC 7606 problem is
// counted, with its worst action).
import { formatAddress } from '../../lib/prefix.js';
import { decodeContext, decodeMessage, decodeUpdateBody } from '../bgp/index.js';
import type { DecodeContext, Nlri } from '../bgp/types.js';
import { mrtSubtypeName, mrtTypeName } from './constants.js';
import type { MrtDamage, MrtRawRecord } from './reader.js';
import { decodeRibAttributes, MrtDecoder } from './records.js';

export interface FamilyCounts {
  /** RIB records (one prefix each) and their entries (one route per peer / path). */
  ribPrefixes: number;
  ribEntries: number;
  /** NLRI announced and withdrawn by BGP4MP UPDATEs (MP_REACH / MP_UNREACH included). */
  announced: number;
  withdrawn: number;
}

export interface StatsSummary {
  records: number;
  byType: Record<string, number>;
  firstTimestamp: number | null;
  lastTimestamp: number | null;
  /** Peers of the last PEER_INDEX_TABLE, and distinct peers (address and AS) of BGP4MP and MRTd BGP records. */
  peerIndexPeers: number;
  sessionPeers: number;
  prefixes: { ipv4: FamilyCounts; ipv6: FamilyCounts };
  bgpMessages: Record<string, number>;
  /** UPDATEs and RIB entries whose attributes the BGP codec found problems in, by worst RFC 7606 action. */
  bgpProblems: Record<string, number>;
  damaged: number;
  /** The first damage reports (up to 20), with offsets. */
  damage: MrtDamage[];
}

const MSG_NAMES: Readonly<Record<number, string>> = {
  1: 'OPEN',
  2: 'UPDATE',
  3: 'NOTIFICATION',
  4: 'KEEPALIVE',
  5: 'ROUTE-REFRESH',
};

const family = (): FamilyCounts => ({ ribPrefixes: 0, ribEntries: 0, announced: 0, withdrawn: 0 });

export class MrtStats {
  records = 0;
  private readonly decoder = new MrtDecoder();
  private readonly byType = new Map<string, number>();
  private first: number | null = null;
  private last: number | null = null;
  private readonly peers = new Set<string>();
  private readonly v4 = family();
  private readonly v6 = family();
  private readonly messages = new Map<string, number>();
  private readonly problems = new Map<string, number>();
  private readonly damages: MrtDamage[] = [];
  private damaged = 0;
  private readonly contexts = new Map<number, DecodeContext>();

  damage(d: MrtDamage): void {
    this.damaged++;
    if (this.damages.length < 20) this.damages.push(d);
  }

  record(raw: MrtRawRecord): void {
    this.records++;
    const key = `${mrtTypeName(raw.type)}/${mrtSubtypeName(raw.type, raw.subtype)}`;
    this.byType.set(key, (this.byType.get(key) ?? 0) + 1);
    if (this.first === null) this.first = raw.timestamp;
    this.last = raw.timestamp;
    const res = this.decoder.decode(raw);
    if (!res.ok) {
      this.damage(res.damage);
      return;
    }
    const b = res.record.body;
    switch (b.kind) {
      case 'rib':
      case 'rib_generic': {
        const f = b.afi === 1 ? this.v4 : this.v6;
        f.ribPrefixes++;
        f.ribEntries += b.entries.length;
        for (const e of b.entries) this.problem(decodeRibAttributes(b, e.attributes).action);
        break;
      }
      case 'table_dump': {
        const f = b.prefix.family === 4 ? this.v4 : this.v6;
        f.ribPrefixes++;
        f.ribEntries++;
        this.problem(decodeRibAttributes(b, b.attributes).action);
        break;
      }
      case 'bgp_legacy_state_change':
        this.peers.add(`${formatAddress(4, b.peerAddress)} AS${b.peerAs}`);
        break;
      case 'bgp_legacy_message': {
        this.peers.add(`${formatAddress(4, b.peerAddress)} AS${b.peerAs}`);
        const name = MSG_NAMES[b.messageType]!;
        this.messages.set(name, (this.messages.get(name) ?? 0) + 1);
        if (b.messageType === 2) {
          const m = decodeUpdateBody(b.body, 0, b.body.length, this.context(false, false));
          this.problem(m.action);
          this.count(m.message.withdrawn, 'withdrawn');
          this.count(m.message.nlri, 'announced');
        }
        break;
      }
      case 'bgp4mp_state_change':
        this.peers.add(`${formatAddress(b.afi === 1 ? 4 : 6, b.peerAddress)} AS${b.peerAs}`);
        break;
      case 'bgp4mp_message': {
        this.peers.add(`${formatAddress(b.afi === 1 ? 4 : 6, b.peerAddress)} AS${b.peerAs}`);
        const m = decodeMessage(b.message, this.context(b.as4, b.addPath));
        const type = m.message?.type ?? b.message[18] ?? 0;
        const name = MSG_NAMES[type] ?? `TYPE_${type}`;
        this.messages.set(name, (this.messages.get(name) ?? 0) + 1);
        if (m.action !== 'none' || m.problems.length > 0) this.problem(m.action);
        const msg = m.message;
        if (msg && msg.type === 2 && 'withdrawn' in msg) {
          this.count(msg.withdrawn, 'withdrawn');
          this.count(msg.nlri, 'announced');
          const a = msg.attrs;
          if (a.mpReach?.nlri) this.count(a.mpReach.nlri, 'announced');
          if (a.mpUnreach?.nlri) this.count(a.mpUnreach.nlri, 'withdrawn');
        }
        break;
      }
    }
    if (b.kind === 'peer_index_table') this.peerIndexPeers = b.peers.length;
  }

  private peerIndexPeers = 0;

  private context(as4: boolean, addPath: boolean): DecodeContext {
    const key = (as4 ? 1 : 0) | (addPath ? 2 : 0);
    let ctx = this.contexts.get(key);
    if (!ctx) {
      ctx = decodeContext({ as4, addPath, extendedMessage: true });
      this.contexts.set(key, ctx);
    }
    return ctx;
  }

  private problem(action: string): void {
    if (action !== 'none') this.problems.set(action, (this.problems.get(action) ?? 0) + 1);
  }

  private count(list: readonly Nlri[], what: 'announced' | 'withdrawn'): void {
    for (const n of list) (n.prefix.family === 4 ? this.v4 : this.v6)[what]++;
  }

  summary(): StatsSummary {
    return {
      records: this.records,
      byType: Object.fromEntries([...this.byType].sort((a, b) => a[0].localeCompare(b[0]))),
      firstTimestamp: this.first,
      lastTimestamp: this.last,
      peerIndexPeers: this.peerIndexPeers,
      sessionPeers: this.peers.size,
      prefixes: { ipv4: { ...this.v4 }, ipv6: { ...this.v6 } },
      bgpMessages: Object.fromEntries(this.messages),
      bgpProblems: Object.fromEntries(this.problems),
      damaged: this.damaged,
      damage: [...this.damages],
    };
  }
}

/** The stats as aligned text. */
export function formatStats(s: StatsSummary): string {
  const lines: string[] = [];
  const iso = (t: number | null) => (t === null ? '-' : new Date(t * 1000).toISOString());
  lines.push(`records        ${s.records}`);
  lines.push(`time           ${iso(s.firstTimestamp)} .. ${iso(s.lastTimestamp)}`);
  lines.push('by type');
  for (const [k, v] of Object.entries(s.byType)) lines.push(`  ${k.padEnd(40)} ${v}`);
  lines.push(
    `peers          ${s.peerIndexPeers} in PEER_INDEX_TABLE, ${s.sessionPeers} in BGP messages and state changes`,
  );
  lines.push('prefixes       family  rib-prefixes  rib-entries  announced  withdrawn');
  for (const [name, f] of [
    ['ipv4', s.prefixes.ipv4],
    ['ipv6', s.prefixes.ipv6],
  ] as const) {
    lines.push(
      `               ${name.padEnd(6)}  ${String(f.ribPrefixes).padStart(12)}  ${String(f.ribEntries).padStart(11)}  ${String(f.announced).padStart(9)}  ${String(f.withdrawn).padStart(9)}`,
    );
  }
  if (Object.keys(s.bgpMessages).length) {
    lines.push(
      `bgp messages   ${Object.entries(s.bgpMessages)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  if (Object.keys(s.bgpProblems).length) {
    lines.push(
      `bgp problems   ${Object.entries(s.bgpProblems)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  lines.push(`damaged        ${s.damaged}`);
  for (const d of s.damage) lines.push(`  offset ${d.offset}: ${d.code} ${d.message}`);
  return `${lines.join('\n')}\n`;
}
