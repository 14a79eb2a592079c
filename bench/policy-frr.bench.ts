// The verifier side by side with real FRR: the same table (bench/policy.bench.ts's fullTable(): >= 900k IPv4
// + 200k IPv6 routes from the MRT corpus, 30% iBGP-learned) and the same before/after configuration of 20
// neighbours, once through our verify() and once through bgpd (Debian frr) converging it in a network
// namespace (fsvb-dut). In the same run:
//  1. verify() on the table, before and after (wall and CPU time);
//  2. bgpd with benchConfig(false) (adapted only to run: see frrBenchConfig), fed the table over BGP by four
//     feed sessions (eBGP 10.0.0.2 / fd00::2, iBGP 10.255.0.1 / fd00:ff::1, each route with its AS path,
//     origin, MED, communities, large communities, next hop, and local-pref over iBGP), with 20 receiving
//     sessions that only count prefixes (bench/policy-frr-peers.ts, a child process in the namespace);
//  3. FRR's convergence: from the first UPDATE sent until every receiver is quiet, FRR's own counters agree
//     (pfxRcd of the feeds = what was fed, pfxSnt = what the receiver holds); then the "after" change
//     (benchConfig(true): the customer entries lose `match as-path CUSTOMERS`) applied with vtysh, timed to
//     the last UPDATE it causes. Per-neighbour counts are compared with verify()'s exported_before/after; a
//     disagreement is reported in the note, not hidden.
// FAILSMALL_POLICY_FRR_ROUTES=N runs a smaller table (N routes, split 9:2 IPv4/IPv6) for a quick check.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ByteWriter } from '../src/lib/bytes.js';
import { parseAddress } from '../src/lib/prefix.js';
import { loadConfig } from '../src/policy/load.js';
import type { Route } from '../src/policy/route.js';
import { verify } from '../src/policy/verify/index.js';
import { decodeContext, encodeMessage, type Nlri, type PathAttributes } from '../src/wire/bgp/index.js';
import type { Bench, BenchResult } from './harness.js';
import { benchConfig, customersOf, fullTable, LOCAL_AS } from './policy.bench.js';
import { explain } from './policy-frr-explain.js';
import type { PeerPlan, Plan, Status } from './policy-frr-peers.js';

const NS = 'fsvb-dut';
const ROUTER = { v4: '10.0.0.1', v6: 'fd00::1' };
const FEEDS = [
  { name: 'feed-ebgp4', local: '10.0.0.2', router: ROUTER.v4, as: 65002, family: 4 as const },
  { name: 'feed-ebgp6', local: 'fd00::2', router: ROUTER.v6, as: 65002, family: 6 as const },
  { name: 'feed-ibgp4', local: '10.255.0.1', router: ROUTER.v4, as: LOCAL_AS, family: 4 as const },
  { name: 'feed-ibgp6', local: 'fd00:ff::1', router: ROUTER.v6, as: LOCAL_AS, family: 6 as const },
];
/** Quiet time after the last UPDATE before a phase may be judged converged (not counted in the figure). */
const QUIET_MS = Number(process.env.FAILSMALL_POLICY_FRR_QUIET_MS ?? 8000);
const PHASE_TIMEOUT_MS = Number(process.env.FAILSMALL_POLICY_FRR_TIMEOUT_MS ?? 45 * 60_000);

function missing(): string | null {
  if (!existsSync('/usr/lib/frr/bgpd')) return 'FRR bgpd (/usr/lib/frr/bgpd) not installed';
  for (const c of ['vtysh', 'ip']) {
    try {
      execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' });
    } catch {
      return `${c} not installed`;
    }
  }
  if (process.getuid?.() !== 0) return 'root (network namespaces) is required';
  return null;
}

