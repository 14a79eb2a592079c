// Corpus: every BMP pcap of pmacct's test automation (../shared/data/bmp/pmacct/tests/20x-BMP-*) is
// reassembled into its TCP streams and decoded; the peers (Peer Up / Down), the routes (prefix per
// peer, RIB and RD, with every attribute pmacct prints) and the End-of-RIB markers must equal pmacct's own
// JSON output, as multisets. What differs is in KNOWN_DIFFERENCES with the reason; a new difference, or an
// entry that no longer happens, fails the test.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { formatAddress } from '../../lib/prefix.js';
import { describeCorpus } from '../../testing/env.js';
import { readPcapTcpStreams } from '../../testing/pcap.js';
import { decodeLabeledNlri, isLabeledFamily } from '../bgp/labeled.js';
import type { Nlri, PathAttributes, UpdateMessage } from '../bgp/types.js';
import { BmpDecoder, formatRd, peerAddress } from './decoder.js';
import { BmpStreamReader } from './stream.js';
import type { BmpMessage, BmpPeer } from './types.js';

type Row = Record<string, unknown>;

/**
 * Why our decoding and pmacct's JSON differ. Both sides are normalised first only where pmacct's output is
 * a presentation choice (communities and extended communities sorted; as_path/comms printed as a string
 * in some scenarios). Everything else is a difference, named here and counted per folder below.
 */
const REASONS: Record<string, string> = {
  'labeled-unicast-rd':
    'Loc-RIB labeled-unicast (SAFI 4) routes of an RD-instance Loc-RIB: pmacct leaves rd null; we keep the per-peer distinguisher, as for its SAFI 1 routes.',
  'nexthop-v4-mapped':
    'The same IPv4 next hop printed as ::ffff:a.b.c.d by one side: pmacct carries the form of the previous route of the peer over (see 204: one prefix is printed both ways for identical bytes); we print IPv4 when the next-hop field holds IPv4 (4 or 12 bytes) and IPv6 when it holds 16 or 24.',
  'no-next-hop':
    "FRR's UPDATEs for 100.105.30.0/24 and 100.105.31.0/24 carry no NEXT_HOP: pmacct prints 0.0.0.0; we report none (and the BGP codec flags E_BGP_ATTR_MISSING, treat-as-withdraw per RFC 7606 §3(d)).",
  'withdraw-of-unknown-route':
    'A withdrawal of a route not announced earlier in the capture: pmacct logs withdrawals only for routes in its cache; we report every withdrawal received.',
  'vpn-withdraw-not-logged':
    "VPN (SAFI 128) withdrawals of Adj-RIB-In peers at their Peer Down: pmacct does not log them as withdrawals (its 'internal delete' records at session end show it still held the routes); we report them.",
  'eor-not-in-ha-output':
    "206 is pmacct's BMP high-availability scenario: its output leaves out two Loc-RIB VPN End-of-RIB markers that the capture holds.",
};

const KNOWN_DIFFERENCES: Record<string, Record<string, number>> = {
  '200-BMP-HUAWEI-locrib_instance': { 'labeled-unicast-rd': 11, 'nexthop-v4-mapped': 13 },
  '202-BMP-CISCO-HUAWEI-multiple-sources': { 'labeled-unicast-rd': 11 },
  '203-BMP-HUAWEI-dump': { 'labeled-unicast-rd': 11, 'nexthop-v4-mapped': 13 },
  '204-BMP-CISCO-peer_down': { 'nexthop-v4-mapped': 70, 'withdraw-of-unknown-route': 4 },
  '205-BMP-6wind-FRR-peer_down': {
    'no-next-hop': 140,
    'nexthop-v4-mapped': 28,
    'vpn-withdraw-not-logged': 58,
    'withdraw-of-unknown-route': 48,
  },
  '206-BMP-high-availability': { 'no-next-hop': 140, 'nexthop-v4-mapped': 16, 'eor-not-in-ha-output': 2 },
  '207-BMP-CISCO-HUAWEI-multiple-sources-dump-spreading': { 'labeled-unicast-rd': 11 },
};

function rib(p: BmpPeer): string {
  if (p.type === 3) return p.filtered ? 'loc-filtered' : 'loc';
  return `${p.adjRibOut ? 'out' : 'in'}-${p.postPolicy ? 'post' : 'pre'}`;
}

