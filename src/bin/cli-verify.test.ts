// `failsmall verify` on the two incidents (examples/incidents): the changes that leaked fail with the
// finding kinds and RFC 7908 types of the post-mortems, the right versions of the same changes pass; and
// the fixed interface: JSON fields, SARIF 2.1.0, exit codes 0/1/2, git:REV:PATH, MRT ribs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.js';
import { describeCorpus, repoRoot } from '../testing/env.js';
import { register } from './cli-verify.js';

const run = (...args: string[]) => runCli(register, args);
const ex = (...p: string[]) => join(repoRoot, 'examples', 'incidents', ...p);
const dir = mkdtempSync(join(tmpdir(), 'failsmall-verify-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

afterEach(() => {
  process.exitCode = 0;
});

interface Json {
  verdict: string;
  neighbors: {
    neighbor: string;
    role: string;
    exported_before: number;
    exported_after: number;
    added: number;
    removed: number;
  }[];
  findings: {
    kind: string;
    neighbor: string;
    policy: string;
    term: string;
    rfc7908_type: number | null;
    count: number;
    examples: { prefix: string; as_path: number[]; trace: unknown[] }[];
  }[];
  warnings: { file: string; line: number; message: string }[];
}

function miami(after: string, format = 'json') {
  const m = (f: string) => ex('miami-2026', f);
  return run(
    'verify',
    '--before',
    m('before.conf'),
    '--after',
    m(after),
    '--rib',
    m('rib.json'),
    '--relationships',
    m('as-rel.txt'),
    '--intent',
    m('intent.yaml'),
    '--format',
    format,
  );
}

function atlanta(after: string, format = 'json') {
  const a = (f: string) => ex('atlanta-2020', f);
  return run(
    'verify',
    '--before',
    a('before.conf'),
    '--after',
    a(after),
    '--rib',
    a('rib.json'),
    '--intent',
    a('intent.yaml'),
    '--format',
    format,
  );
}

describe('22 January 2026, Miami: a prefix list removed from a term of nine export policies', () => {
  it('fails: iBGP-learned peer routes go to transit (type 4) and provider routes to peers (type 3)', async () => {
    const r = await miami('after.conf');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Json;
    expect(j.verdict).toBe('fail');
    const leaks = j.findings.filter((f) => f.kind === 'route-leak');
    const telia = leaks.filter((f) => f.neighbor === '2001:2000:3080:1e9::1');
    expect(telia.map((f) => f.rfc7908_type).sort()).toEqual([1, 4]);
    expect(telia.find((f) => f.rfc7908_type === 4)).toMatchObject({
      policy: '6-TELIA-ACCEPT-EXPORT',
      term: 'ADV-SITELOCAL-GRE-RECEIVER',
      count: 7,
    });
    const peers = leaks.filter((f) => f.neighbor === '2001:504:0:5::6939:1').map((f) => f.rfc7908_type);
    expect(peers.sort()).toEqual([2, 3]);
    // The AS32934 /48 re-advertised toward the transit provider AS3356, with the term that decided.
    const lumen = leaks.find((f) => f.neighbor === '2001:1900:2100::2a1' && f.rfc7908_type === 4)!;
    expect(lumen.examples[0]).toMatchObject({ prefix: '2a03:2880:f000::/48', as_path: [32934] });
    expect(lumen.examples[0]!.trace).toEqual([
      expect.objectContaining({
        policy: '6-LUMEN-ACCEPT-EXPORT',
        term: 'ADV-SITELOCAL-GRE-RECEIVER',
        result: 'accept',
        line: 101,
      }),
    ]);
    // Customer routes and routes learned in Miami itself are not leaks; counts per neighbour.
    expect(j.neighbors.find((n) => n.neighbor === '2001:2000:3080:1e9::1')).toMatchObject({
      role: 'provider',
      exported_before: 3,
      exported_after: 15,
      added: 12,
      removed: 0,
    });
    expect(j.warnings).toEqual([]);
  });
  it('the text summary names the leak and its term', async () => {
    const r = await miami('after.conf', 'text');
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL');
    expect(r.out).toContain(
      'route-leak (RFC 7908 type 4) to 2001:2000:3080:1e9::1: policy 6-TELIA-ACCEPT-EXPORT term ADV-SITELOCAL-GRE-RECEIVER — 7 routes',
    );
    expect(r.out).toContain('e.g. 2a03:2880:f000::/48 as-path [32934]');
  });
  it('passes when the whole term is deactivated', async () => {
    const r = await miami('after-correct.conf');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Json;
    expect(j.verdict).toBe('pass');
    expect(j.findings).toEqual([]);
    expect(j.neighbors.find((n) => n.neighbor === '2001:2000:3080:1e9::1')).toMatchObject({
      exported_after: 1,
      removed: 2,
    });
  });
  it('SARIF 2.1.0: one result per finding, at the term', async () => {
    const r = await miami('after.conf', 'sarif');
    const s = JSON.parse(r.out);
    expect(s.version).toBe('2.1.0');
    const results = s.runs[0].results;
    expect(results.length).toBe(8);
    expect(results[0]).toMatchObject({
      ruleId: 'route-leak',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: expect.stringContaining('after.conf') },
            region: { startLine: expect.any(Number) },
          },
        },
      ],
    });
  });
});

