// Issue 10, red-team rows addressed by the approval rules, through the HTTP API against the control plane
// `serve` composes (buildControlPlane, demo fleet of 12 locations, embedded PGlite in memory):
// - "a job with an operator token approves its own held change and resets the breaker": now only a
//   person's token with scope approver approves or resets, never the change's own author, and an
//   approval names the held change's digest;
// - "the automatic restore re-announced a customer's own intended withdrawal": a trip's restore now puts
//   back only what the actors whose changes tripped it took.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, DesiredState, Scope, TokenKind } from '../addressing/model.js';
import { hashToken } from '../api/auth.js';
import { TERMINAL } from '../rollout/machine.js';
import type { SimulatedFleet } from '../sim/simulated-fleet.js';
import { attachDemo } from './demo.js';
import { buildControlPlane } from './server.js';

const ADMIN: Actor = { kind: 'cli', id: 'cli:test', account_id: null, scopes: ['admin'], request_id: 't' };
// biome-ignore lint/suspicious/noExplicitAny: the v4 envelope of many routes, read field by field
type Res = { status: number; body: { result: any; errors: { error_code: string; message: string }[] } };

/** One control plane as `serve` builds it, with the demo fleet and quick bakes. */
async function plane(name: string) {
  const env = {
    FAILSMALL_DATA_DIR: 'memory://',
    FAILSMALL_DEMO_TOKEN: `${name}-operator-token-0123456789abcdef`,
    FAILSMALL_DEMO_BAKE_S: '1',
    FAILSMALL_DEMO_BYOIP: '60',
  };
  const cp = await buildControlPlane(env, 'silent');
  await attachDemo(cp, env);
  await cp.loop.start();
  const app: FastifyInstance = cp.app;
  const call = async (secret: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) => {
    const r = await app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${secret}`,
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
    });
    return { status: r.statusCode, body: r.json() } as Res;
  };
  const token = async (
    label: string,
    kind: TokenKind,
    scopes: Scope[],
    account: string | null = null,
  ): Promise<{ id: string; secret: string }> => {
    const secret = `${name}-${label}-0123456789abcdef0123456789`;
    const t = await cp.service.tokens.create(ADMIN, {
      account_id: account,
      name: label,
      scopes,
      kind,
      ...(kind === 'job' ? { caps: { perRun: 1000, perHour: 1000 } } : {}),
      token_hash: hashToken(secret),
    });
    return { id: t.id, secret };
  };
  const fleet = cp.fleet.fleet as SimulatedFleet;
  const engine = () => cp.loop.engine;
  /** No rollout in flight and every agent runs the last good snapshot. */
  const settled = () => {
    const e = engine();
    const base = e.engineState().baselineId;
    const busy = e.listRollouts().some((r) => r.status === 'queued' || r.status === 'running' || r.status === 'paused');
    return base !== null && !busy && fleet.all().every((a) => a.agent.current()?.snapshotId === base);
  };
  const announcedEverywhere = (prefix: string) => fleet.all().every((a) => a.speaker.prefixes().has(prefix));
  const announcedNowhere = (prefix: string) => fleet.all().every((a) => !a.speaker.prefixes().has(prefix));
  const desired = (): Promise<DesiredState> => cp.service.exportDesiredState();
  const withdraw = (secret: string, b: { account_id: string; prefix_id: string; id: string }) =>
    call(
      secret,
      'PATCH',
      `/client/v4/accounts/${b.account_id}/addressing/prefixes/${b.prefix_id}/bgp/prefixes/${b.id}`,
      { on_demand: { advertised: false } },
    );
  return { cp, call, token, fleet, engine, settled, announcedEverywhere, announcedNowhere, desired, withdraw };
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a job cannot approve its own held change; a second person names the change', () => {
  let p: Awaited<ReturnType<typeof plane>>;
  beforeAll(async () => {
    p = await plane('approve');
    await until('the demo state to be live everywhere', p.settled, 90_000);
  }, 120_000);
  afterAll(async () => {
    await p?.cp.close();
  });

  it('job and self-approval refused, approve and reset by person+approver only, digest-bound', async () => {
    const job = await p.token('rogue-job', 'job', ['operator']);
    const pat = await p.token('pat', 'person', ['operator', 'approver']); // an approver who also changes things
    const alice = await p.token('alice', 'person', ['operator', 'approver']); // the second person
    // a job's token can never hold scope approver
    await expect(p.token('job-approver', 'job', ['operator', 'approver'])).rejects.toMatchObject({
      code: 'E_ADDR_INVALID',
    });
    const advertised = (await p.desired()).bgp_prefixes.filter((b) => b.on_demand.advertised);
    const total = advertised.length;
    // the job withdraws 40 prefixes at once (over the per-change limit, 25), and pat one more
    for (const b of advertised.slice(1, 41)) expect((await p.withdraw(job.secret, b)).status).toBe(200);
    expect((await p.withdraw(pat.secret, advertised[0]!)).status).toBe(200);
    // compiles may split the 41 writes; wait for the snapshot holding all of them to be the held one
    const gone = new Set(advertised.slice(0, 41).map((b) => b.cidr));
    const heldAll = () => {
      const latest = p.engine().latestSnapshot();
      const r = p
        .engine()
        .listRollouts()
        .find((x) => x.status === 'held');
      return latest && r?.snapshotId === latest.id && !latest.announcements.some((a) => gone.has(a.prefix)) ? r : null;
    };
    await until('the whole change to be held', () => heldAll() !== null);
    const held = heldAll()!;
    expect(p.engine().engineState().guard.breaker.tripped).toBe(true);

    const change = await p.call(alice.secret, 'GET', `/v1/rollouts/${held.id}/change`);
    expect(change.status).toBe(200);
    const digest = change.body.result.digest as string;
    expect(digest).toBe(held.change?.digest);
    const authors = (change.body.result.authors as { id: string }[]).map((a) => a.id);
    expect(authors).toEqual(expect.arrayContaining([job.id, pat.id]));
    expect(authors).not.toContain(alice.id);

    // the job: no scope approver, so neither approval nor reset (403 before anything runs)
    const byJob = await p.call(job.secret, 'POST', `/v1/rollouts/${held.id}/approve`, { reason: 'ok', digest });
    expect([byJob.status, byJob.body.errors[0]?.error_code]).toEqual([403, 'E_ADDR_FORBIDDEN']);
    const resetByJob = await p.call(job.secret, 'POST', '/v1/breaker/reset', { reason: 'ok' });
    expect(resetByJob.status).toBe(403);
    // an approver whose own change is in the held change: a second person must approve
    const byPat = await p.call(pat.secret, 'POST', `/v1/rollouts/${held.id}/approve`, { reason: 'mine', digest });
    expect([byPat.status, byPat.body.errors[0]?.error_code]).toEqual([403, 'E_ROLLOUT_SELF_APPROVAL']);
    const resetByPat = await p.call(pat.secret, 'POST', '/v1/breaker/reset', { reason: 'mine' });
    expect([resetByPat.status, resetByPat.body.errors[0]?.error_code]).toEqual([403, 'E_ROLLOUT_SELF_APPROVAL']);
    // the second person naming another change's digest releases nothing
    const wrong = await p.call(alice.secret, 'POST', `/v1/rollouts/${held.id}/approve`, {
      reason: 'reviewed',
      digest: '0'.repeat(64),
    });
    expect([wrong.status, wrong.body.errors[0]?.error_code]).toEqual([409, 'E_ROLLOUT_DIGEST']);
    expect(p.engine().rollout(held.id).status).toBe('held');
    expect(p.engine().engineState().guard.breaker.tripped).toBe(true);

    // nothing of the held change reached any edge: every location announces every prefix
    await until('the network to settle', p.settled);
    const withdrawnSomewhere = advertised.filter((b) => !p.announcedEverywhere(b.cidr)).length;
    expect({ total, withdrawnSomewhere }).toEqual({ total, withdrawnSomewhere: 0 });

    // the held change is what it would do now: when the baseline moved meanwhile (a trip's restore
    // completed), its digest moved with it, and the one reviewed before is refused
    const now = p
      .engine()
      .listRollouts()
      .find((r) => r.status === 'held')!;
    const current = (await p.call(alice.secret, 'GET', `/v1/rollouts/${now.id}/change`)).body.result.digest as string;
    if (now.id !== held.id || current !== digest) {
      const stale = await p.call(alice.secret, 'POST', `/v1/rollouts/${now.id}/approve`, { reason: 'old', digest });
      expect([stale.status, stale.body.errors[0]?.error_code]).toEqual([409, 'E_ROLLOUT_DIGEST']);
    }
    // the second person, naming the held change, releases it; the audit log names her and the digest
    const ok = await p.call(alice.secret, 'POST', `/v1/rollouts/${now.id}/approve`, {
      reason: 'ticket 10',
      digest: current,
    });
    if (ok.status !== 200) throw new Error(JSON.stringify(ok.body.errors));
    expect(ok.status).toBe(200);
    expect(ok.body.result.approval).toMatchObject({ by: alice.id, digest: current });
    const audit = (await p.cp.loop.control.audit()).find((a) => a.action === 'rollout.approve');
    expect(audit).toMatchObject({ actor_kind: 'person', actor_id: alice.id });
  }, 180_000);
});

describe("a trip's restore undoes only the changes of whoever tripped it", () => {
  let p: Awaited<ReturnType<typeof plane>>;
  beforeAll(async () => {
    p = await plane('restore');
    await until('the demo state to be live everywhere', p.settled, 90_000);
  }, 120_000);
  afterAll(async () => {
    await p?.cp.close();
  });

  it("a customer's own withdrawal stays withdrawn; the rogue job's is put back", async () => {
    const d = await p.desired();
    const acme = d.accounts.find((a) => a.name === 'Acme Retail')!;
    const customer = await p.token('acme', 'person', ['addressing:write'], acme.id);
    const job = await p.token('rogue-job', 'job', ['operator']);
    const advertised = d.bgp_prefixes.filter((b) => b.on_demand.advertised);
    const own = advertised.filter((b) => b.account_id === acme.id).slice(0, 2);
    const others = advertised.filter((b) => b.account_id !== acme.id);
    // 1. the customer withdraws two of its own prefixes: a normal change, staged to completion
    for (const b of own) expect((await p.withdraw(customer.secret, b)).status).toBe(200);
    await until('the customer withdrawal to deploy', () => p.settled() && own.every((b) => p.announcedNowhere(b.cidr)));
    // 2. the job withdraws 1 (within the limits, the 1 h window's 1% of the network included: admitted and
    //    deployed), then 30 more (held: breaker trips)
    const first = others.slice(0, 1);
    for (const b of first) expect((await p.withdraw(job.secret, b)).status).toBe(200);
    await until('the first job change to deploy', () => p.settled() && first.every((b) => p.announcedNowhere(b.cidr)));
    for (const b of others.slice(1, 31)) expect((await p.withdraw(job.secret, b)).status).toBe(200);
    await until('the breaker to trip', () => p.engine().engineState().guard.breaker.tripped);
    const restore = () =>
      p
        .engine()
        .listRollouts()
        .find((r) => r.reason.includes('put back what the window withdrew'));
    await until('the restore to complete', () => restore()?.status === 'completed' && p.settled());
    expect(restore()?.reason).toContain(job.id);
    // the job's admitted withdrawals are announced again everywhere; the customer's stay withdrawn
    expect(first.filter((b) => !p.announcedEverywhere(b.cidr)).map((b) => b.cidr)).toEqual([]);
    expect(own.filter((b) => !p.announcedNowhere(b.cidr)).map((b) => b.cidr)).toEqual([]);
    // and the held part never reached an edge
    expect(others.slice(1, 31).filter((b) => !p.announcedEverywhere(b.cidr))).toEqual([]);
    expect(
      p
        .engine()
        .listRollouts()
        .some((r) => r.status === 'held'),
    ).toBe(true);
    expect(TERMINAL.has(restore()!.status)).toBe(true);
  }, 180_000);
});

describe("the guard leaves out a customer's own few withdrawals, never a job's in one account", () => {
  let p: Awaited<ReturnType<typeof plane>>;
  beforeAll(async () => {
    p = await plane('own');
    await until('the demo state to be live everywhere', p.settled, 90_000);
  }, 120_000);
  afterAll(async () => {
    await p?.cp.close();
  });

  it("a global job's withdrawal of one account's 5 prefixes is held; the customer's own 5 flow through the stages", async () => {
    const d = await p.desired();
    const advertised = d.bgp_prefixes.filter((b) => b.on_demand.advertised);
    const small = [...new Set(advertised.map((b) => b.account_id))]
      .map((a) => advertised.filter((b) => b.account_id === a))
      .filter((bs) => bs.length === 5);
    const [victim, own] = small;
    if (!victim || !own) throw new Error('the demo needs two small customers with 5 prefixes');
    const job = await p.token('rogue-job', 'job', ['operator']);
    const approver = await p.token('on-call', 'person', ['operator', 'approver']);
    const customer = await p.token('customer', 'person', ['addressing:write'], own[0]?.account_id);
    // 1. A job's token (global) withdraws every prefix of one account: 5 > 1% of the network in the hour,
    //    and not the account's own change, so nothing leaves it out of the counts.
    for (const b of victim) expect((await p.withdraw(job.secret, b)).status).toBe(200);
    await until('the job change to be held', () =>
      p
        .engine()
        .listRollouts()
        .some((r) => r.status === 'held'),
    );
    const held = p
      .engine()
      .listRollouts()
      .find((r) => r.status === 'held');
    expect(held?.guard?.summary).toMatch(/withdrawals network-wide in 1h > 1 allowed/);
    const rej = await p.call(approver.secret, 'POST', `/v1/rollouts/${held?.id}/reject`, { reason: 'rogue job' });
    expect(rej.status).toBe(200);
    expect(p.engine().engineState().guard.breaker.tripped).toBe(false);
    await until('the reject to settle', p.settled);
    const start = p.cp.loop.engine.listRollouts()[0]?.createdAt ?? 0;
    // 2. The customer's own token withdraws all 5 of its own: its own change, never held.
    for (const b of own) expect((await p.withdraw(customer.secret, b)).status).toBe(200);
    await until('the customer withdrawal to deploy', () => p.settled() && own.every((b) => p.announcedNowhere(b.cidr)));
    const after = p
      .engine()
      .listRollouts()
      .filter((r) => r.createdAt > start);
    expect(after.some((r) => r.guard?.verdict === 'hold' || r.events.some((e) => e.event === 'held'))).toBe(false);
    expect(after.some((r) => r.kind === 'progressive' && r.status === 'completed')).toBe(true);
    expect(victim.filter((b) => !p.announcedEverywhere(b.cidr))).toEqual([]);
  }, 180_000);
});