function pmacctRib(d: Row): string {
  if (d.is_loc === 1) return d.is_filtered === 1 ? 'loc-filtered' : 'loc';
  return `${d.is_out === 1 ? 'out' : 'in'}-${d.is_post === 1 ? 'post' : 'pre'}`;
}

function zero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

function ecomm(e: Uint8Array): string | undefined {
  const t = e[0]! & 0x3f;
  const st = e[1]!;
  const name = st === 2 ? 'RT' : st === 3 ? 'SoO' : undefined;
  if (!name) return undefined;
  if (t === 0) return `${name}:${(e[2]! << 8) | e[3]!}:${u32(e, 4)}`;
  if (t === 1) return `${name}:${e[2]}.${e[3]}.${e[4]}.${e[5]}:${(e[6]! << 8) | e[7]!}`;
  if (t === 2) return `${name}:${u32(e, 2)}:${(e[6]! << 8) | e[7]!}`;
  return undefined;
}

function nextHop(a: PathAttributes, afi: number): string | null {
  const mp = a.mpReach;
  if (mp) {
    const nh = mp.nextHop;
    if (nh.length === 12) return formatAddress(4, nh.subarray(8, 12));
    if (nh.length === 24 || nh.length === 48) return formatAddress(6, nh.subarray(8, 24));
    if (nh.length === 4) return formatAddress(4, nh);
    if (nh.length === 16 || nh.length === 32) return formatAddress(6, nh.subarray(0, 16));
  }
  if (a.nextHop) return formatAddress(4, a.nextHop);
  return afi === 0 ? null : null;
}

