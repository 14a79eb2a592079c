// The desired state of the network's customer address space, as plain data. Everything here is what
// people (or jobs) asked for; what the edge actually announces lives in snapshots (src/snapshot).
// Conventions, relied on by the snapshot compiler and the HTTP adapter:
// - ids are strings (32 lowercase hex characters, like Cloudflare's);
// - `cidr` is always the canonical text of src/lib/prefix.ts formatPrefix (RFC 5952 for IPv6);
// - timestamps are ISO 8601 strings in UTC with milliseconds.
// Field names follow Cloudflare's public v4 Addressing API so the JSON shapes need no translation.
import type { AuditEvent, JobCaps } from '../lib/audit.js';

/** Lifecycle of a customer prefix. `deleted` rows are kept (soft delete) so the audit trail resolves. */
export type PrefixState = 'active' | 'pending_delete' | 'deleted';
export const PREFIX_STATES: readonly PrefixState[] = ['active', 'pending_delete', 'deleted'];

/** Ownership approval: `P` pending (not proven), `V` verified (an OwnershipProof is recorded). */
export type Approval = 'P' | 'V';

/**
 * How a prefix's ownership was proven (src/addressing/ownership.ts). `legacy`: grandfathered, the prefix
 * was validated before proofs were recorded (migration 014 backfilled it, so an upgrade announces what it
 * announced before); validating again or an LOA approval replaces it with a proof of today's kinds.
 */
export type OwnershipMethod = 'rpki' | 'irr' | 'loa' | 'legacy';
export const OWNERSHIP_METHODS: readonly OwnershipMethod[] = ['rpki', 'irr', 'loa', 'legacy'];

/**
 * The recorded proof that an account may have a prefix announced with origin `asn`: written in the
 * transaction that validates the prefix, read by the snapshot compiler (no proof, no announcement).
 */
export interface OwnershipProof {
  prefix_id: string;
  account_id: string;
  /** The proven block (the prefix's cidr); BGP prefixes inside it are covered. */
  cidr: string;
  /** The origin the proof is for: the prefix's ASN, one of the account's registered ASNs (rpki, irr). */
  asn: number;
  method: OwnershipMethod;
  /** What proved it: the authorising VRP, the IRR route object, or the LOA document and the reason. */
  evidence: string;
  /** Who proved it: the actor that validated, or the operator who approved the LOA. */
  proven_by: string;
  proven_at: string;
}

export interface Account {
  id: string;
  name: string;
  created_at: string;
}

/** A customer prefix (BYOIP): the block an account brings; BGP prefixes and bindings live inside it. */
export interface Prefix {
  id: string;
  account_id: string;
  cidr: string;
  asn: number;
  description: string;
  approved: Approval;
  loa_document_id: string | null;
  state: PrefixState;
  created_at: string;
  modified_at: string;
}

/** The on/off switch of a BGP prefix. `advertised` is the desired announcement state. */
export interface OnDemand {
  advertised: boolean;
  advertised_modified_at: string | null;
  on_demand_enabled: boolean;
  on_demand_locked: boolean;
}

/** What is (or is not) announced with BGP: a cidr inside a prefix. Created withdrawn. */
export interface BgpPrefix {
  id: string;
  prefix_id: string;
  account_id: string;
  cidr: string;
  /** Origin AS; the prefix's ASN unless overridden. */
  asn: number | null;
  asn_prepend_count: number;
  on_demand: OnDemand;
  created_at: string;
  modified_at: string;
}

export type ProvisioningState = 'provisioning' | 'active';

/** Which service answers traffic for a cidr inside a prefix; the most specific binding wins. */
export interface ServiceBinding {
  id: string;
  prefix_id: string;
  account_id: string;
  cidr: string;
  service_id: string;
  service_name: string;
  provisioning: { state: ProvisioningState };
  created_at: string;
  modified_at: string;
}

export interface Service {
  id: string;
  name: string;
}

