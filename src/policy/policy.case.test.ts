// The conformance cases (conformance.case.ts) through both front ends: what the receiver gets, prefix for
// prefix and attribute for attribute, must be what the case says, for FRR and (where written) Junos.
import { describe, expect, it } from 'vitest';
import {
  caseRib,
  type Expected,
  frrConfig,
  junosConfig,
  POLICY_CASES,
  type PolicyCase,
  RECEIVER,
} from './conformance.case.js';
import { loadConfig } from './load.js';
import type { Vendor } from './model.js';
import { parseRouteList } from './route.js';
import { exportRoute, locRib } from './verify/export.js';

/** What the verifier predicts the receiver gets, in the shape of the expectations. */
export function predict(c: PolicyCase, vendor: Vendor): Expected[] {
  const program = loadConfig(vendor === 'frr' ? frrConfig(c) : junosConfig(c), `${c.name}.conf`, vendor);
  const routes = locRib(program, parseRouteList(JSON.stringify(caseRib(c))));
  const out: Expected[] = [];
  for (const r of routes) {
    const n = program.neighbors.find((x) => x.address === (r.prefix.family === 4 ? RECEIVER.v4 : RECEIVER.v6))!;
    const o = exportRoute(program, n, r);
    if (!o.sent) continue;
    const e = o.route;
    out.push({
      prefix: e.key,
      as_path: e.asPath,
      local_pref: e.localPref ?? 100,
      ...(e.med !== undefined ? { med: e.med } : {}),
      communities: [...e.communities].sort(),
      large_communities: [...e.largeCommunities].sort(),
    });
  }
  return out;
}

/** The expectation filled in with the unchanged attributes of the route it came from. */
export function completed(c: PolicyCase): Expected[] {
  return c.expect.map((x) => {
    const src = c.routes.find((r) => r.prefix === x.prefix)!;
    const med = x.med ?? src.med;
    return {
      prefix: x.prefix,
      as_path: x.as_path ?? src.as_path,
      local_pref: x.local_pref ?? 100,
      ...(med !== undefined ? { med } : {}),
      communities: [...(x.communities ?? src.communities ?? [])].sort(),
      large_communities: [...(x.large_communities ?? src.large_communities ?? [])].sort(),
    };
  });
}

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