function attrsOf(a: PathAttributes, afi: number): Row {
  const path: string[] = [];
  for (const s of a.asPath ?? []) {
    if (s.type === 2) for (const x of s.asns) path.push(String(x));
    else path.push(`{${s.asns.join(',')}}`);
  }
  const aigpRaw = a.unknown?.find((u) => u.type === 26)?.value;
  const psid = a.unknown?.find((u) => u.type === 40)?.value;
  return {
    as_path: path,
    comms: (a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`).sort(),
    ecomms: (a.extendedCommunities ?? [])
      .map(ecomm)
      .filter((x) => x !== undefined)
      .sort(),
    lcomms: (a.largeCommunities ?? []).map((l) => `${l.global}:${l.local1}:${l.local2}`),
    origin: a.origin === undefined ? null : (['i', 'e', 'u'][a.origin] ?? null),
    local_pref: a.localPref ?? null,
    med: a.med ?? null,
    otc: a.otc ?? null,
    aigp: aigpRaw && aigpRaw.length >= 11 ? u32(aigpRaw, 3) * 2 ** 32 + u32(aigpRaw, 7) : null,
    psid_li: psid && psid.length >= 10 && psid[0] === 1 ? u32(psid, 6) : null,
    bgp_nexthop: nextHop(a, afi),
  };
}

interface Route {
  afi: number;
  safi: number;
  prefix: string;
  rd: string | null;
  label: string | null;
  pathId: number | null;
  withdraw: boolean;
}

function routesOf(u: UpdateMessage, addPathOf: (afi: number, safi: number) => boolean): Route[] | 'eor' {
  const out: Route[] = [];
  const plain = (n: Nlri, afi: number, safi: number, withdraw: boolean): Route => ({
    afi,
    safi,
    prefix: `${formatAddress(n.prefix.family, n.prefix.addr)}/${n.prefix.len}`,
    rd: null,
    label: null,
    pathId: n.pathId ?? null,
    withdraw,
  });
  for (const n of u.nlri) out.push(plain(n, 1, 1, false));
  for (const n of u.withdrawn) out.push(plain(n, 1, 1, true));
  for (const [mp, withdraw] of [
    [u.attrs.mpReach, false],
    [u.attrs.mpUnreach, true],
  ] as const) {
    if (!mp) continue;
    if (mp.nlri) for (const n of mp.nlri) out.push(plain(n, mp.afi, mp.safi, withdraw));
    else if (isLabeledFamily(mp.afi, mp.safi)) {
      const r = decodeLabeledNlri(mp.nlriBytes, mp.afi, mp.safi, addPathOf(mp.afi, mp.safi), withdraw);
      for (const n of r.nlri) {
        out.push({
          afi: mp.afi,
          safi: mp.safi,
          prefix: `${formatAddress(n.prefix.family, n.prefix.addr)}/${n.prefix.len}`,
          rd: n.rd ? formatRd(n.rd) : null,
          label: withdraw ? null : String(n.labels[0]),
          pathId: n.pathId ?? null,
          withdraw,
        });
      }
    }
  }
  const emptyMp = u.attrs.mpUnreach && u.attrs.mpUnreach.nlriBytes.length === 0;
  if (out.length === 0 && (emptyMp || (!u.attrs.mpReach && Object.keys(u.attrs).length === 0))) return 'eor';
  return out;
}

/** Our records, normalised to pmacct's fields (only those both sides have). */
function ours(folder: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(folder)
    .filter((x) => x.endsWith('.pcap'))
    .sort()) {
    for (const s of readPcapTcpStreams(readFileSync(join(folder, f)))) {
      const dec = new BmpDecoder();
      const reader = new BmpStreamReader();
      const emit = (m: BmpMessage) => {
        if (!('peer' in m)) return;
        const peer = m.peer;
        const base: Row = { peer_ip: peerAddress(peer), rib: rib(peer) };
        const pd = zero(peer.distinguisher) ? null : formatRd(peer.distinguisher);
        if (m.type === 3) {
          out.push(
            JSON.stringify({
              ...base,
              kind: 'peer_up',
              peer_asn: peer.asn,
              bgp_id: formatAddress(4, peer.bgpId),
              rd: pd,
            }),
          );
        } else if (m.type === 2) {
          out.push(JSON.stringify({ ...base, kind: 'peer_down', peer_asn: peer.asn, reason: m.reason, rd: pd }));
        } else if (m.type === 0 && m.update) {
          const ctx = dec.contextOf(peer);
          const routes = routesOf(m.update, ctx.addPath);
          if (routes === 'eor') {
            const fam = m.update.attrs.mpUnreach;
            out.push(JSON.stringify({ ...base, kind: 'end-of-rib', afi: fam?.afi ?? 1, safi: fam?.safi ?? 1, rd: pd }));
            return;
          }
          for (const r of routes) {
            const rec: Row = {
              ...base,
              kind: r.withdraw ? 'withdraw' : 'update',
              afi: r.afi,
              safi: r.safi,
              ip_prefix: r.prefix,
              rd: r.rd ?? pd,
              as_path_id: r.pathId,
            };
            if (!r.withdraw) Object.assign(rec, attrsOf(m.update.attrs, r.afi), { mpls_label: r.label });
            out.push(JSON.stringify(rec));
          }
        }
      };
      reader.push(s.bytes, {
        message: (buf, start, end) => {
          const r = dec.decode(buf, start, end);
          if (r.message) emit(r.message);
        },
      });
      reader.end({ message: () => {} });
    }
  }
  return out;
}

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map(String) : typeof v === 'string' && v !== '' ? v.split(' ') : [];

/** pmacct's records, normalised the same way. */
function theirs(folder: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(folder).filter((x) => /^output-bmp-\d+\.json$/.test(x))) {
    for (const line of readFileSync(join(folder, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const d = JSON.parse(line) as Row;
      const base: Row = { peer_ip: d.peer_ip, rib: pmacctRib(d) };
      if (d.bmp_msg_type === 'peer_up') {
        out.push(JSON.stringify({ ...base, kind: 'peer_up', peer_asn: d.peer_asn, bgp_id: d.bgp_id, rd: d.rd }));
      } else if (d.bmp_msg_type === 'peer_down') {
        out.push(JSON.stringify({ ...base, kind: 'peer_down', peer_asn: d.peer_asn, reason: d.reason_type, rd: d.rd }));
      } else if (d.bmp_msg_type === 'route_monitor') {
        if (d.log_type === 'end-of-rib') {
          out.push(JSON.stringify({ ...base, kind: 'end-of-rib', afi: d.afi, safi: d.safi, rd: d.rd }));
          continue;
        }
        const rec: Row = {
          ...base,
          kind: d.log_type,
          afi: d.afi,
          safi: d.safi,
          ip_prefix: d.ip_prefix,
          rd: d.rd,
          as_path_id: d.as_path_id,
        };
        if (d.log_type === 'update') {
          Object.assign(rec, {
            as_path: list(d.as_path),
            comms: list(d.comms).sort(),
            ecomms: list(d.ecomms).sort(),
            lcomms: list(d.lcomms),
            origin: d.origin,
            local_pref: d.local_pref,
            med: d.med,
            otc: d.otc,
            aigp: d.aigp,
            psid_li: d.psid_li,
            bgp_nexthop: d.bgp_nexthop,
            mpls_label: d.mpls_label,
          });
        }
        out.push(JSON.stringify(rec));
      }
    }
  }
  return out;
}

function minus(a: string[], b: string[]): string[] {
  const count = new Map<string, number>();
  for (const x of b) count.set(x, (count.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = count.get(x) ?? 0;
    if (n > 0) count.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

/** Pairs the records only one side has by route and names the reason of every difference. */
function explain(all: string[], onlyOurs: string[], onlyTheirs: string[]): Record<string, number> {
  // The RD is part of a route's identity, except for labeled unicast where pmacct leaves it out (below).
  const key = (r: Row) =>
    [r.peer_ip, r.rib, r.kind, r.afi, r.safi, r.ip_prefix, r.as_path_id, r.safi === 4 ? '' : r.rd].join(' ');
  const theirs = new Map<string, Row[]>();
  for (const x of onlyTheirs) {
    const r = JSON.parse(x) as Row;
    theirs.set(key(r), [...(theirs.get(key(r)) ?? []), r]);
  }
  // Withdrawals that came before any announcement of their route, in capture order.
  const announced = new Set<string>();
  const unannounced = new Map<string, number>();
  for (const x of all) {
    const r = JSON.parse(x) as Row;
    if (r.kind === 'update') announced.add(key({ ...r, kind: 'withdraw' }));
    else if (r.kind === 'withdraw' && !announced.has(key(r))) unannounced.set(x, (unannounced.get(x) ?? 0) + 1);
  }
  const found: Record<string, number> = {};
  const note = (reason: string) => {
    found[reason] = (found[reason] ?? 0) + 1;
  };
  for (const x of onlyOurs) {
    const r = JSON.parse(x) as Row;
    const list = theirs.get(key(r));
    const t = list?.shift();
    if (!t) {
      if ((unannounced.get(x) ?? 0) > 0) {
        unannounced.set(x, unannounced.get(x)! - 1);
        note('withdraw-of-unknown-route');
      } else if (r.kind === 'withdraw' && r.safi === 128 && String(r.rib).startsWith('in'))
        note('vpn-withdraw-not-logged');
      else if (r.kind === 'end-of-rib' && r.rib === 'loc') note('eor-not-in-ha-output');
      else note(`only ours: ${x}`);
      continue;
    }
    for (const k of Object.keys(r)) {
      const ours = JSON.stringify(r[k]);
      const their = JSON.stringify(t[k]);
      if (ours === their) continue;
      if (k === 'rd' && r.safi === 4 && t[k] === null) note('labeled-unicast-rd');
      else if (k === 'bgp_nexthop' && ours.replace('::ffff:', '') === their.replace('::ffff:', ''))
        note('nexthop-v4-mapped');
      else if (k === 'bgp_nexthop' && r[k] === null && t[k] === '0.0.0.0') note('no-next-hop');
      else note(`${k}: ours ${ours} pmacct ${their} (${key(r)})`);
    }
  }
  for (const [k, rest] of theirs) for (const _ of rest) note(`only pmacct: ${k}`);
  return found;
}

describeCorpus('BMP: pmacct test pcaps against pmacct JSON', ['bmp', 'pmacct', 'tests'], (root) => {
  const folders = readdirSync(root)
    .filter((d) => /^20\d-BMP-/.test(d))
    .sort();
  it('finds the BMP tests, and each has routes', () => {
    expect(folders.length).toBeGreaterThanOrEqual(8);
  });
  for (const name of folders) {
    it(name, () => {
      const a = ours(join(root, name));
      const b = theirs(join(root, name));
      expect(a.length).toBeGreaterThan(50);
      const found = explain(a, minus(a, b), minus(b, a));
      for (const r of Object.keys(found)) expect(REASONS[r], `unexplained difference: ${r}`).toBeDefined();
      expect(found).toEqual(KNOWN_DIFFERENCES[name] ?? {});
    });
  }
});
