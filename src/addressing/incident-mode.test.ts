import { describe, expect, it } from 'vitest';
import { INCIDENT_OFF, incidentDecision, safeAction, switchIncidentMode } from './incident-mode.js';

const A = '/client/v4/accounts/:account_id/addressing';
const BGP = `${A}/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id`;
const customer = { scopes: ['addressing:write' as const] };
const operator = { scopes: ['operator' as const] };
const on = switchIncidentMode(true, 'token:op', 'BYOIP withdrawals at the canary', '2026-02-20T18:05:00.000Z');

describe('incident mode', () => {
  it('off: nothing is frozen', () => {
    expect(
      incidentDecision(INCIDENT_OFF, customer, {
        method: 'DELETE',
        route: `${A}/prefixes/:prefix_id`,
        body: undefined,
      }),
    ).toEqual({
      allow: true,
      safe: null,
      audited: false,
    });
  });

  it('on: a customer may re-advertise, and only with exactly {advertised: true}', () => {
    const ok = incidentDecision(on, customer, {
      method: 'PATCH',
      route: BGP,
      body: { on_demand: { advertised: true } },
    });
    expect(ok).toEqual({ allow: true, safe: 're-advertise', audited: true });
    for (const body of [
      { on_demand: { advertised: false } },
      { on_demand: { advertised: true }, asn_prepend_count: 3 },
      { on_demand: { advertised: true, extra: 1 } },
      { on_demand: { advertised: 'true' } },
      null,
      [],
    ]) {
      const d = incidentDecision(on, customer, { method: 'PATCH', route: BGP, body });
      expect(d.allow, JSON.stringify(body)).toBe(false);
      if (!d.allow) expect(d.error.code).toBe('E_INCIDENT_FROZEN');
    }
  });

  it('on: restoring a binding and the console safe routes pass; deleting, creating prefixes and delegations do not', () => {
    expect(safeAction({ method: 'POST', route: `${A}/prefixes/:prefix_id/bindings`, body: {} })).toBe(
      'restore-binding',
    );
    expect(
      safeAction({ method: 'PATCH', route: `${A}/prefixes/:prefix_id/bgp/status`, body: { advertised: true } }),
    ).toBe('re-advertise');
    expect(safeAction({ method: 'POST', route: '/v1/accounts/:account_id/return-to-snapshot', body: {} })).toBe(
      'return-to-snapshot',
    );
    for (const [method, route] of [
      ['DELETE', `${A}/prefixes/:prefix_id/bindings/:binding_id`],
      ['POST', `${A}/prefixes`],
      ['DELETE', `${A}/prefixes/:prefix_id`],
      ['POST', `${A}/prefixes/:prefix_id/delegations`],
      ['PATCH', `${A}/prefixes/:prefix_id`],
    ] as const) {
      expect(incidentDecision(on, customer, { method, route, body: {} }).allow, `${method} ${route}`).toBe(false);
    }
  });

  it('on: operators are never frozen, and their writes are not marked as customer safe actions', () => {
    expect(
      incidentDecision(on, operator, { method: 'DELETE', route: `${A}/prefixes/:prefix_id`, body: undefined }),
    ).toMatchObject({
      allow: true,
      audited: false,
    });
  });

  it('switching needs a reason both ways', () => {
    expect(() => switchIncidentMode(false, 'x', '  ', 'now')).toThrow(
      expect.objectContaining({ code: 'E_INCIDENT_REASON_REQUIRED' }),
    );
    expect(on).toEqual({
      on: true,
      since: '2026-02-20T18:05:00.000Z',
      by: 'token:op',
      reason: 'BYOIP withdrawals at the canary',
    });
  });
});
