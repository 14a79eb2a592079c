import { describe, expect, it } from 'vitest';
import { parsePrefix } from '../lib/prefix.js';
import { parseAsPath } from './as-path.js';
import { assessRoute } from './route.js';
import { RpkiStore } from './rpki-store.js';

describe('assessRoute', () => {
  const store = new RpkiStore();
  store.reload({
    rpki: [
      JSON.stringify({
        roas: [{ asn: 64496, prefix: '192.0.2.0/24', maxLength: 24 }],
        aspas: [{ customer_asid: 64496, providers: [64497] }],
      }),
    ],
  });
  const prefix = parsePrefix('192.0.2.0/24');
  const fromCustomer = { neighborAsn: 64497, neighborRole: 'customer' as const, localAsn: 65000 };

  it('accepts a route that passes ROV, ASPA and OTC', () => {
    const r = assessRoute(store.snapshot, { prefix, asPath: parseAsPath('64497 64496') }, fromCustomer);
    expect(r).toMatchObject({ rov: 'valid', aspa: 'valid', otc: { leak: false }, reject: false });
  });
  it('rejects on any one failing check, and says which', () => {
    const hijack = assessRoute(store.snapshot, { prefix, asPath: parseAsPath('64497 64511') }, fromCustomer);
    expect(hijack).toMatchObject({ rov: 'invalid', reject: true });
    const leak = assessRoute(store.snapshot, { prefix, asPath: parseAsPath('64497 64496'), otc: 3356 }, fromCustomer);
    expect(leak).toMatchObject({ rov: 'valid', otc: { leak: true, reason: 'otc-from-customer' }, reject: true });
    // 64496 attests only 64497 as provider: via 64498 the path is Invalid upstream.
    const path = assessRoute(
      store.snapshot,
      { prefix, asPath: parseAsPath('64498 64496') },
      { ...fromCustomer, neighborAsn: 64498 },
    );
    expect(path).toMatchObject({ rov: 'valid', aspa: 'invalid', reject: true });
  });
  it('adds OTC on routes from a provider', () => {
    const r = assessRoute(
      store.snapshot,
      { prefix, asPath: parseAsPath('3356 64496') },
      { neighborAsn: 3356, neighborRole: 'provider', localAsn: 65000 },
    );
    expect(r.otc).toEqual({ leak: false, otc: 3356, added: true });
  });
});
