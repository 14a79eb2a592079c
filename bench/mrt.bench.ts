// `failsmall mrt dump -m` (the compiled CLI, `node dist/bin/cli.js`) against `bgpdump -m` (Debian 1.6.2),
// side by side in one run, on (1) updates.et-header.2015.gz (BGP4MP_ET, 577,737 announcements) and (2) a
// TABLE_DUMP_V2 RIB: the corpus's largest RIB (bview.20020722.2337.gz, TABLE_DUMP v1, 115,521 routes) turned
// into TABLE_DUMP_V2 with our writer (PEER_INDEX_TABLE + RIB_IPV4_UNICAST, AS numbers widened to 4 bytes) and
// gzipped, since the corpus has no large TABLE_DUMP_V2 file, and (3) the file of (1) recompressed with bzip2,
// as RouteViews archives are. Both programs write to temp files, best of N
// wall times each; the outputs are then compared line by line and the mismatch count is reported.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { commandMissing, corpusPath, repoRoot } from '../src/testing/env.js';
import { type MrtRawRecord, MrtStreamReader } from '../src/wire/mrt/reader.js';
import { MrtDecoder, type MrtPeer, type RibEntry, type TableDumpRecord } from '../src/wire/mrt/records.js';
import { concatRecords, encodePeerIndexTable, encodeRib } from '../src/wire/mrt/writer.js';
import { type Bench, type BenchResult, compare } from './harness.js';

const ROUNDS = Number(process.env.FAILSMALL_BENCH_ROUNDS ?? 3);

/** Widens the 2-byte AS numbers of AS_PATH (2), AS4-less AGGREGATOR (7) to 4 bytes; other attributes as is. */
function widenAttributes(a: Uint8Array): Uint8Array {
  const out: number[] = [];
  let p = 0;
  while (p + 3 <= a.length) {
    const flags = a[p]!;
    const type = a[p + 1]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? (a[p + 2]! << 8) | a[p + 3]! : a[p + 2]!;
    const vs = p + (ext ? 4 : 3);
    const v = a.subarray(vs, vs + len);
    let nv: number[] = Array.from(v);
    if (type === 2) {
      nv = [];
      let q = 0;
      while (q + 2 <= v.length) {
        const n = v[q + 1]!;
        nv.push(v[q]!, n);
        for (let i = 0; i < n; i++) nv.push(0, 0, v[q + 2 + 2 * i]!, v[q + 3 + 2 * i]!);
        q += 2 + 2 * n;
      }
    } else if (type === 7 && v.length === 6) nv = [0, 0, ...v];
    if (nv.length > 255) out.push(flags | 0x10, type, nv.length >> 8, nv.length & 255, ...nv);
    else out.push(flags & ~0x10, type, nv.length, ...nv);
    p = vs + len;
  }
  return Uint8Array.from(out);
}

/** TABLE_DUMP (v1) dump → TABLE_DUMP_V2 dump with the same routes, in the same order. */
export function tableDumpToV2(v1: Uint8Array): Uint8Array {
  const routes: { ts: number; rec: TableDumpRecord }[] = [];
  const dec = new MrtDecoder();
  const reader = new MrtStreamReader();
  reader.push(v1, {
    record: (r: MrtRawRecord) => {
      const res = dec.decode(r);
      if (res.ok && res.record.body.kind === 'table_dump' && res.record.body.prefix.family === 4) {
        routes.push({ ts: r.timestamp, rec: res.record.body });
      }
    },
    damage: () => {},
  });
  const peers: MrtPeer[] = [];
  const peerIndex = new Map<string, number>();
  for (const { rec } of routes) {
    const key = `${rec.peerAddress.join('.')}|${rec.peerAs}`;
    if (!peerIndex.has(key)) {
      peerIndex.set(key, peers.length);
      peers.push({ bgpId: rec.peerAddress, family: 4, address: rec.peerAddress, asn: rec.peerAs, as4: false });
    }
  }
  const ts = routes[0]?.ts ?? 0;
  const out: Uint8Array[] = [
    encodePeerIndexTable({ collectorId: Uint8Array.of(10, 0, 0, 1), viewName: '', peers }, { timestamp: ts }),
  ];
  let seq = 0;
  for (let i = 0; i < routes.length; ) {
    const first = routes[i]!.rec;
    const entries: RibEntry[] = [];
    let j = i;
    for (; j < routes.length; j++) {
      const r = routes[j]!.rec;
      if (r.prefix.len !== first.prefix.len || r.prefix.addr.join() !== first.prefix.addr.join()) break;
      const key = `${r.peerAddress.join('.')}|${r.peerAs}`;
      entries.push({
        peerIndex: peerIndex.get(key)!,
        originatedTime: r.originatedTime,
        attributes: widenAttributes(r.attributes),
        offset: 0,
      });
    }
    out.push(
      encodeRib({ afi: 1, safi: 1, addPath: false, sequence: seq++, prefix: first.prefix, entries }, { timestamp: ts }),
    );
    i = j;
  }
  return concatRecords(out);
}

