// Issue 10, red-team row 1, through the HTTP API against the composed control plane of `serve` with the
// demo fleet (12 locations, 24 agents): a customer token created, validated and advertised 8.8.8.0/24 and
// 1.1.1.0/24, and all 24 agents announced them within 1.6 s. Now nothing proves the account owns them, so
// they never reach a snapshot; special-purpose space and default routes are refused; a proven new
// announcement goes canary first, and waits while the breaker is tripped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../api/auth.js';
import type { SimulatedFleet } from '../sim/simulated-fleet.js';
import { attachDemo } from './demo.js';
import { buildControlPlane, type ControlPlane } from './server.js';

const OP = 'announce-ownership-test-operator-0123456789';
// An LOA is approved by a second person: a person token with scope approver that did not make the prefix.
const APPROVER = 'announce-ownership-test-approver-0123456789';
const ADMIN = 'announce-ownership-test-admin-0123456789ab';
const CUSTOMER = 'announce-ownership-test-customer-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'fs-own-'));
// The configured VRPs: real ROAs for Google's and Cloudflare's prefixes, and one for Acme's new block.
const vrps = join(dir, 'vrps.json');
writeFileSync(
  vrps,
  JSON.stringify({
    roas: [
      { prefix: '8.8.8.0/24', maxLength: 24, asn: 15169, ta: 'arin' },
      { prefix: '1.1.1.0/24', maxLength: 24, asn: 13335, ta: 'apnic' },
      { prefix: '45.98.0.0/16', maxLength: 24, asn: 64600, ta: 'ripe' },
    ],
  }),
);
const env = {
  FAILSMALL_DATA_DIR: 'memory://',
  FAILSMALL_DEMO_TOKEN: OP,
  FAILSMALL_DEMO_APPROVER_TOKEN: APPROVER,
  FAILSMALL_BOOTSTRAP_TOKEN: ADMIN,
  FAILSMALL_DEMO_BAKE_S: '2',
  FAILSMALL_DEMO_BYOIP: '20',
  FAILSMALL_VRPS: vrps,
};
let cp: ControlPlane;
let app: FastifyInstance;
let fleet: SimulatedFleet;
let acme: string;

