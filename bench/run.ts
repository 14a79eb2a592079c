// npm run bench [-- name-filter ...]: runs every bench/*.bench.ts (or those whose file name contains a
// filter) one after the other and merges the results into bench/results.json.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Bench, type BenchResult, context, machine } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const resultsFile = join(here, 'results.json');
const filters = process.argv.slice(2);

interface ResultsFile {
  updated: string;
  machine: Record<string, string | number>;
  results: (BenchResult & { at: string })[];
}

function load(): ResultsFile {
  try {
    return JSON.parse(readFileSync(resultsFile, 'utf8')) as ResultsFile;
  } catch {
    return { updated: '', machine: machine(), results: [] };
  }
}

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const out = load();
let failed = 0;
for (const f of files) {
  process.stderr.write(`bench ${f}\n`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: Bench };
  try {
    const results = await mod.default(context);
    const at = new Date().toISOString();
    for (const r of results) {
      out.results = out.results.filter((x) => x.name !== r.name);
      out.results.push({ ...r, at });
      const cmp = r.peer ? `  vs ${r.peer} ${r.peerValue} (ratio ${r.ratio})` : '';
      process.stdout.write(`${r.name.padEnd(48)} ${String(r.value).padStart(14)} ${r.unit}${cmp}\n`);
    }
  } catch (e) {
    failed++;
    process.stderr.write(`  FAILED: ${(e as Error).stack ?? e}\n`);
  }
}
out.results.sort((a, b) => a.name.localeCompare(b.name));
out.updated = new Date().toISOString();
out.machine = machine();
writeFileSync(resultsFile, `${JSON.stringify(out, null, 2)}\n`);
process.exitCode = failed ? 1 : 0;
