// Every configuration of ../shared/data/policy (Batfish's Junos test configs, FRR's topotest configs)
// goes through its front end without an exception; the figures (lines understood, lines reported
// unsupported) are printed per vendor and quoted in the README.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeCorpus } from '../testing/env.js';
import { loadConfig } from './load.js';
import type { Vendor } from './model.js';

function files(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p, keep));
    else if (keep(e)) out.push(p);
  }
  return out.sort();
}

function run(vendor: Vendor, list: string[]) {
  const totals = { files: 0, lines: 0, understood: 0, unsupported: 0, withPolicy: 0 };
  for (const f of list) {
    const p = loadConfig(readFileSync(f, 'utf8'), f, vendor);
    totals.files++;
    totals.lines += p.stats.lines;
    totals.understood += p.stats.understood;
    totals.unsupported += p.stats.unsupported;
    if (p.policies.size > 0) totals.withPolicy++;
  }
  process.stdout.write(
    `policy corpus ${vendor}: ${totals.files} files (${totals.withPolicy} with policies), ${totals.lines} lines: ${totals.understood} understood, ${totals.unsupported} reported unsupported, the rest not routing policy\n`,
  );
  return totals;
}

describeCorpus('policy corpus: Batfish Junos configs', ['policy', 'batfish-junos'], (dir) => {
  it('every file parses without an exception', () => {
    const list = files(dir, (n) => !n.includes('.') || n.endsWith('.conf') || n.endsWith('.cfg'));
    expect(list.length).toBeGreaterThan(300);
    const t = run('junos', list);
    expect(t.withPolicy).toBeGreaterThanOrEqual(55);
    expect(t.understood).toBeGreaterThan(t.unsupported);
  });
});

describeCorpus('policy corpus: FRR topotest configs', ['policy', 'frr-topotests'], (dir) => {
  it('every file parses without an exception', () => {
    const list = files(dir, (n) => n.endsWith('.conf'));
    expect(list.length).toBeGreaterThan(100);
    const t = run('frr', list);
    expect(t.withPolicy).toBeGreaterThan(10);
    expect(t.understood).toBeGreaterThan(t.unsupported);
  });
});