/**
 * benchConfig(false) adapted only to run in the lab: (1) the IPv6 routes marked iBGP-learned come from
 * fd00:ff::1, a neighbour the bench configuration does not declare, so it is added (internal, IPv6 only);
 * (2) eBGP receivers get `advertisement-interval 0` (FRR's traditional default is 30 s between updates to
 * an eBGP peer, which would time the timer, not the work); (3) `bgp route-map delay-timer 1` (default 5 s
 * of waiting before a route-map change is applied); (4) `coalesce-time 0` for the update groups; (5) the
 * IPv6 feed fd00::2 is activated for IPv6 in the bench configuration but never given a `remote-as`, so bgpd
 * refuses that line (its config load warns) and the IPv6 eBGP routes would have no session: it gets
 * `remote-as 65002` (the AS of 10.0.0.2, the same feed) and is not activated for IPv4; (6) the eBGP feeds
 * get an inbound permit-all route-map FEED-IN: bgpd 8.4 has `bgp ebgp-requires-policy` on under `frr
 * defaults traditional` too, so without an inbound policy it takes none of the eBGP-learned routes the
 * verifier is given as the Loc-RIB (the verifier does not model import; the outbound side of
 * ebgp-requires-policy, which it models, is left as it is: the feeds receive nothing). The neighbour
 * addresses stay as configured: all of them sit on the namespace's loopback.
 */
export function frrBenchConfig(conf: string): string {
  const adapted = conf
    .replace(
      /^router bgp (\d+)$/m,
      'route-map FEED-IN permit 10\nexit\nbgp route-map delay-timer 1\nrouter bgp $1\n coalesce-time 0',
    )
    .replace(
      /^ neighbor (10\.[12]\.0\.\d+) remote-as (\d+)$/gm,
      ' neighbor $1 remote-as $2\n neighbor $1 advertisement-interval 0',
    )
    .replace(
      /^ neighbor 10\.255\.0\.1 remote-as internal$/m,
      (m) => `${m}\n neighbor fd00:ff::1 remote-as internal\n neighbor fd00::2 remote-as 65002`,
    )
    .replace(
      /^ address-family ipv4 unicast$/m,
      (m) =>
        `${m}\n  no neighbor fd00:ff::1 activate\n  no neighbor fd00::2 activate\n  neighbor 10.0.0.2 route-map FEED-IN in`,
    )
    .replace(
      /^ {2}neighbor fd00::2 activate$/m,
      (m) => `${m}\n  neighbor fd00::2 route-map FEED-IN in\n  neighbor fd00:ff::1 activate`,
    );
  return adapted;
}

/** The lines of `after` not in `before` and vice versa, grouped under their route-map entry: the vtysh change. */
export function changeCommands(before: string, after: string): string[] {
  const b = before.split('\n');
  const a = after.split('\n');
  const cmds: string[] = ['configure terminal'];
  // The two texts differ only inside route-map entries (benchConfig's `after`): walk them in step.
  let i = 0;
  let j = 0;
  let entry = '';
  while (i < b.length || j < a.length) {
    if (b[i] === a[j]) {
      if (b[i]?.startsWith('route-map ')) entry = b[i]!;
      i++;
      j++;
    } else if (b[i] !== undefined && !a.slice(j).includes(b[i]!)) {
      cmds.push(entry, `no ${b[i]!.trim()}`);
      i++;
    } else {
      cmds.push(entry, a[j]!.trim());
      j++;
    }
  }
  cmds.push('end');
  return cmds;
}

const nhBytes = (a: string) => parseAddress(a).addr;

function attrsOf(r: Route, ibgp: boolean): PathAttributes {
  const a: PathAttributes = {
    origin: r.origin === 'igp' ? 0 : r.origin === 'egp' ? 1 : 2,
    asPath: r.asPath.length ? [{ type: 2, asns: r.asPath }] : [],
  };
  if (r.prefix.family === 4) a.nextHop = nhBytes(r.nextHop);
  if (r.med !== undefined) a.med = r.med;
  if (ibgp) a.localPref = r.localPref ?? 100;
  if (r.communities.length)
    a.communities = r.communities.map((c) => {
      const [h, l] = c.split(':').map(Number);
      return ((h! << 16) | l!) >>> 0;
    });
  if (r.largeCommunities.length)
    a.largeCommunities = r.largeCommunities.map((c) => {
      const [g, l1, l2] = c.split(':').map(Number);
      return { global: g!, local1: l1!, local2: l2! };
    });
  return a;
}

