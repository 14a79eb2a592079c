// Recovery that leaves no trap (issue 10), through the HTTP API against the control plane `serve` composes,
// with the demo fleet: a rogue job withdraws prefixes and deletes bindings over HTTP, the guard holds the
// change and trips the breaker; the operator's reject returns desired state to the last good snapshot for
// exactly that change's delta (audited), closes the breaker, and a customer's later legitimate change
// deploys through the stages without a further hold. Before this, desired state kept the rogue change and
// every later change was held again; after a mass DELETE the only way out was approving the unbinds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DesiredState } from '../addressing/model.js';
import { hashToken } from '../api/auth.js';
import type { SimulatedFleet } from '../sim/simulated-fleet.js';
import { attachDemo } from './demo.js';
import { buildControlPlane, type ControlPlane } from './server.js';

const TOKEN = 'recover-reject-test-operator-token-0123456789';
// A reject may close the breaker: it needs the second person an approval needs (a person with scope
// approver who made none of the change), not the operator token the rogue job used.
const APPROVER = 'recover-reject-test-approver-token-0123456789';
const env = {
  FAILSMALL_DATA_DIR: 'memory://',
  FAILSMALL_DEMO_TOKEN: TOKEN,
  FAILSMALL_DEMO_APPROVER_TOKEN: APPROVER,
  FAILSMALL_DEMO_BAKE_S: '0',
  FAILSMALL_DEMO_BYOIP: '60',
};
const auth = { authorization: `Bearer ${TOKEN}` };
const approver = { authorization: `Bearer ${APPROVER}` };
const BASE = (a: string) => `/client/v4/accounts/${a}/addressing`;

let cp: ControlPlane;
const fleet = () => cp.fleet.fleet as SimulatedFleet;

/** Rounds of the loop until nothing is queued or running (bake 0 s: a stage per round). */
async function settle(max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await cp.loop.tick();
    const busy = cp.loop.engine
      .listRollouts()
      .some((r) => r.status === 'queued' || r.status === 'running' || r.status === 'paused');
    if (!busy && i > 0) return;
  }
}

/** What every agent announces and binds (read back from its speaker). */
function edge(): { announced: Map<string, number>; bound: Map<string, number>; agents: number } {
  const announced = new Map<string, number>();
  const bound = new Map<string, number>();
  const agents = fleet().all();
  for (const a of agents) {
    for (const p of a.speaker.prefixes()) announced.set(p, (announced.get(p) ?? 0) + 1);
    for (const b of a.bindings.ids()) bound.set(b, (bound.get(b) ?? 0) + 1);
  }
  return { announced, bound, agents: agents.length };
}

/** A customer's own token (a person of `account`, scope addressing:write): its changes are its own. */
async function customerToken(account: string): Promise<{ authorization: string }> {
  const secret = `recover-reject-test-customer-${account}-0123456789`;
  await cp.service.tokens.create(
    { kind: 'cli', id: 'cli:test', account_id: null, scopes: ['admin'], request_id: 't' },
    {
      account_id: account,
      name: `customer ${account}`,
      kind: 'person',
      scopes: ['addressing:write'],
      token_hash: hashToken(secret),
    },
  );
  return { authorization: `Bearer ${secret}` };
}

async function desired(): Promise<DesiredState> {
  return cp.service.exportDesiredState();
}

beforeAll(async () => {
  cp = await buildControlPlane(env, 'silent');
  await attachDemo(cp, env);
  await settle();
}, 120_000);
afterAll(async () => {
  await cp?.close();
});

