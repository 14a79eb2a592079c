// RFC 9234 BGP roles and the Only to Customer (OTC) attribute, as pure functions shared by the policy
// verifier (what a router would do with a route) and the monitor (what it did). A role always describes
// one side of a session; where a function takes the neighbour's role it says so.
import { FailsmallError } from '../lib/errors.js';

/** The five roles of RFC 9234 §4.1. */
export type BgpRole = 'provider' | 'rs' | 'rs-client' | 'customer' | 'peer';

export const BGP_ROLES: readonly BgpRole[] = ['provider', 'rs', 'rs-client', 'customer', 'peer'];

/** The Role capability value (RFC 9234 §4.1, IANA "BGP Role"): 0 Provider .. 4 Peer. */
export const ROLE_CODES: Readonly<Record<BgpRole, number>> = {
  provider: 0,
  rs: 1,
  'rs-client': 2,
  customer: 3,
  peer: 4,
};

/** Parse a role name (as in the CLI and configs) or its capability code. */
export function parseRole(text: string): BgpRole {
  const t = text.trim().toLowerCase().replace(/_/g, '-');
  const alias: Record<string, BgpRole> = {
    'route-server': 'rs',
    'route-server-client': 'rs-client',
    rsclient: 'rs-client',
  };
  const name = alias[t] ?? t;
  if ((BGP_ROLES as readonly string[]).includes(name)) return name as BgpRole;
  if (/^[0-4]$/.test(t)) return roleFromCode(Number(t)) as BgpRole;
  throw new FailsmallError(
    'E_ROLE_UNKNOWN',
    `"${text}" is not a BGP role: expected provider, customer, peer, rs or rs-client (or the codes 0-4)`,
    {
      text,
    },
  );
}

/** The role for a capability value, or undefined for values RFC 9234 does not assign (5-255). */
export function roleFromCode(code: number): BgpRole | undefined {
  return BGP_ROLES.find((r) => ROLE_CODES[r] === code);
}

/** The role the other side must have for the pair to be correct (RFC 9234 §4.2, Table 2). */
export function expectedRemoteRole(local: BgpRole): BgpRole {
  switch (local) {
    case 'provider':
      return 'customer';
    case 'customer':
      return 'provider';
    case 'rs':
      return 'rs-client';
    case 'rs-client':
      return 'rs';
    case 'peer':
      return 'peer';
  }
}

/** True when (local, remote) is one of the five allowed pairs of RFC 9234 §4.2. */
export function isValidRolePair(local: BgpRole, remote: BgpRole): boolean {
  return expectedRemoteRole(local) === remote;
}

/** The neighbour's role as seen from this side: the same as the role it must announce. */
export const neighborRoleOf = expectedRemoteRole;

/**
 * The OPEN-time role check (RFC 9234 §4.2). Returns null when the session may come up, or the
 * NOTIFICATION to send: Role Mismatch is OPEN Message Error (2) subcode 11.
 * `remote` is undefined when the neighbour sent no Role capability; with strict mode that is a mismatch.
 * An unassigned remote code counts as absent (the capability is then not understood).
 */
export function checkRoleCapability(
  local: BgpRole,
  remote: BgpRole | undefined,
  strict: boolean,
): null | { code: 2; subcode: 11; reason: string } {
  if (remote === undefined) {
    return strict ? { code: 2, subcode: 11, reason: `strict mode: the neighbour sent no Role capability` } : null;
  }
  if (isValidRolePair(local, remote)) return null;
  return {
    code: 2,
    subcode: 11,
    reason: `local role ${local} needs a ${expectedRemoteRole(local)} on the other side, the neighbour is ${remote}`,
  };
}

/** Outcome of the ingress procedure for one route. */
export type OtcIngress =
  /** Accept; `otc` is the OTC value the route carries from now on (undefined: none). */
  | { leak: false; otc: number | undefined; added: boolean }
  /** A route leak: the route is ineligible (RFC 9234 §5). */
  | { leak: true; otc: number; reason: 'otc-from-customer' | 'otc-from-rs-client' | 'otc-from-peer-not-peer-as' };

/**
 * RFC 9234 §5 ingress procedure for a route received from a neighbour whose role is `neighborRole`:
 * 1. with OTC from a Customer or an RS-Client: a leak;
 * 2. with OTC from a Peer, the value not the peer's AS: a leak;
 * 3. without OTC from a Provider, a Peer or an RS: add OTC = the neighbour's AS.
 */
export function otcIngress(neighborRole: BgpRole, neighborAsn: number, otc: number | undefined): OtcIngress {
  if (otc !== undefined) {
    if (neighborRole === 'customer') return { leak: true, otc, reason: 'otc-from-customer' };
    if (neighborRole === 'rs-client') return { leak: true, otc, reason: 'otc-from-rs-client' };
    if (neighborRole === 'peer' && otc !== neighborAsn) return { leak: true, otc, reason: 'otc-from-peer-not-peer-as' };
    return { leak: false, otc, added: false };
  }
  if (neighborRole === 'provider' || neighborRole === 'peer' || neighborRole === 'rs') {
    return { leak: false, otc: neighborAsn, added: true };
  }
  return { leak: false, otc: undefined, added: false };
}

/** Outcome of the egress procedure for one route. */
export type OtcEgress =
  /** Send; `otc` is the value to send (undefined: none), `added` when this AS set it. */
  | { send: true; otc: number | undefined; added: boolean }
  /** Must not be sent: it carries OTC and the neighbour is a Provider, a Peer or an RS. */
  | { send: false; otc: number; reason: 'otc-to-provider' | 'otc-to-peer' | 'otc-to-rs' };

/**
 * RFC 9234 §5 egress procedure for a route about to be sent to a neighbour whose role is `neighborRole`:
 * 1. to a Customer, a Peer, or an RS-Client (this AS being the RS) without OTC: add OTC = the local AS;
 * 2. with OTC to a Provider, a Peer or an RS: do not send.
 */
export function otcEgress(neighborRole: BgpRole, localAsn: number, otc: number | undefined): OtcEgress {
  if (otc !== undefined) {
    if (neighborRole === 'provider') return { send: false, otc, reason: 'otc-to-provider' };
    if (neighborRole === 'peer') return { send: false, otc, reason: 'otc-to-peer' };
    if (neighborRole === 'rs') return { send: false, otc, reason: 'otc-to-rs' };
    return { send: true, otc, added: false };
  }
  if (neighborRole === 'customer' || neighborRole === 'peer' || neighborRole === 'rs-client') {
    return { send: true, otc: localAsn, added: true };
  }
  return { send: true, otc: undefined, added: false };
}
