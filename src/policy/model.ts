// The vendor-independent routing-policy model. Junos policy-statements and FRR route-maps both become a
// PolicyProgram: named policies made of terms (conditions, actions, a flow), the named sets they refer to
// (prefix lists, community and AS-path matchers), and the router's BGP neighbours with their export and
// import chains. Everything carries its source (file, line) so that every verdict can name what decided it.
// Pure data: the front ends in ./vendors build it, ./evaluate.ts runs it.
import type { Family, Prefix } from '../lib/prefix.js';
import type { BgpRole } from '../routing/roles.js';

export type Vendor = 'junos' | 'frr';

/** Where a construct was written. */
export interface SourceRef {
  file: string;
  line: number;
}

/** A warning of the front end: an unsupported or undefined construct, with where it is. */
export interface PolicyWarning extends SourceRef {
  message: string;
  /** 'unsupported' or 'undefined-reference' (these decide "cannot prove safe" on an export path). */
  kind: 'unsupported' | 'undefined-reference' | 'note';
}

export type Protocol = 'bgp' | 'static' | 'direct' | 'aggregate' | 'local';
export const PROTOCOLS: readonly Protocol[] = ['bgp', 'static', 'direct', 'aggregate', 'local'];

/** A prefix range: matches a prefix inside `prefix` whose length is in [min, max]. */
export interface PrefixRange {
  prefix: Prefix;
  min: number;
  max: number;
}

/** An entry of an ordered prefix list (FRR): the first entry that matches decides. */
export interface PrefixListEntry extends PrefixRange {
  permit: boolean;
  seq: number;
}

export interface PrefixList {
  name: string;
  /** FRR keeps `ip` and `ipv6` prefix lists apart; Junos lists hold both families. */
  family: Family | 'any';
  entries: PrefixListEntry[];
  src: SourceRef;
}

/** One member of a community matcher: a literal ("64500:100", "64500:1:2") or a regex over one value. */
export type CommunityMember = { literal: string } | { regex: RegExp; text: string };

/**
 * A named community matcher. Junos: one permit entry whose members must all be present (`each`).
 * FRR standard lists: entries in order, an entry matches when all its members are present; expanded lists:
 * the entry's regex runs over the route's communities as one space-separated string (`string`).
 */
export interface CommunitySet {
  name: string;
  large: boolean;
  entries: { permit: boolean; members: CommunityMember[]; match: 'each' | 'string' }[];
  src: SourceRef;
}

/** A named AS-path matcher: entries in order, the first whose regex matches decides. */
export interface AsPathSet {
  name: string;
  /** Junos regexes run over "AS AS AS " tokens; FRR's over "AS AS AS" with `_` as a delimiter. */
  entries: { permit: boolean; regex: RegExp; text: string }[];
  src: SourceRef;
}

interface Base {
  /** The configuration text of the condition, for traces and diffs ("route-type internal"). */
  text: string;
  src: SourceRef;
}

/** A match condition. A term matches when all its conditions match (an empty list matches everything). */
export type Condition = Base &
  (
    | { kind: 'route-filter'; ranges: PrefixRange[] } // Junos longest-match semantics over the ranges
    | { kind: 'prefix-list'; name: string } // ordered first-match list of the program
    | { kind: 'community'; names: string[] } // any of the named sets
    | { kind: 'as-path'; names: string[] } // any of the named sets
    | { kind: 'protocol'; protocols: Protocol[] }
    | { kind: 'route-type'; routeType: 'internal' | 'external' }
    | { kind: 'neighbor'; addresses: string[] }
    | { kind: 'to-neighbor'; addresses: string[] } // Junos `to neighbor`: the neighbour exported to
    | { kind: 'family'; family: Family }
    | { kind: 'local-pref'; value: number }
    | { kind: 'med'; value: number }
    | { kind: 'origin'; origin: Origin }
    | { kind: 'policy'; names: string[] } // Junos subroutine: true when the policy chain accepts
    | { kind: 'next-hop'; addresses: string[] }
    /** Not understood, or a reference to nothing: evaluated as a match, and the result is uncertain. */
    | { kind: 'unsupported'; reason: string }
    | { kind: 'undefined'; reference: string }
  );

export type Origin = 'igp' | 'egp' | 'incomplete';