describe('reject returns desired state to the last good snapshot for the change, and nothing stays trapped', () => {
  it('a rogue job withdraws 30 prefixes and deletes 30 bindings over HTTP: held; reject; a later change flows', async () => {
    const good = (await cp.app.inject({ method: 'GET', url: '/v1/rollouts/status', headers: auth })).json().result;
    expect(good.baseline).not.toBeNull();
    const before = edge();
    const start = await desired();
    const advertised = start.bgp_prefixes.filter((b) => b.on_demand.advertised);
    expect(advertised.length).toBeGreaterThanOrEqual(60);

    // The rogue job: an operator token, over HTTP, withdraws 30 prefixes and deletes 30 bindings.
    const victims = advertised.slice(0, 30);
    for (const b of victims) {
      const r = await cp.app.inject({
        method: 'PATCH',
        url: `${BASE(b.account_id)}/prefixes/${b.prefix_id}/bgp/prefixes/${b.id}`,
        headers: auth,
        payload: { on_demand: { advertised: false } },
      });
      expect(r.statusCode).toBe(200);
    }
    const unbound = start.bindings.slice(0, 30);
    for (const s of unbound) {
      const r = await cp.app.inject({
        method: 'DELETE',
        url: `${BASE(s.account_id)}/prefixes/${s.prefix_id}/bindings/${s.id}`,
        headers: auth,
      });
      expect(r.statusCode).toBe(200);
    }
    await cp.loop.tick();
    const held = cp.loop.engine.listRollouts().find((r) => r.status === 'held');
    expect(held).toBeDefined();
    expect(cp.loop.engine.engineState().guard.breaker.tripped).toBe(true);
    await settle(); // the trip's own restore (restore-window) may run; the held change stays held

    // The operator rejects it: desired state back to the last good snapshot for exactly its delta.
    const rej = await cp.app.inject({
      method: 'POST',
      url: `/v1/rollouts/${held?.id}/reject`,
      headers: approver,
      payload: { reason: 'INC-2002: cleanup job ran without a filter' },
    });
    expect(rej.statusCode).toBe(200);
    const result = rej.json().result;
    expect(result.rollout).toMatchObject({ id: held?.id, status: 'aborted' });
    expect(result.rollout.rejection).toMatchObject({ complete: true, accounts: null });
    expect(result.restore.changed).toBe(60);
    expect(result.restore.impossible).toEqual([]);
    expect(cp.loop.engine.engineState().guard.breaker.tripped).toBe(false);

    const now = await desired();
    const adv = new Set(now.bgp_prefixes.filter((b) => b.on_demand.advertised).map((b) => b.id));
    for (const b of victims) expect(adv.has(b.id)).toBe(true);
    const ids = new Set(now.bindings.map((b) => b.id));
    for (const s of unbound) expect(ids.has(s.id)).toBe(true); // re-created with the same id

    // audited: the reject, the breaker reset, and each desired-state write, with the reason
    const audit = (await cp.app.inject({ method: 'GET', url: '/v1/rollouts/audit', headers: auth })).json().result;
    const reject = audit.find((e: { action: string }) => e.action === 'rollout.reject');
    expect(reject).toMatchObject({ object_id: held?.id, reason: 'INC-2002: cleanup job ran without a filter' });
    expect(audit.some((e: { action: string; reason: string }) => e.action === 'breaker.reset')).toBe(true);
    const acct = victims[0]?.account_id as string;
    const log = (await cp.app.inject({ method: 'GET', url: `${BASE(acct)}/audit`, headers: auth })).json().result;
    expect(
      log.some(
        (e: { action: string; reason: string | null }) =>
          e.action === 'bgp_prefix.advertise' && e.reason?.startsWith(`reject ${held?.id}`),
      ),
    ).toBe(true);

    await settle();
    // A customer's legitimate change after the reject deploys through the stages without a hold.
    const mine = victims[40] ?? advertised[40];
    if (!mine) throw new Error('no prefix for the legitimate change');
    const r = await cp.app.inject({
      method: 'PATCH',
      url: `${BASE(mine.account_id)}/prefixes/${mine.prefix_id}/bgp/prefixes/${mine.id}`,
      headers: await customerToken(mine.account_id),
      payload: { on_demand: { advertised: false } },
    });
    expect(r.statusCode).toBe(200);
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await cp.loop.tick();
      for (const x of cp.loop.engine.listRollouts())
        if (x.createdAt > result.rollout.createdAt) seen.add(`${x.id}:${x.status}`);
    }
    const after = cp.loop.engine
      .listRollouts()
      .filter((x) => x.createdAt > (held?.createdAt ?? 0) && x.id !== held?.id);
    expect([...seen].some((s) => s.endsWith(':held'))).toBe(false);
    expect(after.some((x) => x.kind === 'progressive' && x.status === 'completed')).toBe(true);
    const end = edge();
    // every agent: what it announced before, minus the customer's own withdrawal; every binding still held
    expect(end.announced.get(mine.cidr) ?? 0).toBe(0);
    for (const [p, n] of before.announced) if (p !== mine.cidr) expect(end.announced.get(p)).toBe(n);
    for (const [b, n] of before.bound) expect(end.bound.get(b)).toBe(n);
  }, 120_000);

  it('refuses to reject what is neither held nor halted, and needs a reason', async () => {
    const done = cp.loop.engine.listRollouts().find((r) => r.status === 'completed');
    const r = await cp.app.inject({
      method: 'POST',
      url: `/v1/rollouts/${done?.id}/reject`,
      headers: approver,
      payload: { reason: 'x' },
    });
    expect(r.statusCode).toBe(409);
    expect(r.json().errors[0].error_code).toBe('E_ROLLOUT_STATE');
    const bad = await cp.app.inject({
      method: 'POST',
      url: `/v1/rollouts/${done?.id}/reject`,
      headers: approver,
      payload: {},
    });
    expect(bad.statusCode).toBe(400);
  });

  it('bulk actions: re-advertise an account and restore its bindings from the last good snapshot, through the guard', async () => {
    await settle();
    const start = await desired();
    const acct = start.bindings[50]?.account_id as string;
    const mine = start.bindings.filter((b) => b.account_id === acct);
    const ads = start.bgp_prefixes.filter((b) => b.account_id === acct && b.on_demand.advertised);
    expect(mine.length).toBeGreaterThan(0);
    // The customer withdraws its prefixes and deletes its bindings with its own token: a small change of
    // its own, the guard lets it through (made by the operator's global token, it would count in full).
    const customer = await customerToken(acct);
    for (const b of ads)
      await cp.app.inject({
        method: 'PATCH',
        url: `${BASE(acct)}/prefixes/${b.prefix_id}/bgp/prefixes/${b.id}`,
        headers: customer,
        payload: { on_demand: { advertised: false } },
      });
    for (const b of mine)
      await cp.app.inject({
        method: 'DELETE',
        url: `${BASE(acct)}/prefixes/${b.prefix_id}/bindings/${b.id}`,
        headers: customer,
      });
    const none = await cp.app.inject({
      method: 'POST',
      url: '/v1/recovery/restore-bindings',
      headers: auth,
      payload: { reason: 'no selection' },
    });
    expect(none.statusCode).toBe(400);
    expect(none.json().errors[0].error_code).toBe('E_API_BODY');
    const rb = await cp.app.inject({
      method: 'POST',
      url: '/v1/recovery/restore-bindings',
      headers: auth,
      payload: { account: acct, reason: 'INC-7: customer deleted its bindings by mistake' },
    });
    expect(rb.statusCode).toBe(200);
    expect(rb.json().result.restore).toMatchObject({ changed: mine.length, impossible: [] });
    const ra = await cp.app.inject({
      method: 'POST',
      url: '/v1/recovery/readvertise',
      headers: auth,
      payload: { account: acct, reason: 'INC-7: re-advertise the account' },
    });
    expect(ra.statusCode).toBe(200);
    expect(ra.json().result.restore.changed).toBe(ads.length);
    const again = await cp.app.inject({
      method: 'POST',
      url: '/v1/recovery/readvertise',
      headers: auth,
      payload: { account: acct, reason: 'twice' },
    });
    expect(again.json().result.restore).toMatchObject({ changed: 0, unchanged: ads.length }); // idempotent
    const now = await desired();
    expect(new Set(now.bindings.filter((b) => b.account_id === acct).map((b) => b.id))).toEqual(
      new Set(mine.map((b) => b.id)),
    );
    await settle();
    const last = cp.loop.engine.listRollouts()[0];
    expect(last?.status).toBe('completed');
    const end = edge();
    for (const b of ads) expect(end.announced.get(b.cidr)).toBe(end.agents);
    for (const b of mine) expect(end.bound.get(b.id)).toBe(end.agents);
  }, 120_000);

  it('a halted change (its canary failed a gate) rejected: desired state back, breaker closed, the next change flows', async () => {
    await settle();
    const start = await desired();
    const victim = start.bgp_prefixes.filter((b) => b.on_demand.advertised)[5];
    if (!victim) throw new Error('no advertised prefix');
    await cp.app.inject({
      method: 'PATCH',
      url: `${BASE(victim.account_id)}/prefixes/${victim.prefix_id}/bgp/prefixes/${victim.id}`,
      headers: auth,
      payload: { on_demand: { advertised: false } },
    });
    // every speaker drops what it is given (a broken reconfiguration): the canary fails applied-exactly
    for (const a of fleet().all()) a.speaker.fault = { kind: 'drop', keep: 0 };
    await settle();
    const r = cp.loop.engine.listRollouts().find((x) => x.halt !== null && x.createdAt > Date.now() - 60_000);
    expect(r?.status).toBe('rolled-back');
    for (const a of fleet().all()) a.speaker.fault = { kind: 'none' };
    expect(cp.loop.engine.engineState().guard.breaker.tripped).toBe(true);
    const rej = await cp.app.inject({
      method: 'POST',
      url: `/v1/rollouts/${r?.id}/reject`,
      headers: approver,
      payload: { reason: 'probes condemned it' },
    });
    expect(rej.statusCode).toBe(200);
    expect(rej.json().result.restore.changed).toBe(1);
    expect(rej.json().result.rollout.status).toBe('rolled-back');
    expect(cp.loop.engine.engineState().guard.breaker.tripped).toBe(false);
    expect((await desired()).bgp_prefixes.find((b) => b.id === victim.id)?.on_demand.advertised).toBe(true);
    await settle();
    expect(cp.loop.engine.listRollouts().every((x) => x.status !== 'held')).toBe(true);
    expect(edge().announced.get(victim.cidr)).toBe(edge().agents);
  }, 120_000);

  it("a rogue modification (prepends on 30 prefixes) rejected: the reject's own writes do not make the approver its author", async () => {
    await settle();
    const start = await desired();
    const victims = start.bgp_prefixes.filter((b) => b.on_demand.advertised).slice(0, 30);
    for (const b of victims) {
      const r = await cp.app.inject({
        method: 'PATCH',
        url: `${BASE(b.account_id)}/prefixes/${b.prefix_id}/bgp/prefixes/${b.id}`,
        headers: auth,
        payload: { asn_prepend_count: 3 },
      });
      expect(r.statusCode).toBe(200);
    }
    await cp.loop.tick();
    const held = cp.loop.engine.listRollouts().find((r) => r.status === 'held');
    expect(held?.guard?.modifications).toBe(30);
    // Putting a modification back is an edit written by the approver: read after the restore, the audit
    // log named the approver an author of the change and refused the reject as a self-approval.
    const rej = await cp.app.inject({
      method: 'POST',
      url: `/v1/rollouts/${held?.id}/reject`,
      headers: approver,
      payload: { reason: 'INC-2003: prepend job ran on every prefix' },
    });
    expect(rej.json().errors ?? []).toEqual([]);
    expect(rej.statusCode).toBe(200);
    expect(rej.json().result.rollout).toMatchObject({ id: held?.id, status: 'aborted' });
    expect(rej.json().result.restore.changed).toBeGreaterThanOrEqual(30);
    expect(cp.loop.engine.engineState().guard.breaker.tripped).toBe(false);
    const now = new Map((await desired()).bgp_prefixes.map((b) => [b.id, b.asn_prepend_count]));
    for (const b of victims) expect(now.get(b.id)).toBe(b.asn_prepend_count);
  }, 120_000);
});

