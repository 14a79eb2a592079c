// The fast path must not change what the monitor says. (1) The filter against a brute-force oracle: a
// prefix it calls irrelevant overlaps no watched prefix, host bits or not. (2) Differential: the same MRT
// stream through MrtFeed with the fast path and with every message decoded in full gives the same alert
// lines, counters, sessions and RIB, for random streams (watched, more- and less-specific, unrelated
// prefixes; paths through our ASN; withdrawals; sessions going down; corrupted bytes) and for a real
// RouteViews update file.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Prefix, parseAddress, parsePrefix, prefixOverlaps } from '../lib/prefix.js';
import { parseCaidaRelationships } from '../routing/relationships.js';
import { corpusPath } from '../testing/env.js';
import { MrtStreamReader } from '../wire/mrt/reader.js';
import { concatRecords, encodeBgp4mpMessage, encodeBgp4mpStateChange } from '../wire/mrt/writer.js';
import type { AlertRecord } from './alerts.js';
import type { WatchList } from './config.js';
import { Monitor } from './monitor.js';
import { MrtFeed } from './mrt.js';
import { RelevanceFilter } from './prefilter.js';
import { announce, withdraw } from './routes.case.js';

const prefixArb = (family: 4 | 6, base?: Prefix): fc.Arbitrary<Prefix> =>
  fc
    .tuple(
      fc.uint8Array({ minLength: family === 4 ? 4 : 16, maxLength: family === 4 ? 4 : 16 }),
      fc.integer({ min: 0, max: family === 4 ? 32 : 128 }),
    )
    .map(([addr, len]) => {
      // Half of them near `base` (same leading bytes), so that overlaps are common.
      if (base) for (let i = 0; i < Math.min(base.addr.length, 3); i++) addr[i] = base.addr[i]!;
      for (let b = len; b < addr.length * 8; b++) addr[b >> 3]! &= ~(0x80 >> (b & 7));
      return { family, addr, len };
    });

