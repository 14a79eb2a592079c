// `serve` without the demo (FAILSMALL_DEMO=0) still runs the whole loop: desired state from the Addressing
// API is compiled into snapshots, the engine queues their rollouts (the fleet is empty until agents
// register), and the /v1 rollout API and /metrics answer.
import { describe, expect, it } from 'vitest';
import type { Actor } from '../addressing/model.js';
import { buildControlPlane } from './server.js';

const token = 'server-test-bootstrap-token-0123456789abcdef';
const env = { FAILSMALL_DEMO: '0', FAILSMALL_DATA_DIR: 'memory://', FAILSMALL_BOOTSTRAP_TOKEN: token };
const admin: Actor = {
  kind: 'cli',
  id: 'cli:test',
  account_id: null,
  scopes: ['admin', 'operator'],
  request_id: 'test',
};
// An LOA is approved by a second person (a person with scope approver who did not create the prefix).
const loaDesk: Actor = {
  kind: 'person',
  id: 'person:loa-desk',
  account_id: null,
  scopes: ['operator', 'approver'],
  request_id: 'test',
};

describe('serve without the demo', () => {
  it('composes the control loop with an empty fleet: snapshots compile, rollouts wait, /v1 and /metrics answer', async () => {
    const cp = await buildControlPlane(env, 'silent');
    try {
      expect(cp.fleet.demo).toBe(false);
      expect(cp.fleet.fleet.locations()).toEqual([]);
      const acct = await cp.service.accounts.create(admin, 'Acme');
      const p = await cp.service.prefixes.create(admin, acct.id, {
        cidr: '45.10.0.0/24',
        asn: 64600,
        description: 'x',
        loa_document_id: 'loa-1',
      });
      await cp.service.prefixes.approveLoa(loaDesk, acct.id, p.id, { reason: 'LOA checked' });
      const b = await cp.service.bgp.create(admin, acct.id, p.id, '45.10.0.0/24');
      await cp.service.bgp.edit(admin, acct.id, p.id, b.id, { on_demand: { advertised: true } });
      await cp.loop.tick();
      const auth = { authorization: `Bearer ${token}` };
      const status = (await cp.app.inject({ method: 'GET', url: '/v1/rollouts/status', headers: auth })).json().result;
      expect(status.latest.number).toBe(1);
      expect(status.locations).toBe(0);
      expect(status.pending.map((r: { status: string }) => r.status)).toEqual(['queued']);
      expect(cp.loop.edgeStatus('45.10.0.0/24', true)).toMatchObject({
        state: 'deploying',
        snapshot: 1,
        locations_live: 0,
      });
      const metrics = (await cp.app.inject('/metrics')).body;
      expect(metrics).toContain('failsmall_snapshot_number 1');
      expect(metrics).toContain('failsmall_rollouts{status="queued"} 1');
      expect(metrics).toContain('failsmall_locations 0');
      // the console runs without the demo too, on the same stack: its routes answer with the one envelope
      const session = (await cp.app.inject({ method: 'GET', url: '/v1/console/session', headers: auth })).json();
      expect(session.result).toMatchObject({ role: 'operator', token: { name: 'bootstrap' }, incident: { on: false } });
      const unauth = await cp.app.inject({ method: 'GET', url: '/v1/alerts' });
      expect(unauth.statusCode).toBe(401);
      expect(unauth.json().errors[0]).toMatchObject({ code: 10000, error_code: 'E_API_UNAUTHENTICATED' });
      const doc = (await cp.app.inject('/openapi.json')).json();
      expect(doc.paths['/v1/accounts/{account_id}/overview'].get.responses['200']).toBeDefined();
    } finally {
      await cp.close();
    }
  });
});
