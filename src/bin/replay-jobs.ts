// `failsmall replay byoip-2026-02-20 --job KIND`: the rogue jobs of the outside red team (issue 10's table),
// each run through the HTTP API (app.inject: the same stack, auth and route tables `serve` answers with)
// against the control loop `serve` runs, over the demo's population (the six named customers and the
// small BYOIP ones) and the demo's fleet shape (12 locations, 2 agents each) and stages, on a virtual
// clock. The edge figures come from what the agents' speakers and binding tables hold (their read-back),
// compared with the last good snapshot before the job; then the operator rejects what was held and a
// customer's legitimate change must deploy without a further hold.
import { createHash } from 'node:crypto';
import type { Actor, Scope, TokenKind } from '../addressing/model.js';
import { AddressingService } from '../addressing/service.js';
import { hashToken, newTokenSecret } from '../api/auth.js';
import { buildServer } from '../api/server.js';
import { ManualClock } from '../lib/clock.js';
import { DEFAULT_GUARD } from '../rollout/guard.js';
import type { Rollout } from '../rollout/ports.js';
import { planStages } from '../rollout/stages.js';
import { type DeviationSummary, EdgeDeviationTracker } from '../sim/edge-deviation.js';
import { createSimulation } from '../sim/simulation.js';
import { simTopology } from '../sim/topology.js';
import type { Snapshot } from '../snapshot/model.js';
import { KyselyAuditLog } from '../store/audit-log.js';
import { openStore } from '../store/harness.js';
import { demoFleet, seedDemo } from './demo.js';

export const JOB_KINDS = [
  'fast',
  'paced',
  'by-account',
  'modify',
  'flap',
  'unbind',
  'announce',
  'self-approve',
] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export interface JobReplayOptions {
  /** Small BYOIP customers' prefixes besides the 18 named ones (the demo's FAILSMALL_DEMO_BYOIP, 300). */
  byoipPrefixes?: number;
  /** Stage bake (the demo's FAILSMALL_DEMO_BAKE_S, 20 s). */
  bakeS?: number;
  log?: (line: string) => void;
}

export interface JobReplayResult {
  job: JobKind;
  times_are_simulated: true;
  setup: { locations: number; agents: number; prefixes_announced: number; bindings: number };
  job_calls: { sent: number; refused: number; refusals: Record<string, number> };
  edge: {
    worst_outside_canary: DeviationSummary['worstOutsideCanary'];
    worst_canary: DeviationSummary['worstCanary'];
    bindings_removed_anywhere: number;
    foreign_announced_anywhere: number;
    canaries: string[];
  };
  recovery: { rejected: string[]; legitimate_change: string; legitimate_held: boolean; legitimate_live: boolean };
  limits: { outside_canary: number; canary: number };
  done: {
    outside_canary_within_1pct: boolean;
    canary_within_one_change: boolean;
    zero_bindings_removed: boolean;
    zero_foreign_announced: boolean;
    legitimate_change_after_reject_deploys: boolean;
  };
  passed: boolean;
}

const T0 = Date.parse('2026-02-20T17:56:00Z');
const ADMIN: Actor = {
  kind: 'cli',
  id: 'cli:replay',
  account_id: null,
  scopes: ['admin', 'operator'],
  request_id: 'r',
};

/** One call of a job: method, url, body; the answer's status and error code are counted. */
interface Call {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  body?: unknown;
}

/**
 * A token for a replay's actor, its secret returned. A rogue job's caps are raised out of the way: what
 * the replays measure is the guard, not the caps. (Also the interleavings property test's.)
 */
export async function mintToken(
  service: AddressingService,
  admin: Actor,
  name: string,
  kind: TokenKind,
  scopes: Scope[],
  account: string | null,
): Promise<string> {
  const secret = newTokenSecret();
  await service.tokens.create(admin, {
    account_id: account,
    name,
    kind,
    scopes,
    ...(kind === 'job' ? { caps: { perRun: 100_000, perHour: 100_000 } } : {}),
    token_hash: hashToken(secret),
  });
  return secret;
}