describe('RelevanceFilter', () => {
  it('says a prefix overlaps a watched one exactly when it does (brute-force oracle, host bits set)', () => {
    const anchor4 = parsePrefix('10.20.0.0/16');
    const anchor6 = parsePrefix('2001:db8:40::/48');
    const fam = fc.constantFrom<4 | 6>(4, 6);
    const some = fam.chain((f) => fc.oneof(prefixArb(f), prefixArb(f, f === 4 ? anchor4 : anchor6)));
    fc.assert(
      fc.property(
        fc.array(some, { maxLength: 40 }),
        fc.array(fc.tuple(some, fc.uint8Array({ minLength: 16, maxLength: 16 })), { minLength: 1, maxLength: 40 }),
        (watched, queries) => {
          const f = new RelevanceFilter();
          f.setWatched(watched);
          for (const [q, noise] of queries) {
            const n = (q.len + 7) >> 3;
            // NLRI bytes as a router may send them: host bits past the length are noise, then more bytes.
            const buf = new Uint8Array(n + 16);
            buf.set(q.addr.subarray(0, n));
            if (q.len & 7) buf[n - 1]! |= noise[0]! & (0xff >> (q.len & 7));
            buf.set(noise, n);
            const truth = watched.some((w) => prefixOverlaps(w, q));
            // Exact both ways: a prefix beside every watched one is not sent to the full decoder either.
            expect(f.mayOverlap(q.family, buf, 0, n, q.len)).toBe(truth);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers no for prefixes far from every watched one, and for a family with none', () => {
    const f = new RelevanceFilter();
    f.setWatched([parsePrefix('203.0.113.0/24'), parsePrefix('2001:db8::/32')]);
    const q = (t: string) => {
      const p = parsePrefix(t);
      return f.mayOverlap(p.family, p.addr, 0, (p.len + 7) >> 3, p.len);
    };
    expect(q('198.51.100.0/24')).toBe(false);
    expect(q('203.0.0.0/16')).toBe(true);
    expect(q('203.0.113.128/25')).toBe(true);
    expect(q('2a00::/32')).toBe(false);
    expect(q('2001:db8:1::/48')).toBe(true);
    const only4 = new RelevanceFilter();
    only4.setWatched([parsePrefix('203.0.113.0/24')]);
    expect(only4.mayOverlap(6, new Uint8Array(16), 0, 0, 0)).toBe(false);
  });
});

const OURS = 64500;
// 64510, 64511 providers of 64500; 64512 peer of 64500; 64520 customer; 64530 peer of 64510.
const REL = '64510|64500|-1\n64511|64500|-1\n64500|64512|0\n64500|64520|-1\n64510|64530|0\n64511|64531|-1\n';

const WATCHED = ['203.0.113.0/24', '198.51.100.0/24', '2001:db8:100::/48'];
const RELATED = [
  ...WATCHED,
  '203.0.113.128/25', // more-specifics
  '198.51.100.0/26',
  '2001:db8:100:8000::/49',
  '203.0.0.0/16', // covering
  '2001:db8::/32',
];
const UNRELATED = ['192.0.2.0/24', '10.1.0.0/16', '203.0.114.0/24', '2001:db8:200::/48', '2a00:1450::/32'];
const CANDIDATES = [...RELATED, ...UNRELATED];

function watchList(): WatchList {
  return {
    prefixes: WATCHED.map((t, i) => ({
      prefix: parsePrefix(t),
      asns: [i === 1 ? 64520 : OURS],
      description: t,
      ignoreMorespecifics: i === 1,
      ignore: false,
      group: 'default',
    })),
    monitorASns: new Map([
      [OURS, { asn: OURS, group: 'default', upstreams: new Set([64510, 64511]), downstreams: new Set([64520]) }],
    ]),
  };
}

interface Outcome {
  alerts: AlertRecord[];
  messages: number;
  damaged: number;
  peersUp: number;
  counts: string;
  rib: string;
}

function run(
  stream: Uint8Array,
  fastPath: boolean,
  w: WatchList = watchList(),
): Outcome & { skipped: number; partials: number } {
  const alerts: AlertRecord[] = [];
  const m = new Monitor({
    asns: [OURS],
    watch: w,
    graph: parseCaidaRelationships(REL),
    visibility: { min_peers_fraction: 0.8, fade_off_s: 5 },
    onAlert: (a) => alerts.push(a),
  });
  const feed = new MrtFeed(m, { fastPath });
  new MrtStreamReader().push(stream, feed);
  m.tick(feed.lastTime);
  const rib = CANDIDATES.map((t) => JSON.stringify([t, m.routesFor(parsePrefix(t)), m.visibility(parsePrefix(t))]));
  return {
    alerts,
    messages: feed.messages,
    damaged: feed.damaged,
    peersUp: m.peersUp,
    counts: JSON.stringify(m.counts),
    rib: rib.join('\n'),
    skipped: feed.skipped,
    partials: feed.partials,
  };
}

const PEERS = [
  { asn: 64510, addr: parseAddress('192.0.2.10').addr },
  { asn: 64530, addr: parseAddress('192.0.2.11').addr },
  { asn: 64512, addr: parseAddress('2001:db8:ffff::12').addr },
];
const ASNS = [64510, 64511, 64512, 64520, 64530, 64531, 64999, 65001];
const pathArb = fc.oneof(
  fc.array(fc.constantFrom(...ASNS), { minLength: 1, maxLength: 5 }),
  fc.array(fc.constantFrom(OURS, ...ASNS), { minLength: 1, maxLength: 5 }),
);
const prefixesArb = fc.oneof(
  fc.subarray(CANDIDATES, { minLength: 1, maxLength: 3 }),
  fc.subarray(UNRELATED, { minLength: 1, maxLength: 3 }),
);

type Event =
  | { kind: 'announce'; peer: number; prefixes: string[]; path: number[]; corrupt?: [number, number] }
  | { kind: 'withdraw'; peer: number; prefixes: string[]; corrupt?: [number, number] }
  | { kind: 'down'; peer: number };

const eventArb: fc.Arbitrary<Event> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('announce' as const),
      peer: fc.nat(PEERS.length - 1),
      prefixes: prefixesArb,
      path: pathArb,
      corrupt: fc.option(fc.tuple(fc.nat(200), fc.nat(255)), { nil: undefined, freq: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('withdraw' as const),
      peer: fc.nat(PEERS.length - 1),
      prefixes: prefixesArb,
      corrupt: fc.option(fc.tuple(fc.nat(200), fc.nat(255)), { nil: undefined, freq: 6 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('down' as const), peer: fc.nat(PEERS.length - 1) }) },
);

function encodeEvents(events: readonly Event[]): Uint8Array {
  const recs: Uint8Array[] = [];
  events.forEach((e, i) => {
    const p = PEERS[e.peer]!;
    const time = { timestamp: 1769113200 + i };
    const common = {
      peerAs: p.asn,
      localAs: 6447,
      ifIndex: 0,
      afi: p.addr.length === 4 ? 1 : 2,
      peerAddress: p.addr,
      localAddress: p.addr.length === 4 ? parseAddress('192.0.2.254').addr : parseAddress('2001:db8:ffff::fe').addr,
      as4: true,
    };
    if (e.kind === 'down') {
      recs.push(encodeBgp4mpStateChange({ ...common, oldState: 6, newState: 1 }, time));
      return;
    }
    // One family per UPDATE for the classic field; the helpers put IPv6 in MP_REACH/MP_UNREACH.
    const msg = e.kind === 'announce' ? announce(e.prefixes, e.path) : withdraw(e.prefixes);
    if (e.corrupt) msg[e.corrupt[0] % msg.length] = e.corrupt[1];
    recs.push(encodeBgp4mpMessage({ ...common, local: false, addPath: false, message: msg }, time));
  });
  return concatRecords(recs);
}

/**
 * `counts` too when no message is corrupted: the skip path counts an UPDATE's prefixes as announced even
 * when the full decoder would make it treat-as-withdraw (a missing or malformed mandatory attribute).
 */
function expectSame(a: Outcome, b: Outcome, counts = false): void {
  expect(a.alerts).toEqual(b.alerts);
  expect(a.messages).toBe(b.messages);
  expect(a.damaged).toBe(b.damaged);
  expect(a.peersUp).toBe(b.peersUp);
  expect(a.rib).toBe(b.rib);
  if (counts) expect(a.counts).toBe(b.counts);
}

const clean = (events: readonly Event[]) => events.every((e) => e.kind === 'down' || e.corrupt === undefined);

describe('fast path vs full decode (differential)', () => {
  it('random streams, corrupted bytes included: same alerts, counters, sessions and RIB', () => {
    let skippedTotal = 0;
    let partialTotal = 0;
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 60 }), (events) => {
        const stream = encodeEvents(events);
        const fast = run(stream, true);
        const full = run(stream, false);
        expectSame(fast, full, clean(events));
        expect(full.skipped).toBe(0);
        skippedTotal += fast.skipped;
        partialTotal += fast.partials;
      }),
      { numRuns: 300 },
    );
    // The property means something only if the fast path did skip messages, and decode some in part.
    expect(skippedTotal).toBeGreaterThan(200);
    expect(partialTotal).toBeGreaterThan(100);
  });

  it('a leak through our ASN, then its end, is seen the same way on both paths', () => {
    const events: Event[] = [
      { kind: 'announce', peer: 0, prefixes: ['192.0.2.0/24'], path: [64510, OURS, 64512, 64999] },
      { kind: 'announce', peer: 1, prefixes: ['10.1.0.0/16'], path: [64530, 65001] },
      { kind: 'announce', peer: 0, prefixes: ['192.0.2.0/24'], path: [64510, 64999] },
    ];
    const fast = run(encodeEvents(events), true);
    expectSame(fast, run(encodeEvents(events), false));
    expect(fast.alerts.map((a) => [a.rule, a.rfc7908_type, a.resolved ?? false])).toEqual([
      ['own-leak', 4, false],
      ['new-downstream', undefined, false],
      ['own-leak', 4, true],
      ['new-downstream', undefined, true],
    ]);
    expect(fast.skipped).toBe(1); // the unrelated 10.1.0.0/16 only: the leak's end must be decoded
  });

  it('random streams with a watch-list change between two halves: same alerts and RIB', () => {
    // The change makes an unrelated prefix (whose routes through our ASN show conditions) watched and
    // drops a watched one: the fast path's "routes of unrelated prefixes that show a condition" per session
    // must be counted again under the new list.
    const next: WatchList = {
      ...watchList(),
      prefixes: [...watchList().prefixes.slice(0, 1), ...watchList().prefixes.slice(2)],
    };
    next.prefixes.push({ ...next.prefixes[0]!, prefix: parsePrefix('192.0.2.0/24'), description: 'new' });
    const twoHalves = (a: Uint8Array, b: Uint8Array, fastPath: boolean): Outcome => {
      const alerts: AlertRecord[] = [];
      const m = new Monitor({
        asns: [OURS],
        watch: watchList(),
        graph: parseCaidaRelationships(REL),
        visibility: { min_peers_fraction: 0.8, fade_off_s: 5 },
        onAlert: (x) => alerts.push(x),
      });
      const feed = new MrtFeed(m, { fastPath });
      new MrtStreamReader().push(a, feed);
      m.setWatch(next, feed.lastTime);
      new MrtStreamReader().push(b, feed);
      m.tick(feed.lastTime);
      const rib = CANDIDATES.map((t) => JSON.stringify([t, m.routesFor(parsePrefix(t))]));
      return {
        alerts,
        messages: feed.messages,
        damaged: feed.damaged,
        peersUp: m.peersUp,
        counts: JSON.stringify(m.counts),
        rib: rib.join('\n'),
      };
    };
    // A leak of an unrelated prefix through our ASN, open across the change, ends after it: both paths
    // must resolve it (the count of such routes is what lets either path skip a route).
    const leak: Event[] = [{ kind: 'announce', peer: 0, prefixes: ['10.1.0.0/16'], path: [64510, OURS, 64512, 64999] }];
    const end: Event[] = [{ kind: 'announce', peer: 0, prefixes: ['10.1.0.0/16'], path: [64510, 64999] }];
    for (const fastPath of [true, false]) {
      const o = twoHalves(encodeEvents(leak), encodeEvents(end), fastPath);
      expect(o.alerts.map((x) => [x.rule, x.prefix, x.resolved ?? false])).toEqual([
        ['own-leak', '10.1.0.0/16', false],
        ['new-downstream', '10.1.0.0/16', false],
        ['own-leak', '10.1.0.0/16', true],
        ['new-downstream', '10.1.0.0/16', true],
      ]);
    }
    fc.assert(
      fc.property(
        fc.array(eventArb, { minLength: 1, maxLength: 40 }),
        fc.array(eventArb, { minLength: 1, maxLength: 40 }),
        (first, second) => {
          const a = encodeEvents(first);
          const b = encodeEvents(second);
          expectSame(twoHalves(a, b, true), twoHalves(a, b, false), clean(first) && clean(second));
        },
      ),
      { numRuns: 200 },
    );
  });

  const file = corpusPath('mrt', 'bgpdump', 'test_data', 'updates.20160811.1600.gz');
  it.skipIf(!file)('RouteViews updates of 2016-08-11 (corpus): same alerts with a watch list from the file', () => {
    const stream = new Uint8Array(gunzipSync(readFileSync(file!)));
    // Watch every 40th prefix the file announces, with an origin that makes some of them hijacks, and
    // call a busy transit AS ours so that paths through it are judged.
    const seen: Prefix[] = [];
    const probe = new Monitor({
      asns: [],
      watch: { prefixes: [], monitorASns: new Map() },
      visibility: { min_peers_fraction: 0.8, fade_off_s: 60 },
      onAlert: () => {},
    });
    const orig = probe.announce.bind(probe);
    probe.announce = (peer, prefix, segs, otc, time) => {
      if (seen.length < 4000) seen.push(prefix);
      orig(peer, prefix, segs, otc, time);
    };
    new MrtStreamReader().push(stream, new MrtFeed(probe, { fastPath: false }));
    const w: WatchList = {
      prefixes: seen
        .filter((_, i) => i % 40 === 0)
        .map((prefix, i) => ({
          prefix,
          asns: [i % 2 === 0 ? 3356 : 174],
          description: '',
          ignoreMorespecifics: false,
          ignore: false,
          group: 'default',
        })),
      monitorASns: new Map([[6939, { asn: 6939, group: 'default', upstreams: new Set([3356]) }]]),
    };
    const fast = run(stream, true, w);
    const full = run(stream, false, w);
    expect(fast.alerts.length).toBeGreaterThan(10);
    expect(fast.alerts).toEqual(full.alerts);
    expect([fast.messages, fast.damaged, fast.peersUp]).toEqual([full.messages, full.damaged, full.peersUp]);
    expect(fast.skipped).toBeGreaterThan(fast.messages / 2);
  });
});
