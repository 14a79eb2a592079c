// Incident mode lives in the one audit log: a switch is an AuditEvent with before/after, actor, request id
// and reason, and a switch opened over the same log later (a restarted serve) reads the state back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../lib/audit.js';
import { KyselyAuditLog } from '../store/audit-log.js';
import { type OpenedStore, openStore } from '../store/harness.js';
import { incidentSwitch } from './console.js';

const op: Actor = { kind: 'token', id: 'tok-op', account_id: null, scopes: ['operator'], request_id: 'req-1' };
const customer: Actor = { kind: 'token', id: 'tok-c', account_id: 'a'.repeat(32), scopes: [], request_id: 'req-2' };
let opened: OpenedStore;
let now = Date.parse('2026-02-20T17:50:00Z');
const clock = { now: () => now };

beforeAll(async () => {
  opened = await openStore({ dataDir: 'memory://' });
});
afterAll(async () => {
  await opened.close();
});

describe('incident mode in the one audit log', () => {
  it('switches are AuditEvents; a restart reads the state back; safe actions are recorded', async () => {
    const log = new KyselyAuditLog(opened.database.db);
    const first = await incidentSwitch(log, clock);
    expect(first.state().on).toBe(false);
    await first.set(true, op, 'cleanup job withdrew BYOIP prefixes');
    now += 60_000;
    await first.recordSafe({
      actor: customer,
      action: 're-advertise',
      account: customer.account_id,
      method: 'PATCH',
      url: '/client/v4/accounts/:account_id/addressing/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id',
    });
    const { items } = await log.list({ object_types: ['incident_mode'], page: 1, per_page: 10 });
    expect(items.map((e) => e.action)).toEqual(['incident_mode.safe_action', 'incident_mode.on']);
    expect(items[1]).toMatchObject({
      actor_kind: 'token',
      actor_id: 'tok-op',
      request_id: 'req-1',
      object_type: 'incident_mode',
      object_id: 'network',
      before: { on: false },
      after: { on: true, by: 'token:tok-op', reason: 'cleanup job withdrew BYOIP prefixes' },
      reason: 'cleanup job withdrew BYOIP prefixes',
    });
    expect(items[0]).toMatchObject({
      actor_id: 'tok-c',
      account_id: customer.account_id,
      after: { safe_action: 're-advertise', method: 'PATCH' },
    });

    const restarted = await incidentSwitch(log, clock);
    expect(restarted.state()).toEqual({
      on: true,
      since: '2026-02-20T17:50:00.000Z',
      by: 'token:tok-op',
      reason: 'cleanup job withdrew BYOIP prefixes',
    });
    await expect(restarted.set(false, op, ' ')).rejects.toMatchObject({ code: 'E_INCIDENT_REASON_REQUIRED' });
    await restarted.set(false, op, 'recovered');
    expect((await incidentSwitch(log, clock)).state().on).toBe(false);
  });
});
