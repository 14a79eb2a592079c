// The verifier's peak memory on the benchmark's full table, in a fresh process (peak RSS is a high-water
// mark: in the benchmark's own process it also holds its earlier runs). Builds the table, notes the peak
// RSS and the live heap after the build, runs verify() once and notes the peak again; prints one JSON
// line. Run by bench/policy.bench.ts: node --import tsx bench/policy-peak.ts

import { loadConfig } from '../src/policy/load.js';
import { verify } from '../src/policy/verify/index.js';
import { benchConfig, customersOf, fullTable } from './policy.bench.js';

const gc = (globalThis as { gc?: () => void }).gc;
const table = await fullTable();
const customers = customersOf(table);
const before = loadConfig(benchConfig(false, customers), 'before.conf', 'frr');
const after = loadConfig(benchConfig(true, customers), 'after.conf', 'frr');
gc?.();
const tableRss = process.resourceUsage().maxRSS * 1024;
const tableHeap = process.memoryUsage().heapUsed;
const report = verify(before, after, table);
const peakRss = process.resourceUsage().maxRSS * 1024;
process.stdout.write(`${JSON.stringify({ tableRss, tableHeap, peakRss, findings: report.findings.length })}\n`);
