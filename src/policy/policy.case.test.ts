// The conformance cases (conformance.case.ts) through both front ends: what the receiver gets, prefix for
// prefix and attribute for attribute, must be what the case says, for FRR and (where written) Junos.
import { describe, expect, it } from 'vitest';
import { completed, frrConfig, junosConfig, POLICY_CASES, predict } from './conformance.case.js';
import { loadConfig } from './load.js';

describe('conformance cases, FRR front end', () => {
  for (const c of POLICY_CASES.filter((x) => x.frr !== undefined)) {
    it(c.name, () => {
      const program = loadConfig(frrConfig(c), 'c.conf', 'frr');
      expect(program.warnings.filter((w) => w.kind !== 'note')).toEqual([]);
      expect(predict(c, 'frr')).toEqual(completed(c));
    });
  }
});

describe('conformance cases, Junos front end (where the semantics agree)', () => {
  for (const c of POLICY_CASES.filter((x) => x.junos !== undefined)) {
    it(c.name, () => {
      const program = loadConfig(junosConfig(c), 'c.conf', 'junos');
      expect(program.warnings.filter((w) => w.kind !== 'note')).toEqual([]);
      expect(predict(c, 'junos')).toEqual(completed(c));
    });
  }
});

describe('the suite itself', () => {
  it('has at least 30 FRR route-map cases and runs most of them on Junos too', () => {
    expect(POLICY_CASES.filter((c) => c.frr).length).toBeGreaterThanOrEqual(30);
    expect(POLICY_CASES.filter((c) => c.junos).length).toBeGreaterThanOrEqual(20);
  });
});
