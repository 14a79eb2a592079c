import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_HTTP, isKnownCode } from '../api/errors.js';
import { repoRoot } from '../testing/env.js';
import { ERROR_TABLES, errorsMarkdown } from './error-codes.js';

describe('error codes', () => {
  it('docs/ERRORS.md agrees with the code tables (regenerate: failsmall errors --markdown > docs/ERRORS.md)', () => {
    expect(readFileSync(join(repoRoot, 'docs', 'ERRORS.md'), 'utf8')).toBe(errorsMarkdown());
  });
  it('no code is declared by two layers, and every code is E_ + upper snake case', () => {
    const seen = new Map<string, string>();
    for (const t of ERROR_TABLES) {
      for (const code of Object.keys(t.codes)) {
        expect(code).toMatch(/^E_[A-Z0-9_]+$/);
        expect(seen.get(code), `${code} declared by ${seen.get(code)} and ${t.layer}`).toBeUndefined();
        seen.set(code, t.layer);
      }
    }
  });
  it('every code an HTTP request can meet has one HTTP status and one envelope number', () => {
    const underHttp = ['lib', 'addressing', 'api', 'snapshot', 'rollout'];
    for (const t of ERROR_TABLES.filter((x) => underHttp.includes(x.layer)))
      for (const code of Object.keys(t.codes)) expect(isKnownCode(code), `${t.layer} ${code}`).toBe(true);
    const numbers = Object.values(ERROR_HTTP).map((m) => m.number);
    expect(new Set(numbers).size).toBe(numbers.length);
  });
});
