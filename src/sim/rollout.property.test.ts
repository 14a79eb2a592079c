// Property: for random sequences of desired-state changes, rollouts, failing and inconclusive gates,
// agents cut off, operator pauses, promotions, aborts, approvals, breaker resets and rollbacks,
// (1) every agent ends on a snapshot that completed a rollout (a good one), the last good one, and
// (2) no hand-over exceeded the guard's limits without an approval. The oracle is written from the rules
// themselves: what each location announced and held before and after every hand-over the fleet saw
// (scope semantics of src/snapshot/model.ts), counted per network, account, location and region and over
// the sliding window — it uses neither diffSnapshots, nor the guard's allowed(), nor the engine's steps.
// Who made each desired-state change is the test's own record (an account's own token, or a global job's),
// written as the one audit log's entries: the window leaves out only an account whose withdrawals in it
// its own token made.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../addressing/model.js';
import type { AuditEvent } from '../lib/audit.js';
import type { RolloutEngine } from '../rollout/engine.js';
import { DEFAULT_GUARD, type WindowSpec } from '../rollout/guard.js';
import { compile } from '../snapshot/compile.js';
import type { LocationScope, Snapshot } from '../snapshot/model.js';
import { person } from '../testing/actors.js';
import { createSimulation, type Simulation } from './simulation.js';
import { syntheticDesired } from './synthetic.js';
import { simTopology } from './topology.js';

const topo = simTopology(6);
/** The operator of the property test: a person who may approve (it makes no desired-state change). */
const PROP = person('prop', ['operator', 'approver']);
const stages = [
  { name: 'canary', count: 1, bakeMs: 30_000 },
  { name: 'half', fraction: 0.5, bakeMs: 30_000 },
  { name: 'all', fraction: 1, bakeMs: 30_000 },
];
function cumulative(scoped: number, global: number): Omit<WindowSpec, 'name' | 'ms'> {
  const l = {
    account: { count: scoped, fraction: 0 },
    location: { count: scoped, fraction: 0 },
    global: { count: global, fraction: 0 },
  };
  return { withdrawals: l, unbinds: l, modifications: l };
}
const guard = {
  ...DEFAULT_GUARD,
  withdrawals: {
    account: { count: 6, fraction: 0 },
    location: { count: 8, fraction: 0 },
    region: { count: 8, fraction: 0 },
    global: { count: 8, fraction: 0 },
  },
  unbinds: {
    account: { count: 6, fraction: 0 },
    location: { count: 8, fraction: 0 },
    region: { count: 8, fraction: 0 },
    global: { count: 8, fraction: 0 },
  },
  // One window, network-wide only (the oracle below counts it); its account and location limits, and
  // drift's, never bind (60 is every prefix).
  windows: [{ name: '5m', ms: 300_000, ...cumulative(60, 12) }],
  drift: { ageMs: 24 * 3600_000, ...cumulative(60, 60) },
};
const N = 60;
// Every fraction is 0, so each limit allows exactly its count (the rule: max(count, fraction × base)).
const LIMIT = { withdrawals: 6 /* account */, scope: 8 /* location, region, network */, window: 12 };

/** What location `l` announces (prefix → account) and holds (binding id → account) under `s`. */
function edgeAt(s: Snapshot | null, l: string) {
  const here = (scope: LocationScope) => scope === '*' || scope.includes(l);
  const announced = new Map<string, string>();
  const bound = new Map<string, string>();
  for (const a of s?.announcements ?? []) if (here(a.locations)) announced.set(a.prefix, a.account);
  for (const b of s?.bindings ?? []) if (here(b.locations)) bound.set(b.id, b.account);
  return { announced, bound };
}

/** Keys of `before` that `after` lacks, with their account. */
function lost(before: Map<string, string>, after: Map<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, acct] of before) if (!after.has(k)) out.set(k, acct);
  return out;
}

