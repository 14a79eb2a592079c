import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticDesired } from '../sim/synthetic.js';
import { compile } from '../snapshot/compile.js';
import { diffSnapshots, type KnownGood } from '../snapshot/diff.js';
import type { LocationInfo, SnapshotContent } from '../snapshot/model.js';
import {
  admit,
  allowed,
  DEFAULT_GUARD,
  evaluateGuard,
  initialGuardState,
  knownGood,
  reset,
  trip,
  validateGuardConfig,
  type WindowSpec,
  windowLosses,
} from './guard.js';
import { canaryOrder, DEFAULT_STAGES, planStages, validateStages } from './stages.js';

const topo: LocationInfo[] = Array.from({ length: 40 }, (_, i) => ({
  id: `l${String(i).padStart(2, '0')}`,
  region: `r${i % 4}`,
  tier: (i % 3) + 1,
}));
const desired = syntheticDesired({ accounts: 700, prefixes: 6500, bindingsPerPrefix: 1 });
const before = compile(desired, { locations: topo });
function without(n: number, from = 0) {
  const d = structuredClone(desired);
  for (let i = from; i < from + n; i++) d.bgp_prefixes[i]!.on_demand.advertised = false;
  return compile(d, { locations: topo });
}

/** Everything `c` holds, as known-good: what the guard would remember having admitted taking away. */
function knownOf(c: Pick<SnapshotContent, 'announcements' | 'bindings'>): KnownGood {
  return {
    announcements: new Map(c.announcements.map((a) => [a.prefix, a])),
    bindings: new Map(c.bindings.map((b) => [b.id, b])),
  };
}

