// Per-account quotas on prefixes, BGP prefixes and bindings: the create after the last allowed one is a
// 409 E_ADDR_QUOTA, and another account is not affected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../addressing/model.js';
import { auth, type Fixture, makeFixture } from './fixture.case.js';

describe('per-account quotas', () => {
  let f: Fixture;
  let base: string;
  beforeAll(async () => {
    f = await makeFixture();
    f.service.quotas = { prefixes: 2, bgp_prefixes: 1, bindings: 1 };
    base = `/client/v4/accounts/${f.accountA}/addressing`;
  });
  afterAll(async () => {
    await f?.close();
  });
  const post = (url: string, payload: object, secret = f.tokens.writeA) =>
    f.app.inject({ method: 'POST', url, headers: auth(secret), payload });

  it('prefixes, BGP prefixes and bindings stop at their quota', async () => {
    const p1 = await post(`${base}/prefixes`, { cidr: '203.0.112.0/23', asn: 64500 });
    expect(p1.statusCode).toBe(201);
    expect((await post(`${base}/prefixes`, { cidr: '198.51.100.0/24', asn: 64500 })).statusCode).toBe(201);
    const third = await post(`${base}/prefixes`, { cidr: '192.0.2.0/24', asn: 64500 });
    expect([third.statusCode, third.json().errors[0].error_code]).toEqual([409, 'E_ADDR_QUOTA']);
    const other = await post(
      `/client/v4/accounts/${f.accountB}/addressing/prefixes`,
      { cidr: '192.0.2.0/24', asn: 64500 },
      f.tokens.writeB,
    );
    expect(other.statusCode).toBe(201);

    const id = p1.json().result.id;
    expect((await post(`${base}/prefixes/${id}/bgp/prefixes`, { cidr: '203.0.112.0/23' })).statusCode).toBe(201);
    const bgp2 = await post(`${base}/prefixes/${id}/bgp/prefixes`, { cidr: '203.0.112.0/24' });
    expect([bgp2.statusCode, bgp2.json().errors[0].error_code]).toEqual([409, 'E_ADDR_QUOTA']);

    const b1 = await post(`${base}/prefixes/${id}/bindings`, { cidr: '203.0.112.0/23', service_id: SERVICES.cdn.id });
    expect(b1.statusCode).toBe(201);
    const b2 = await post(`${base}/prefixes/${id}/bindings`, { cidr: '203.0.112.0/24', service_id: SERVICES.cdn.id });
    expect([b2.statusCode, b2.json().errors[0].error_code]).toEqual([409, 'E_ADDR_QUOTA']);
  });
});
