// `failsmall replay byoip-2026-02-20`: the 20 February 2026 BYOIP incident, replayed against failsmall.
// Real parts: the Addressing API and service over an embedded PGlite store (the job's calls go through
// the same service path as any API client), and the control loop `serve` runs (src/rollout/control-loop.ts:
// compiler, guard, rollout engine on the same schedule) with the edge agent logic. Simulated parts: the fleet (in-process agents with in-memory BGP speakers) and time (a
// virtual clock, so 15 simulated minutes take seconds; every time printed is simulated).
import { createHash } from 'node:crypto';
import type { Actor, BgpPrefix, Prefix } from '../addressing/model.js';
import { AddressingService } from '../addressing/service.js';
import { hashToken, newTokenSecret } from '../api/auth.js';
import { buildServer } from '../api/server.js';
import { type DesiredInput, mergeDesired } from '../rollout/controller.js';
import { DEFAULT_GUARD, type WindowSpec } from '../rollout/guard.js';
import { type AppliedAt, EdgeDamageTracker, type TimelineEntry, timelineText } from '../sim/incident.js';
import { createSimulation } from '../sim/simulation.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { simTopology } from '../sim/topology.js';
import type { Snapshot } from '../snapshot/model.js';
import { openStore } from '../store/harness.js';