/** Packed UPDATEs of one feed: routes with equal attributes share a message, up to 4096 bytes. */
function encodeFeed(routes: readonly Route[], ibgp: boolean): Uint8Array {
  const ctx = decodeContext({ as4: true });
  const groups = new Map<string, Route[]>();
  for (const r of routes) {
    const k = JSON.stringify([r.asPath, r.origin, r.med, r.communities, r.largeCommunities, r.nextHop, r.localPref]);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: Uint8Array[] = [];
  let total = 0;
  for (const g of groups.values()) {
    const base = attrsOf(g[0]!, ibgp);
    const v6 = g[0]!.prefix.family === 6;
    const baseLen = encodeMessage({ type: 2, withdrawn: [], attrs: base, nlri: [] }, ctx).length;
    // IPv6 NLRI ride in MP_REACH_NLRI: 4 header + 5 fixed + 16 next hop bytes on top of the base.
    const budget = 4096 - baseLen - (v6 ? 25 : 0);
    let batch: Nlri[] = [];
    let used = 0;
    const flush = () => {
      if (batch.length === 0) return;
      const attrs: PathAttributes = v6
        ? {
            ...base,
            mpReach: {
              afi: 2,
              safi: 1,
              nextHop: nhBytes(g[0]!.nextHop),
              reserved: 0,
              nlri: batch,
              nlriBytes: new Uint8Array(0),
            },
          }
        : base;
      const m = encodeMessage({ type: 2, withdrawn: [], attrs, nlri: v6 ? [] : batch }, ctx);
      out.push(m);
      total += m.length;
      batch = [];
      used = 0;
    };
    for (const r of g) {
      const size = 1 + ((r.prefix.len + 7) >> 3);
      if (used + size > budget) flush();
      batch.push({ prefix: r.prefix });
      used += size;
    }
    flush();
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const m of out) {
    all.set(m, at);
    at += m.length;
  }
  return all;
}

function prefixFile(table: readonly Route[]): Uint8Array {
  const w = new ByteWriter(table.length * 8);
  for (const r of table) {
    const n = (r.prefix.len + 7) >> 3;
    w.u8(r.prefix.family).u8(r.prefix.len).bytes(r.prefix.addr.subarray(0, n));
  }
  return w.finish();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });

/** User + system CPU seconds of a process, from /proc (bgpd runs as its own process). */
function procCpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100;
}