describe('guard', () => {
  it('allows small withdrawals and holds large ones, naming every violated scope', () => {
    const ok = evaluateGuard(diffSnapshots(before, without(20), topo), initialGuardState(), DEFAULT_GUARD, 0);
    expect(ok.verdict).toBe('allow');
    const big = evaluateGuard(diffSnapshots(before, without(100), topo), initialGuardState(), DEFAULT_GUARD, 0);
    expect(big.verdict).toBe('hold');
    expect(new Set(big.violations.map((v) => v.scope))).toEqual(new Set(['global', 'location', 'region']));
    expect(new Set(big.violations.map((v) => v.window))).toEqual(new Set([undefined, '15m', '1h']));
    expect(big.summary).toMatch(/100 withdrawals network-wide > 32 allowed/);
    // The windows leave out one account's own changes (the largest, 10 prefixes): 90 count.
    expect(big.summary).toMatch(/90 withdrawals network-wide in 1h > 65 allowed/);
  });

  it('limits one account by count or fraction, whichever is larger', () => {
    expect(allowed({ count: 25, fraction: 0.1 }, 7)).toBe(25);
    expect(allowed({ count: 25, fraction: 0.1 }, 1000)).toBe(100);
    const d = syntheticDesired({ accounts: 1, prefixes: 100 });
    const b = compile(d, { locations: topo });
    for (let i = 0; i < 30; i++) d.bgp_prefixes[i]!.on_demand.advertised = false;
    const v = evaluateGuard(
      diffSnapshots(b, compile(d, { locations: topo }), topo),
      initialGuardState(),
      {
        ...DEFAULT_GUARD,
        withdrawals: {
          ...DEFAULT_GUARD.withdrawals,
          global: { count: 1000, fraction: 1 },
          location: { count: 1000, fraction: 1 },
          region: { count: 1000, fraction: 1 },
        },
        windows: DEFAULT_GUARD.windows.map((w) => ({
          ...w,
          withdrawals: {
            ...w.withdrawals,
            location: { count: 1000, fraction: 1 },
            global: { count: 1000, fraction: 1 },
          },
        })),
      },
      0,
    );
    // One change over the account's limit, and so over the account's limit of every window too.
    expect(new Set(v.violations.map((x) => x.scope))).toEqual(new Set(['account']));
    expect(v.violations.map((x) => x.window)).toEqual([undefined, '15m', '1h', '24h']);
  });

  it('counts distinct prefixes over the sliding window: the 20 February pattern trips at 40 of 4,306', () => {
    let state = initialGuardState();
    let current = before;
    let withdrawnAtEdge = 0;
    let t = 0;
    // A job withdrawing 15 prefixes per compile, every 30 s.
    for (let step = 1; step <= 20; step++, t += 30_000) {
      const next = without(15 * step);
      const d = diffSnapshots(current, next, topo);
      const dec = evaluateGuard(diffSnapshots(before, next, topo), state, DEFAULT_GUARD, t);
      if (dec.verdict === 'hold') {
        state = trip(state, 'held', t);
        break;
      }
      state = admit(state, DEFAULT_GUARD, d, `r${step}`, t, null);
      withdrawnAtEdge += d.totals.withdraw;
      current = next;
    }
    expect(state.breaker.tripped).toBe(true);
    expect(withdrawnAtEdge).toBeLessThanOrEqual(43);
    expect(windowLosses(state, DEFAULT_GUARD, t).announcements).toHaveLength(withdrawnAtEdge);
    // Tripped: any destructive change is held, restoring changes pass.
    expect(
      evaluateGuard(diffSnapshots(current, without(withdrawnAtEdge + 1), topo), state, DEFAULT_GUARD, t).verdict,
    ).toBe('hold');
    const back = diffSnapshots(current, before, topo, undefined, knownGood(state));
    expect(back.restoringOnly).toBe(true);
    expect(evaluateGuard(back, state, DEFAULT_GUARD, t).verdict).toBe('allow');
    // The same announcements without the guard's memory of them are new: held while the breaker is tripped.
    const unknown = evaluateGuard(diffSnapshots(current, before, topo), state, DEFAULT_GUARD, t);
    expect(unknown.verdict).toBe('hold');
    expect(unknown.violations.map((x) => x.kind)).toContain('breaker');
    expect(reset(state).breaker.tripped).toBe(false);
    expect(() => reset(reset(state))).toThrow(expect.objectContaining({ code: 'E_GUARD_NOT_TRIPPED' }));
  });

  it('never blocks a restoring change (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 6000 }),
        fc.integer({ min: 0, max: 400 }),
        fc.boolean(),
        (from, n, tripped) => {
          const gone = without(n, from % (6500 - n));
          const state = tripped ? trip(initialGuardState(), 'x', 0) : initialGuardState();
          const d = diffSnapshots(gone, before, topo, undefined, knownOf(before));
          expect(d.restoringOnly).toBe(true);
          expect(evaluateGuard(d, state, DEFAULT_GUARD, 0).verdict).toBe('allow');
        },
      ),
      { numRuns: 15 },
    );
  });

  it('new announcements are not restoring: limited like withdrawals, held while the breaker is tripped', () => {
    // Issue 10: a customer token announced two prefixes nobody had announced; it took the fast path.
    const fewer = without(100);
    const two = diffSnapshots(without(2), before, topo).fresh.totals.announce;
    expect(two).toBe(2);
    const d2 = diffSnapshots(without(2), before, topo);
    expect(d2.restoringOnly).toBe(false);
    const ok = evaluateGuard(d2, initialGuardState(), DEFAULT_GUARD, 0);
    expect(ok.verdict).toBe('allow');
    expect(ok.announcements).toBe(2);
    const tripped = evaluateGuard(d2, trip(initialGuardState(), 'x', 0), DEFAULT_GUARD, 0);
    expect(tripped.verdict).toBe('hold');
    expect(tripped.violations.map((v) => v.kind)).toEqual(['breaker']);
    const many = evaluateGuard(diffSnapshots(fewer, before, topo), initialGuardState(), DEFAULT_GUARD, 0);
    expect(many.verdict).toBe('hold');
    expect(many.violations.filter((v) => v.kind === 'announcements').map((v) => v.scope)).toContain('global');
    expect(many.summary).toMatch(/100 announcements network-wide > \d+ allowed/);
    // The same announcement with other attributes than the known-good one is new.
    const changed = before.announcements.map((a, i) => (i === 0 ? { ...a, prepends: 3 } : a));
    const known = knownOf({ announcements: changed, bindings: before.bindings });
    expect(diffSnapshots(without(1), before, topo, undefined, known).fresh.totals.announce).toBe(1);
  });

  it('holds a withdraw-all unless the snapshot carries a mark', () => {
    const empty = { announcements: [], bindings: [], withdrawAll: null };
    const d = diffSnapshots(before, empty, topo);
    const v = evaluateGuard(d, initialGuardState(), DEFAULT_GUARD, 0);
    expect(v.violations.filter((x) => x.kind === 'withdraw-all')).toHaveLength(40);
    const marked = evaluateGuard(d, initialGuardState(), DEFAULT_GUARD, 0, true);
    expect(marked.violations.some((x) => x.kind === 'withdraw-all')).toBe(false);
  });

  it('rejects invalid configuration', () => {
    expect(() =>
      validateGuardConfig({ ...DEFAULT_GUARD, windows: [{ ...(DEFAULT_GUARD.windows[0] as WindowSpec), ms: 0 }] }),
    ).toThrow(expect.objectContaining({ code: 'E_ROLLOUT_CONFIG' }));
    expect(() => validateGuardConfig({ ...DEFAULT_GUARD, windows: [...DEFAULT_GUARD.windows].reverse() })).toThrow(
      /shortest first/,
    );
    expect(() => validateGuardConfig({ ...DEFAULT_GUARD, flap: { ms: 60_000, cycles: 1.5 } })).toThrow(/cycles/);
    expect(() =>
      validateGuardConfig({
        ...DEFAULT_GUARD,
        withdrawals: { ...DEFAULT_GUARD.withdrawals, global: { count: -1, fraction: 0 } },
      }),
    ).toThrow(/count/);
  });
});

describe('stages', () => {
  it('plans canary → 5% → 25% → 100% over distinct locations, smallest PoPs and several regions first', () => {
    const s = planStages(topo, DEFAULT_STAGES);
    expect(s.map((x) => x.locations.length)).toEqual([1, 1, 8, 30]);
    expect(new Set(s.flatMap((x) => x.locations)).size).toBe(40);
    const order = canaryOrder(topo);
    expect(order[0]?.tier).toBe(3);
    expect(new Set(order.slice(0, 4).map((l) => l.region)).size).toBe(4);
    expect(planStages(topo.slice(0, 3), DEFAULT_STAGES).map((x) => x.name)).toEqual(['canary', '100%']); // 5% and 25% of 3 add nothing
  });

  it('rejects plans that do not end at 100% or mix count and fraction', () => {
    expect(() => validateStages([{ name: 'a', fraction: 0.5, bakeMs: 0 }])).toThrow(
      expect.objectContaining({ code: 'E_ROLLOUT_CONFIG' }),
    );
    expect(() => validateStages([{ name: 'a', count: 1, fraction: 1, bakeMs: 0 }])).toThrow(/exactly one/);
    expect(() => validateStages([])).toThrow();
  });
});
