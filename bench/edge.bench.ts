// The edge, side by side with real peers in one run: the time from a snapshot's deploy (BirdSpeaker.apply:
// render, configure check, configure timeout, read-back, confirm) to the upstream FRR holding every
// route, for N announcements; in the same run, in the same lab, GoBGP (routes injected with `gobgp mrt
// inject global` from an MRT file) and ExaBGP (routes written to its process API) announce the same N
// routes to the same upstream as peers of their own. Ratio = ours / theirs (lower is better for us).
// (The time to apply a 1% diff to a 100k location is bench/edge-diff.bench.ts.)
// FAILSMALL_EDGE_BENCH_SIZES=1000,10000 picks the sizes (default 1k, 10k, 100k, 1M);
// FAILSMALL_EDGE_BENCH_LAB the lab's name (default fsl13b).
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BirdSpeaker } from '../src/agent/bird-speaker.js';
import { must, sleep, start, waitFor } from '../src/lab/exec.js';
import { startLab } from '../src/lab/lab.js';
import { makeContent, seal } from '../src/snapshot/compile.js';
import { withWithdrawAllMark } from '../src/snapshot/compose.js';
import type { Announcement } from '../src/snapshot/model.js';
import { viewFor } from '../src/snapshot/view.js';
import { encodePeerIndexTable, encodeRib } from '../src/wire/mrt/writer.js';
import { type Bench, type BenchResult, compare } from './harness.js';

const UPSTREAM_AS = 64500;
const GOBGP = { as: 65020, addr: '100.64.101.1', up: '100.64.101.2' };
const EXABGP = { as: 65030, addr: '100.64.102.1', up: '100.64.102.2' };

/** N distinct /24s: 198.18.0.0/15 first, then 240.0.0.0/4 (reserved; never leaves the lab's namespaces). */
export function prefixList(n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i < 512) out.push(`198.${18 + (i >> 8)}.${i & 255}.0/24`);
    else {
      const k = i - 512;
      out.push(`${240 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}.0/24`);
    }
  }
  return out;
}

function announcements(list: readonly string[], tag = 100): Announcement[] {
  return list.map((prefix) => ({
    prefix,
    account: 'bench',
    origin: 64600,
    prepends: 0,
    communities: [`65010:${tag}`],
    locations: '*',
  }));
}

function ipBytes(a: string): Uint8Array {
  return Uint8Array.from(a.split('.').map(Number));
}

