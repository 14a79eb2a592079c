// A probe vantage point inside the lab's client namespace: `failsmall probe` TCP-connects to every
// target each interval and prints one JSON result per line; the lab collects them here.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ProbeResult, ProbeTarget } from '../probe/tcp.js';
import { cliArgv, repoRoot } from './fleet.js';
import type { Lab } from './lab.js';

export interface Vantage {
  results: ProbeResult[];
  /** Results of `location` at or after `since`. */
  since(location: string, since: number): ProbeResult[];
  stop(): void;
}

export function startVantage(lab: Lab, targets: readonly ProbeTarget[], intervalMs = 100, timeoutMs = 300): Vantage {
  const args = [
    'netns',
    'exec',
    lab.client.ns,
    process.execPath,
    ...cliArgv(),
    'probe',
    '--interval-ms',
    String(intervalMs),
    '--timeout-ms',
    String(timeoutMs),
  ];
  for (const t of targets) args.push('--target', `${t.location}=${t.host}:${t.port}`);
  const child = spawn('ip', args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  if (child.pid) lab.track('vantage', child.pid);
  const results: ProbeResult[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    if (l.startsWith('{')) results.push(JSON.parse(l) as ProbeResult);
  });
  return {
    results,
    since: (location, since) => results.filter((r) => r.location === location && r.at >= since),
    stop() {
      child.kill('SIGTERM');
      lab.untrack('vantage');
    },
  };
}
