// The benchmark harness behind `npm run bench`. Each bench/*.bench.ts exports a default function that
// returns results; side-by-side comparisons against a real peer (bgpdump, BIRD, ...) carry the peer's
// figure and the ratio. Results merge by name into bench/results.json, so one benchmark can be re-run
// alone without losing the others' figures.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

export interface BenchResult {
  /** Stable name, e.g. "trie.lpm4.lookups_per_s". */
  name: string;
  unit: string;
  value: number;
  /** For side-by-side runs: what we compared against, its figure in the same unit, ratio = value / peerValue. */
  peer?: string;
  peerValue?: number;
  ratio?: number;
  /** Goal from the issue, for the reader: e.g. ">= 5000000". */
  goal?: string;
  note?: string;
}

export interface BenchContext {
  /** Print a progress line (stderr, so results stay clean). */
  log(msg: string): void;
  /** Run a command and return stdout; throws when it fails. */
  sh(cmd: string, args: string[]): string;
}

export type Bench = (ctx: BenchContext) => Promise<BenchResult[]>;

export function machine(): Record<string, string | number> {
  return {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    platform: process.platform,
  };
}

export const context: BenchContext = {
  log: (msg) => process.stderr.write(`  ${msg}\n`),
  sh: (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30 }),
};

/** Time a synchronous function: best of `rounds` wall times in seconds (best-of reduces noise from other load). */
export function bestOf(rounds: number, fn: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    if (s < best) best = s;
  }
  return best;
}

/** Heap bytes in use after a full GC; needs node --expose-gc (bench/run.ts re-executes itself with it). */
export function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

export function compare(r: Omit<BenchResult, 'ratio'> & { peerValue: number }): BenchResult {
  return { ...r, ratio: Number((r.value / r.peerValue).toFixed(4)) };
}