/** A TABLE_DUMP_V2 file with one route per prefix (ORIGIN, AS_PATH 64600, NEXT_HOP, COMMUNITY 65020:100). */
export function mrtFile(list: readonly string[], nextHop: string): Uint8Array {
  const time = { timestamp: 1_767_225_600 };
  const nh = ipBytes(nextHop);
  const attrs = Uint8Array.from([
    0x40,
    1,
    1,
    0, // ORIGIN IGP
    0x40,
    2,
    6,
    2,
    1,
    0,
    0,
    0xfc,
    0x58, // AS_PATH: AS_SEQUENCE [64600] (4-byte)
    0x40,
    3,
    4,
    ...nh, // NEXT_HOP
    0xc0,
    8,
    4,
    0xfd,
    0xfc,
    0,
    100, // COMMUNITY 65020:100
  ]);
  const chunks: Uint8Array[] = [
    encodePeerIndexTable(
      {
        collectorId: ipBytes(GOBGP.addr),
        viewName: '',
        peers: [{ bgpId: ipBytes(GOBGP.addr), family: 4, address: ipBytes(GOBGP.addr), asn: GOBGP.as, as4: true }],
      },
      time,
    ),
  ];
  list.forEach((p, i) => {
    const [addr, len] = p.split('/') as [string, string];
    chunks.push(
      encodeRib(
        {
          afi: 1,
          safi: 1,
          addPath: false,
          sequence: i,
          prefix: { family: 4, addr: ipBytes(addr), len: Number(len) },
          entries: [{ peerIndex: 0, originatedTime: time.timestamp, attributes: attrs, offset: 0 }],
        },
        time,
      ),
    );
  });
  const total = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

const bench: Bench = async (ctx) => {
  const exaMax = Number(process.env.FAILSMALL_EDGE_BENCH_EXABGP_MAX ?? Number.POSITIVE_INFINITY);
  const sizes = (process.env.FAILSMALL_EDGE_BENCH_SIZES ?? '1000,10000,100000,1000000').split(',').map(Number);
  const lab = await startLab({
    name: process.env.FAILSMALL_EDGE_BENCH_LAB ?? 'fsl13b',
    locations: ['bench1'],
    fib: false,
    frrExtra: [` neighbor ${GOBGP.addr} remote-as ${GOBGP.as}`, ` neighbor ${EXABGP.addr} remote-as ${EXABGP.as}`],
  });
  const results: BenchResult[] = [];
  try {
    const e = lab.edges[0] as (typeof lab.edges)[number];
    const upLink = `${lab.name}e1b`;
    const edgeLink = `${lab.name}e1a`;
    for (const p of [GOBGP, EXABGP]) {
      await must('ip', ['addr', 'add', `${p.addr}/30`, 'dev', edgeLink], e.ns);
      await must('ip', ['addr', 'add', `${p.up}/30`, 'dev', upLink], lab.upstream.ns);
    }
    // GoBGP in the edge namespace, its own address, API on a unix-free loopback port inside the namespace.
    const gdir = join(lab.dir, 'gobgp');
    await must('mkdir', ['-p', gdir]);
    writeFileSync(
      join(gdir, 'gobgpd.toml'),
      `[global.config]\n  as = ${GOBGP.as}\n  router-id = "${GOBGP.addr}"\n  port = -1\n  local-address-list = ["${GOBGP.addr}"]\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = "${GOBGP.up}"\n    peer-as = ${UPSTREAM_AS}\n  [neighbors.transport.config]\n    local-address = "${GOBGP.addr}"\n`,
    );
    const g = start(
      'gobgpd',
      ['-f', join(gdir, 'gobgpd.toml'), '--api-hosts', '127.0.0.1:50051', '-l', 'warn'],
      e.ns,
      join(gdir, 'gobgpd.log'),
    );
    if (g.pid) lab.track('gobgpd', g.pid);
    // ExaBGP: a process that waits for a trigger file, then writes N announce lines.
    const xdir = join(lab.dir, 'exabgp');
    await must('mkdir', ['-p', xdir]);
    const feeder = join(xdir, 'feed.sh');
    writeFileSync(
      feeder,
      `#!/bin/sh\nwhile true; do if [ -f ${xdir}/go ]; then cat ${xdir}/routes; rm -f ${xdir}/go; fi; sleep 0.05; done\n`,
    );
    chmodSync(feeder, 0o755);
    writeFileSync(
      join(xdir, 'exabgp.conf'),
      `process feed {\n  run ${feeder};\n  encoder text;\n}\nneighbor ${EXABGP.up} {\n  router-id ${EXABGP.addr};\n  local-address ${EXABGP.addr};\n  local-as ${EXABGP.as};\n  peer-as ${UPSTREAM_AS};\n  api { processes [ feed ]; }\n}\n`,
    );
    const xenv = {
      ...process.env,
      'exabgp.daemon.user': 'root',
      'exabgp.log.level': 'WARNING',
      'exabgp.api.ack': 'false',
      'exabgp.daemon.drop': 'false',
    };
    const x = start('exabgp', [join(xdir, 'exabgp.conf')], e.ns, join(xdir, 'exabgp.log'), xenv);
    if (x.pid) lab.track('exabgp', x.pid);
    const peerCount = async (addr: string) => (await lab.upstreamPeers())[addr];
    await waitFor(
      'GoBGP and ExaBGP sessions',
      60_000,
      async () => {
        const a = await peerCount(GOBGP.addr);
        const b = await peerCount(EXABGP.addr);
        return a?.state === 'Established' && b?.state === 'Established' ? true : undefined;
      },
      200,
    );
    const holds = (addr: string, n: number, ms: number) =>
      waitFor(
        `upstream to hold ${n} routes from ${addr}`,
        ms,
        async () => ((await peerCount(addr))?.pfxRcd === n ? true : undefined),
        20,
      );

    const speaker = new BirdSpeaker({
      socket: e.birdSocket,
      includePath: e.includePath,
      localAs: lab.edgeAs,
      upstreams: [e.session],
      confirmTimeoutS: 300,
      settleMs: 600_000,
      // the apply's own breakdown (check, configure, read-back) beside the totals
      log: (event, detail) => {
        if (event === 'confirmed') ctx.log(`  apply ${JSON.stringify(detail)}`);
      },
    });
    let num = 0;
    const snap = (a: Announcement[], mark = false) => {
      const c = makeContent(a, [], null);
      return seal(mark ? withWithdrawAllMark(c, { approvalId: 'bench', approvedBy: 'bench', reason: 'reset' }) : c, {
        number: ++num,
        parent: null,
        createdAt: '',
        origin: 'compile',
        reason: 'bench',
      });
    };
    for (const n of sizes) {
      const list = prefixList(n);
      const budget = Math.max(60_000, n * 0.5);
      // ours
      const v = viewFor(snap(announcements(list)), 'bench1');
      const t0 = performance.now();
      await speaker.apply(v);
      await holds(e.address, n, budget);
      const ours = (performance.now() - t0) / 1000;
      ctx.log(`ours   ${n}: ${ours.toFixed(2)} s`);
      // GoBGP: MRT inject (the file is written before the clock starts).
      const mrt = join(gdir, `rib-${n}.mrt`);
      // `gobgp mrt inject` leaves its last partial batch unsent (seen: 9,309 of 10,000 routes): the file
      // repeats its first routes at the end (re-adding a held path changes nothing) so all N get through.
      writeFileSync(mrt, mrtFile([...list, ...list.slice(0, Math.min(n, 5000))], GOBGP.addr));
      const t1 = performance.now();
      await must('gobgp', ['-u', '127.0.0.1', '-p', '50051', 'mrt', 'inject', 'global', mrt], e.ns, budget);
      await holds(GOBGP.addr, n, budget);
      const gobgp = (performance.now() - t1) / 1000;
      ctx.log(`gobgp  ${n}: ${gobgp.toFixed(2)} s`);
      // ExaBGP: N lines to its API (FAILSMALL_EDGE_BENCH_EXABGP_MAX skips it above that size: ~13 min at 1M).
      const withExa = n <= exaMax;
      if (withExa)
        writeFileSync(
          join(xdir, 'routes'),
          `${list.map((p) => `announce route ${p} next-hop self community [65030:100]`).join('\n')}\n`,
        );
      const t2 = performance.now();
      if (withExa) writeFileSync(join(xdir, 'go'), '');
      if (withExa) await holds(EXABGP.addr, n, budget * 4);
      const exabgp = (performance.now() - t2) / 1000;
      if (withExa) ctx.log(`exabgp ${n}: ${exabgp.toFixed(2)} s`);
      const goal = n === 100_000 ? '<= 10' : n === 1_000_000 ? '<= 60' : undefined;
      results.push(
        compare({
          name: `edge.deploy_to_upstream.${n}.vs_gobgp_s`,
          unit: 's',
          value: round(ours),
          peer: 'gobgp mrt inject',
          peerValue: round(gobgp),
          ...(goal ? { goal } : {}),
        }),
      );
      if (withExa)
        results.push(
          compare({
            name: `edge.deploy_to_upstream.${n}.vs_exabgp_s`,
            unit: 's',
            value: round(ours),
            peer: 'exabgp api',
            peerValue: round(exabgp),
            ...(goal ? { goal } : {}),
          }),
        );
      // Reset all three for the next size (nothing to reset after the last).
      if (n === sizes[sizes.length - 1]) break;
      await speaker.apply(viewFor(snap([], true), 'bench1'));
      await must('gobgp', ['-u', '127.0.0.1', '-p', '50051', 'global', 'rib', 'del', 'all'], e.ns, budget);
      writeFileSync(join(xdir, 'routes'), `${list.map((p) => `withdraw route ${p} next-hop self`).join('\n')}\n`);
      writeFileSync(join(xdir, 'go'), '');
      for (const a of [e.address, GOBGP.addr, EXABGP.addr]) await holds(a, 0, budget * 4);
      await sleep(500);
    }
    speaker.close();
  } finally {
    await lab.stop();
  }
  return results;
};

const round = (s: number) => Math.round(s * 1000) / 1000;

export default bench;