/** A modification of the route (or, for `call`, a subroutine). Applied in order. */
export type Action = Base &
  (
    | { kind: 'community'; op: 'set' | 'add' | 'delete'; names: string[] } // named sets (Junos, FRR comm-list delete)
    | { kind: 'community-values'; op: 'set' | 'add'; values: string[]; large: boolean } // literal values
    | { kind: 'community-none' }
    | { kind: 'local-pref'; op: 'set' | 'add' | 'subtract'; value: number }
    | { kind: 'med'; op: 'set' | 'add' | 'subtract'; value: number }
    | { kind: 'prepend'; asns: number[] }
    | { kind: 'prepend-last-as'; count: number }
    | { kind: 'as-path-exclude'; asns: number[] }
    | { kind: 'next-hop'; value: string } // an address, 'self', 'peer-address', 'unchanged'
    | { kind: 'origin'; origin: Origin }
    | { kind: 'call'; policy: string } // FRR `call`: a deny of the called map denies the route
    | { kind: 'unsupported'; reason: string }
  );

/** What happens after a term matched and its actions ran. */
export type Flow =
  | { kind: 'accept' }
  | { kind: 'reject' }
  | { kind: 'next-term' }
  | { kind: 'next-policy' }
  /** FRR `on-match goto N` / `continue N`: the first entry whose sequence is >= seq. */
  | { kind: 'goto'; seq: number }
  /** No terminal action: fall through to the next term (Junos). */
  | { kind: 'none' };

export interface Term {
  /** The term name (Junos) or "seq N" (FRR); '' for the unnamed term of a Junos policy. */
  name: string;
  /** FRR sequence number; the term index for Junos. */
  seq: number;
  src: SourceRef;
  conditions: Condition[];
  /** Match conditions written but deactivated (`inactive:`, `deactivate`) while the term stays active. */
  deactivated: { text: string; src: SourceRef }[];
  actions: Action[];
  flow: Flow;
}

export interface Policy {
  name: string;
  src: SourceRef;
  terms: Term[];
  /** What the end of the policy means: Junos goes to the next policy of the chain, FRR denies. */
  atEnd: 'next-policy' | 'reject';
}

/** A BGP neighbour of the router, with everything resolved (inheritance applied). */
export interface Neighbor {
  address: string;
  /** The Junos group or the FRR peer-group, when any. */
  group?: string;
  peerAs: number;
  localAs: number;
  internal: boolean;
  /** Export chain (Junos: policies in order; FRR: one route-map per family). */
  exportChain: { 4: string[]; 6: string[] };
  importChain: { 4: string[]; 6: string[] };
  families: Family[];
  /** RFC 9234 role of this router on the session (FRR `local-role`). */
  localRole?: BgpRole;
  /** FRR: a route-reflector client (iBGP routes may be reflected to it). */
  reflectorClient?: boolean;
  /** Statements of this neighbour the model does not know and that may change its exports. */
  unsupported?: SourceRef[];
  src: SourceRef;
}

export interface LocalRouteDef {
  prefix: Prefix;
  protocol: Protocol;
  src: SourceRef;
}

/** A whole router configuration, in the vendor-independent model. */
export interface PolicyProgram {
  vendor: Vendor;
  file: string;
  localAs: number | undefined;
  routerId?: string;
  policies: Map<string, Policy>;
  prefixLists: Map<string, PrefixList>;
  communities: Map<string, CommunitySet>;
  asPaths: Map<string, AsPathSet>;
  neighbors: Neighbor[];
  /** Routes the configuration itself originates (static, aggregate, generate; FRR network statements). */
  localRoutes: LocalRouteDef[];
  /** Export behaviour of the vendor when a neighbour has no policy or the chain ends undecided. */
  defaults: ExportDefaults;
  warnings: PolicyWarning[];
  /** Lines of the input understood, and lines reported unsupported (for the corpus figures). */
  stats: { lines: number; understood: number; unsupported: number };
}

export interface ExportDefaults {
  /** Junos: the chain ends with the BGP default policy (accept active BGP routes). */
  chainEnd: 'bgp-default' | 'reject';
  /** FRR `bgp ebgp-requires-policy`: nothing goes to an eBGP neighbour without an outbound policy. */
  ebgpRequiresPolicy: boolean;
  /** Protocols in BGP without a policy (FRR: `redistribute`, `network`); Junos: only 'bgp'. */
  redistributed: Protocol[];
  /** FRR: the `network` statements (only these local routes are in BGP besides redistribution). */
  networks: Prefix[];
}

export function emptyProgram(vendor: Vendor, file: string): PolicyProgram {
  return {
    vendor,
    file,
    localAs: undefined,
    policies: new Map(),
    prefixLists: new Map(),
    communities: new Map(),
    asPaths: new Map(),
    neighbors: [],
    localRoutes: [],
    defaults: { chainEnd: 'reject', ebgpRequiresPolicy: false, redistributed: [], networks: [] },
    warnings: [],
    stats: { lines: 0, understood: 0, unsupported: 0 },
  };
}
