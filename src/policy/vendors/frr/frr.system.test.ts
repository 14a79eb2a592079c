// Differential test against real FRR: every FRR conformance case (conformance.case.ts) runs in a bgpd of
// its own inside a network namespace (fsv-*), its RIB is fed over a BGP session by ExaBGP, and what bgpd
// advertises to the receiving neighbour must equal the verifier's prediction prefix for prefix and
// attribute for attribute. Two views of bgpd's output are compared: `show bgp ... neighbors X
// advertised-routes json` (prefixes, local-pref, MED, AS path after the policy; FRR 8.4's JSON has no
// communities) and the UPDATEs the receiving ExaBGP decoded on the wire (communities, large communities,
// MED, and the AS path with bgpd's own AS in front).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commandMissing, describeIfAvailable } from '../../../testing/env.js';
import {
  type CaseRoute,
  type Expected,
  FEEDER,
  frrConfig,
  LOCAL_AS,
  POLICY_CASES,
  type PolicyCase,
  predict,
  RECEIVER,
} from '../../conformance.case.js';

const NS = `fsv-diff${process.pid % 100000}`;
const ROUTER = { v4: '10.0.0.1', v6: 'fd00::1' };

function missing(): string | null {
  if (!existsSync('/usr/lib/frr/bgpd')) return 'FRR bgpd (/usr/lib/frr/bgpd) not installed';
  for (const c of ['vtysh', 'exabgp', 'ip']) {
    const m = commandMissing(c);
    if (m) return m;
  }
  if (process.getuid?.() !== 0) return 'root (network namespaces) is required';
  return null;
}

const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'pipe' });
const inNs = (...a: string[]) => execFileSync('ip', ['netns', 'exec', NS, ...a], { stdio: 'pipe' });

function exaRoute(r: CaseRoute): string {
  const v6 = r.prefix.includes(':');
  const parts = [
    `route ${r.prefix} next-hop ${v6 ? FEEDER.v6 : FEEDER.v4}`,
    `as-path [ ${r.as_path.join(' ')} ]`,
    `origin ${r.origin ?? 'igp'}`,
  ];
  if (r.med !== undefined) parts.push(`med ${r.med}`);
  if (r.communities?.length) parts.push(`community [ ${r.communities.join(' ')} ]`);
  if (r.large_communities?.length) parts.push(`large-community [ ${r.large_communities.join(' ')} ]`);
  return `    ${parts.join(' ')};`;
}

function exaConfig(c: PolicyCase, dir: string): string {
  const fam = (v6: boolean) =>
    c.routes
      .filter((r) => r.prefix.includes(':') === v6)
      .map(exaRoute)
      .join('\n');
  const n = (peer: string, local: string, as: number, family: string, body: string) => `neighbor ${peer} {
  router-id ${FEEDER.v4 === local || FEEDER.v6 === local ? FEEDER.v4 : RECEIVER.v4};
  local-address ${local};
  local-as ${as};
  peer-as ${LOCAL_AS};
  family { ${family} unicast; }
${body}
}`;
  const api = '  api { processes [ recv ]; receive { parsed; update; } }';
  return [
    `process recv { run ${join(dir, 'recv.sh')} ${join(dir, 'recv.jsonl')}; encoder json; }`,
    n(ROUTER.v4, FEEDER.v4, FEEDER.as, 'ipv4', `  static {\n${fam(false)}\n  }`),
    n(ROUTER.v6, FEEDER.v6, FEEDER.as, 'ipv6', `  static {\n${fam(true)}\n  }`),
    n(ROUTER.v4, RECEIVER.v4, RECEIVER.as, 'ipv4', api),
    n(ROUTER.v6, RECEIVER.v6, RECEIVER.as, 'ipv6', api),
  ].join('\n');
}

interface Wire {
  as_path: number[];
  med?: number;
  communities: string[];
  large_communities: string[];
}