describe('17 July 2020, Atlanta: inactive: on the only match of a term', () => {
  it('fails with term-match-deactivated toward every backbone neighbour: all routes now carry local-pref 200', async () => {
    const r = await atlanta('after.conf');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as Json;
    const f = j.findings.filter((x) => x.kind === 'term-match-deactivated');
    expect(f.map((x) => x.neighbor).sort()).toEqual(['2400:cb00:30::1', '2400:cb00:31::1', '2400:cb00:45::1']);
    expect(f[0]).toMatchObject({ policy: '6-BBONE-OUT', term: '6-SITE-LOCAL', rfc7908_type: null, count: 9 });
    expect(j.neighbors.find((n) => n.neighbor === '2400:cb00:30::1')).toMatchObject({ role: 'internal', added: 1 });
  });
  it('passes when the whole term is deactivated', async () => {
    const r = await atlanta('after-correct.conf');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.out) as Json).findings).toEqual([]);
  });
});

describe('exit status 2: cannot prove safe', () => {
  const before = file(
    'b.conf',
    'router bgp 64500\n neighbor 192.0.2.1 remote-as 64501\n neighbor 192.0.2.1 route-map OUT out\n!\nroute-map OUT permit 10\n',
  );
  const rib = file(
    'rib.json',
    JSON.stringify([{ prefix: '198.51.100.0/24', as_path: [64502], peer: '192.0.2.9', peer_as: 64502 }]),
  );
  it('an undefined route-map on the export path', async () => {
    const after = file(
      'a.conf',
      'router bgp 64500\n neighbor 192.0.2.1 remote-as 64501\n neighbor 192.0.2.1 route-map OUT2 out\n!\nroute-map OUT permit 10\n',
    );
    const r = await run('verify', '--before', before, '--after', after, '--rib', rib, '--format', 'json');
    expect(r.code).toBe(2);
    const j = JSON.parse(r.out) as Json;
    expect(j.verdict).toBe('cannot-evaluate');
    expect(j.findings[0]).toMatchObject({ kind: 'undefined-reference', neighbor: '192.0.2.1' });
  });
  it('an unsupported match on the export path', async () => {
    const after = file(
      'a2.conf',
      'router bgp 64500\n neighbor 192.0.2.1 remote-as 64501\n neighbor 192.0.2.1 route-map OUT out\n!\nroute-map OUT permit 10\n match rpki valid\n',
    );
    const r = await run('verify', '--before', before, '--after', after, '--rib', rib, '--format', 'json');
    expect(r.code).toBe(2);
    expect((JSON.parse(r.out) as Json).findings.map((f) => f.kind)).toEqual(['unsupported']);
  });
  it('unreadable input: a stable code on stderr', async () => {
    const r = await run('verify', '--before', join(dir, 'missing.conf'), '--after', before, '--rib', rib);
    expect(r.code).toBe(2);
    expect(r.err).toContain('E_POLICY_FILE');
    const bad = await run(
      'verify',
      '--before',
      before,
      '--after',
      before,
      '--rib',
      file('bad.json', '[{"prefix": "10.0.0.1/8"}]'),
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('E_POLICY_RIB');
  });
  it('an unchanged configuration passes', async () => {
    const r = await run('verify', '--before', before, '--after', before, '--rib', rib);
    expect(r.code).toBe(0);
    expect(r.out).toContain('PASS');
  });
});

describe('--before git:REV:PATH', () => {
  it('reads the configuration at a revision of the current repository', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'failsmall-verify-git-'));
    const git = (...a: string[]) => execFileSync('git', ['-C', repo, ...a], { stdio: 'pipe' });
    git('init', '-q');
    writeFileSync(
      join(repo, 'r.conf'),
      'router bgp 64500\n neighbor 192.0.2.1 remote-as 64501\n neighbor 192.0.2.1 route-map OUT out\n!\nroute-map OUT deny 10\n',
    );
    git('add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'x');
    writeFileSync(
      join(repo, 'r.conf'),
      'router bgp 64500\n neighbor 192.0.2.1 remote-as 64501\n neighbor 192.0.2.1 route-map OUT out\n!\nroute-map OUT permit 10\n',
    );
    const rib = file(
      'rib2.json',
      JSON.stringify([{ prefix: '198.51.100.0/24', as_path: [64502], peer: '192.0.2.9', peer_as: 64502 }]),
    );
    const cwd = process.cwd();
    process.chdir(repo);
    try {
      const r = await run(
        'verify',
        '--before',
        'git:HEAD:r.conf',
        '--after',
        'r.conf',
        '--rib',
        rib,
        '--format',
        'json',
      );
      expect(r.code).toBe(0);
      expect((JSON.parse(r.out) as Json).neighbors[0]).toMatchObject({
        exported_before: 0,
        exported_after: 1,
        added: 1,
      });
      const missing = await run('verify', '--before', 'git:HEAD:nope.conf', '--after', 'r.conf', '--rib', rib);
      expect(missing.code).toBe(2);
      expect(missing.err).toContain('E_POLICY_FILE');
    } finally {
      process.chdir(cwd);
    }
  });
});

describeCorpus('--rib MRT TABLE_DUMP_V2', ['mrt', 'mrtparse', 'samples'], (samples) => {
  it('reads the routes of an MRT RIB dump, peers from the PEER_INDEX_TABLE', async () => {
    const { readdirSync } = await import('node:fs');
    const { readRib } = await import('./cli-verify.js');
    const ribs = readdirSync(samples).filter((f) => /rib/i.test(f));
    let total = 0;
    for (const f of ribs) {
      try {
        total += (await readRib(join(samples, f))).length;
      } catch {
        // not every sample is a TABLE_DUMP_V2 RIB
      }
    }
    expect(total).toBeGreaterThan(0);
  });
});