type Res = { status: number; body: { result: any; errors: { error_code: string; message: string }[] } };
async function call(secret: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown): Promise<Res> {
  const r = await app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${secret}`,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
  return { status: r.statusCode, body: r.json() };
}
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
/** Locations where every agent's speaker announces `cidr`, and agents announcing it anywhere. */
function announcing(cidr: string): { locations: number; agents: number } {
  let locations = 0;
  for (const l of fleet.locations()) if (fleet.at(l.id).every((a) => a.speaker.prefixes().has(cidr))) locations++;
  return { locations, agents: fleet.all().filter((a) => a.speaker.prefixes().has(cidr)).length };
}
const P = () => `/client/v4/accounts/${acme}/addressing/prefixes`;
const breaker = async () => (await call(OP, 'GET', '/v1/rollouts/status')).body.result.breaker;

/** Creates a prefix with its whole-prefix BGP prefix as the customer; returns their ids. */
async function create(cidr: string, asn: number, loa?: string) {
  const p = await call(CUSTOMER, 'POST', P(), { cidr, asn, ...(loa ? { loa_document_id: loa } : {}) });
  expect(p.status).toBe(201);
  const b = await call(CUSTOMER, 'POST', `${P()}/${p.body.result.id}/bgp/prefixes`, { cidr });
  expect(b.status).toBe(201);
  return { prefix: p.body.result.id as string, bgp: b.body.result.id as string };
}
const advertise = (ids: { prefix: string; bgp: string }) =>
  call(CUSTOMER, 'PATCH', `${P()}/${ids.prefix}/bgp/prefixes/${ids.bgp}`, { on_demand: { advertised: true } });

beforeAll(async () => {
  cp = await buildControlPlane(env, 'silent');
  await attachDemo(cp, env);
  fleet = cp.fleet.fleet as SimulatedFleet;
  await cp.loop.start();
  app = cp.app;
  const accounts = (await call(OP, 'GET', '/v1/accounts')).body.result as { id: string; name: string }[];
  acme = accounts.find((a) => a.name === 'Acme Retail')?.id as string;
  const admin = { kind: 'cli' as const, id: 'cli:test', account_id: null, scopes: ['admin' as const], request_id: 't' };
  await cp.service.tokens.create(admin, {
    account_id: acme,
    name: 'acme-ci',
    scopes: ['addressing:write'],
    token_hash: hashToken(CUSTOMER),
  });
  await until('the seeded state to be live everywhere', () => announcing('45.10.0.0/24').locations === 12);
}, 120_000);
afterAll(async () => {
  await cp?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('issue 10: new announcements need proven ownership and have a blast radius', () => {
  it('a customer token cannot announce 8.8.8.0/24 or 1.1.1.0/24: validate finds no proof, advertise is refused', async () => {
    for (const [cidr, asn] of [
      ['8.8.8.0/24', 15169], // a real ROA exists, but AS15169 is not an ASN of the account
      ['1.1.1.0/24', 13335],
    ] as const) {
      const ids = await create(cidr, asn);
      const v = await call(CUSTOMER, 'POST', `${P()}/${ids.prefix}/validate`);
      expect(v.status).toBe(409);
      expect(v.body.errors[0]?.error_code).toBe('E_ADDR_OWNERSHIP_UNPROVEN');
      expect(v.body.errors[0]?.message).toMatch(new RegExp(`${cidr.replace(/\./g, '\\.')} AS${asn}.*loa_approval`));
      const a = await advertise(ids);
      expect(a.status).toBe(409);
      expect(a.body.errors[0]?.error_code).toBe('E_ADDR_NOT_APPROVED');
      // the customer cannot approve its own LOA either
      const loa = await call(CUSTOMER, 'POST', `${P()}/${ids.prefix}/loa_approval`, { reason: 'trust me' });
      expect(loa.status).toBe(403);
    }
    // a few compile rounds later, still no agent announces either
    await new Promise((r) => setTimeout(r, 3000));
    expect(announcing('8.8.8.0/24').agents).toBe(0);
    expect(announcing('1.1.1.0/24').agents).toBe(0);
    const latest = (await call(OP, 'GET', '/v1/snapshots')).body.result[0];
    const snap = (await call(OP, 'GET', `/v1/snapshots/${latest.number}`)).body.result;
    expect(JSON.stringify(snap)).not.toMatch(/8\.8\.8\.0|1\.1\.1\.0/);
  });

  it('refuses special-purpose space and default routes with a clear error, even to an operator', async () => {
    for (const [cidr, why] of [
      ['::/0', /default route/],
      ['10.0.0.0/8', /private-use, RFC 1918/],
      ['192.0.2.0/24', /documentation \(TEST-NET-1\)/],
    ] as const) {
      const p = await call(CUSTOMER, 'POST', P(), { cidr, asn: 64600, loa_document_id: 'loa-x' });
      expect(p.status).toBe(201);
      const v = await call(CUSTOMER, 'POST', `${P()}/${p.body.result.id}/validate`);
      expect(v.status).toBe(400);
      expect(v.body.errors[0]).toMatchObject({ error_code: 'E_ADDR_NOT_ANNOUNCEABLE' });
      expect(v.body.errors[0]?.message).toMatch(why);
      const loa = await call(APPROVER, 'POST', `${P()}/${p.body.result.id}/loa_approval`, { reason: 'LOA checked' });
      expect(loa.status).toBe(400);
      expect(loa.body.errors[0]?.error_code).toBe('E_ADDR_NOT_ANNOUNCEABLE');
    }
  });

  it("a ROA for one of the account's registered ASNs proves a prefix; the new announcement goes canary first", async () => {
    const reg = await call(ADMIN, 'POST', `/client/v4/admin/accounts/${acme}/asns`, { asns: [64600] });
    expect(reg.body.result).toEqual({ asns: [64600] });
    const ids = await create('45.98.1.0/24', 64600);
    const v = await call(CUSTOMER, 'POST', `${P()}/${ids.prefix}/validate`);
    expect(v.status).toBe(200);
    expect(v.body.result.approved).toBe('V');
    const proof = (await call(CUSTOMER, 'GET', `${P()}/${ids.prefix}/ownership`)).body.result;
    expect(proof).toMatchObject({ method: 'rpki', asn: 64600, evidence: 'ROA 45.98.0.0/16-24 AS64600 (ripe)' });
    expect((await advertise(ids)).status).toBe(200);
    // The first location to announce it is alone there for a bake: the canary (1 of 12), not all at once.
    await until('the canary to announce it', () => announcing('45.98.1.0/24').agents > 0);
    expect(announcing('45.98.1.0/24').locations).toBe(1);
    const rollouts = (await call(OP, 'GET', '/v1/rollouts')).body.result as any[];
    const r = rollouts.find((x) => x.status === 'running' || x.status === 'completed');
    expect(r).toMatchObject({ kind: 'progressive' });
    expect(r.stages[0].locations).toHaveLength(1);
    expect(r.guard).toMatchObject({ restoringOnly: false, announcements: 1 });
    await until('it to be live at 12 of 12', () => announcing('45.98.1.0/24').locations === 12);
  }, 90_000);

  it('the approver who created a prefix cannot approve its LOA: a second person must', async () => {
    const p = await call(APPROVER, 'POST', P(), { cidr: '45.96.0.0/24', asn: 64600, loa_document_id: 'loa-acme-4596' });
    expect(p.status).toBe(201);
    const self = await call(APPROVER, 'POST', `${P()}/${p.body.result.id}/loa_approval`, { reason: 'my own LOA' });
    expect(self.status).toBe(403);
    expect(self.body.errors[0]?.error_code).toBe('E_ADDR_SELF_APPROVAL');
    expect((await call(CUSTOMER, 'GET', `${P()}/${p.body.result.id}/ownership`)).body.result).toBeNull();
    const person = {
      kind: 'person' as const,
      id: 'person:second-approver',
      account_id: null,
      scopes: ['operator' as const, 'approver' as const],
      request_id: 't',
    };
    const ok = await cp.service.prefixes.approveLoa(person, acme, p.body.result.id, { reason: 'LOA checked' });
    expect(ok.approved).toBe('V');
  });

  it('an operator-approved LOA proves a prefix; its announcement is held while the breaker is tripped', async () => {
    const ids = await create('45.97.0.0/24', 64600, 'loa-acme-4597');
    const job = {
      kind: 'job' as const,
      id: 'job:cleanup',
      account_id: null,
      scopes: ['operator' as const],
      request_id: 'j',
    };
    await expect(cp.service.prefixes.approveLoa(job, acme, ids.prefix, { reason: 'x' })).rejects.toMatchObject({
      code: 'E_ADDR_FORBIDDEN',
    });
    // an operator without scope approver is refused at the route, as for approving a held change
    const op = await call(OP, 'POST', `${P()}/${ids.prefix}/loa_approval`, { reason: 'LOA checked' });
    expect(op.status).toBe(403);
    expect(op.body.errors[0]?.error_code).toBe('E_ADDR_FORBIDDEN');
    const loa = await call(APPROVER, 'POST', `${P()}/${ids.prefix}/loa_approval`, {
      reason: 'LOA checked against RIR',
    });
    expect(loa.status).toBe(200);
    expect(loa.body.result.approved).toBe('V');
    const proof = (await call(CUSTOMER, 'GET', `${P()}/${ids.prefix}/ownership`)).body.result;
    expect(proof).toMatchObject({ method: 'loa', evidence: 'LOA loa-acme-4597 approved: LOA checked against RIR' });
    // a customer-health signal trips the breaker
    const trip = await call(OP, 'POST', '/v1/verdicts', {
      source: 'customer-health',
      rollout_id: null,
      location: null,
      status: 'fail',
      reason: 'HTTP errors for 3 accounts',
    });
    expect(trip.status).toBe(200);
    await until('the breaker to trip', async () => (await breaker()).tripped === true);
    expect((await advertise(ids)).status).toBe(200);
    await until('the change to be held', async () => {
      const rs = (await call(OP, 'GET', '/v1/rollouts')).body.result as any[];
      return rs.some((x) => x.status === 'held' && x.guard?.violations?.some((v: any) => v.kind === 'breaker'));
    });
    await new Promise((r) => setTimeout(r, 3000));
    expect(announcing('45.97.0.0/24').agents).toBe(0);
  }, 90_000);
});