function procHwm(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

interface FrrPeerCounts {
  pfxRcd: number;
  pfxSnt: number;
  state: string;
}

function frrSummary(vty: string): Map<string, FrrPeerCounts> {
  const out = new Map<string, FrrPeerCounts>();
  for (const afi of ['ipv4', 'ipv6']) {
    const text = execFileSync('vtysh', ['--vty_socket', vty, '-c', `show bgp ${afi} unicast summary json`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    const j = JSON.parse(text || '{}') as {
      peers?: Record<string, { state: string; pfxRcd?: number; pfxSnt?: number }>;
    };
    for (const [addr, p] of Object.entries(j.peers ?? {})) {
      const c = out.get(addr) ?? { pfxRcd: 0, pfxSnt: 0, state: p.state };
      c.pfxRcd += p.pfxRcd ?? 0;
      c.pfxSnt += p.pfxSnt ?? 0;
      out.set(addr, c);
    }
  }
  return out;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const bench: Bench = async (ctx) => {
  const why = missing();
  if (why) {
    ctx.log(`skipped: ${why}`);
    return [];
  }
  const small = Number(process.env.FAILSMALL_POLICY_FRR_ROUTES ?? 0);
  ctx.log('building the table from the MRT corpus');
  const table =
    small > 0 ? await fullTable(Math.round((small * 9) / 11), Math.round((small * 2) / 11)) : await fullTable();
  const v4 = table.filter((r) => r.prefix.family === 4).length;
  const customers = customersOf(table);
  const beforeText = benchConfig(false, customers);
  const afterText = benchConfig(true, customers);
  const before = loadConfig(beforeText, 'before.conf', 'frr');
  const after = loadConfig(afterText, 'after.conf', 'frr');

  // 1. Ours.
  const rounds = Number(process.env.POLICY_BENCH_ROUNDS ?? 1);
  const walls: number[] = [];
  const cpus: number[] = [];
  let report: ReturnType<typeof verify> | undefined;
  for (let i = 0; i < rounds; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    report = verify(before, after, table);
    walls.push(Number(process.hrtime.bigint() - t0) / 1e9);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1e6);
    ctx.log(`verify run ${i + 1}: ${walls[i]!.toFixed(2)} s wall, ${cpus[i]!.toFixed(2)} s cpu`);
  }
  const oursWall = median(walls);
  const oursCpu = median(cpus);
  const expected = new Map(report!.neighbors.map((n) => [n.neighbor, n]));

  // 2. FRR.
  const dir = mkdtempSync(join(tmpdir(), 'failsmall-policy-frr-'));
  execFileSync('chmod', ['0777', dir]);
  const vty = join(dir, 'vty');
  mkdirSync(vty);
  const feedRoutes = new Map<string, Route[]>(FEEDS.map((f) => [f.local, []]));
  for (const r of table) feedRoutes.get(r.peer)?.push(r);
  const fed = new Map<string, number>();
  const peers: PeerPlan[] = [];
  for (const f of FEEDS) {
    const routes = feedRoutes.get(f.local)!;
    fed.set(f.local, routes.length);
    writeFileSync(join(dir, `${f.name}.bin`), encodeFeed(routes, f.as === LOCAL_AS));
    peers.push({
      name: f.name,
      local: f.local,
      router: f.router,
      as: f.as,
      routerId: f.family === 4 ? f.local : `10.254.0.${peers.length + 1}`,
      families: [f.family],
      feed: `${f.name}.bin`,
    });
  }
  const unfed = table.length - [...fed.values()].reduce((s, n) => s + n, 0);
  if (unfed) throw new Error(`${unfed} routes have a peer that is not one of the feeds`);
  const receivers = report!.neighbors.filter((n) => /^10\.[123]\.0\.\d+$/.test(n.neighbor));
  for (const n of receivers)
    peers.push({
      name: n.neighbor,
      local: n.neighbor,
      router: ROUTER.v4,
      as: n.peer_as || LOCAL_AS,
      routerId: n.neighbor,
      families: [4, 6],
    });
  writeFileSync(join(dir, 'prefixes.bin'), prefixFile(table));
  writeFileSync(join(dir, 'plan.json'), JSON.stringify({ peers, prefixes: 'prefixes.bin' } satisfies Plan));
  const conf = frrBenchConfig(beforeText);
  writeFileSync(join(dir, 'bgpd.conf'), conf);
  execFileSync('chown', ['-R', 'frr:frr', dir]);
  const change = changeCommands(beforeText, afterText);
  ctx.log('explaining run of verify() (untimed): routes bgpd refuses left out, LONG as glibc reads it');
  const explanation = explain(table, LOCAL_AS, beforeText, afterText);
  ctx.log(
    `${v4} IPv4 + ${table.length - v4} IPv6 routes; ${receivers.length} receivers; change: ${change.join(' | ')}`,
  );

  let bgpd: ChildProcess | undefined;
  let child: ChildProcess | undefined;
  let bgpdPid = 0;
  // Interrupted (Ctrl-C, a timeout): take down what this run started before exiting, as the finally would.
  const onSignal = (sig: NodeJS.Signals) => {
    for (const pid of [child?.pid, bgpdPid]) {
      try {
        if (pid) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    try {
      ip('netns', 'del', NS);
    } catch {
      // gone
    }
    rmSync(join('/var/run/frr', NS), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    try {
      ip('netns', 'del', NS);
    } catch {
      // not left over
    }
    ip('netns', 'add', NS);
    const inNs = (...a: string[]) => ip('netns', 'exec', NS, ...a);
    inNs('ip', 'link', 'set', 'lo', 'up');
    for (const a of [
      ROUTER.v4,
      ...FEEDS.filter((f) => f.family === 4).map((f) => f.local),
      ...receivers.map((n) => n.neighbor),
    ])
      inNs('ip', 'addr', 'add', `${a}/32`, 'dev', 'lo');
    for (const a of [ROUTER.v6, ...FEEDS.filter((f) => f.family === 6).map((f) => f.local)])
      inNs('ip', '-6', 'addr', 'add', `${a}/128`, 'dev', 'lo', 'nodad');
    bgpd = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        '/usr/lib/frr/bgpd',
        '-f',
        join(dir, 'bgpd.conf'),
        '-N',
        NS,
        '-i',
        join(dir, 'bgpd.pid'),
        '--vty_socket',
        vty,
        '-Z',
        '-n',
        '-u',
        'frr',
        '-g',
        'frr',
        '-P',
        '0',
        '--log',
        `file:${join(dir, 'bgpd.log')}`,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100 && !existsSync(join(dir, 'bgpd.pid')); i++) await sleep(100);
    bgpdPid = Number(readFileSync(join(dir, 'bgpd.pid'), 'utf8').trim());
    child = spawn(
      'ip',
      ['netns', 'exec', NS, process.execPath, '--import', 'tsx', join(import.meta.dirname, 'policy-frr-peers.ts'), dir],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
        cwd: join(import.meta.dirname, '..'),
      },
    );
    let status: Status | undefined;
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l.startsWith('{')) status = JSON.parse(l) as Status;
    });
    const until = async (what: string, ok: (s: Status) => boolean, ms: number) => {
      const end = Date.now() + ms;
      while (!(status && ok(status))) {
        if (Date.now() > end)
          throw new Error(
            `timed out waiting for ${what}: ${JSON.stringify(status?.peers.filter((p) => p.state !== 'established'))}`,
          );
        if (child!.exitCode !== null) throw new Error(`the peers process exited (${child!.exitCode})`);
        await sleep(100);
      }
      return status!;
    };
    await until('every session to come up', (s) => s.peers.every((p) => p.state === 'established'), 120_000);
    ctx.log(`${peers.length} sessions established; feeding`);
    const cpu0 = procCpu(bgpdPid);
    child.stdin!.write('feed\n');
    const feedStart = (await until('the feed to start', (s) => s.feedStart > 0, 10_000)).feedStart;

    /** Waits for quiet and FRR's own counters to agree; returns the time of the last UPDATE to a receiver. */
    const settle = async (phase: string, since: number, want: (n: string) => number) => {
      const end = Date.now() + PHASE_TIMEOUT_MS;
      let lastLog = 0;
      let lastQuietLog = 0;
      let lastTaken = '';
      for (;;) {
        await sleep(500);
        const s = status!;
        const rec = s.peers.filter((p) => !p.name.startsWith('feed-'));
        const last = Math.max(since, ...rec.map((p) => p.lastUpdate));
        const fedAll = s.peers.filter((p) => p.name.startsWith('feed-')).every((p) => p.fedAt !== undefined);
        if (Date.now() - lastLog > 30_000) {
          lastLog = Date.now();
          ctx.log(
            `${phase}: ${((s.t - since) / 1000).toFixed(0)} s, received ${rec.reduce((x, p) => x + p.count, 0)} of ${rec.reduce((x, p) => x + want(p.name), 0)} expected, bgpd cpu ${procCpu(bgpdPid).toFixed(1)} s, rss ${(procHwm(bgpdPid) / 2 ** 30).toFixed(2)} GiB`,
          );
        }
        if (Date.now() > end) throw new Error(`${phase} did not settle in ${PHASE_TIMEOUT_MS / 60000} min`);
        // Counts that already equal the verifier's need the short quiet; counts that differ (a finding, or
        // bgpd still busy without sending) need 30 s of silence before they are taken as final.
        const allThere = rec.every((p) => p.count === want(p.name));
        const quietFor = allThere ? QUIET_MS : Math.max(QUIET_MS, 30_000);
        if (!fedAll || s.t - last < quietFor) continue;
        // Quiet: ask bgpd whether it has taken in all that was fed and sent all it holds for each neighbour.
        const frr = frrSummary(vty);
        // What bgpd took in from the feeds must be stable (it may refuse some routes: a finding, below).
        const taken = [...fed.keys()].map((x) => frr.get(x)?.pfxRcd ?? 0).join(',');
        const inOk = taken === lastTaken;
        lastTaken = taken;
        const outOk = rec.every((p) => frr.get(p.name)?.pfxSnt === p.count);
        if (inOk && outOk) return { last, frr, status: s };
        if (Date.now() - lastQuietLog > 30_000) {
          lastQuietLog = Date.now();
          const ins = [...fed].map(([x, n]) => `${x} ${frr.get(x)?.pfxRcd ?? 0}/${n}`).join(', ');
          const outs = rec
            .filter((p) => frr.get(p.name)?.pfxSnt !== p.count)
            .map((p) => `${p.name} ${frr.get(p.name)?.pfxSnt}/${p.count}`);
          ctx.log(
            `${phase}: quiet but bgpd's counters differ: received ${ins}; sent/received ${outs.join(', ') || 'agree'}`,
          );
        }
      }
    };
    const b = await settle('before', feedStart, (n) => expected.get(n)?.exported_before ?? -1);
    const cpu1 = procCpu(bgpdPid);
    const frrBefore = (b.last - feedStart) / 1000;
    ctx.log(`FRR converged the table in ${frrBefore.toFixed(1)} s (bgpd ${(cpu1 - cpu0).toFixed(1)} s cpu)`);

    const applyAt = performance.timeOrigin + performance.now();
    const args = ['--vty_socket', vty];
    for (const c of change) args.push('-c', c);
    execFileSync('vtysh', args, { stdio: 'pipe' });
    const a = await settle('after', applyAt, (n) => expected.get(n)?.exported_after ?? -1);
    const cpu2 = procCpu(bgpdPid);
    const frrAfter = (a.last - applyAt) / 1000;
    const hwm = procHwm(bgpdPid);
    ctx.log(`FRR reconverged after the change in ${frrAfter.toFixed(1)} s (bgpd ${(cpu2 - cpu1).toFixed(1)} s cpu)`);

    // Per-neighbour agreement with the verifier.
    const rec = (st: Status) => new Map(st.peers.filter((p) => !p.name.startsWith('feed-')).map((p) => [p.name, p]));
    const rb = rec(b.status);
    const ra = rec(a.status);
    const disagree: string[] = [];
    for (const n of receivers) {
      const gb = rb.get(n.neighbor)!;
      const ga = ra.get(n.neighbor)!;
      if (gb.count !== n.exported_before || ga.count !== n.exported_after || gb.unknown || ga.unknown)
        disagree.push(
          `${n.neighbor}: FRR ${gb.count}/${ga.count} vs verify ${n.exported_before}/${n.exported_after}${ga.unknown ? ` (${ga.unknown} unknown prefixes)` : ''}`,
        );
    }
    const agreeText =
      disagree.length === 0
        ? `all ${receivers.length} neighbours agree with verify() before and after`
        : `${receivers.length - disagree.length} of ${receivers.length} neighbours agree; disagreements: ${disagree.join('; ')}`;
    ctx.log(agreeText);
    const refused = [...fed]
      .map(([x, n]) => [x, n - (b.frr.get(x)?.pfxRcd ?? 0)] as const)
      .filter(([, n]) => n !== 0)
      .map(([x, n]) => `${n} from ${x}`);
    let explained = '';
    let explainedAgree: number | undefined;
    if (explanation) {
      const want = new Map(explanation.neighbors.map((n) => [n.neighbor, n]));
      const off = receivers.filter((n) => {
        const w = want.get(n.neighbor)!;
        return rb.get(n.neighbor)!.count !== w.exported_before || ra.get(n.neighbor)!.count !== w.exported_after;
      });
      explainedAgree = receivers.length - off.length;
      explained = `; with the routes bgpd refuses left out (${explanation.refused}: own AS in the path, or AS 0 over eBGP) and LONG decided by glibc regexec (${explanation.longMatched} distinct paths match, ${explanation.longShort} of them shorter than 12 ASes), verify() predicts FRR's count for ${receivers.length - off.length} of ${receivers.length} neighbours${off.length ? ` (not: ${off.map((n) => `${n.neighbor} FRR ${rb.get(n.neighbor)!.count}/${ra.get(n.neighbor)!.count} vs ${want.get(n.neighbor)!.exported_before}/${want.get(n.neighbor)!.exported_after}`).join(', ')})` : ''}`;
      ctx.log(explained.slice(2));
    }
    for (const n of receivers)
      ctx.log(
        `  ${n.neighbor.padEnd(10)} before ${rb.get(n.neighbor)!.count} (verify ${n.exported_before}), after ${ra.get(n.neighbor)!.count} (verify ${n.exported_after})`,
      );
    const frrTotal = frrBefore + frrAfter;
    const frrCpu = cpu2 - cpu0;
    const peersCpu = a.status.cpuSeconds;
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const what = `${v4} IPv4 + ${table.length - v4} IPv6 routes, ${receivers.length} neighbours; load average ${load} at the end`;
    const results: BenchResult[] = [
      {
        name: 'policy.frr_converge_before.seconds',
        unit: 's',
        value: Number(frrBefore.toFixed(2)),
        note: `bgpd 8.4 (-Z, no FIB) from the first UPDATE fed to the last UPDATE received by any of the 20 neighbours, ${what}; bgpd CPU ${(cpu1 - cpu0).toFixed(1)} s`,
      },
      {
        name: 'policy.frr_converge_after.seconds',
        unit: 's',
        value: Number(frrAfter.toFixed(2)),
        note: `from the vtysh change (benchConfig(true)) to the last UPDATE it caused; includes the 1 s route-map delay-timer; bgpd CPU ${(cpu2 - cpu1).toFixed(1)} s`,
      },
      {
        name: 'policy.frr_total.seconds',
        unit: 's',
        value: Number(frrTotal.toFixed(2)),
        note: `before + after; bgpd CPU ${frrCpu.toFixed(1)} s, peak RSS ${(hwm / 2 ** 30).toFixed(2)} GiB; the feed/receiver process used ${peersCpu.toFixed(1)} s CPU`,
      },
      {
        name: 'policy.frr_total.cpu_seconds',
        unit: 's',
        value: Number(frrCpu.toFixed(2)),
        note: 'user + system CPU of bgpd over both phases (from /proc)',
      },
      {
        name: 'policy.frr_ratio.seconds',
        unit: 'ratio',
        value: Number((oursWall / frrTotal).toFixed(3)),
        peer: 'FRR bgpd 8.4',
        peerValue: Number(frrTotal.toFixed(2)),
        ratio: Number((oursWall / frrTotal).toFixed(3)),
        goal: '< 1',
        note: `verify() wall ${oursWall.toFixed(2)} s (cpu ${oursCpu.toFixed(2)} s${rounds > 1 ? `, median of ${rounds}: ${walls.map((x) => x.toFixed(1)).join(', ')} s` : ''}) over FRR's total convergence ${frrTotal.toFixed(2)} s, same run; CPU ratio ${(oursCpu / frrCpu).toFixed(3)}`,
      },
      {
        name: 'policy.frr_agreement.neighbors',
        unit: 'neighbours',
        value: receivers.length - disagree.length,
        goal: `= ${receivers.length}`,
        note: `${agreeText}; bgpd refused ${refused.join(', ') || 'none'} of the fed routes${explained}`,
      },
    ];
    if (explainedAgree !== undefined)
      results.push({
        name: 'policy.frr_agreement_explained.neighbors',
        unit: 'neighbours',
        value: explainedAgree,
        goal: `= ${receivers.length}`,
        note: `verify() again (untimed) with the routes bgpd refuses on import left out and LONG decided by glibc's regexec, as bgpd does (bench/policy-frr-explain.ts)${explained}`,
      });
    return results;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (child && child.exitCode === null) {
      child.stdin!.write('quit\n');
      await Promise.race([new Promise((r) => child!.once('exit', r)), sleep(3000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    if (bgpdPid) {
      try {
        process.kill(bgpdPid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    if (bgpd && bgpd.exitCode === null) await Promise.race([new Promise((r) => bgpd!.once('exit', r)), sleep(10_000)]);
    if (bgpdPid) {
      try {
        process.kill(bgpdPid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    try {
      ip('netns', 'del', NS);
    } catch {
      // gone
    }
    rmSync(join('/var/run/frr', NS), { recursive: true, force: true });
    if (!process.env.FAILSMALL_POLICY_FRR_KEEP) rmSync(dir, { recursive: true, force: true });
    else ctx.log(`kept ${dir}`);
  }
};

export default bench;
