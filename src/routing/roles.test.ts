import { describe, expect, it } from 'vitest';
import { FailsmallError } from '../lib/errors.js';
import {
  BGP_ROLES,
  checkRoleCapability,
  expectedRemoteRole,
  isValidRolePair,
  otcEgress,
  otcIngress,
  parseRole,
  ROLE_CODES,
  roleFromCode,
} from './roles.js';

describe('RFC 9234 roles', () => {
  it('has the capability codes of §4.1 and parses names, aliases and codes', () => {
    expect(ROLE_CODES).toEqual({ provider: 0, rs: 1, 'rs-client': 2, customer: 3, peer: 4 });
    for (const r of BGP_ROLES) {
      expect(parseRole(r)).toBe(r);
      expect(parseRole(String(ROLE_CODES[r]))).toBe(r);
      expect(roleFromCode(ROLE_CODES[r])).toBe(r);
    }
    expect(parseRole('RS_Client')).toBe('rs-client');
    expect(parseRole('route-server')).toBe('rs');
    expect(roleFromCode(5)).toBeUndefined();
    expect(() => parseRole('upstream')).toThrow(FailsmallError);
  });
  it('allows exactly the five role pairs of §4.2', () => {
    const allowed = BGP_ROLES.flatMap((a) => BGP_ROLES.filter((b) => isValidRolePair(a, b)).map((b) => `${a}/${b}`));
    expect(allowed.sort()).toEqual(
      ['provider/customer', 'customer/provider', 'rs/rs-client', 'rs-client/rs', 'peer/peer'].sort(),
    );
    for (const r of BGP_ROLES) expect(expectedRemoteRole(expectedRemoteRole(r))).toBe(r);
  });
  it('OPEN check: Role Mismatch (2/11) on a wrong pair, or on a missing capability in strict mode', () => {
    expect(checkRoleCapability('customer', 'provider', true)).toBeNull();
    expect(checkRoleCapability('customer', 'peer', false)).toMatchObject({ code: 2, subcode: 11 });
    expect(checkRoleCapability('peer', undefined, false)).toBeNull();
    expect(checkRoleCapability('peer', undefined, true)).toMatchObject({ code: 2, subcode: 11 });
  });
});

describe('OTC (RFC 9234 §5)', () => {
  it('ingress rule 1: OTC from a customer or RS-client is a leak', () => {
    expect(otcIngress('customer', 64496, 64500)).toMatchObject({ leak: true, reason: 'otc-from-customer' });
    expect(otcIngress('rs-client', 64496, 64500)).toMatchObject({ leak: true, reason: 'otc-from-rs-client' });
  });
  it("ingress rule 2: OTC from a peer must be the peer's AS", () => {
    expect(otcIngress('peer', 64496, 64500)).toMatchObject({ leak: true, reason: 'otc-from-peer-not-peer-as' });
    expect(otcIngress('peer', 64496, 64496)).toEqual({ leak: false, otc: 64496, added: false });
  });
  it('ingress rule 3: without OTC from a provider, peer or RS, add the neighbour AS', () => {
    for (const r of ['provider', 'peer', 'rs'] as const) {
      expect(otcIngress(r, 64496, undefined)).toEqual({ leak: false, otc: 64496, added: true });
    }
    expect(otcIngress('customer', 64496, undefined)).toEqual({ leak: false, otc: undefined, added: false });
    expect(otcIngress('provider', 64496, 64999)).toEqual({ leak: false, otc: 64999, added: false });
  });
  it('egress rule 1: to a customer, peer or RS-client, add OTC = local AS when absent', () => {
    for (const r of ['customer', 'peer', 'rs-client'] as const) {
      expect(otcEgress(r, 65000, undefined)).toEqual({ send: true, otc: 65000, added: true });
    }
    expect(otcEgress('provider', 65000, undefined)).toEqual({ send: true, otc: undefined, added: false });
    expect(otcEgress('rs', 65000, undefined)).toEqual({ send: true, otc: undefined, added: false });
  });
  it('egress rule 2: a route with OTC is never sent to a provider, peer or RS', () => {
    expect(otcEgress('provider', 65000, 1)).toMatchObject({ send: false, reason: 'otc-to-provider' });
    expect(otcEgress('peer', 65000, 1)).toMatchObject({ send: false, reason: 'otc-to-peer' });
    expect(otcEgress('rs', 65000, 1)).toMatchObject({ send: false, reason: 'otc-to-rs' });
    expect(otcEgress('customer', 65000, 1)).toEqual({ send: true, otc: 1, added: false });
  });
  it('a route learned from a provider (OTC added on ingress) cannot be exported to a peer: no type-3 leak', () => {
    const inbound = otcIngress('provider', 3356, undefined);
    expect(inbound.leak).toBe(false);
    expect(otcEgress('peer', 13335, inbound.otc)).toMatchObject({ send: false });
  });
});
