// The lab: real daemons in network namespaces on one machine. N edge locations, each a namespace with
// BIRD 2 (and, when the caller starts them, an agent), an upstream router namespace with FRR (zebra +
// bgpd) peering eBGP with every edge, a client namespace routed through the upstream, and TCP services
// in each edge bound to addresses inside the prefixes the edges announce. Announcing a prefix makes the
// client's TCP connect succeed; withdrawing it everywhere makes it fail.
//
// Everything the lab makes is recorded in <dir>/lab.json as it is made, so stopLab() (`lab down`)
// removes it all from another process, after a crash or a failed run.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXPORT_FILTER, renderInclude } from '../agent/bird-render.js';
import type { LocationView } from '../snapshot/view.js';
import { alive, must, run, sleep, start, waitFor } from './exec.js';

export interface LabOptions {
  /** Namespace/interface prefix; must start with "fsl" and be at most 7 characters. */
  name?: string;
  /** Working directory (configs, sockets, logs, lab.json). */
  dir?: string;
  /** Edge location ids, one namespace each (default lab1, lab2, lab3). */
  locations?: readonly string[];
  upstreamAs?: number;
  edgeAs?: number;
  /** Install BGP routes into the upstream's kernel (zebra). Off for benchmarks that only count routes. */
  fib?: boolean;
  /** TCP port the edge services listen on (inside the edge namespaces). */
  servicePort?: number;
  /** Extra lines for FRR's `router bgp` block (e.g. more neighbours for benchmarks). */
  frrExtra?: readonly string[];
}

export interface LabEdge {
  location: string;
  ns: string;
  /** The edge's address on its link to the upstream, and the upstream's. */
  address: string;
  upstreamAddress: string;
  birdSocket: string;
  birdConfig: string;
  includePath: string;
  /** BGP protocol name of the upstream session in BIRD. */
  session: string;
  dir: string;
}

export interface LabState {
  name: string;
  dir: string;
  namespaces: string[];
  pids: Record<string, number>;
  frrPathspace: string;
}

export interface Lab {
  name: string;
  dir: string;
  edges: LabEdge[];
  upstream: { ns: string; as: number; vtyDir: string; clientSide: string };
  client: { ns: string; address: string };
  edgeAs: number;
  servicePort: number;
  /** Runs a command inside one of the lab's namespaces. */
  exec(ns: string, cmd: string, args: readonly string[]): Promise<string>;
  /** A vtysh command on the upstream FRR. */
  vtysh(command: string): Promise<string>;
  /** Prefixes the upstream's BGP table holds right now (best paths), with the edge address of each path. */
  upstreamRoutes(): Promise<Map<string, string[]>>;
  /** The upstream's BGP neighbours (state, prefixes received, connections established). */
  upstreamPeers(): Promise<
    Record<string, { state: string; pfxRcd: number; connectionsEstablished: number; peerUptimeMsec: number }>
  >;
  /** Adds service addresses (e.g. 198.18.1.1) on the edge's loopback. */
  addServiceAddress(location: string, address: string): Promise<void>;
  startBird(location: string): Promise<void>;
  killBird(location: string, signal?: NodeJS.Signals): Promise<void>;
  /** Records a process the caller started for the lab (agents, serve), so stop() ends it too. */
  track(label: string, pid: number): void;
  untrack(label: string): void;
  /** The pid of a tracked process, or undefined. */
  pid(label: string): number | undefined;
  stop(): Promise<{ killed: number; namespaces: number }>;
}

const DEFAULT_LOCATIONS = ['lab1', 'lab2', 'lab3'];

function saveState(s: LabState): void {
  writeFileSync(join(s.dir, 'lab.json'), `${JSON.stringify(s, null, 2)}\n`);
}

export function defaultLabDir(name: string): string {
  return join('/tmp', `failsmall-lab-${name}`);
}

function emptyView(location: string): LocationView {
  return {
    snapshotId: '-',
    snapshotNumber: 0,
    location,
    announcements: [],
    bindings: [],
    announceDigest: '0:00000000000000000000000000000000',
    announceCount: 0,
    bindingDigest: '0:00000000000000000000000000000000',
    bindingCount: 0,
    withdrawAll: null,
  };
}

