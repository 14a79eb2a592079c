// System test (lab): a BIRD 2 edge (AS64500) originates 203.0.113.0/24 and peers with an FRR upstream
// (AS64510) and with the monitor's BGP collector; FRR streams BMP (pre- and post-policy Adj-RIB-In) to the
// monitor's BMP station. Withdrawing the prefix at the edge must raise visibility-loss within 5 s and halt
// a running rollout through the Signals port (today's engine over the simulated fleet); re-announcing it
// must resolve the alert. BIRD runs in namespace fsm14e, FRR in fsm14u (its own pathspace -N, no zebra),
// joined by a veth; each has a veth to the test's namespace where the monitor listens (ports 18514-18515).
// The namespaces (and their veths) are deleted afterwards; no system-wide FRR or BIRD state is touched.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { parsePrefix } from '../lib/prefix.js';
import type { AlertRecord } from '../monitor/alerts.js';
import { loadMonitorSetup } from '../monitor/feeds/files.js';
import { type MonitorService, startMonitorService } from '../monitor/feeds/service.js';
import { createSimulation } from '../sim/simulation.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { simTopology } from '../sim/topology.js';
import { compile } from '../snapshot/compile.js';
import { commandMissing, describeIfAvailable } from '../testing/env.js';
import { MonitorSignalBridge } from './monitor-serve.js';

const BGPD = '/usr/lib/frr/bgpd';
const missing =
  commandMissing('bird') ??
  commandMissing('birdc') ??
  commandMissing('ip') ??
  (existsSync(BGPD) ? null : `${BGPD} (frr) not installed`) ??
  (process.getuid?.() === 0 ? null : 'root (network namespaces) needed');

const MON_E = '10.214.0.1'; // the monitor, as the edge reaches it
const MON_U = '10.214.1.1'; // the monitor, as the upstream reaches it
const EDGE = '10.214.2.1';
const UP = '10.214.2.2';
const NS = ['fsm14e', 'fsm14u'];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function labUp(): void {
  labDown();
  for (const n of NS) ip('netns', 'add', n);
  ip('link', 'add', 'fsm14e0', 'type', 'veth', 'peer', 'name', 'fsm14e1', 'netns', 'fsm14e');
  ip('link', 'add', 'fsm14u0', 'type', 'veth', 'peer', 'name', 'fsm14u1', 'netns', 'fsm14u');
  ip('-n', 'fsm14e', 'link', 'add', 'fsm14x0', 'type', 'veth', 'peer', 'name', 'fsm14x1', 'netns', 'fsm14u');
  ip('addr', 'add', `${MON_E}/30`, 'dev', 'fsm14e0');
  ip('addr', 'add', `${MON_U}/30`, 'dev', 'fsm14u0');
  ip('link', 'set', 'fsm14e0', 'up');
  ip('link', 'set', 'fsm14u0', 'up');
  ip('-n', 'fsm14e', 'addr', 'add', '10.214.0.2/30', 'dev', 'fsm14e1');
  ip('-n', 'fsm14u', 'addr', 'add', '10.214.1.2/30', 'dev', 'fsm14u1');
  ip('-n', 'fsm14e', 'addr', 'add', `${EDGE}/30`, 'dev', 'fsm14x0');
  ip('-n', 'fsm14u', 'addr', 'add', `${UP}/30`, 'dev', 'fsm14x1');
  for (const [n, devs] of [
    ['fsm14e', ['lo', 'fsm14e1', 'fsm14x0']],
    ['fsm14u', ['lo', 'fsm14u1', 'fsm14x1']],
  ] as const) {
    for (const d of devs) ip('-n', n, 'link', 'set', d, 'up');
  }
}

function labDown(): void {
  for (const n of NS) {
    try {
      ip('netns', 'del', n);
    } catch {
      // not there
    }
  }
}
const PREFIX = '203.0.113.0/24';