/** Best wall time of running cmd with stdout to `outFile`. */
function timeRun(cmd: string, args: string[], outFile: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < ROUNDS; i++) {
    const fd = openSync(outFile, 'w');
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', fd, 'ignore'], cwd: repoRoot });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    closeSync(fd);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
    best = Math.min(best, s);
  }
  return best;
}

function mismatches(a: string, b: string): { count: number; lines: number } {
  const x = readFileSync(a, 'latin1').split('\n');
  const y = readFileSync(b, 'latin1').split('\n');
  let count = Math.abs(x.length - y.length);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) count++;
  return { count, lines: y.length - 1 };
}

const INPUT_NOTE = {
  et_header_2015: 'updates.et-header.2015.gz',
  rib_table_dump_v2: '<bview.20020722.2337 as TABLE_DUMP_V2>.gz',
  et_header_2015_bz2: '<updates.et-header.2015 recompressed with bzip2 -9>.bz2 (bzip2 -dc child process)',
} as const;

const bench: Bench = async (ctx) => {
  const missing = commandMissing('bgpdump');
  const updates = corpusPath('mrt', 'bgpdump', 'test_data', 'updates.et-header.2015.gz');
  const bview = corpusPath('mrt', 'bgpdump', 'test_data', 'bview.20020722.2337.gz');
  if (missing || !updates || !bview) throw new Error(missing ?? 'corpus mrt/bgpdump/test_data is absent');
  const cli = join(repoRoot, 'dist', 'bin', 'cli.js');
  if (!existsSync(cli)) throw new Error('dist/bin/cli.js is missing: npm run build');
  const dir = mkdtempSync(join(tmpdir(), 'failsmall-mrt-bench-'));
  const rib = join(dir, 'rib.table_dump_v2.20020722.gz');
  writeFileSync(rib, gzipSync(tableDumpToV2(gunzipSync(readFileSync(bview)))));
  // RouteViews archives are bz2: the same updates file recompressed with bzip2 -9.
  const updatesBz2 = join(dir, 'updates.et-header.2015.bz2');
  const rawUpdates = join(dir, 'updates.et-header.2015.mrt');
  writeFileSync(rawUpdates, gunzipSync(readFileSync(updates)));
  writeFileSync(updatesBz2, spawnSync('bzip2', ['-9', '-c', rawUpdates], { maxBuffer: 1 << 30 }).stdout);
  const results: BenchResult[] = [];
  for (const [label, file] of [
    ['et_header_2015', updates],
    ['rib_table_dump_v2', rib],
    ['et_header_2015_bz2', updatesBz2],
  ] as const) {
    const ours = join(dir, `${label}.ours.txt`);
    const theirs = join(dir, `${label}.bgpdump.txt`);
    ctx.log(`mrt dump -m ${label}: failsmall`);
    const t = timeRun(process.execPath, [cli, 'mrt', 'dump', '-m', file], ours);
    // The same command through dist/bin/cli-mrt.js, which skips the imports dist/bin/cli.js makes for the
    // other subcommands (HTTP server, database): the difference is CLI start-up, not MRT work.
    const oursDirect = join(dir, `${label}.ours-direct.txt`);
    const td = timeRun(process.execPath, [join(repoRoot, 'dist', 'bin', 'cli-mrt.js'), 'dump', '-m', file], oursDirect);
    ctx.log(`mrt dump -m ${label}: bgpdump`);
    const tb = timeRun('bgpdump', ['-m', file], theirs);
    const m = mismatches(ours, theirs);
    const md = mismatches(oursDirect, theirs);
    ctx.log(
      `  cli.js ${t.toFixed(3)} s, cli-mrt.js ${td.toFixed(3)} s, bgpdump ${tb.toFixed(3)} s; ${m.lines} lines, ${m.count} / ${md.count} mismatched`,
    );
    results.push(
      compare({
        name: `mrt.dump_m.${label}.seconds`,
        unit: 's',
        value: Number(t.toFixed(4)),
        peer: 'bgpdump 1.6.2 -m',
        peerValue: Number(tb.toFixed(4)),
        goal: 'ratio <= 0.67',
        note: `node dist/bin/cli.js mrt dump -m ${INPUT_NOTE[label]} > file; best of ${ROUNDS}; ${m.lines} lines, ${m.count} mismatched`,
      }),
    );
    results.push(
      compare({
        name: `mrt.dump_m.${label}.direct_entry.seconds`,
        unit: 's',
        value: Number(td.toFixed(4)),
        peer: 'bgpdump 1.6.2 -m',
        peerValue: Number(tb.toFixed(4)),
        goal: 'ratio <= 0.67',
        note: `node dist/bin/cli-mrt.js dump -m FILE > file (the mrt subcommand without the rest of the CLI's imports); best of ${ROUNDS}; ${md.count} mismatched`,
      }),
    );
    results.push({ name: `mrt.dump_m.${label}.mismatched_lines`, unit: 'lines', value: m.count + md.count, goal: '0' });
  }
  return results;
};

export default bench;