/** The services a binding may name. Fixed ids: clients and snapshots may store them. */
export const SERVICES = {
  cdn: { id: 'f1a2b3c4d5e6478899aabbccddeeff01', name: 'CDN' },
  spectrum: { id: 'f1a2b3c4d5e6478899aabbccddeeff02', name: 'Spectrum' },
  magic_transit: { id: 'f1a2b3c4d5e6478899aabbccddeeff03', name: 'Magic Transit' },
  dedicated_egress: { id: 'f1a2b3c4d5e6478899aabbccddeeff04', name: 'Dedicated Egress' },
} as const satisfies Record<string, Service>;
export const SERVICE_LIST: readonly Service[] = Object.values(SERVICES);

export function serviceById(id: string): Service | undefined {
  return SERVICE_LIST.find((s) => s.id === id);
}

/** Part of a prefix handed to another account, which may then bind services inside it. */
export interface Delegation {
  id: string;
  parent_prefix_id: string;
  /** The account that owns the parent prefix. */
  account_id: string;
  cidr: string;
  delegated_account_id: string;
  created_at: string;
  modified_at: string;
}

/**
 * Token scopes. `addressing:read` reads its own account; `addressing:write` also changes it;
 * `operator` reads and changes every account (support staff, jobs); `admin` manages accounts and tokens
 * and nothing else (an admin token needs another scope to touch addressing objects); `approver` approves
 * held changes, resets the breaker (only on a global token of kind `person`, src/rollout/approval.ts) and
 * approves a prefix's LOA (src/addressing/prefixes.ts).
 */
export type Scope = 'addressing:read' | 'addressing:write' | 'operator' | 'admin' | 'approver';
export const SCOPES: readonly Scope[] = ['addressing:read', 'addressing:write', 'operator', 'admin', 'approver'];
/** The scope of a second person: approvals, breaker resets, LOA approvals (with a token of kind `person`). */
export const APPROVER_SCOPE = 'approver' satisfies Scope;

/**
 * Who holds a token: a named human (`person`), an automated task under its own identity with its own
 * caps (`job`), or an edge agent (`agent`). Only a person approves; the audit log names the kind.
 */
export type TokenKind = 'person' | 'job' | 'agent';
export const TOKEN_KINDS: readonly TokenKind[] = ['person', 'job', 'agent'];

/** An API token as stored: the secret itself is never kept, only its SHA-256 (hex). */
export interface Token {
  id: string;
  /** The account the token acts for; null for operator/admin tokens that are not tied to one account. */
  account_id: string | null;
  name: string;
  scopes: Scope[];
  /** Migration 010; tokens made before it are `person`. */
  kind: TokenKind;
  /** A job token's caps (changes per run and per hour); null for persons and agents. */
  caps: JobCaps | null;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

/** Who acts, in the one vocabulary of src/lib/audit.ts (token, person, job, agent, cli, system). */
export type { Actor, JobCaps } from '../lib/audit.js';

export type AuditObjectType = 'account' | 'token' | 'prefix' | 'bgp_prefix' | 'binding' | 'delegation';

/** One audited addressing change: the AuditEvent of src/lib/audit.ts with the addressing object types. */
export interface AuditEntry extends AuditEvent {
  readonly object_type: AuditObjectType;
}

/**
 * Everything the snapshot compiler needs, read in one consistent transaction: every account's live
 * prefixes (state `active` or `pending_delete`; a pending deletion is still announced until deleted),
 * their BGP prefixes with the advertised flag, bindings and delegations.
 */
export interface DesiredState {
  /** When the read was taken (ISO). */
  read_at: string;
  accounts: Account[];
  prefixes: Prefix[];
  bgp_prefixes: BgpPrefix[];
  bindings: ServiceBinding[];
  delegations: Delegation[];
  /** The ownership proofs of live prefixes (one per proven prefix). */
  ownership: OwnershipProof[];
}

/** Pagination as the v4 API reports it in `result_info`. */
export interface Page {
  page: number;
  per_page: number;
}
export interface PageOf<T> {
  items: T[];
  total_count: number;
}