/** The receiver's view: the UPDATEs ExaBGP decoded, applied in order. */
function wireRoutes(file: string): Map<string, Wire> {
  const out = new Map<string, Wire>();
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    const m = JSON.parse(line) as {
      type?: string;
      neighbor?: { address?: { local?: string }; message?: { update?: Record<string, unknown> } };
    };
    const u = m.neighbor?.message?.update;
    if (m.type !== 'update' || !u) continue;
    const a = (u.attribute ?? {}) as Record<string, unknown>;
    for (const fam of Object.values((u.withdraw ?? {}) as Record<string, { nlri: string }[]>))
      for (const w of fam) out.delete(w.nlri);
    for (const fam of Object.values((u.announce ?? {}) as Record<string, Record<string, { nlri: string }[]>>)) {
      for (const list of Object.values(fam)) {
        for (const x of list) {
          out.set(x.nlri, {
            as_path: (a['as-path'] as number[] | undefined) ?? [],
            ...(a.med !== undefined ? { med: a.med as number } : {}),
            communities: ((a.community as [number, number][] | undefined) ?? []).map(([h, l]) => `${h}:${l}`).sort(),
            large_communities: ((a['large-community'] as [number, number, number][] | undefined) ?? [])
              .map((v) => v.join(':'))
              .sort(),
          });
        }
      }
    }
  }
  return out;
}

interface Advertised {
  path: string;
  locPrf?: number;
  metric?: number;
}