export async function replayJob(kind: JobKind, o: JobReplayOptions = {}): Promise<JobReplayResult> {
  const log = o.log ?? (() => {});
  const wall0 = performance.now();
  const env = { FAILSMALL_DEMO_BYOIP: String(o.byoipPrefixes ?? 300), FAILSMALL_DEMO_BAKE_S: String(o.bakeS ?? 20) };
  const demo = demoFleet(env);
  const topo = simTopology(12, 2);
  let n = 0;
  const ids = { next: () => createHash('sha256').update(`job-${n++}`).digest('hex').slice(0, 32) };
  const opened = await openStore({ dataDir: 'memory://' });
  // The Addressing API and the loop share one virtual clock; the loop gets the API's recovery (reject
  // writes desired state through it) and the one audit log (who made a held change).
  const clock = new ManualClock(T0 - 3 * 3600_000);
  const service = new AddressingService(opened.store, clock, ids);
  const sim = await createSimulation({
    locations: topo,
    clock,
    applyDelayMs: 1500,
    desired: { read: () => service.exportDesiredState() },
    recovery: service.recovery,
    history: new KyselyAuditLog(opened.database.db),
    engine: demo.loop.engine,
    loop: {},
  });
  try {
    await seedDemo({ service, opened }, env);
    log(`seeded: ${(performance.now() - wall0) / 1000} s`);
    service.onChange(() => sim.loop.markDirty());
    await sim.loop.sync('initial state');
    log(`compiled: ${(performance.now() - wall0) / 1000} s`);
    await sim.settle(30 * 60_000);
    const good = (await sim.engine.baseline()) as Snapshot;
    log(`converged: ${(performance.now() - wall0) / 1000} s`);
    clock.set(T0);
    const app = await buildServer({
      version: 'replay',
      logger: false,
      rateLimits: false,
      tokens: (h) => opened.store.tokenByHash(h),
      addressing: { service },
      rollout: { control: sim.loop.control },
      edgeStatus: sim.loop,
    });
    const token = (name: string, kind: TokenKind, scopes: Scope[], account: string | null) =>
      mintToken(service, ADMIN, name, kind, scopes, account);
    const accounts = await service.accounts.list(ADMIN);
    // The rogue job acts under a job token; in self-approve it holds a person's approver token instead
    // (the worst case: a job given a human's credentials), so what stops it is the second-person rule.
    const jobToken =
      kind === 'self-approve'
        ? await token('person:rogue-approver', 'person', ['operator', 'approver'], null)
        : await token('job:rogue', 'job', ['operator'], null);
    const approver = await token('person:on-call', 'person', ['operator', 'approver'], null);
    // The customer whose own change must flow after the reject: the last account (the jobs take theirs
    // from the first), so the flap job's held prefixes are not its.
    const customerAccount = accounts[accounts.length - 1]?.id as string;
    const customer = await token('customer', 'person', ['addressing:write'], customerAccount);

    const calls = { sent: 0, refused: 0, refusals: {} as Record<string, number> };
    const send = async (c: Call, secret = jobToken) => {
      calls.sent++;
      const r = await app.inject({
        method: c.method,
        url: c.url,
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        ...(c.body === undefined ? {} : { payload: JSON.stringify(c.body) }),
      });
      const body = r.body ? (r.json() as { result?: unknown; errors?: { error_code?: string }[] }) : {};
      if (r.statusCode >= 400) {
        calls.refused++;
        const code = `${r.statusCode} ${body.errors?.[0]?.error_code ?? ''}`;
        calls.refusals[code] = (calls.refusals[code] ?? 0) + 1;
      }
      return { status: r.statusCode, result: body.result as never };
    };
    const base = (account: string) => `/client/v4/accounts/${account}/addressing`;

    // What the job sees: every account's prefixes and their BGP prefixes and bindings, through the API.
    interface Target {
      account: string;
      prefix: string;
      cidr: string;
      bgp: { id: string; advertised: boolean }[];
      bindings: string[];
    }
    const targets: Target[] = [];
    for (const a of accounts) {
      const ps = (await send({ method: 'GET', url: `${base(a.id)}/prefixes?per_page=1000` })).result as {
        id: string;
        cidr: string;
      }[];
      for (const p of ps ?? []) {
        const bgp = ((await send({ method: 'GET', url: `${base(a.id)}/prefixes/${p.id}/bgp/prefixes` })).result ??
          []) as { id: string; on_demand: { advertised: boolean } }[];
        const bs = ((await send({ method: 'GET', url: `${base(a.id)}/prefixes/${p.id}/bindings` })).result ?? []) as {
          id: string;
        }[];
        targets.push({
          account: a.id,
          prefix: p.id,
          cidr: p.cidr,
          bgp: bgp.map((b) => ({ id: b.id, advertised: b.on_demand.advertised })),
          bindings: bs.map((b) => b.id),
        });
      }
    }
    const advertise = (t: Target, on: boolean): Call[] =>
      t.bgp.map((b) => ({
        method: 'PATCH',
        url: `${base(t.account)}/prefixes/${t.prefix}/bgp/prefixes/${b.id}`,
        body: { on_demand: { advertised: on } },
      }));
    const announced = targets.filter((t) => t.bgp.some((b) => b.advertised));

    // The job as a schedule of (virtual ms after T0, calls) steps.
    const plan: { at: number; calls: Call[]; secret?: string }[] = [];
    const every = (ms: number, items: readonly Call[][]) => {
      for (const [i, c] of items.entries()) plan.push({ at: i * ms, calls: c });
    };
    switch (kind) {
      case 'fast':
        every(
          100,
          announced.map((t) => advertise(t, false)),
        );
        break;
      case 'paced': // 1 prefix every 26 s for 42 min
        every(
          26_000,
          announced.slice(0, Math.floor((42 * 60) / 26)).map((t) => advertise(t, false)),
        );
        break;
      case 'by-account': {
        const byAccount = new Map<string, Call[]>();
        for (const t of announced)
          byAccount.set(t.account, [...(byAccount.get(t.account) ?? []), ...advertise(t, false)]);
        every(70_000, [...byAccount.values()]);
        break;
      }
      case 'modify':
        every(
          100,
          announced.map((t) =>
            t.bgp.map((b) => ({
              method: 'PATCH' as const,
              url: `${base(t.account)}/prefixes/${t.prefix}/bgp/prefixes/${b.id}`,
              body: { asn_prepend_count: 3 },
            })),
          ),
        );
        break;
      case 'flap': // 20 prefixes off 75 s, on 15 s, 4 times
        for (let k = 0; k < 4; k++) {
          plan.push({ at: k * 90_000, calls: announced.slice(0, 20).flatMap((t) => advertise(t, false)) });
          plan.push({ at: k * 90_000 + 75_000, calls: announced.slice(0, 20).flatMap((t) => advertise(t, true)) });
        }
        break;
      case 'unbind':
        every(
          50,
          targets.flatMap((t) =>
            t.bindings.map((id) => [
              { method: 'DELETE' as const, url: `${base(t.account)}/prefixes/${t.prefix}/bindings/${id}` },
            ]),
          ),
        );
        break;
      case 'announce':
        for (const cidr of ['8.8.8.0/24', '1.1.1.0/24'])
          plan.push({
            at: 0,
            calls: [{ method: 'POST', url: `${base(customerAccount)}/prefixes`, body: { cidr, asn: 64600 } }],
            secret: customer,
          });
        break;
      case 'self-approve':
        every(
          100,
          announced.map((t) => advertise(t, false)),
        );
        break;
    }
    // The announce job continues with the calls that need the ids the API answered.
    const created: { id: string; cidr: string }[] = [];
    const jobEnd = Math.max(...plan.map((p) => p.at), 0) + 5 * 60_000;
    log(`job ${kind}: ${plan.reduce((s, p) => s + p.calls.length, 0)} calls over ${Math.round(jobEnd / 1000)} s`);

    const tracker = new EdgeDeviationTracker(
      good,
      (p) => !good.announcements.some((a) => a.prefix === p) && !targets.some((t) => t.cidr === p),
    );
    const observe = () => {
      for (const a of sim.fleet.all())
        tracker.observe({
          location: a.agent.location,
          announcements: a.speaker.exported(),
          bindings: a.bindings.bound(),
        });
    };
    let next = 0;
    plan.sort((a, b) => a.at - b.at);
    let approvedSelf = false;
    while (clock.now() < T0 + jobEnd) {
      const t = clock.now() - T0;
      while (next < plan.length && (plan[next]?.at ?? 0) <= t) {
        const step = plan[next++] as (typeof plan)[number];
        for (const c of step.calls) {
          const r = await send(c, step.secret);
          if (kind === 'announce' && r.status === 201) created.push(r.result);
        }
      }
      if (kind === 'announce')
        while (created.length > 0) {
          const p = created.shift() as { id: string; cidr: string };
          await send({ method: 'POST', url: `${base(customerAccount)}/prefixes/${p.id}/validate` }, customer);
          const b = await send(
            { method: 'POST', url: `${base(customerAccount)}/prefixes/${p.id}/bgp/prefixes`, body: { cidr: p.cidr } },
            customer,
          );
          if (b.status < 300)
            await send(
              {
                method: 'PATCH',
                url: `${base(customerAccount)}/prefixes/${p.id}/bgp/prefixes/${(b.result as { id: string }).id}`,
                body: { on_demand: { advertised: true } },
              },
              customer,
            );
        }
      if (kind === 'self-approve' && !approvedSelf) {
        const held = sim.engine.listRollouts().find((r) => r.status === 'held');
        if (held) {
          approvedSelf = true;
          await send({
            method: 'POST',
            url: `/v1/rollouts/${held.id}/approve`,
            body: { reason: 'job: approve my own change', digest: held.change?.digest ?? '' },
          });
          await send({ method: 'POST', url: '/v1/breaker/reset', body: { reason: 'job: reset' } });
        }
      }
      await sim.loop.tick();
      observe();
      clock.advance(1000);
    }

    log(`job ran: ${(performance.now() - wall0) / 1000} s`);
    if (process.env.FS_DEBUG)
      for (const r of sim.engine.listRollouts())
        log(
          `${r.id} ${r.kind} ${r.status} ${r.stages.map((s) => `${s.name}:${s.locations.length}:${s.deployedAt ? 'd' : '-'}${s.passedAt ? 'p' : '-'}`).join(' ')} ${r.events
            .slice(-2)
            .map((e) => `${e.event}: ${e.detail}`)
            .join(' | ')}`,
        );
    // Recovery: the operator rejects every held or halted change, and the one the breaker says tripped it
    // (the status names it; after a flap it is superseded: desired state itself went back); then a customer
    // withdraws one of its own prefixes, which must go through the normal stages without a hold.
    const rejected: string[] = [];
    const reject = async (id: string) => {
      const res = await send(
        { method: 'POST', url: `/v1/rollouts/${id}/reject`, body: { reason: 'operator: reject the rogue job' } },
        approver,
      );
      if (res.status < 300) rejected.push(id);
    };
    for (const r of sim.engine.listRollouts())
      if (r.status === 'held' || (r.status === 'rolled-back' && r.createdAt >= T0)) await reject(r.id);
    const status = (await send({ method: 'GET', url: '/v1/rollouts/status' }, approver)).result as {
      breaker: { tripped: boolean; trippedBy?: string | null };
    };
    if (status.breaker.tripped && status.breaker.trippedBy && !rejected.includes(status.breaker.trippedBy))
      await reject(status.breaker.trippedBy);
    await sim.settle(30 * 60_000);
    const mine = announced.findLast((t) => t.account === customerAccount) as Target;
    const before = new Set(sim.engine.listRollouts().map((r) => r.id));
    for (const c of advertise(mine, false)) await send(c, customer);
    let legit: Rollout | undefined;
    for (let i = 0; i < 15 * 60 && !(legit && ['completed', 'held', 'rolled-back'].includes(legit.status)); i++) {
      await sim.loop.tick();
      clock.advance(1000);
      legit = sim.engine.listRollouts().find((r) => !before.has(r.id));
    }
    log(`recovered: ${(performance.now() - wall0) / 1000} s`);
    const live = sim.fleet.all().every((a) => !a.speaker.announces(mine.cidr));
    await app.close();

    // The canary: the first stage of the plan every staged rollout of this fleet follows.
    const canaries = new Set(planStages(sim.fleet.locations(), demo.loop.engine?.stages ?? [])[0]?.locations ?? []);
    const s = tracker.summary(canaries);
    if (process.env.FS_DEBUG) log(JSON.stringify({ canaries: [...canaries], locations: s.locations }));
    const limitOut = Math.max(1, Math.floor(good.announcements.length / 100));
    const limitCanary = DEFAULT_GUARD.withdrawals.location.count;
    const done = {
      outside_canary_within_1pct: s.worstOutsideCanary.changed <= limitOut,
      canary_within_one_change: s.worstCanary.changed <= limitCanary,
      zero_bindings_removed: s.bindingsRemovedAnywhere === 0,
      zero_foreign_announced: s.foreignAnywhere === 0,
      legitimate_change_after_reject_deploys: legit?.status === 'completed' && live,
    };
    return {
      job: kind,
      times_are_simulated: true,
      setup: {
        locations: topo.length,
        agents: sim.fleet.all().length,
        prefixes_announced: good.announcements.length,
        bindings: good.bindings.length,
      },
      job_calls: calls,
      edge: {
        worst_outside_canary: s.worstOutsideCanary,
        worst_canary: s.worstCanary,
        bindings_removed_anywhere: s.bindingsRemovedAnywhere,
        foreign_announced_anywhere: s.foreignAnywhere,
        canaries: [...canaries],
      },
      recovery: {
        rejected,
        legitimate_change: `customer withdraws its own ${mine.cidr}`,
        legitimate_held: legit?.status === 'held' || (legit?.events.some((e) => e.event === 'held') ?? false),
        legitimate_live: live,
      },
      limits: { outside_canary: limitOut, canary: limitCanary },
      done,
      passed: Object.values(done).every(Boolean),
    };
  } finally {
    await sim.loop.stop();
    await opened.close();
  }
}
