// The BGP monitor: (1) UPDATE messages per second from MRT replay through every detector (RIB of watched
// prefixes, visibility, origin/more-specific, ROV with the corpus's 424k VRPs, ASPA with its 6.6k ASPAs,
// valley/RFC 7908 on a relationship graph, OTC, own-leak, new neighbours) with 100 and 10,000 watched
// prefixes; (2) p99 latency from a message's arrival on a live feed (BMP station, BGP collector session,
// over loopback TCP) to its alert line.
//
// The replay's stream, for the headline figures (monitor.replay.watched_N.*): the corpus's real BGP4MP
// update files (RouteViews and RIPE RIS, 2002-2016, in time order, ~146k messages; one of them a
// session's full table of 577,737 announcements), replayed once per round. The watched prefixes are drawn
// (seeded, uniformly) from the table those updates cover, each expecting the origin it is first announced
// with: an operator watching 100 or 10,000 of its prefixes among a full-table feed. Nothing is chosen for
// being cheap: the draw is uniform, the files are all the corpus's real update captures but two one-message
// test cases. The relationship graph is synthetic (the corpus has no CAIDA file), so the path-leak
// detector runs on real paths but knows few relationships; our ASN (64500) is in no real path.
//
// The adversarial mix, reported beside (monitor.replay.synthetic_mix.watched_N.*): a deterministic
// synthetic BGP4MP stream (300,000 UPDATEs, 1-3 prefixes each, 10% withdrawals, 5% of paths through our
// ASN) over a pool of 50,000 prefixes, plus the RouteViews updates of 2016-08-11 ×5; it watches the first N
// of the pool, so at 10,000 a fifth of the stream's prefixes are watched and a quarter of its messages need
// the full path, far more than a real feed.
//
// Both streams also run with every message decoded in full (MrtFeed fastPath: false), and the two runs
// must print the same alert lines (compared as JSON), or the bench fails. BGPalerter is not in the npm
// registry reachable here, so it cannot run side by side: the ratio is against its documented default cap
// of 6,000 messages/s.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { type Prefix, parseAddress, parsePrefix, prefixKey } from '../src/lib/prefix.js';
import type { AlertRecord } from '../src/monitor/alerts.js';
import type { WatchList } from '../src/monitor/config.js';
import { startMonitorService } from '../src/monitor/feeds/service.js';
import { flattenSegments, Monitor } from '../src/monitor/monitor.js';
import { MrtFeed } from '../src/monitor/mrt.js';
import { announce, withdraw } from '../src/monitor/routes.case.js';
import { AsGraph } from '../src/routing/relationships.js';
import { buildSnapshot } from '../src/routing/rpki-store.js';
import { corpusPath } from '../src/testing/env.js';
import { decodeContext, decodeMessage, encodeMessage, mergeAs4Path } from '../src/wire/bgp/index.js';
import { encodePeerUp, encodeRouteMonitoring } from '../src/wire/bmp/index.js';
import { MrtStreamReader } from '../src/wire/mrt/reader.js';
import { MrtDecoder } from '../src/wire/mrt/records.js';
import { concatRecords, encodeBgp4mpMessage } from '../src/wire/mrt/writer.js';
import { type Bench, type BenchResult, compare } from './harness.js';

const ROUNDS = Number(process.env.FAILSMALL_BENCH_ROUNDS ?? 3);
const BGPALERTER_CAP = 6000;
const OURS = 64500;
/** Loopback ports of the live feeds (two from here): settable, as parallel runs on one machine need. */
const LIVE_PORT = Number(process.env.FAILSMALL_MONITOR_BENCH_PORT ?? 18530);

