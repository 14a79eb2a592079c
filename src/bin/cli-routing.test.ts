import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.js';
import { corpusPath, describeCorpus } from '../testing/env.js';
import { register } from './cli-routing.js';

const run = (...args: string[]) => runCli(register, args);

const dir = mkdtempSync(join(tmpdir(), 'failsmall-routing-'));
const file = (name: string, text: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

afterEach(() => {
  process.exitCode = 0;
});

describe('failsmall rpki validate', () => {
  const vrps = file('vrps.csv', 'ASN,IP Prefix,Max Length,Trust Anchor\nAS64496,192.0.2.0/24,24,test\n');
  it('prints valid / invalid with the reason and the covering VRPs; exit 1 only for invalid', async () => {
    const ok = await run('rpki', 'validate', '--vrps', vrps, '192.0.2.0/24', 'AS64496');
    expect(ok.out).toContain('192.0.2.0/24 AS64496: valid');
    expect(ok.code).toBe(0);
    const bad = await run('rpki', 'validate', '--vrps', vrps, '192.0.2.0/25', '64496');
    expect(bad.out).toContain('invalid (too specific: maxLength exceeded)');
    expect(bad.out).toContain('covering VRPs: 192.0.2.0/24-24 AS64496 (test)');
    expect(bad.code).toBe(1);
    const wrong = await run('rpki', 'validate', '--vrps', vrps, '192.0.2.0/24', '64511', '--json');
    expect(JSON.parse(wrong.out)).toMatchObject({ state: 'invalid', reason: 'wrong-origin' });
    const none = await run('rpki', 'validate', '--vrps', vrps, '198.51.100.0/24', '64496');
    expect(none.out).toContain('not-found');
    expect(none.code).toBe(0);
  });
  it('reads gzip and applies SLURM; bad input exits 2 with the code', async () => {
    const gz = file('vrps.csv.gz', gzipSync('ASN,IP Prefix,Max Length\nAS1,10.0.0.0/8,8\n'));
    const slurm = file(
      's.json',
      '{"slurmVersion":1,"validationOutputFilters":{"prefixFilters":[{"asn":1}],"bgpsecFilters":[]},"locallyAddedAssertions":{"prefixAssertions":[{"asn":2,"prefix":"10.0.0.0/8"}],"bgpsecAssertions":[]}}',
    );
    expect((await run('rpki', 'validate', '--vrps', gz, '10.0.0.0/8', '1')).code).toBe(0);
    expect((await run('rpki', 'validate', '--vrps', gz, '--slurm', slurm, '10.0.0.0/8', '1')).code).toBe(1);
    const bad = await run('rpki', 'validate', '--vrps', gz, '10.0.0.1/8', '1');
    expect(bad.err).toMatch(/^error E_PREFIX_HOST_BITS/);
    expect(bad.code).toBe(2);
    const missing = await run('rpki', 'validate', '--vrps', join(dir, 'nope'), '10.0.0.0/8', '1');
    expect(missing.err).toMatch(/^error E_ROUTING_FILE/);
  });
});

describe('failsmall aspa verify', () => {
  // The first topology of the ASPA examples document, with A..G as 64501..64507.
  const aspas = file(
    'aspas.json',
    JSON.stringify({
      aspas: [
        { customer_asid: 64501, providers: [64503, 64504] },
        { customer_asid: 64502, providers: [64505] },
        { customer_asid: 64503, providers: [64506] },
        { customer_asid: 64504, providers: [64506, 64507] },
        { customer_asid: 64507, providers: [0] },
      ],
    }),
  );
  it('prints the verdict, the ramps and the Not Provider+ hops (Table 2 #7)', async () => {
    const r = await run(
      'aspa',
      'verify',
      '--aspas',
      aspas,
      '--path',
      '64503 64504 64507 64505 64502',
      '--neighbor-role',
      'provider',
      '--neighbor-asn',
      '64503',
    );
    expect(r.out).toContain(': invalid (downstream)');
    expect(r.out).toContain('ramps: max_up_ramp=3 min_up_ramp=2 max_down_ramp=1 min_down_ramp=1');
    expect(r.out).toContain('Not Provider+: AS64504 is not a provider of AS64507 (up)');
    expect(r.code).toBe(1);
  });
  it('checks the neighbour, and says when it assumed it', async () => {
    const r = await run(
      'aspa',
      'verify',
      '--aspas',
      aspas,
      '--path',
      '64506 64503 64501',
      '--neighbor-role',
      'customer',
    );
    expect(r.out).toContain('valid (upstream)');
    expect(r.out).toContain('neighbour assumed to be AS64506');
    const wrong = await run(
      'aspa',
      'verify',
      '--aspas',
      aspas,
      '--path',
      '64506 64503 64501',
      '--neighbor-role',
      'peer',
      '--neighbor-asn',
      '1',
      '--json',
    );
    expect(JSON.parse(wrong.out)).toMatchObject({ verdict: 'invalid', reason: 'neighbor-mismatch' });
    const badRole = await run('aspa', 'verify', '--aspas', aspas, '--path', '1', '--neighbor-role', 'upstream');
    expect(badRole.err).toMatch(/^error E_ROLE_UNKNOWN/);
  });
});

describe('failsmall path classify', () => {
  const rel = file('rel.txt', '# serial-1\n1|2|0\n1|10|-1\n2|20|-1\n10|100|-1\n20|100|-1\n');
  it('names the first valley and the RFC 7908 type', async () => {
    const r = await run('path', 'classify', '--relationships', rel, '--path', '20 100 10 1');
    expect(r.out).toContain('valley');
    expect(r.out).toContain(
      'first valley: AS100 received the route from AS10 (its provider) and sent it to AS20 (its provider)',
    );
    expect(r.out).toContain('RFC 7908 type 1');
    expect(r.code).toBe(1);
    const ok = await run('path', 'classify', '--relationships', rel, '--path', '20 2 1 10 100', '--json');
    expect(JSON.parse(ok.out)).toMatchObject({ verdict: 'valley-free' });
    expect(ok.code).toBe(0);
  });
});

describeCorpus(
  'failsmall rpki validate on the rpki-client file',
  ['rpki', 'rpki-client', 'tests', 'inputs', 'outputs'],
  () => {
    it('loads 424,223 VRPs from json.gz', async () => {
      const f = corpusPath('rpki', 'rpki-client', 'tests', 'inputs', 'outputs', 'json.gz')!;
      const r = await run('rpki', 'validate', '--vrps', f, '1.178.112.0/20', 'AS19905');
      expect(r.out).toContain('valid');
      expect(r.out).toContain('(424223 VRPs loaded)');
      const a = await run('aspa', 'verify', '--aspas', f, '--path', '204096 28', '--neighbor-role', 'customer');
      expect(a.out).toContain('valid (upstream)');
      expect(a.out).toContain('(6647 ASPA customers loaded)');
    });
  },
);
