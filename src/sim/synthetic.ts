// Deterministic synthetic desired state (src/addressing model) of any size: for the incident replay, the
// demo, benchmarks and tests. Every prefix is a /24 (IPv4) taken in order from `firstOctet`.0.0.0, every
// account owns `perAccount` of them, each announced (advertised) with one or more service bindings.
import type { Account, BgpPrefix, DesiredState, OwnershipProof, Prefix, ServiceBinding } from '../addressing/model.js';
import { SERVICE_LIST } from '../addressing/model.js';

export interface SyntheticSpec {
  /** Accounts to create; prefixes are spread over them in order. */
  accounts: number;
  prefixes: number;
  /** Service bindings per prefix, 1..5 (cycled over the known services). Default 1. */
  bindingsPerPrefix?: number;
  /** First octet of the address space used (default 23). */
  firstOctet?: number;
  /** Name prefix for accounts and a tag mixed into ids, so several sets can coexist. */
  tag?: string;
  /** Origin ASN of account i is asnBase + i (default 64512 + i: private, fine for a lab). */
  asnBase?: number;
  at?: string;
}

/** 32 lowercase hex characters, deterministic from (tag, kind, n). */
export function syntheticId(tag: string, kind: number, n: number): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < tag.length; i++) h = Math.imul(h ^ tag.charCodeAt(i), 0x01000193);
  const a = (h >>> 0).toString(16).padStart(8, '0');
  return `${a}${kind.toString(16).padStart(8, '0')}${n.toString(16).padStart(16, '0')}`;
}

export function syntheticDesired(spec: SyntheticSpec): DesiredState {
  const tag = spec.tag ?? 'syn';
  const at = spec.at ?? '2026-02-20T17:00:00.000Z';
  const first = spec.firstOctet ?? 23;
  const per = Math.ceil(spec.prefixes / spec.accounts);
  const bpp = spec.bindingsPerPrefix ?? 1;
  const accounts: Account[] = [];
  for (let i = 0; i < spec.accounts; i++)
    accounts.push({ id: syntheticId(tag, 1, i), name: `${tag}-account-${i}`, created_at: at });
  const prefixes: Prefix[] = [];
  const bgp: BgpPrefix[] = [];
  const bindings: ServiceBinding[] = [];
  const ownership: OwnershipProof[] = [];
  for (let i = 0; i < spec.prefixes; i++) {
    const acct = Math.min(Math.floor(i / per), spec.accounts - 1);
    const account = accounts[acct] as Account;
    const n = (first << 16) + i; // the /24 number
    const cidr = `${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}.0/24`;
    const asn = (spec.asnBase ?? 64512) + acct;
    const prefixId = syntheticId(tag, 2, i);
    prefixes.push({
      id: prefixId,
      account_id: account.id,
      cidr,
      asn,
      description: `${tag} prefix ${i}`,
      approved: 'V',
      loa_document_id: null,
      state: 'active',
      created_at: at,
      modified_at: at,
    });
    // Every synthetic prefix is validated: its LOA was approved (the world these sets stand for).
    ownership.push({
      prefix_id: prefixId,
      account_id: account.id,
      cidr,
      asn,
      method: 'loa',
      evidence: `LOA of ${tag} prefix ${i} (synthetic)`,
      proven_by: `system:synthetic`,
      proven_at: at,
    });
    bgp.push({
      id: syntheticId(tag, 3, i),
      prefix_id: prefixId,
      account_id: account.id,
      cidr,
      asn: null,
      asn_prepend_count: 0,
      on_demand: { advertised: true, advertised_modified_at: at, on_demand_enabled: true, on_demand_locked: false },
      created_at: at,
      modified_at: at,
    });
    // The first binding covers the whole prefix; further ones cover /25 and /26 parts (the most specific wins).
    const parts = [
      cidr,
      ...[0, 128, 64, 192].map((o, j) => `${cidr.slice(0, cidr.lastIndexOf('.'))}.${o}/${j < 2 ? 25 : 26}`),
    ];
    for (let k = 0; k < Math.min(bpp, parts.length); k++) {
      const svc = SERVICE_LIST[(i + k) % SERVICE_LIST.length] as (typeof SERVICE_LIST)[number];
      bindings.push({
        id: syntheticId(tag, 4, i * 16 + k),
        prefix_id: prefixId,
        account_id: account.id,
        cidr: parts[k] as string,
        service_id: svc.id,
        service_name: svc.name,
        provisioning: { state: 'active' },
        created_at: at,
        modified_at: at,
      });
    }
  }
  return { read_at: at, accounts, prefixes, bgp_prefixes: bgp, bindings, delegations: [], ownership };
}