// A flapping job (issue 10's flap) withdraws, is held, and puts the prefixes back before anyone looks: the
// compile that restores them supersedes the held change and goes out, so nothing is held, yet the breaker
// stays tripped (the job alone must not release it). The breaker names the change that tripped it; the
// on-call approver's reject of it closes the breaker. A fresh control plane: no earlier change in its windows.
describe('a flap leaves the breaker tripped with nothing held: reject what the breaker names', () => {
  beforeAll(async () => {
    await cp.close();
    cp = await buildControlPlane(env, 'silent');
    await attachDemo(cp, env);
    await settle();
  }, 120_000);

  it('the held change superseded by the job putting it back: the breaker names it; only a second person releases it', async () => {
    const start = await desired();
    const victims = start.bgp_prefixes.filter((b) => b.on_demand.advertised).slice(0, 30);
    const advertise = async (on: boolean) => {
      for (const b of victims) {
        const r = await cp.app.inject({
          method: 'PATCH',
          url: `${BASE(b.account_id)}/prefixes/${b.prefix_id}/bgp/prefixes/${b.id}`,
          headers: auth,
          payload: { on_demand: { advertised: on } },
        });
        expect(r.statusCode).toBe(200);
      }
    };
    await advertise(false);
    await cp.loop.tick();
    const held = cp.loop.engine.listRollouts().find((r) => r.status === 'held');
    if (!held) throw new Error('the withdrawal was not held');
    // The job puts them back before anyone looks: the newer compile only restores, goes out, and the
    // held change is superseded. Nothing is held, yet the breaker stays tripped (no way for the job alone).
    await advertise(true);
    await settle();
    expect(cp.loop.engine.rollout(held.id).status).toBe('superseded');
    expect(cp.loop.engine.listRollouts().some((r) => r.status === 'held')).toBe(false);
    const status = (await cp.app.inject({ method: 'GET', url: '/v1/rollouts/status', headers: auth })).json().result;
    expect(status.breaker).toMatchObject({ tripped: true, trippedBy: held.id });
    // the job's own token cannot reject it (not a person with scope approver)
    const self = await cp.app.inject({
      method: 'POST',
      url: `/v1/rollouts/${held.id}/reject`,
      headers: auth,
      payload: { reason: 'job: release my own hold' },
    });
    expect(self.statusCode).toBe(403);
    expect(cp.loop.engine.engineState().guard.breaker.tripped).toBe(true);
    // the on-call approver rejects what the breaker names: nothing left to restore, the breaker closes
    const rej = await cp.app.inject({
      method: 'POST',
      url: `/v1/rollouts/${held.id}/reject`,
      headers: approver,
      payload: { reason: 'INC-2003: a job flapped 30 prefixes' },
    });
    expect(rej.statusCode).toBe(200);
    expect(rej.json().result.restore).toMatchObject({ changed: 0, unchanged: 30, impossible: [] });
    expect(rej.json().result.rollout).toMatchObject({ id: held.id, status: 'superseded' });
    expect(cp.loop.engine.engineState().guard.breaker.tripped).toBe(false);
    // a legitimate change after it deploys without a hold
    const mine = start.bgp_prefixes.filter((b) => b.on_demand.advertised)[45];
    if (!mine) throw new Error('no prefix for the legitimate change');
    const since = cp.loop.engine.listRollouts().length;
    await cp.app.inject({
      method: 'PATCH',
      url: `${BASE(mine.account_id)}/prefixes/${mine.prefix_id}/bgp/prefixes/${mine.id}`,
      headers: auth,
      payload: { on_demand: { advertised: false } },
    });
    await settle();
    const fresh = cp.loop.engine.listRollouts().slice(0, cp.loop.engine.listRollouts().length - since);
    expect(fresh.map((r) => r.status)).toEqual(['completed']);
    expect(edge().announced.get(mine.cidr) ?? 0).toBe(0);
  }, 120_000);
});
