// Replay of 20 February 2026 (context.md §2): a cleanup task called GET /v1/prefixes?pending_delete,
// the server read the valueless flag as "no filter", and the task deleted what came back. Here the
// same call is a 400, and the cleanup job, run over 4,306 BYOIP prefixes none of which is pending
// deletion, deletes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPendingDeleteCleanup } from '../addressing/cleanup.js';
import type { Actor } from '../addressing/model.js';
import { SERVICES } from '../addressing/model.js';
import { auth, type Fixture, makeFixture } from './fixture.case.js';

const BYOIP_PREFIXES = 4306;
let f: Fixture;

beforeAll(async () => {
  f = await makeFixture();
  const writer: Actor = {
    kind: 'token',
    id: 'seed',
    account_id: f.accountA,
    scopes: ['addressing:write'],
    request_id: 'seed',
  };
  // 4,306 /24s; every tenth advertised and bound, as customers' prefixes were
  for (let i = 0; i < BYOIP_PREFIXES; i++) {
    const cidr = `${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
    const p = await f.service.prefixes.create(writer, f.accountA, { cidr, asn: 64500 + (i % 7) });
    if (i % 10 === 0) {
      await f.service.prefixes.validate(writer, f.accountA, p.id);
      const b = await f.service.bgp.create(writer, f.accountA, p.id, cidr);
      await f.service.bgp.edit(writer, f.accountA, p.id, b.id, { on_demand: { advertised: true } });
      await f.service.bindings.create(writer, f.accountA, p.id, { cidr, service_id: SERVICES.cdn.id });
    }
  }
}, 600_000);
afterAll(async () => {
  await f.close();
});

describe('replay 2026-02-20: GET /prefixes?pending_delete', () => {
  it('the valueless flag is a 400 naming the parameter, with no result', async () => {
    for (const token of [f.tokens.writeA, f.tokens.operator]) {
      const r = await f.app.inject({
        method: 'GET',
        url: `/client/v4/accounts/${f.accountA}/addressing/prefixes?pending_delete`,
        headers: auth(token),
      });
      expect(r.statusCode).toBe(400);
      const body = r.json();
      expect(body.success).toBe(false);
      expect(body.result).toBeNull();
      expect(body.errors[0].error_code).toBe('E_API_QUERY_PARAM');
      expect(body.errors[0].message).toContain('pending_delete');
    }
  });

  it('the explicit filter lists none pending', async () => {
    const r = await f.app.inject({
      method: 'GET',
      url: `/client/v4/accounts/${f.accountA}/addressing/prefixes?state=pending_delete`,
      headers: auth(f.tokens.writeA),
    });
    expect(r.statusCode).toBe(200);
    expect(r.json().result).toEqual([]);
    expect(r.json().result_info.total_count).toBe(0);
  });

  it('the cleanup job over 4,306 prefixes, none pending, deletes nothing', async () => {
    const report = await runPendingDeleteCleanup(f.service, { runId: 'replay-2026-02-20', maxDeletes: 100 });
    expect(report).toEqual({ run_id: 'replay-2026-02-20', candidates: [], deleted: [], skipped: [] });
    const active = await f.app.inject({
      method: 'GET',
      url: `/client/v4/accounts/${f.accountA}/addressing/prefixes?state=active&per_page=5000`,
      headers: auth(f.tokens.writeA),
    });
    expect(active.json().result_info.total_count).toBe(BYOIP_PREFIXES);
    const state = await f.service.exportDesiredState();
    expect(state.bgp_prefixes.filter((b) => b.on_demand.advertised)).toHaveLength(Math.ceil(BYOIP_PREFIXES / 10));
    expect(state.bindings).toHaveLength(Math.ceil(BYOIP_PREFIXES / 10));
    const audit = await f.app.inject({
      method: 'GET',
      url: `/client/v4/accounts/${f.accountA}/addressing/audit?per_page=50`,
      headers: auth(f.tokens.writeA),
    });
    expect(audit.json().result.some((e: { action: string }) => e.action === 'prefix.delete')).toBe(false);
  });

  it('had every prefix been marked, the job would stop at its cap before deleting any', async () => {
    const op: Actor = { kind: 'token', id: 'op', account_id: null, scopes: ['operator'], request_id: 'mark' };
    const some = (await f.service.prefixes.list(op, f.accountA, 'active', { page: 1, per_page: 150 })).items;
    for (const p of some) await f.service.prefixes.edit(op, f.accountA, p.id, { state: 'pending_delete' });
    await expect(runPendingDeleteCleanup(f.service, { runId: 'cap', maxDeletes: 100 })).rejects.toMatchObject({
      code: 'E_ADDR_JOB_CAP',
    });
    const still = await f.service.prefixes.list(op, f.accountA, 'pending_delete', { page: 1, per_page: 500 });
    expect(still.total_count).toBe(150);
  });
});