export interface ReplayOptions {
  locations?: number;
  nodesPerLocation?: number;
  byoipPrefixes?: number;
  totalPrefixes?: number;
  byoipAccounts?: number;
  /** Simulated time between two prefixes the job deletes (each takes 4-6 API calls). */
  jobPaceMs?: number;
  /** How often desired state is compiled into a snapshot. */
  compileEveryMs?: number;
  /** Simulated time from hand-over to applied at an agent (bus + speaker reconfiguration). */
  applyDelayMs?: number;
  /** How long the job runs (simulated) before the replay ends. */
  durationMs?: number;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

export interface ReplaySummary {
  scenario: 'byoip-2026-02-20';
  times_are_simulated: true;
  setup: Record<string, number>;
  job: Record<string, unknown>;
  edge: Record<string, unknown>;
  times: Record<string, number | null>;
  guard: Record<string, unknown>;
  real_incident: Record<string, unknown>;
  done: {
    held_before_1pct_of_byoip: boolean;
    zero_bindings_removed_at_edge: boolean;
    restored_within_60s_of_halt: boolean;
  };
}

export interface ReplayResult {
  summary: ReplaySummary;
  timeline: string;
  passed: boolean;
}

const T0 = Date.parse('2026-02-20T17:56:00Z');

function counterIds(): { next(): string } {
  let n = 0;
  return { next: () => createHash('sha256').update(`replay-${n++}`).digest('hex').slice(0, 32) };
}

export async function replayByoip(o: ReplayOptions = {}): Promise<ReplayResult> {
  const log = o.log ?? (() => {});
  const nLoc = o.locations ?? 40;
  const byoipCount = o.byoipPrefixes ?? 4306;
  const total = o.totalPrefixes ?? 6500;
  const paceMs = o.jobPaceMs ?? 2000;
  const compileEvery = o.compileEveryMs ?? 30_000;
  const duration = o.durationMs ?? 15 * 60_000;
  const topo = simTopology(nLoc, o.nodesPerLocation ?? 2);
  const desired: { read(): Promise<DesiredInput> } = {
    read: async () => ({ prefixes: [], bgp_prefixes: [], bindings: [], ownership: [] }),
  };
  // The network is up and converged before the job starts: its initial rollout ran before T0.
  const sim = await createSimulation({
    locations: topo,
    clock: T0 - 3 * 3600_000,
    applyDelayMs: o.applyDelayMs ?? 1500,
    desired: { read: () => desired.read() },
    loop: { compile: { communities: ['13335:10000'] }, compileEveryMs: compileEvery },
  });
  const clock = sim.virtual as NonNullable<typeof sim.virtual>;
  const at = () => new Date(clock.now()).toISOString();

  log('opening the Addressing API over embedded PGlite (in memory)');
  const opened = await openStore({ dataDir: 'memory://' });
  const timeline: TimelineEntry[] = [];
  try {
    const service = new AddressingService(opened.store, clock, counterIds());
    const byoip = syntheticDesired({
      accounts: o.byoipAccounts ?? 700,
      prefixes: byoipCount,
      bindingsPerPrefix: 2,
      tag: 'byoip',
      firstOctet: 23,
      at: at(),
    });
    log(`seeding ${byoip.accounts.length} accounts, ${byoipCount} BYOIP prefixes, ${byoip.bindings.length} bindings`);
    await opened.store.transaction(async (tx) => {
      for (const a of byoip.accounts) await tx.insertAccount(a);
      for (const p of byoip.prefixes) await tx.insertPrefix(p);
      for (const b of byoip.bgp_prefixes) await tx.insertBgpPrefix(b);
      for (const b of byoip.bindings) await tx.insertBinding(b);
      for (const o of byoip.ownership) await tx.putOwnershipProof(o);
    });
    // The network's own space is configured elsewhere (not through the Addressing API): a static source.
    const own = syntheticDesired({
      accounts: 1,
      prefixes: total - byoipCount,
      tag: 'own',
      firstOctet: 104,
      asnBase: 13335,
      at: at(),
    });
    const byoipAccounts = new Set(byoip.accounts.map((a) => a.id));
    desired.read = async () => mergeDesired([await service.exportDesiredState(), own]);
    service.onChange(() => sim.loop.markDirty());
    log('compiling and rolling out the initial snapshot');
    await sim.loop.sync('initial state');
    await sim.settle();
    const initial = (await sim.engine.baseline()) as Snapshot;
    clock.set(T0);
    await sim.loop.start(); // compiles on its schedule from here: T0 + compileEvery, + 2 compileEvery, ...
    const tracker = new EdgeDamageTracker(initial, (_p, acct) => byoipAccounts.has(acct));
    const rolloutsBefore = new Set(sim.engine.listRollouts().map((r) => r.id));
    timeline.push({
      at: T0,
      what: `network converged on snapshot #${initial.number}: ${initial.announcements.length} prefixes (${byoipCount} BYOIP), ${initial.bindings.length} bindings, ${nLoc} locations, ${sim.fleet.all().length} agents`,
    });

    // 1. The job's call, as written on 20 February: a valueless flag. The strict API refuses it.
    const app = await buildServer({
      version: 'replay',
      logger: false,
      tokens: (h) => opened.store.tokenByHash(h),
      addressing: { service },
    });
    const admin: Actor = { kind: 'cli', id: 'cli:replay', account_id: null, scopes: ['admin'], request_id: 'replay' };
    const secret = newTokenSecret();
    await service.tokens.create(admin, {
      account_id: null,
      name: 'job:pending-delete-cleanup',
      scopes: ['operator'],
      token_hash: hashToken(secret),
    });
    const firstAccount = byoip.accounts[0]?.id as string;
    const res = await app.inject({
      method: 'GET',
      url: `/client/v4/accounts/${firstAccount}/addressing/prefixes?pending_delete`,
      headers: { authorization: `Bearer ${secret}` },
    });
    const body = res.json() as { errors?: { error_code?: string; message?: string }[] };
    const apiAnswer = `${res.statusCode} ${body.errors?.[0]?.error_code ?? ''}`;
    timeline.push({
      at: clock.now(),
      what: `job: GET …/prefixes?pending_delete → ${apiAnswer}: ${body.errors?.[0]?.message ?? ''}`,
    });
    await app.close();

    // 2. Suppose the job gets the wrong list anyway (every prefix, as the buggy server returned) and
    //    deletes each one with its dependents, through the service like any API client.
    const job: Actor = {
      kind: 'job',
      id: 'job:buggy-cleanup',
      account_id: null,
      scopes: ['operator'],
      request_id: 'replay-job',
    };
    const list: Prefix[] = [];
    for (let after = ''; ; ) {
      const page = await service.prefixes.inState(job, 'active', after, 1000);
      list.push(...page);
      if (page.length < 1000) break;
      after = page[page.length - 1]?.id ?? after;
    }
    timeline.push({
      at: clock.now(),
      what: `job: treats all ${list.length} prefixes as pending deletion and starts deleting (withdraw, unbind, delete), one prefix every ${paceMs / 1000} s`,
    });
    let calls = 0;
    let deleted = 0;
    let failed = 0;
    let next = 0;
    const deleteOne = async (p: Prefix) => {
      const bgps: BgpPrefix[] = await service.bgp.list(job, p.account_id, p.id);
      for (const b of bgps) {
        calls++;
        if (b.on_demand.advertised)
          await service.bgp.edit(job, p.account_id, p.id, b.id, { on_demand: { advertised: false } });
      }
      const bindings = await service.bindings.list(job, p.account_id, p.id);
      bindings.sort((x, y) => Number(y.cidr.split('/')[1]) - Number(x.cidr.split('/')[1]));
      for (const b of bindings) {
        calls++;
        await service.bindings.delete(job, p.account_id, p.id, b.id);
      }
      for (const b of bgps) {
        calls++;
        await service.bgp.delete(job, p.account_id, p.id, b.id);
      }
      calls++;
      await service.prefixes.delete(job, p.account_id, p.id);
      deleted++;
    };

    const snaps = new Map<string, Snapshot>();
    const applied = async (): Promise<AppliedAt[]> => {
      const out: AppliedAt[] = [];
      for (const a of sim.fleet.all()) {
        const id = a.agent.current()?.snapshotId ?? null;
        let s: Snapshot | null = null;
        if (id) {
          s = snaps.get(id) ?? (await sim.engine.snapshot(id));
          snaps.set(id, s);
        }
        out.push({ location: a.agent.location, snapshot: s });
      }
      return out;
    };

    log(`running the job for ${duration / 60_000} simulated minutes`);
    const end = T0 + duration;
    let nextJob = T0;
    let firstEdgeLoss: number | null = null;
    let lastSnapshot = sim.engine.latestSnapshot()?.number ?? 0;
    while (clock.now() < end) {
      const now = clock.now();
      while (nextJob <= now && next < list.length) {
        try {
          await deleteOne(list[next] as Prefix);
        } catch (e) {
          failed++;
          if (failed <= 3) timeline.push({ at: now, what: `job: ${(e as Error).message}` });
        }
        next++;
        nextJob += paceMs;
      }
      await sim.loop.tick();
      const latest = sim.engine.latestSnapshot();
      if (latest && latest.number !== lastSnapshot) {
        lastSnapshot = latest.number;
        const r = sim.engine.listRollouts().find((x) => x.snapshotId === latest.id);
        log(`  ${new Date(now).toISOString().slice(11, 19)} snapshot #${latest.number}: ${r?.status ?? '-'}`);
      }
      tracker.observe(clock.now(), await applied());
      const d = tracker.result();
      if (firstEdgeLoss === null && d.firstDamageAt !== null) {
        firstEdgeLoss = d.firstDamageAt;
        timeline.push({
          at: d.firstDamageAt,
          what: `edge: first prefixes withdrawn at ${d.locationsTouched.join(', ')} (${d.prefixesWithdrawn} BYOIP prefixes)`,
        });
      }
      clock.advance(1000);
    }
    await sim.fleet.pump();
    tracker.observe(clock.now(), await applied());
    const damage = tracker.result();
    if (damage.restoredAt !== null)
      timeline.push({
        at: damage.restoredAt,
        what: 'edge: every location announces every prefix and holds every binding of the initial state again',
      });
    timeline.push({
      at: clock.now(),
      what: `replay ends: the job deleted ${deleted} prefixes from desired state (${calls} API calls); the edge still announces ${damage.damagedNow ? 'LESS than' : 'all of'} the initial state`,
    });

    // Engine and guard events since T0.
    const audit = await sim.store.listAudit();
    const atMs = (a: (typeof audit)[number]) => Date.parse(a.at);
    for (const a of audit)
      if (atMs(a) >= T0)
        timeline.push({ at: atMs(a), what: `${a.actor_id}: ${a.action} ${a.object_id}: ${a.reason ?? ''}` });
    const rollouts = sim.engine.listRollouts().filter((r) => !rolloutsBefore.has(r.id));
    const trip = audit.find((a) => atMs(a) >= T0 && a.action === 'breaker.trip');
    for (const r of rollouts) {
      // Held snapshots superseded by newer ones while the breaker stays tripped are counted, not listed.
      if (r.status === 'superseded' && r.id !== trip?.object_id && !r.events.some((e) => e.event === 'started'))
        continue;
      for (const e of r.events) {
        if (e.event === 'superseded') continue;
        timeline.push({ at: e.at, what: `${r.id} (#${r.snapshotNumber}) ${e.event}: ${e.detail}` });
      }
    }
    const superseded = rollouts.filter((r) => r.status === 'superseded' && r.id !== trip?.object_id).length;
    if (superseded)
      timeline.push({
        at: clock.now(),
        what: `(${superseded} compiled snapshots were superseded by newer ones; after the trip each was held: the breaker blocks destructive changes until an operator resets it)`,
      });

    const haltAt = trip ? atMs(trip) : null;
    const restoredAt = damage.firstDamageAt === null ? haltAt : damage.restoredAt;
    const held = rollouts.find((r) => r.id === trip?.object_id);
    const limit = Math.floor(byoipCount / 100);
    const afterHalt = haltAt !== null && restoredAt !== null ? (restoredAt - haltAt) / 1000 : null;
    const summary: ReplaySummary = {
      scenario: 'byoip-2026-02-20',
      times_are_simulated: true,
      setup: {
        locations: nLoc,
        agents: sim.fleet.all().length,
        prefixes_announced: initial.announcements.length,
        byoip_prefixes: byoipCount,
        byoip_accounts: byoip.accounts.length,
        bindings: initial.bindings.length,
        job_pace_ms: paceMs,
        compile_every_ms: compileEvery,
        apply_delay_ms: o.applyDelayMs ?? 1500,
        window_limit_withdrawals: (DEFAULT_GUARD.windows[0] as WindowSpec).withdrawals.global.count,
      },
      job: {
        buggy_query_answer: apiAnswer,
        prefixes_it_asked_to_delete: list.length,
        prefixes_deleted_from_desired_state: deleted,
        api_calls: calls,
        failed_calls: failed,
      },
      edge: {
        byoip_prefixes_withdrawn_at_any_edge: damage.prefixesWithdrawn,
        prefixes_withdrawn_at_any_edge: damage.allPrefixesWithdrawn,
        peak_byoip_prefixes_withdrawn_at_once: damage.peakPrefixesWithdrawn,
        bindings_removed_at_any_edge: damage.bindingsRemoved,
        locations_touched: damage.locationsTouched,
        still_damaged_at_end: damage.damagedNow,
      },
      times: {
        time_to_halt_s: haltAt === null ? null : (haltAt - T0) / 1000,
        time_to_full_restore_after_halt_s: afterHalt,
        time_to_full_restore_after_job_start_s: restoredAt === null ? null : (restoredAt - T0) / 1000,
        edge_damage_duration_s:
          damage.firstDamageAt === null || restoredAt === null ? 0 : (restoredAt - damage.firstDamageAt) / 1000,
      },
      guard: {
        breaker_tripped_by: held?.id ?? null,
        held_change: held?.guard?.summary ?? null,
        breaker_tripped_now: sim.engine.engineState().guard.breaker.tripped,
      },
      real_incident: {
        byoip_prefixes_withdrawn: 1100,
        bindings_removed: 'about 300 prefixes lost bindings',
        time_to_full_restore: '6 h 7 min',
      },
      done: {
        held_before_1pct_of_byoip: haltAt !== null && damage.prefixesWithdrawn <= limit,
        zero_bindings_removed_at_edge: damage.bindingsRemoved === 0,
        restored_within_60s_of_halt: !damage.damagedNow && afterHalt !== null && afterHalt <= 60,
      },
    };
    const passed = Object.values(summary.done).every(Boolean);
    return { summary, timeline: timelineText(T0, timeline), passed };
  } finally {
    await opened.close();
  }
}