function xorshift(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** A pool of prefixes (IPv4 /24 and IPv6 /48) with an origin each. */
export function pool(n: number): { text: string; origin: number }[] {
  const out: { text: string; origin: number }[] = [];
  for (let i = 0; i < n; i++) {
    const origin = 65000 + (i % 3000);
    if (i % 4 === 3)
      out.push({ text: `2001:db8:${(i >> 8).toString(16)}:${((i & 0xff) << 8).toString(16)}::/56`, origin });
    else out.push({ text: `${10 + ((i >> 16) & 0x3f)}.${(i >> 8) & 0xff}.${i & 0xff}.0/24`, origin });
  }
  return out;
}

export function syntheticStream(messages: number, prefixes: { text: string; origin: number }[]): Uint8Array {
  const rand = xorshift(0x5eed);
  const recs: Uint8Array[] = [];
  const peers = Array.from({ length: 20 }, (_, i) => ({ asn: 3000 + i, addr: parseAddress(`192.0.2.${i + 1}`).addr }));
  const local = parseAddress('192.0.2.254').addr;
  for (let i = 0; i < messages; i++) {
    const peer = peers[Math.floor(rand() * peers.length)]!;
    const count = 1 + Math.floor(rand() * 3);
    // Prefixes of one origin travel together (pool entries 3,000 apart share an origin).
    const base = Math.floor(rand() * prefixes.length);
    const chosen = Array.from({ length: count }, (_, k) => prefixes[(base + k * 3000) % prefixes.length]!);
    // One address family per UPDATE, as routers send them.
    const fam = chosen[0]!.text.includes(':');
    const list = chosen.filter((c) => c.text.includes(':') === fam);
    let msg: Uint8Array;
    if (rand() < 0.1) msg = withdraw(list.map((c) => c.text));
    else {
      const path = [peer.asn];
      const hops = 1 + Math.floor(rand() * 4);
      for (let h = 0; h < hops; h++) path.push(4000 + Math.floor(rand() * 200));
      if (rand() < 0.05) path.splice(1, 0, OURS); // paths through our ASN
      path.push(list[0]!.origin);
      msg = announce(
        list.map((c) => c.text),
        path,
      );
    }
    recs.push(
      encodeBgp4mpMessage(
        {
          peerAs: peer.asn,
          localAs: 6447,
          ifIndex: 0,
          afi: 1,
          peerAddress: peer.addr,
          localAddress: local,
          as4: true,
          local: false,
          addPath: false,
          message: msg,
        },
        { timestamp: 1769113200 + Math.floor(i / 1000) },
      ),
    );
  }
  return concatRecords(recs);
}

export function graph(): AsGraph {
  const g = new AsGraph();
  for (let a = 4000; a < 4200; a++) {
    if (a % 7 !== 0) g.addProviderCustomer(a - (a % 7), a);
  }
  for (let p = 3000; p < 3020; p++) g.addProviderCustomer(p, 4000 + (p % 20) * 7);
  g.addProviderCustomer(3000, OURS);
  g.addPeers(OURS, 4007);
  return g;
}

export function watch(n: number, prefixes: { text: string; origin: number }[]): WatchList {
  return {
    prefixes: prefixes.slice(0, n).map((p) => ({
      prefix: parsePrefix(p.text),
      asns: [p.origin],
      description: '',
      ignoreMorespecifics: false,
      ignore: false,
      group: 'default',
    })),
    monitorASns: new Map([
      [OURS, { asn: OURS, group: 'default', upstreams: new Set([3000]), downstreams: new Set([4007]) }],
    ]),
  };
}

/**
 * The corpus's real BGP4MP update captures, oldest first (message times then only move forward), as one
 * stream; undefined without the corpus. Left out: two one-message test cases (long_withdrawal,
 * nlri_mask_trailing_bits), the rrc03 file (a cut of another collector's file at the same hour as rrc15's)
 * and the 1999-2000 RIS files (legacy type-5 records and damaged framing, which the monitor does not take).
 */
export const REAL_UPDATES: readonly string[][] = [
  ['mrt', 'bgpdump', 'test_data', 'updates.20020722.2238.gz'],
  ['mrt', 'bgpdump', 'test_data', 'updates.20070211.0141.gz'],
  ['mrt', 'bgpdump', 'test_data', 'updates.20071015.1505.gz'],
  ['mrt', 'bgpkit-parser', 'tests', 'fixtures', 'ripe', 'rrc15', '2010.02', 'updates.20100227.1600.gz'],
  ['mrt', 'bgpkit-parser', 'tests', 'fixtures', 'ripe', 'rrc15', '2010.02', 'updates.20100227.1610.gz'],
  ['mrt', 'bgpdump', 'test_data', 'updates.20100722.2015.gz'],
  ['mrt', 'bgpdump', 'test_data', 'updates.et-header.2015.gz'],
  ['mrt', 'bgpdump', 'test_data', 'updates.20160811.1600.gz'],
];

export function realStream(): Uint8Array | undefined {
  const parts: Uint8Array[] = [];
  for (const f of REAL_UPDATES) {
    const p = corpusPath(...f);
    if (!p) return undefined;
    parts.push(gunzipSync(readFileSync(p)));
  }
  return Buffer.concat(parts);
}

/** Every prefix the stream announces, with the origin of its first announcement (AS_SET origins left out). */
export function announcedTable(stream: Uint8Array): { prefix: Prefix; origin: number }[] {
  const dec = new MrtDecoder();
  const seen = new Map<string, { prefix: Prefix; origin: number }>();
  new MrtStreamReader().push(stream, {
    record(raw) {
      const r = dec.decode(raw);
      if (!r.ok || r.record.body.kind !== 'bgp4mp_message' || r.record.body.local) return;
      const b = r.record.body;
      const msg = decodeMessage(
        b.message,
        decodeContext({ as4: b.as4, addPath: b.addPath, extendedMessage: true }),
      ).message;
      if (msg?.type !== 2 || !('withdrawn' in msg)) return;
      const segs = msg.attrs.as4Path ? mergeAs4Path(msg.attrs).asPath : (msg.attrs.asPath ?? []);
      const { origin } = flattenSegments(segs);
      if (origin === null) return;
      for (const n of [...msg.nlri, ...(msg.attrs.mpReach?.nlri ?? [])]) {
        const k = prefixKey(n.prefix);
        if (!seen.has(k)) seen.set(k, { prefix: n.prefix, origin });
      }
    },
    damage() {},
  });
  return [...seen.values()];
}

/** `n` prefixes of the table, drawn uniformly (seeded Fisher-Yates), each expecting its origin. */
export function drawWatch(n: number, table: { prefix: Prefix; origin: number }[]): WatchList {
  const rand = xorshift(0x0a11ce);
  const t = [...table];
  for (let i = 0; i < n && i < t.length; i++) {
    const j = i + Math.floor(rand() * (t.length - i));
    [t[i], t[j]] = [t[j]!, t[i]!];
  }
  const w = watch(0, []);
  w.prefixes = t.slice(0, n).map((p) => ({
    prefix: p.prefix,
    asns: [p.origin],
    description: '',
    ignoreMorespecifics: false,
    ignore: false,
    group: 'default',
  }));
  return w;
}

export function replayRate(
  stream: Uint8Array,
  w: WatchList,
  rpki: ReturnType<typeof buildSnapshot> | undefined,
  g: AsGraph,
  fastPath = true,
): { rate: number; messages: number; alerts: AlertRecord[]; skipped: number; partials: number; rates: number[] } {
  const rates: number[] = [];
  let messages = 0;
  let alerts: AlertRecord[] = [];
  let skipped = 0;
  let partials = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const got: AlertRecord[] = [];
    const m = new Monitor({
      asns: [OURS],
      watch: w,
      graph: g,
      ...(rpki ? { vrps: rpki.vrps, aspas: rpki.aspas } : {}),
      visibility: { min_peers_fraction: 0.8, fade_off_s: 60 },
      onAlert: (a) => {
        got.push(a);
      },
    });
    const feed = new MrtFeed(m, { fastPath });
    // CPU time of this process (user + system), not wall time: the machine is shared by many jobs, and the
    // figure asked for is messages per second on one core.
    const c0 = process.cpuUsage();
    new MrtStreamReader().push(stream, feed);
    const c = process.cpuUsage(c0);
    const s = (c.user + c.system) / 1e6;
    messages = feed.messages;
    alerts = got;
    skipped = feed.skipped;
    partials = feed.partials;
    rates.push(Math.round(feed.messages / s));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return { rate: sorted[Math.floor(sorted.length / 2)]!, messages, alerts, skipped, partials, rates };
}

/** Throws unless the two runs printed the same alert lines, in the same order. */
function sameAlertLines(fast: AlertRecord[], full: AlertRecord[], what: string): void {
  const n = Math.max(fast.length, full.length);
  for (let i = 0; i < n; i++) {
    const a = JSON.stringify(fast[i]);
    const b = JSON.stringify(full[i]);
    if (a !== b) throw new Error(`${what}: alert line ${i} differs: fast path ${a}, full decode ${b}`);
  }
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
}

/** Sends `n` UPDATEs that alternate a watched prefix between a hijacking and the legitimate origin. */
async function liveLatency(
  kind: 'bmp' | 'bgp',
  n: number,
  port: number,
): Promise<{ p99: number; median: number; alerts: number }> {
  const sentAt: number[] = [];
  const lat: number[] = [];
  const setup = {
    config: {
      asns: [OURS],
      visibility: { min_peers_fraction: 0.8, fade_off_s: 60 },
      feeds:
        kind === 'bmp'
          ? { bmp: { listen: `127.0.0.1:${port}` } }
          : { bgp: { listen: `127.0.0.1:${port}`, asn: 64512 } },
      channels: [],
    },
    baseDir: '.',
    watch: watch(1000, pool(1000)),
  };
  let seen = 0;
  const svc = await startMonitorService(setup, {
    onAlert: (_a: AlertRecord) => {
      lat.push(Number(process.hrtime.bigint() / 1000n) / 1000 - sentAt[seen]!);
      seen++;
    },
  });
  const ctx = decodeContext({ as4: true });
  const sock = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const peer = {
    address: parseAddress('198.51.100.1').addr,
    asn: 3001,
    bgpId: parseAddress('198.51.100.1').addr,
    flags: 0x40,
  };
  const open = (asn: number) =>
    encodeMessage(
      {
        type: 1,
        version: 4,
        myAs: asn,
        holdTime: 90,
        bgpId: peer.bgpId,
        params: [
          {
            type: 2,
            capabilities: [
              { code: 1, afi: 1, reserved: 0, safi: 1 },
              { code: 65, asn },
            ],
          },
        ],
      },
      ctx,
    );
  const wrap = (u: Uint8Array) => (kind === 'bmp' ? encodeRouteMonitoring(peer, u) : u);
  if (kind === 'bmp')
    sock.write(
      encodePeerUp(
        peer,
        { address: parseAddress('198.51.100.100').addr, port: 179, remotePort: 4000 },
        open(OURS),
        open(3001),
      ),
    );
  else {
    sock.write(open(3001));
    sock.write(encodeMessage({ type: 4 }, ctx));
  }
  const target = pool(1000)[0]!;
  sock.write(wrap(announce([target.text], [3001, target.origin])));
  await new Promise((r) => setTimeout(r, 200));
  // Each message flips the origin: every one opens or resolves an origin-hijack alert.
  for (let i = 0; i < n; i++) {
    const origin = i % 2 === 0 ? 64666 : target.origin;
    const bytes = wrap(announce([target.text], [3001, origin]));
    sentAt.push(Number(process.hrtime.bigint() / 1000n) / 1000);
    sock.write(bytes);
    await new Promise((r) => setTimeout(r, 1));
  }
  const end = Date.now() + 5000;
  while (seen < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  sock.destroy();
  await svc.close();
  const sorted = [...lat].sort((a, b) => a - b);
  return {
    p99: Number(p99(lat).toFixed(3)),
    median: Number(sorted[Math.floor(sorted.length / 2)]!.toFixed(3)),
    alerts: seen,
  };
}

/** One replay case, fast path and full decode side by side, as the bench's results. */
function replayCase(
  ctx: Parameters<Bench>[0],
  name: string,
  input: string,
  stream: Uint8Array,
  w: WatchList,
  rpki: ReturnType<typeof buildSnapshot> | undefined,
  g: AsGraph,
): BenchResult[] {
  const n = w.prefixes.length;
  ctx.log(
    `${name}: ${n} watched prefixes (${input}${rpki ? `, ${rpki.inputVrps} VRPs, ${rpki.inputAspas} ASPAs` : ''})`,
  );
  const r = replayRate(stream, w, rpki, g);
  const full = replayRate(stream, w, rpki, g, false);
  sameAlertLines(r.alerts, full.alerts, name);
  return [
    compare({
      name: `${name}.updates_per_s`,
      unit: 'UPDATE messages/s',
      value: r.rate,
      peer: 'BGPalerter default cap (documented; not installable here)',
      peerValue: BGPALERTER_CAP,
      goal: '>= 500000',
      note: `${r.messages} UPDATEs (${input}), ${n} watched, every detector on, ${r.alerts.length} alert lines (the same lines with every message decoded in full); ${r.skipped} skipped undecoded by the prefilter, ${r.partials} decoded with only the prefixes that may matter; per CPU-second of one core (process.cpuUsage), median of ${ROUNDS} rounds [${r.rates.join(', ')}], on a shared machine; full decode in the same run: ${full.rate}/s`,
    }),
    {
      name: `${name}.full_decode_updates_per_s`,
      unit: 'UPDATE messages/s',
      value: full.rate,
      note: `the same replay with MrtFeed({ fastPath: false }), every message decoded; median of ${ROUNDS} rounds [${full.rates.join(', ')}], same run as ${name}.updates_per_s`,
    },
  ];
}

const bench: Bench = async (ctx) => {
  const out: BenchResult[] = [];
  const rpkiFile = corpusPath('rpki', 'rpki-client', 'tests', 'inputs', 'outputs', 'json.gz');
  const rpki = rpkiFile ? buildSnapshot({ rpki: [gunzipSync(readFileSync(rpkiFile))] }, 1) : undefined;
  const g = graph();
  // The headline: the corpus's real updates, watched prefixes drawn from the table they cover.
  const real = realStream();
  if (real) {
    const table = announcedTable(real);
    const input = `the corpus's real BGP4MP updates, 2002-2016, ${REAL_UPDATES.length} files; watched drawn from the ${table.length} prefixes they announce`;
    for (const n of [100, 10_000])
      out.push(...replayCase(ctx, `monitor.replay.watched_${n}`, input, real, drawWatch(n, table), rpki, g));
  } else ctx.log('corpus absent: the real-updates replay is skipped');
  // The adversarial mix (a fifth of its prefixes watched at 10,000), reported beside.
  const prefixes = pool(50_000);
  ctx.log('building a synthetic stream of 300,000 UPDATEs');
  let stream = syntheticStream(300_000, prefixes);
  let input = 'synthetic 300k UPDATEs over 50,000 prefixes';
  const rv = corpusPath('mrt', 'bgpdump', 'test_data', 'updates.20160811.1600.gz');
  if (rv) {
    const b = gunzipSync(readFileSync(rv));
    stream = Buffer.concat([stream, b, b, b, b, b]);
    input += ' + RouteViews 2016-08-11 updates ×5';
  }
  for (const n of [100, 10_000])
    out.push(
      ...replayCase(ctx, `monitor.replay.synthetic_mix.watched_${n}`, input, stream, watch(n, prefixes), rpki, g),
    );
  for (const [kind, port] of [
    ['bmp', LIVE_PORT],
    ['bgp', LIVE_PORT + 1],
  ] as const) {
    ctx.log(`live ${kind}: arrival → alert latency`);
    const r = await liveLatency(kind, 2000, port);
    out.push({
      name: `monitor.live.${kind}.arrival_to_alert_p99_ms`,
      unit: 'ms',
      value: r.p99,
      goal: '<= 1000',
      note: `${r.alerts} alerts from 2000 UPDATEs sent 1 ms apart over loopback TCP (${kind === 'bmp' ? 'BMP Route Monitoring' : 'BGP session'}); median ${r.median} ms; send to alert callback`,
    });
  }
  return out;
};

export default bench;