const procs: ChildProcess[] = [];
const dirs: string[] = [];
let svc: MonitorService | undefined;
afterAll(async () => {
  await svc?.close();
  for (const p of procs) if (p.pid && p.exitCode === null) p.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  labDown();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const until = async (what: string, cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

function birdConfig(dir: string): string {
  return `router id ${EDGE};
log "${dir}/bird.log" all;
protocol device {}
protocol static edge4 { ipv4; route ${PREFIX} blackhole; }
protocol bgp up {
  local ${EDGE} port 18511 as 64500;
  neighbor ${UP} port 18513 as 64510;
  connect retry time 1;
  ipv4 { import all; export where source = RTS_STATIC; };
}
protocol bgp collector {
  local 10.214.0.2 port 18511 as 64500;
  neighbor ${MON_E} port 18515 as 64512;
  connect retry time 1;
  ipv4 { import none; export where source = RTS_STATIC; };
}
`;
}

function frrConfig(dir: string): string {
  return `frr defaults traditional
hostname fsm14-up
log file ${dir}/bgpd.log
!
router bgp 64510
 bgp router-id ${UP}
 no bgp ebgp-requires-policy
 timers bgp 3 9
 neighbor ${EDGE} remote-as 64500
 neighbor ${EDGE} port 18511
 neighbor ${EDGE} update-source ${UP}
 neighbor ${EDGE} timers connect 1
 ! FRR 8.4 sends pre-policy Route Monitoring only from a stored Adj-RIB-In (FRRouting/frr#10240)
 address-family ipv4 unicast
  neighbor ${EDGE} soft-reconfiguration inbound
 exit-address-family
 !
 bmp targets fsm14
  bmp monitor ipv4 unicast pre-policy
  bmp monitor ipv4 unicast post-policy
  bmp connect ${MON_U} port 18514 min-retry 100 max-retry 1000
 exit
!
`;
}

describeIfAvailable('lab: FRR → BMP and BIRD → BGP collector; visibility-loss halts a rollout', missing, () => {
  it('withdrawal at the edge: alert within 5 s, rollout halted; re-announcement resolves it', {
    timeout: 90_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fsm14-lab-'));
    dirs.push(dir);
    // The rollout that must be halted: today's engine over the simulated fleet, its canary baking.
    const topo = simTopology(6, 1);
    const sim = await createSimulation({
      locations: topo,
      engine: {
        stages: [
          { name: 'canary', count: 1, bakeMs: 600_000 },
          { name: 'all', fraction: 1, bakeMs: 60_000 },
        ],
      },
    });
    const desired = syntheticDesired({ accounts: 3, prefixes: 20, bindingsPerPrefix: 1 });
    await sim.engine.propose(compile(desired, { locations: topo }), {
      origin: 'compile',
      reason: 'initial',
      actor: 'cli:lab',
    });
    await sim.settle();
    const changed = structuredClone(desired);
    changed.bgp_prefixes[0]!.on_demand.advertised = false;
    const { rollout } = await sim.engine.propose(compile(changed, { locations: topo }), {
      origin: 'compile',
      reason: 'lab change',
      actor: 'cli:lab',
    });
    await sim.run(2000);
    const canary = sim.engine.rollout(rollout.id).stages[0]!.locations[0]!;
    expect(sim.engine.rollout(rollout.id).status).toBe('running');

    writeFileSync(
      join(dir, 'prefixes.yml'),
      `${PREFIX}:\n  description: lab edge\n  asn: 64500\n  ignoreMorespecifics: false\n`,
    );
    writeFileSync(
      join(dir, 'monitor.yml'),
      `asns: [64500]
prefixes: prefixes.yml
visibility: { min_peers_fraction: 0.8, fade_off_s: 1 }
feeds: { bmp: { listen: "${MON_U}:18514" }, bgp: { listen: "${MON_E}:18515", asn: 64512 } }
locations: { ${canary}: [${PREFIX}] }
`,
    );
    labUp();
    const alerts: { at: number; a: AlertRecord }[] = [];
    svc = await startMonitorService(await loadMonitorSetup(join(dir, 'monitor.yml')), {
      onAlert: (a) => alerts.push({ at: Date.now(), a }),
    });
    const bridge = new MonitorSignalBridge(sim.loop.control, () => sim.clock.now());

    writeFileSync(join(dir, 'bird.conf'), birdConfig(dir));
    writeFileSync(join(dir, 'bgpd.conf'), frrConfig(dir));
    const ctl = join(dir, 'bird.ctl');
    procs.push(
      spawn(
        'ip',
        ['netns', 'exec', 'fsm14e', 'bird', '-f', '-c', join(dir, 'bird.conf'), '-s', ctl, '-P', join(dir, 'bird.pid')],
        { stdio: 'ignore' },
      ),
    );
    procs.push(
      spawn(
        'ip',
        [
          'netns',
          'exec',
          'fsm14u',
          BGPD,
          '-M',
          'bmp',
          '-Z',
          '-S',
          '-N',
          'fsm14',
          '-f',
          join(dir, 'bgpd.conf'),
          '-i',
          join(dir, 'bgpd.pid'),
          '-l',
          UP,
          '-p',
          '18513',
          '-P',
          '0',
          '--vty_socket',
          dir,
        ],
        { stdio: 'ignore' },
      ),
    );
    const visible = () => svc!.monitor.visibility(parsePrefix(PREFIX));
    // Three sessions carry the prefix: the collector session with BIRD, FRR's pre- and post-policy views.
    try {
      await until('three sessions with the prefix', () => visible()?.now === 3, 30_000);
    } catch (e) {
      const birdState = execFileSync('birdc', ['-s', ctl, 'show', 'protocols', 'all']).toString();
      throw new Error(
        `${(e as Error).message}: visibility ${JSON.stringify(visible())}, routes ${JSON.stringify(svc.monitor.routesFor(parsePrefix(PREFIX)))}, BMP ${JSON.stringify(svc.bmp?.counters)}, BGP ${JSON.stringify(svc.bgp?.counters)}\n${birdState}`,
      );
    }
    // FRR 8.4 prepends its own AS to BMP Adj-RIB-In paths (FRRouting/frr#21815); the station undoes it.
    expect(svc.monitor.routesFor(parsePrefix(PREFIX)).map((r) => r.path)).toEqual([[64500], [64500], [64500]]);
    await bridge.sync(svc.verdicts());
    expect(sim.signals.verdicts(0).at(-1)).toMatchObject({ source: 'monitor', location: canary, status: 'pass' });

    const withdrawnAt = Date.now();
    execFileSync('birdc', ['-s', ctl, 'disable', 'edge4']);
    await until('visibility-loss', () => alerts.some((x) => x.a.rule === 'visibility-loss'), 5000);
    const alert = alerts.find((x) => x.a.rule === 'visibility-loss')!;
    expect(alert.at - withdrawnAt).toBeLessThan(5000);
    console.log(`lab: withdrawal → visibility-loss alert in ${alert.at - withdrawnAt} ms (fade_off_s 1)`);
    expect(alert.a).toMatchObject({ prefix: PREFIX, origin_as: 64500 });
    expect(alert.a.peers.some((p) => p.startsWith('bgp:10.214.0.2'))).toBe(true);
    expect(alert.a.peers.some((p) => p.startsWith('bmp:'))).toBe(true);

    await bridge.sync(svc.verdicts());
    expect(sim.signals.verdicts(0).at(-1)).toMatchObject({ location: canary, status: 'fail' });
    await sim.run(2000);
    expect(sim.engine.rollout(rollout.id).status).toBe('rolled-back');
    expect(sim.engine.rollout(rollout.id).halt?.reason).toMatch(/visibility-loss/);

    execFileSync('birdc', ['-s', ctl, 'enable', 'edge4']);
    await until('resolved', () => alerts.some((x) => x.a.rule === 'visibility-loss' && x.a.resolved === true), 10_000);
    expect(visible()?.now).toBeGreaterThanOrEqual(3 * 0.8);
  });
});