function vtysh(dir: string, cmd: string): string {
  return execFileSync('vtysh', ['--vty_socket', join(dir, 'vty'), '-c', cmd], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function advertised(dir: string): Map<string, Advertised> {
  const out = new Map<string, Advertised>();
  for (const [afi, peer] of [
    ['ipv4', RECEIVER.v4],
    ['ipv6', RECEIVER.v6],
  ] as const) {
    const j = JSON.parse(vtysh(dir, `show bgp ${afi} unicast neighbors ${peer} advertised-routes json`) || '{}') as {
      advertisedRoutes?: Record<string, Advertised>;
    };
    for (const [p, a] of Object.entries(j.advertisedRoutes ?? {})) out.set(p, a);
  }
  return out;
}

function summary(dir: string): { established: number; received: number } {
  let established = 0;
  let received = 0;
  for (const afi of ['ipv4', 'ipv6']) {
    const j = JSON.parse(vtysh(dir, `show bgp ${afi} unicast summary json`) || '{}') as {
      peers?: Record<string, { state: string; pfxRcd?: number }>;
    };
    for (const [addr, p] of Object.entries(j.peers ?? {})) {
      if (p.state === 'Established') established++;
      if (addr === FEEDER.v4 || addr === FEEDER.v6) received += p.pfxRcd ?? 0;
    }
  }
  return { established, received };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runCase(
  c: PolicyCase,
  root: string,
): Promise<{ adv: Map<string, Advertised>; wire: Map<string, Wire> }> {
  const dir = mkdtempSync(join(root, 'case-'));
  execFileSync('mkdir', ['-p', join(dir, 'vty')]);
  // Fast timers: the session comes up at once and updates leave without waiting.
  const conf = frrConfig(c)
    .replace(/^router bgp (\d+)$/m, 'router bgp $1\n coalesce-time 0')
    .replace(
      new RegExp(`^ neighbor (${RECEIVER.v4}|${RECEIVER.v6}) remote-as (\\d+)$`, 'gm'),
      ' neighbor $1 remote-as $2\n neighbor $1 advertisement-interval 0',
    );
  writeFileSync(join(dir, 'frr.conf'), conf);
  writeFileSync(join(dir, 'exa.conf'), exaConfig(c, dir));
  // ExaBGP's API helper: every decoded UPDATE, one JSON object a line, into a file.
  writeFileSync(
    join(dir, 'recv.sh'),
    '#!/usr/bin/env python3\nimport sys\nwith open(sys.argv[1], "a") as f:\n    for line in sys.stdin:\n        f.write(line)\n        f.flush()\n',
  );
  chmodSync(join(dir, 'recv.sh'), 0o755);
  execFileSync('chown', ['-R', 'frr:frr', dir]);
  execFileSync('chmod', ['-R', 'a+rwx', dir]);
  const bgpd = spawn(
    'ip',
    [
      'netns',
      'exec',
      NS,
      '/usr/lib/frr/bgpd',
      '-f',
      join(dir, 'frr.conf'),
      '-N',
      NS,
      '-i',
      join(dir, 'bgpd.pid'),
      '--vty_socket',
      join(dir, 'vty'),
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
  let exa: ChildProcess | undefined;
  try {
    for (let i = 0; i < 50 && !existsSync(join(dir, 'vty', 'bgpd.vty')); i++) await sleep(100);
    exa = spawn(
      'ip',
      [
        'netns',
        'exec',
        NS,
        'env',
        'exabgp.daemon.user=root',
        'exabgp.api.cli=false',
        'exabgp.log.destination=stdout',
        'exabgp.log.level=WARNING',
        'exabgp',
        join(dir, 'exa.conf'),
      ],
      { stdio: 'ignore' },
    );
    const want = c.routes.length;
    let stable = 0;
    let last = '';
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      await sleep(150);
      const s = summary(dir);
      if (s.established < 4 || s.received < want) continue;
      const now =
        JSON.stringify([...advertised(dir)]) +
        readFileSync(join(dir, 'recv.jsonl'), { encoding: 'utf8', flag: 'a+' }).length;
      stable = now === last ? stable + 1 : 0;
      last = now;
      if (stable >= 3) break;
    }
    return { adv: advertised(dir), wire: wireRoutes(join(dir, 'recv.jsonl')) };
  } finally {
    exa?.kill('SIGTERM');
    bgpd.kill('SIGTERM');
    // bgpd drops to user frr: make sure it is gone before the next case starts its own.
    const pidFile = join(dir, 'bgpd.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      } catch {
        // already exited
      }
    }
    await Promise.all(
      [exa, bgpd].map((p) => (p && p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)),
    );
  }
}

/** Known, explained differences between FRR and the verifier: none today (the table in docs/policy.md). */
const DISAGREEMENTS = new Map<string, string>();

describeIfAvailable(
  'differential: the verifier against real FRR bgpd (fed by ExaBGP in a namespace)',
  missing(),
  () => {
    let root = '';
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'failsmall-frr-'));
      chmodSync(root, 0o777);
      ip('netns', 'add', NS);
      inNs('ip', 'link', 'set', 'lo', 'up');
      for (const a of [ROUTER.v4, FEEDER.v4, RECEIVER.v4]) inNs('ip', 'addr', 'add', `${a}/32`, 'dev', 'lo');
      for (const a of [ROUTER.v6, FEEDER.v6, RECEIVER.v6])
        inNs('ip', '-6', 'addr', 'add', `${a}/128`, 'dev', 'lo', 'nodad');
    });
    afterAll(() => {
      try {
        ip('netns', 'del', NS);
      } catch {
        // already gone
      }
      if (root) rmSync(root, { recursive: true, force: true });
      // bgpd -N creates its pathspace directory under /var/run/frr.
      rmSync(join('/var/run/frr', NS), { recursive: true, force: true });
    });
    const cases = POLICY_CASES.filter((c) => c.frr !== undefined && c.routes.length > 0);
    it('covers at least 30 route-map features', () => {
      expect(cases.length).toBeGreaterThanOrEqual(30);
    });
    for (const c of cases) {
      it.skipIf(DISAGREEMENTS.has(c.name))(c.name, { timeout: 30_000 }, async () => {
        const predicted: Expected[] = predict(c, 'frr');
        const { adv, wire } = await runCase(c, root);
        expect([...adv.keys()].sort()).toEqual(predicted.map((p) => p.prefix).sort());
        for (const p of predicted) {
          const a = adv.get(p.prefix)!;
          // FRR leaves locPrf out when the route has the default (defaultLocPrf, 100).
          expect({ prefix: p.prefix, path: a.path, locPrf: a.locPrf ?? 100, metric: a.metric }).toEqual({
            prefix: p.prefix,
            path: p.as_path!.join(' '),
            locPrf: p.local_pref,
            metric: p.med,
          });
          const w = wire.get(p.prefix);
          expect(w, `${p.prefix} reached the receiver`).toBeDefined();
          expect(w).toEqual({
            as_path: [LOCAL_AS, ...p.as_path!],
            ...(p.med !== undefined ? { med: p.med } : {}),
            communities: p.communities,
            large_communities: p.large_communities,
          });
        }
        expect([...wire.keys()].sort()).toEqual(predicted.map((p) => p.prefix).sort());
      });
    }
  },
);