type Cmd =
  /** `own`: the change is made by that account's token (its prefixes only); null: by a global job's. */
  | { k: 'change'; flip: number[]; unbind: number[]; own: number | null }
  | { k: 'run'; s: number }
  | { k: 'verdict'; status: 'fail' | 'inconclusive' | 'pass' }
  | { k: 'fault'; loc: number }
  | { k: 'cut'; loc: number; on: boolean }
  | { k: 'op'; op: 'pause' | 'resume' | 'promote' | 'abort' | 'approve' }
  | { k: 'reset' }
  | { k: 'rollback'; back: number; account: number | null };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('change' as const),
      flip: fc.uniqueArray(fc.nat(N - 1), { maxLength: 20 }),
      unbind: fc.uniqueArray(fc.nat(N - 1), { maxLength: 10 }),
      own: fc.option(fc.nat(2), { nil: null }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ k: fc.constant('run' as const), s: fc.integer({ min: 1, max: 200 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('verdict' as const),
      status: fc.constantFrom('fail' as const, 'inconclusive' as const, 'pass' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('fault' as const), loc: fc.nat(topo.length - 1) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant('cut' as const), loc: fc.nat(topo.length - 1), on: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('op' as const),
      op: fc.constantFrom(
        'pause' as const,
        'resume' as const,
        'promote' as const,
        'abort' as const,
        'approve' as const,
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('reset' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('rollback' as const),
      back: fc.nat(5),
      account: fc.option(fc.nat(2), { nil: null }),
    }),
  },
);

/** Every hand-over of the fleet, with what each location ran before it. */
interface Handover {
  at: number;
  /** How many desired-state changes were made before it (an index into the record of who withdrew what). */
  changes: number;
  snapshot: Snapshot;
  locations: string[];
  before: Map<string, Snapshot | null>;
}

function recordHandovers(sim: Simulation, changes: () => number): Handover[] {
  expect(Object.values(guard.withdrawals).every((l) => l.fraction === 0)).toBe(true);
  expect([
    guard.withdrawals.account.count,
    guard.withdrawals.global.count,
    (guard.windows[0] as WindowSpec).withdrawals.global.count,
  ]).toEqual([LIMIT.withdrawals, LIMIT.scope, LIMIT.window]);
  const log: Handover[] = [];
  const running = new Map<string, Snapshot | null>();
  const deploy = sim.fleet.deploy.bind(sim.fleet);
  sim.fleet.deploy = async (snapshot, locations) => {
    const before = new Map(locations.map((l) => [l, running.get(l) ?? null]));
    log.push({ at: sim.clock.now(), changes: changes(), snapshot, locations: [...locations], before });
    for (const l of locations) running.set(l, snapshot);
    return deploy(snapshot, locations);
  };
  return log;
}

const tolerated = (e: unknown) => {
  const code = (e as { code?: string }).code ?? '';
  if (!/^E_(ROLLOUT_STATE|GUARD_NOT_TRIPPED|ROLLOUT_NO_BASELINE|SNAPSHOT_NOT_FOUND|ROLLOUT_NOT_FOUND)$/.test(code))
    throw e;
};

function active(engine: RolloutEngine) {
  return engine.listRollouts().find((r) => r.status === 'running' || r.status === 'paused');
}

async function play(cmds: Cmd[]) {
  const audit: AuditEvent[] = [];
  const history = { addressingChangesSince: async (at: string) => audit.filter((e) => e.at >= at) };
  const sim = await createSimulation({ locations: topo, engine: { stages, guard }, history });
  /** After each desired-state change: per withdrawn prefix, the account of the token that withdrew it. */
  const withdrawers: Map<string, string | null>[] = [new Map()];
  const handovers = recordHandovers(sim, () => withdrawers.length - 1);
  const desired: DesiredState = syntheticDesired({ accounts: 3, prefixes: N, bindingsPerPrefix: 1 });
  const write = (
    own: string | null,
    action: string,
    type: 'bgp_prefix' | 'binding',
    id: string,
    account: string,
    cidr: string,
  ) =>
    audit.push({
      id: `e${audit.length}`,
      at: new Date(sim.clock.now()).toISOString(),
      account_id: account,
      actor_kind: own ? 'person' : 'job',
      actor_id: own ? `customer-${own}` : 'job:rogue',
      actor_account_id: own,
      request_id: 'r',
      action,
      object_type: type,
      object_id: id,
      before: { cidr },
      after: { cidr },
      reason: null,
    });
  const propose = (reason: string) =>
    sim.engine.propose(compile(desired, { locations: topo }), { origin: 'compile', reason, actor: 'prop' });
  await propose('initial');
  await sim.settle();
  const removed = new Map<number, DesiredState['bindings'][number]>();
  /** Snapshots an operator approved (the test's own record of its commands). */
  const approved = new Set<string>();
  for (const c of cmds) {
    try {
      switch (c.k) {
        case 'change': {
          // An account's own token changes that account's prefixes only (the API's rule).
          const own = c.own === null ? null : (desired.accounts[c.own]?.id ?? null);
          const mine = (i: number) => own === null || desired.prefixes[i]?.account_id === own;
          const who = new Map(withdrawers[withdrawers.length - 1]);
          for (const i of c.flip.filter(mine)) {
            const b = desired.bgp_prefixes[i];
            if (!b) continue;
            b.on_demand.advertised = !b.on_demand.advertised;
            write(
              own,
              `bgp_prefix.${b.on_demand.advertised ? 'advertise' : 'withdraw'}`,
              'bgp_prefix',
              b.id,
              b.account_id,
              b.cidr,
            );
            if (b.on_demand.advertised) who.delete(b.cidr);
            else who.set(b.cidr, own);
          }
          for (const i of c.unbind.filter(mine)) {
            const back = removed.get(i);
            if (back) {
              desired.bindings.push(back);
              removed.delete(i);
              write(own, 'binding.create', 'binding', back.id, back.account_id, back.cidr);
            } else {
              const at = desired.bindings.findIndex((b) => b.prefix_id === desired.prefixes[i]?.id);
              if (at < 0) continue;
              const gone = desired.bindings.splice(at, 1)[0] as DesiredState['bindings'][number];
              removed.set(i, gone);
              write(own, 'binding.delete', 'binding', gone.id, gone.account_id, gone.cidr);
            }
          }
          withdrawers.push(who);
          await propose('change');
          break;
        }
        case 'run':
          await sim.run(c.s * 1000, 1000);
          break;
        case 'verdict': {
          const r = active(sim.engine);
          if (r?.touched[0])
            sim.signals.publish({
              source: 'canary',
              rolloutId: r.id,
              location: r.touched[0],
              status: c.status,
              reason: c.status,
              at: sim.clock.now(),
            });
          break;
        }
        case 'fault':
          for (const a of sim.fleet.at(topo[c.loc]!.id)) a.speaker.fault = { kind: 'drop', keep: 5 };
          break;
        case 'cut':
          await sim.fleet.setReachable(
            sim.fleet.at(topo[c.loc]!.id).map((a) => a.agent.id),
            !c.on,
          );
          break;
        case 'op': {
          const r =
            c.op === 'approve' ? sim.engine.listRollouts().find((x) => x.status === 'held') : active(sim.engine);
          if (r) {
            const after =
              c.op === 'approve'
                ? await sim.engine.approve(r.id, PROP, 'property test', r.change?.digest ?? '')
                : await sim.engine[c.op](r.id, PROP, 'property test');
            if (c.op === 'approve') approved.add(after.snapshotId);
          }
          break;
        }
        case 'reset':
          await sim.engine.resetBreaker(PROP, 'property test');
          break;
        case 'rollback': {
          const good = sim.engine.engineState().goodIds;
          const to = good[Math.max(0, good.length - 1 - c.back)] as string;
          const target = await sim.engine.snapshot(to);
          const account = c.account === null ? undefined : desired.accounts[c.account]?.id;
          await sim.engine.rollback({
            to: `#${target.number}`,
            ...(account ? { account } : {}),
            actor: PROP,
            reason: 'property test',
          });
          break;
        }
      }
    } catch (e) {
      tolerated(e);
    }
  }
  // Operators clean up: faults repaired, agents reconnected, unfinished rollouts aborted.
  for (const a of sim.fleet.all()) a.speaker.fault = { kind: 'none' };
  await sim.fleet.setReachable(
    sim.fleet.all().map((a) => a.agent.id),
    true,
  );
  for (let i = 0; i < 10; i++) {
    for (const r of sim.engine.listRollouts()) {
      if (r.status === 'paused' || r.status === 'held' || r.status === 'queued' || r.status === 'running') {
        await sim.engine.abort(r.id, PROP, 'end of test').catch(tolerated);
      }
    }
    await sim.settle(3600_000);
    if (
      !sim.engine.listRollouts().some((r) => !['completed', 'rolled-back', 'aborted', 'superseded'].includes(r.status))
    )
      break;
  }
  return { sim, handovers, approved, withdrawers };
}

describe('rollout engine properties', () => {
  it('every agent ends on a good snapshot and no unapproved step exceeds the guard', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cmd, { minLength: 1, maxLength: 25 }), async (cmds) => {
        const { sim, handovers, approved, withdrawers } = await play(cmds);
        // (1) every agent on one snapshot, the last good one, handed to every location.
        const baseline = sim.engine.engineState().baselineId;
        for (const a of sim.fleet.all()) expect(a.agent.current()?.snapshotId).toBe(baseline);
        const reached = new Set(handovers.filter((h) => h.snapshot.id === baseline).flatMap((h) => h.locations));
        expect(reached.size).toBe(topo.length);
        // (2) the guard, re-checked from the fleet's hand-overs.
        const ran = new Map<string, Set<string>>(topo.map((l) => [l.id, new Set<string>()]));
        const firstSeen = new Map<string, number>();
        const changesAt = new Map<string, number>(); // desired-state changes made before the first hand-over
        const withdrawnBy = new Map<string, Map<string, string>>();
        for (const h of handovers) {
          firstSeen.set(h.snapshot.id, firstSeen.get(h.snapshot.id) ?? h.at);
          changesAt.set(h.snapshot.id, changesAt.get(h.snapshot.id) ?? h.changes);
          // Exempt: an approved snapshot, or a return of every location to a snapshot it ran before (a halt).
          const returning = h.locations.every((l) => ran.get(l)?.has(h.snapshot.id));
          for (const l of h.locations) ran.get(l)?.add(h.snapshot.id);
          if (approved.has(h.snapshot.id) || returning) continue;
          const prefixes = new Map<string, string>();
          const bindings = new Map<string, string>();
          const byRegion = new Map<string, Set<string>>();
          for (const l of h.locations) {
            const was = edgeAt(h.before.get(l) ?? null, l);
            const now = edgeAt(h.snapshot, l);
            if (was.announced.size > 0 && now.announced.size === 0) expect(h.snapshot.withdrawAll).not.toBeNull();
            const w = lost(was.announced, now.announced);
            expect(w.size).toBeLessThanOrEqual(LIMIT.scope); // per location
            const region = topo.find((x) => x.id === l)?.region as string;
            const r = byRegion.get(region) ?? new Set<string>();
            for (const [p, acct] of w) {
              prefixes.set(p, acct);
              r.add(p);
            }
            byRegion.set(region, r);
            for (const [id, acct] of lost(was.bound, now.bound)) bindings.set(id, acct);
          }
          expect(prefixes.size).toBeLessThanOrEqual(LIMIT.scope); // network
          expect(bindings.size).toBeLessThanOrEqual(LIMIT.scope);
          for (const r of byRegion.values()) expect(r.size).toBeLessThanOrEqual(LIMIT.scope);
          const perAccount = new Map<string, number>();
          for (const acct of prefixes.values()) perAccount.set(acct, (perAccount.get(acct) ?? 0) + 1);
          for (const n of perAccount.values()) expect(n).toBeLessThanOrEqual(LIMIT.withdrawals);
          const all = withdrawnBy.get(h.snapshot.id) ?? new Map<string, string>();
          for (const [p, acct] of prefixes) all.set(p, acct);
          withdrawnBy.set(h.snapshot.id, all);
        }
        // The window: a change is admitted when its first stage goes out; distinct prefixes withdrawn by
        // changes admitted within any window stay under its limit, leaving out at most one account with the
        // most of them, and only an account whose every withdrawal in the window its own token made as
        // desired state stood then (a customer's own changes within its account limit, 60 here: always
        // within); a job's withdrawal in an account counts it in full.
        const admitted = [...withdrawnBy].map(([id, ps]) => ({
          at: firstSeen.get(id) as number,
          who: withdrawers[changesAt.get(id) as number] as Map<string, string | null>,
          ps,
        }));
        for (const w of admitted) {
          const inWindow = new Map<string, string>();
          for (const x of admitted)
            if (x.at <= w.at && x.at > w.at - (guard.windows[0] as WindowSpec).ms)
              for (const [p, acct] of x.ps) inWindow.set(p, acct);
          const perAccount = new Map<string, number>();
          const notOwn = new Set<string>();
          for (const [p, acct] of inWindow) {
            perAccount.set(acct, (perAccount.get(acct) ?? 0) + 1);
            if (w.who.get(p) !== acct) notOwn.add(acct);
          }
          const exempt = Math.max(0, ...[...perAccount].filter(([a]) => !notOwn.has(a)).map(([, n]) => n));
          expect(inWindow.size - exempt).toBeLessThanOrEqual(LIMIT.window);
        }
      }),
      { numRuns: Number(process.env.FAILSMALL_PROPERTY_RUNS ?? 100) },
    );
  });
});
