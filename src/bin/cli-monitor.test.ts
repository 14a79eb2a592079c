// `failsmall monitor` errors as an operator sees them, and BGPalerter's prefixes.yml example read unchanged.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePrefixesYml } from '../monitor/config.js';
import { runCli } from '../testing/cli.js';
import { register } from './cli-monitor.js';

const made: string[] = [];
function tmp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function dir(files: Record<string, string>): string {
  const d = tmp('fsm-cli-');
  for (const [k, v] of Object.entries(files)) writeFileSync(join(d, k), v);
  return d;
}

describe('failsmall monitor', () => {
  it('an unknown monitor.yml key, a missing prefixes file and a bad --speed are E_MONITOR_* with exit 2', async () => {
    const d = dir({ 'monitor.yml': 'asns: [64500]\nprefixez: p.yml\n', 'm2.yml': 'prefixes: nope.yml\n' });
    let r = await runCli(register, ['monitor', '--config', join(d, 'monitor.yml'), '--replay', 'x.mrt']);
    expect(r).toMatchObject({ code: 2, out: '' });
    expect(r.err).toMatch(/^failsmall: E_MONITOR_CONFIG monitor\.yml: unknown key "prefixez"/);
    r = await runCli(register, ['monitor', '--config', join(d, 'm2.yml'), '--replay', 'x.mrt']);
    expect(r.err).toMatch(new RegExp(`E_MONITOR_FILE cannot read ${join(d, 'nope.yml')}`));
    r = await runCli(register, ['monitor', '--config', join(d, 'm2.yml'), '--speed', 'warp']);
    expect(r.err).toMatch(/E_MONITOR_CONFIG --speed must be max or realtime/);
  });

  it("reads BGPalerter's prefixes.yml.example as published", () => {
    const w = parsePrefixesYml(`165.254.225.0/24:
  description: a description about this prefix
  asn: 15562
  ignoreMorespecifics: false
  ignore: false
165.254.255.0/24:
  description: the description will be reported in the alerts
  asn: 15562
  ignoreMorespecifics: false
  ignore: false
  path:
    match: ".*2194,1234$"
    matchDescription: detected scrubbing center
192.147.168.0/24:
  description: descriptions make alerts easier to read
  asn:
  - 15562
  - 2914
  ignoreMorespecifics: true
  excludeMonitors:
    - withdrawal-detection
options:
  monitorASns:
    2914:
      group: default
    3333:
      group: default
      upstreams: [174]
`);
    expect(w.prefixes.map((p) => [p.asns, p.ignoreMorespecifics])).toEqual([
      [[15562], false],
      [[15562], false],
      [[15562, 2914], true],
    ]);
    expect([...w.monitorASns.keys()]).toEqual([2914, 3333]);
    expect(w.monitorASns.get(3333)?.upstreams).toEqual(new Set([174]));
    expect(() => parsePrefixesYml('10.0.0.0/33:\n  asn: 1\n')).toThrow(/E_MONITOR_PREFIXES|not a prefix/);
  });
});
