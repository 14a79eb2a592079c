// Shared helpers for the three kinds of tests: self-contained, corpus (../shared/data) and system
// (real BIRD, FRR, PostgreSQL, NATS, Chromium). A missing corpus or service skips with a message,
// except under FAILSMALL_REQUIRE_SYSTEM=1 (CI), where it fails instead.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Root of the shared real-world corpus: $FAILSMALL_CORPUS or ../shared/data beside the checkout. */
export const corpusRoot = process.env.FAILSMALL_CORPUS ?? resolve(repoRoot, '..', 'shared', 'data');

export const requireSystem = process.env.FAILSMALL_REQUIRE_SYSTEM === '1';

/** Absolute path inside the corpus, or undefined when the corpus (or that file) is absent. */
export function corpusPath(...parts: string[]): string | undefined {
  const p = join(corpusRoot, ...parts);
  return existsSync(p) ? p : undefined;
}

/**
 * describe() that runs when `missing` is null; otherwise skips with the reason, or, under
 * FAILSMALL_REQUIRE_SYSTEM=1, registers one failing test that names what is missing.
 */
export function describeIfAvailable(name: string, missing: string | null, body: () => void): void {
  if (missing === null) {
    describe(name, body);
  } else if (requireSystem) {
    describe(name, () => {
      it(`requires ${missing}`, () => {
        throw new Error(`FAILSMALL_REQUIRE_SYSTEM=1 but ${missing}`);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${missing})`, body);
  }
}

/**
 * describe() over files of ../shared/data; `parts` is the path that must exist. When it is absent the body
 * is never called: vitest runs the body of a skipped describe to collect its tests, and a body that reads
 * corpus files at collection time would throw ENOENT on a fresh clone without ../shared.
 */
export function describeCorpus(name: string, parts: string[], body: (path: string) => void): void {
  const p = corpusPath(...parts);
  const missing = `corpus ${join(corpusRoot, ...parts)} is absent`;
  if (p !== undefined) describeIfAvailable(name, null, () => body(p));
  else describeIfAvailable(name, missing, () => it.skip(missing, () => {}));
}

/** Null when `cmd` is on PATH, else a reason such as "bgpdump not installed". */
export function commandMissing(cmd: string): string | null {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((d) => d && existsSync(join(d, cmd))) ? null : `${cmd} not installed`;
}