function birdConfig(e: LabEdge, edgeAs: number, upstreamAs: number): string {
  return `# failsmall lab edge ${e.location}
router id ${e.address};
log "${join(e.dir, 'bird.log')}" { info, remote, warning, error, auth, fatal, bug };
protocol device {}
include "${e.includePath}";
protocol bgp ${e.session} {
  local ${e.address} as ${edgeAs};
  neighbor ${e.upstreamAddress} as ${upstreamAs};
  hold time 9;
  keepalive time 3;
  connect retry time 1;
  error wait time 1, 5;
  ipv4 { import none; export filter ${EXPORT_FILTER}; };
}
`;
}

function frrConfig(lab: {
  edges: LabEdge[];
  upstreamAs: number;
  edgeAs: number;
  routerId: string;
  dir: string;
  extra: readonly string[];
}): string {
  const n = lab.edges.map((e) => e.address);
  return [
    'frr defaults traditional',
    'hostname fsl-upstream',
    `log file ${join(lab.dir, 'upstream', 'frr.log')} informational`,
    `router bgp ${lab.upstreamAs}`,
    ` bgp router-id ${lab.routerId}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ' bgp bestpath as-path multipath-relax',
    ...n.flatMap((a) => [
      ` neighbor ${a} remote-as ${lab.edgeAs}`,
      ` neighbor ${a} timers 3 9`,
      ` neighbor ${a} timers connect 1`,
    ]),
    ...lab.extra,
    ' address-family ipv4 unicast',
    '  maximum-paths 8',
    ' exit-address-family',
    '',
  ].join('\n');
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const name = opts.name ?? 'fsl13';
  if (!/^fsl[a-z0-9]{0,4}$/.test(name))
    throw new Error(`lab name ${name}: must be "fsl" and at most 4 more of [a-z0-9]`);
  const dir = opts.dir ?? defaultLabDir(name);
  const locations = opts.locations ?? DEFAULT_LOCATIONS;
  const upstreamAs = opts.upstreamAs ?? 64500;
  const edgeAs = opts.edgeAs ?? 65010;
  const servicePort = opts.servicePort ?? 80;
  if (existsSync(join(dir, 'lab.json'))) await stopLab(dir);
  // A lab starts from nothing: no configuration, database or agent state of an earlier run.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const state: LabState = { name, dir, namespaces: [], pids: {}, frrPathspace: `${name}u` };
  saveState(state);
  const upNs = `${name}u`;
  const clientNs = `${name}c`;
  const edges: LabEdge[] = locations.map((location, i) => {
    const d = join(dir, location);
    return {
      location,
      ns: `${name}e${i + 1}`,
      address: `100.64.${i + 1}.1`,
      upstreamAddress: `100.64.${i + 1}.2`,
      birdSocket: join(d, 'bird.ctl'),
      birdConfig: join(d, 'bird.conf'),
      includePath: join(d, 'failsmall.conf'),
      session: 'upstream',
      dir: d,
    };
  });
  const addNs = async (ns: string) => {
    await run('ip', ['netns', 'del', ns]);
    await must('ip', ['netns', 'add', ns]);
    state.namespaces.push(ns);
    saveState(state);
    await must('ip', ['link', 'set', 'lo', 'up'], ns);
  };
  const veth = async (a: string, nsA: string, addrA: string, b: string, nsB: string, addrB: string) => {
    await must('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    await must('ip', ['link', 'set', a, 'netns', nsA]);
    await must('ip', ['link', 'set', b, 'netns', nsB]);
    await must('ip', ['addr', 'add', addrA, 'dev', a], nsA);
    await must('ip', ['addr', 'add', addrB, 'dev', b], nsB);
    await must('ip', ['link', 'set', a, 'up'], nsA);
    await must('ip', ['link', 'set', b, 'up'], nsB);
  };
  const track = (label: string, pid: number) => {
    state.pids[label] = pid;
    saveState(state);
  };
  try {
    await addNs(upNs);
    await addNs(clientNs);
    await must('sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1'], upNs);
    await veth(`${name}ca`, clientNs, '100.64.200.1/30', `${name}cb`, upNs, '100.64.200.2/30');
    await must('ip', ['route', 'add', 'default', 'via', '100.64.200.2'], clientNs);
    for (const [i, e] of edges.entries()) {
      await addNs(e.ns);
      await veth(`${name}e${i + 1}a`, e.ns, `${e.address}/30`, `${name}e${i + 1}b`, upNs, `${e.upstreamAddress}/30`);
      await must('ip', ['route', 'add', 'default', 'via', e.upstreamAddress], e.ns);
      mkdirSync(e.dir, { recursive: true });
      writeFileSync(e.birdConfig, birdConfig(e, edgeAs, upstreamAs));
      writeFileSync(e.includePath, renderInclude(emptyView(e.location), { localAs: edgeAs }));
    }
    // FRR: zebra and bgpd in their own pathspace, files in the lab directory, running as user frr.
    const up = join(dir, 'upstream');
    mkdirSync(up, { recursive: true });
    writeFileSync(join(up, 'zebra.conf'), 'hostname fsl-upstream\n');
    writeFileSync(
      join(up, 'bgpd.conf'),
      frrConfig({ edges, upstreamAs, edgeAs, routerId: '100.64.200.2', dir, extra: opts.frrExtra ?? [] }),
    );
    writeFileSync(join(up, 'vtysh.conf'), '');
    for (const f of ['', 'zebra.conf', 'bgpd.conf', 'vtysh.conf']) chownFrr(join(up, f));
    const common = ['-N', state.frrPathspace, '-z', join(up, 'zserv.api'), '--vty_socket', up, '-P', '0'];
    if (opts.fib !== false) {
      await must(
        '/usr/lib/frr/zebra',
        ['-d', '-f', join(up, 'zebra.conf'), '-i', join(up, 'zebra.pid'), ...common],
        upNs,
      );
      track('zebra', await readPid(join(up, 'zebra.pid')));
    }
    await must(
      '/usr/lib/frr/bgpd',
      [
        '-d',
        '-f',
        join(up, 'bgpd.conf'),
        '-i',
        join(up, 'bgpd.pid'),
        '-p',
        '179',
        ...(opts.fib === false ? ['-Z'] : []),
        ...common,
      ],
      upNs,
    );
    track('bgpd', await readPid(join(up, 'bgpd.pid')));
    for (const e of edges) {
      await startBirdAt(e, track);
      // One TCP service per edge on every local address (service addresses sit on lo): it answers with the location's name.
      const svc = start(
        process.execPath,
        ['-e', SERVICE_JS, e.location, String(servicePort)],
        e.ns,
        join(e.dir, 'service.log'),
      );
      if (svc.pid) track(`service-${e.location}`, svc.pid);
    }
  } catch (err) {
    await stopLab(dir).catch(() => undefined);
    throw err;
  }

  const lab: Lab = {
    name,
    dir,
    edges,
    upstream: { ns: upNs, as: upstreamAs, vtyDir: join(dir, 'upstream'), clientSide: '100.64.200.2' },
    client: { ns: clientNs, address: '100.64.200.1' },
    edgeAs,
    servicePort,
    exec: (ns, cmd, args) => must(cmd, args, ns),
    vtysh: (command) => must('vtysh', ['--vty_socket', join(dir, 'upstream'), '-c', command]),
    async upstreamRoutes() {
      const j = JSON.parse(await lab.vtysh('show bgp ipv4 unicast json')) as {
        routes?: Record<string, { peerId?: string; nexthops?: { ip: string }[] }[]>;
      };
      const out = new Map<string, string[]>();
      for (const [p, paths] of Object.entries(j.routes ?? {}))
        out.set(
          p,
          paths.map((x) => x.peerId ?? x.nexthops?.[0]?.ip ?? '?'),
        );
      return out;
    },
    async upstreamPeers() {
      const j = JSON.parse(await lab.vtysh('show bgp ipv4 unicast summary json')) as {
        peers?: Record<
          string,
          { state: string; pfxRcd?: number; connectionsEstablished?: number; peerUptimeMsec?: number }
        >;
      };
      const out: Awaited<ReturnType<Lab['upstreamPeers']>> = {};
      for (const [a, p] of Object.entries(j.peers ?? {}))
        out[a] = {
          state: p.state,
          pfxRcd: p.pfxRcd ?? 0,
          connectionsEstablished: p.connectionsEstablished ?? 0,
          peerUptimeMsec: p.peerUptimeMsec ?? 0,
        };
      return out;
    },
    async addServiceAddress(location, address) {
      const e = edgeOf(location);
      const r = await run('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo'], e.ns);
      if (r.code !== 0 && !r.stderr.includes('exists')) throw new Error(r.stderr);
    },
    startBird: (location) => startBirdAt(edgeOf(location), track),
    async killBird(location, signal = 'SIGKILL') {
      const pid = state.pids[`bird-${location}`];
      if (pid && alive(pid)) process.kill(pid, signal);
      if (pid) await waitFor(`bird ${location} to exit`, 10_000, async () => (alive(pid) ? undefined : true));
      delete state.pids[`bird-${location}`];
      saveState(state);
    },
    track,
    pid: (label) => state.pids[label],
    untrack(label) {
      delete state.pids[label];
      saveState(state);
    },
    stop: () => stopLab(dir),
  };
  function edgeOf(location: string): LabEdge {
    const e = edges.find((x) => x.location === location);
    if (!e) throw new Error(`no lab edge ${location}`);
    return e;
  }
  // Every session up before the caller starts.
  await waitFor(
    'every edge session established',
    60_000,
    async () => {
      const peers = await lab.upstreamPeers();
      return edges.every((e) => peers[e.address]?.state === 'Established') ? true : undefined;
    },
    200,
  );
  return lab;
}

const SERVICE_JS = `const [name, port] = process.argv.slice(1);
require('node:net').createServer((c) => { c.on('error', () => {}); c.end(name + '\\n'); }).listen(Number(port), '0.0.0.0');`;

function chownFrr(path: string): void {
  const uid = Number(readFileSync('/etc/passwd', 'utf8').match(/^frr:[^:]*:(\d+):(\d+):/m)?.[1] ?? Number.NaN);
  const gid = Number(readFileSync('/etc/passwd', 'utf8').match(/^frr:[^:]*:\d+:(\d+):/m)?.[1] ?? Number.NaN);
  if (Number.isInteger(uid) && Number.isInteger(gid)) chownSync(path, uid, gid);
}

async function readPid(file: string): Promise<number> {
  return waitFor(`pid file ${file}`, 10_000, async () => {
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  });
}

async function startBirdAt(e: LabEdge, track: (label: string, pid: number) => void): Promise<void> {
  const pidFile = join(e.dir, 'bird.pid');
  rmSync(pidFile, { force: true });
  await must('bird', ['-c', e.birdConfig, '-s', e.birdSocket, '-P', pidFile], e.ns);
  track(`bird-${e.location}`, await readPid(pidFile));
}

/** `lab down`: ends every process and removes every namespace that <dir>/lab.json records. */
export async function stopLab(dir: string): Promise<{ killed: number; namespaces: number }> {
  const file = join(dir, 'lab.json');
  if (!existsSync(file)) return { killed: 0, namespaces: 0 };
  const s = JSON.parse(readFileSync(file, 'utf8')) as LabState;
  let killed = 0;
  for (const pid of Object.values(s.pids)) {
    if (!alive(pid)) continue;
    try {
      process.kill(pid, 'SIGTERM');
      killed++;
    } catch {
      // gone meanwhile
    }
  }
  const t0 = Date.now();
  while (Object.values(s.pids).some(alive) && Date.now() - t0 < 3000) await sleep(50);
  for (const pid of Object.values(s.pids)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  let removed = 0;
  for (const ns of s.namespaces) {
    // Processes still inside a namespace (started by a caller and not tracked) go with it.
    const pids = (await run('ip', ['netns', 'pids', ns])).stdout.split(/\s+/).filter(Boolean).map(Number);
    for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if ((await run('ip', ['netns', 'del', ns])).code === 0) removed++;
  }
  rmSync(join('/var/run/frr', s.frrPathspace), { recursive: true, force: true });
  rmSync(file, { force: true });
  return { killed, namespaces: removed };
}
