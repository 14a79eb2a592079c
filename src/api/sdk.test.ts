// System test: the official Cloudflare TypeScript SDK, unchanged, pointed at failsmall with baseURL.
import Cloudflare from 'cloudflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICES } from '../addressing/model.js';
import { type Fixture, makeFixture } from './fixture.case.js';

let f: Fixture;
let cf: Cloudflare;
let cfB: Cloudflare;
beforeAll(async () => {
  f = await makeFixture();
  await f.app.listen({ port: 0, host: '127.0.0.1' });
  const addr = f.app.server.address();
  if (!addr || typeof addr === 'string') throw new Error('no address');
  const baseURL = `http://127.0.0.1:${addr.port}/client/v4`;
  cf = new Cloudflare({ apiToken: f.tokens.writeA, baseURL, maxRetries: 0 });
  cfB = new Cloudflare({ apiToken: f.tokens.writeB, baseURL, maxRetries: 0 });
});
afterAll(async () => {
  await f.close();
});

describe('Cloudflare SDK against failsmall', () => {
  it('prefixes: create, list, get, edit, validate, delete', async () => {
    const account_id = f.accountA;
    const p = await cf.addressing.prefixes.create({
      account_id,
      cidr: '203.0.113.0/24',
      asn: 64496,
      description: 'sdk',
    });
    expect(p).toMatchObject({ cidr: '203.0.113.0/24', asn: 64496, description: 'sdk', approved: 'P', account_id });
    const id = p.id as string;
    const listed = [];
    for await (const x of cf.addressing.prefixes.list({ account_id })) listed.push(x);
    expect(listed.map((x) => x.id)).toContain(id);
    expect((await cf.addressing.prefixes.get(id, { account_id })).cidr).toBe('203.0.113.0/24');
    expect((await cf.addressing.prefixes.edit(id, { account_id, description: 'edited' })).description).toBe('edited');
    expect((await cf.addressing.prefixes.validate(id, { account_id })).approved).toBe('V');
    const del = await cf.addressing.prefixes.delete(id, { account_id });
    expect(del.success).toBe(true);
    await expect(cf.addressing.prefixes.get(id, { account_id })).rejects.toBeInstanceOf(Cloudflare.NotFoundError);
  });

  it('BGP prefixes: create (withdrawn), list, get, advertise, withdraw, delete; legacy status', async () => {
    const account_id = f.accountA;
    const p = await cf.addressing.prefixes.create({ account_id, cidr: '198.51.100.0/24', asn: 64496 });
    const prefix_id = p.id as string;
    await cf.addressing.prefixes.validate(prefix_id, { account_id });
    const b = await cf.addressing.prefixes.bgpPrefixes.create(prefix_id, { account_id, cidr: '198.51.100.0/24' });
    expect(b.on_demand?.advertised).toBe(false);
    const listed = [];
    for await (const x of cf.addressing.prefixes.bgpPrefixes.list(prefix_id, { account_id })) listed.push(x);
    expect(listed.map((x) => x.id)).toEqual([b.id]);
    const id = b.id as string;
    expect((await cf.addressing.prefixes.bgpPrefixes.get(id, { account_id, prefix_id })).cidr).toBe('198.51.100.0/24');
    const adv = await cf.addressing.prefixes.bgpPrefixes.edit(id, {
      account_id,
      prefix_id,
      on_demand: { advertised: true },
    });
    expect(adv.on_demand?.advertised).toBe(true);
    expect(adv.on_demand?.advertised_modified_at).toBeTruthy();
    expect((await cf.addressing.prefixes.advertisementStatus.get(prefix_id, { account_id })).advertised).toBe(true);
    const w = await cf.addressing.prefixes.bgpPrefixes.edit(id, {
      account_id,
      prefix_id,
      on_demand: { advertised: false },
    });
    expect(w.on_demand?.advertised).toBe(false);
    const st = await cf.addressing.prefixes.advertisementStatus.edit(prefix_id, { account_id, advertised: true });
    expect(st.advertised).toBe(true);
    await cf.addressing.prefixes.advertisementStatus.edit(prefix_id, { account_id, advertised: false });
    const d = await cf.addressing.prefixes.bgpPrefixes.delete(id, { account_id, prefix_id });
    expect(d.success).toBe(true);
  });

  it('service bindings and delegations: create, list, get, delete; services list', async () => {
    const account_id = f.accountA;
    const services = [];
    for await (const s of cf.addressing.services.list({ account_id })) services.push(s);
    expect(services.map((s) => s.name)).toEqual(['CDN', 'Spectrum', 'Magic Transit', 'Dedicated Egress']);
    const p = await cf.addressing.prefixes.create({ account_id, cidr: '192.0.2.0/24', asn: 64496 });
    const prefix_id = p.id as string;
    const sb = await cf.addressing.prefixes.serviceBindings.create(prefix_id, {
      account_id,
      cidr: '192.0.2.0/24',
      service_id: SERVICES.magic_transit.id,
    });
    expect(sb).toMatchObject({
      cidr: '192.0.2.0/24',
      service_name: 'Magic Transit',
      provisioning: { state: 'provisioning' },
    });
    const bindings = [];
    for await (const x of cf.addressing.prefixes.serviceBindings.list(prefix_id, { account_id })) bindings.push(x);
    expect(bindings.map((x) => x.id)).toEqual([sb.id]);
    expect(
      (await cf.addressing.prefixes.serviceBindings.get(sb.id as string, { account_id, prefix_id })).service_id,
    ).toBe(SERVICES.magic_transit.id);

    const dl = await cf.addressing.prefixes.delegations.create(prefix_id, {
      account_id,
      cidr: '192.0.2.0/25',
      delegated_account_id: f.accountB,
    });
    expect(dl).toMatchObject({ cidr: '192.0.2.0/25', delegated_account_id: f.accountB, parent_prefix_id: prefix_id });
    const dls = [];
    for await (const x of cf.addressing.prefixes.delegations.list(prefix_id, { account_id })) dls.push(x);
    expect(dls.map((x) => x.id)).toEqual([dl.id]);
    // the delegated account sees the prefix through its own account
    expect((await cfB.addressing.prefixes.get(prefix_id, { account_id: f.accountB })).id).toBe(prefix_id);
    expect((await cf.addressing.prefixes.delegations.delete(dl.id as string, { account_id, prefix_id })).id).toBe(
      dl.id,
    );
    await cf.addressing.prefixes.serviceBindings.delete(sb.id as string, { account_id, prefix_id });
    const after = [];
    for await (const x of cf.addressing.prefixes.serviceBindings.list(prefix_id, { account_id })) after.push(x);
    expect(after).toEqual([]);
  });

  it('errors surface as SDK errors with the v4 envelope', async () => {
    const account_id = f.accountA;
    const p = await cf.addressing.prefixes.create({ account_id, cidr: '100.64.0.0/24', asn: 64496 });
    await cf.addressing.prefixes.serviceBindings.create(p.id as string, {
      account_id,
      cidr: '100.64.0.0/24',
      service_id: SERVICES.cdn.id,
    });
    const err = await cf.addressing.prefixes.delete(p.id as string, { account_id }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Cloudflare.APIError);
    expect((err as InstanceType<typeof Cloudflare.APIError>).status).toBe(409);
    expect((err as Error).message).toMatch(/service binding/);
    const other = await cfB.addressing.prefixes
      .get(p.id as string, { account_id: f.accountA })
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Cloudflare.NotFoundError);
  });
});
