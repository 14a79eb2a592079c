// The reject plan against an oracle of its own: desired state modelled as two maps (announced prefix →
// attributes, binding id → binding) built from the rejected snapshot; applying the plan's items the way
// their words say must give back the last good snapshot exactly (for the accounts rejected; the others
// untouched). The plan is computed from the diff; the oracle never looks at the diff.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inRestoreOrder, type RestoreItem } from '../addressing/recovery.js';
import { makeContent } from './compile.js';
import { diffSnapshots } from './diff.js';
import type { Announcement, Binding, LocationInfo, SnapshotContent } from './model.js';
import { readvertisePlan, rejectPlan, restoreBindingsPlan, retainedBindings } from './restore-plan.js';

const LOCS: LocationInfo[] = [
  { id: 'ams', region: 'eu', tier: 1 },
  { id: 'iad', region: 'na', tier: 1 },
];
const ACCOUNTS = ['a1', 'a2', 'a3'];

const announcement = fc.record({
  i: fc.integer({ min: 0, max: 15 }),
  account: fc.constantFrom(...ACCOUNTS),
  origin: fc.constantFrom(64500, 64501),
  prepends: fc.integer({ min: 0, max: 3 }),
});
const binding = fc.record({
  i: fc.integer({ min: 0, max: 15 }),
  account: fc.constantFrom(...ACCOUNTS),
  service: fc.constantFrom('cdn', 'spectrum'),
});

function content(
  anns: { i: number; account: string; origin: number; prepends: number }[],
  binds: { i: number; account: string; service: string }[],
): SnapshotContent {
  const a = new Map<string, Announcement>();
  for (const x of anns) {
    const prefix = `10.${x.i}.0.0/24`;
    a.set(prefix, {
      prefix,
      account: x.account,
      origin: x.origin,
      prepends: x.prepends,
      communities: [],
      locations: '*',
    });
  }
  const b = new Map<string, Binding>();
  for (const x of binds) {
    const id = `b${x.i}`;
    b.set(id, { id, account: x.account, prefix: `10.${x.i}.0.0/24`, service: x.service, locations: '*' });
  }
  return makeContent([...a.values()], [...b.values()], null);
}

/** The oracle: desired state as maps, items applied by their meaning. */
function apply(start: SnapshotContent, items: readonly RestoreItem[]) {
  const ann = new Map(
    start.announcements.map((a) => [a.prefix, { account: a.account, origin: a.origin, prepends: a.prepends }]),
  );
  const bind = new Map(start.bindings.map((b) => [b.id, { account: b.account, prefix: b.prefix, service: b.service }]));
  for (const it of inRestoreOrder(items)) {
    if (it.kind === 'advertise') ann.set(it.cidr, { account: it.account, origin: it.origin, prepends: it.prepends });
    else if (it.kind === 'withdraw') {
      if (ann.get(it.cidr)?.account === it.account) ann.delete(it.cidr);
    } else if (it.kind === 'bind') {
      if (!bind.has(it.id)) bind.set(it.id, { account: it.account, prefix: it.cidr, service: it.service_id });
    } else bind.delete(it.id);
  }
  return { ann, bind };
}

function view(c: SnapshotContent, accounts?: ReadonlySet<string>) {
  const mine = (a: string) => !accounts || accounts.has(a);
  return {
    ann: new Map(
      c.announcements
        .filter((a) => mine(a.account))
        .map((a) => [a.prefix, { account: a.account, origin: a.origin, prepends: a.prepends }]),
    ),
    bind: new Map(
      c.bindings
        .filter((b) => mine(b.account))
        .map((b) => [b.id, { account: b.account, prefix: b.prefix, service: b.service }]),
    ),
  };
}

const only = <V extends { account: string }>(m: Map<string, V>, accounts?: ReadonlySet<string>) =>
  new Map([...m].filter(([, v]) => !accounts || accounts.has(v.account)));

describe('reject plan', () => {
  it('returns desired state to the last good snapshot for exactly the rejected accounts (property)', () => {
    fc.assert(
      fc.property(
        fc.array(announcement, { maxLength: 12 }),
        fc.array(binding, { maxLength: 12 }),
        fc.array(announcement, { maxLength: 12 }),
        fc.array(binding, { maxLength: 12 }),
        fc.option(fc.subarray(ACCOUNTS, { minLength: 1 }), { nil: undefined }),
        (ga, gb, ra, rb, pick) => {
          const good = content(ga, gb);
          const rejected = content(ra, rb);
          // a prefix moved between accounts is one the oracle cannot split by account: keep them apart
          const accounts = pick ? new Set(pick) : undefined;
          const plan = rejectPlan(diffSnapshots(good, rejected, LOCS), accounts);
          const got = apply(rejected, plan);
          const goodView = view(good, accounts);
          const movedAcross = [...good.announcements].some((g) => {
            const r = rejected.announcements.find((x) => x.prefix === g.prefix);
            return r && r.account !== g.account && accounts && accounts.has(r.account) !== accounts.has(g.account);
          });
          // the same binding id under another account (the API never moves one): likewise
          const boundAcross = good.bindings.some((g) => {
            const r = rejected.bindings.find((x) => x.id === g.id);
            return r && r.account !== g.account && accounts && accounts.has(r.account) !== accounts.has(g.account);
          });
          if (!movedAcross) expect(only(got.ann, accounts)).toEqual(goodView.ann);
          if (!boundAcross) expect(only(got.bind, accounts)).toEqual(goodView.bind);
          // the accounts not rejected keep what the rejected change gave them
          if (accounts) {
            const others = new Set(ACCOUNTS.filter((a) => !accounts.has(a)));
            const rv = view(rejected, others);
            if (!movedAcross) expect(only(got.ann, others)).toEqual(rv.ann);
            if (!boundAcross) expect(only(got.bind, others)).toEqual(rv.bind);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('re-creates bindings the grace period still keeps at the edge but desired state no longer has', () => {
    const good = content(
      [{ i: 1, account: 'a1', origin: 64500, prepends: 0 }],
      [{ i: 1, account: 'a1', service: 'cdn' }],
    );
    const retained = retainedBindings(good, good, new Set());
    expect(retained.map((b) => b.id)).toEqual(['b1']);
    expect(rejectPlan(diffSnapshots(good, good, LOCS), undefined, retained)).toEqual([
      { kind: 'bind', id: 'b1', account: 'a1', cidr: '10.1.0.0/24', service_id: 'cdn' },
    ]);
    expect(retainedBindings(good, good, new Set(['b1']))).toEqual([]);
  });

  it('bulk plans select an account or a set of prefixes of a snapshot', () => {
    const s = content(
      [
        { i: 1, account: 'a1', origin: 64500, prepends: 1 },
        { i: 2, account: 'a2', origin: 64501, prepends: 0 },
      ],
      [
        { i: 1, account: 'a1', service: 'cdn' },
        { i: 2, account: 'a2', service: 'cdn' },
      ],
    );
    expect(readvertisePlan(s, { account: 'a1' })).toEqual([
      { kind: 'advertise', account: 'a1', cidr: '10.1.0.0/24', origin: 64500, prepends: 1 },
    ]);
    expect(readvertisePlan(s, { prefixes: ['10.2.0.0/24'] }).map((x) => x.account)).toEqual(['a2']);
    expect(restoreBindingsPlan(s).map((x) => (x.kind === 'bind' ? x.id : ''))).toEqual(['b1', 'b2']);
  });
});
