// The snapshot compiler: desired state (what people asked for, src/addressing) → operational state (what
// each location's edge must announce and hold). Pure and deterministic: the same desired state and
// options give the same content digest.
import { type AnnounceSpace, announceRefusal, DEFAULT_ANNOUNCE_SPACE } from '../addressing/announce-space.js';
import { ASN_PREPEND_COUNT, inRange } from '../addressing/limits.js';
import type { DesiredState } from '../addressing/model.js';
import { formatPrefix, parsePrefix, tryParsePrefix } from '../lib/prefix.js';
import { CANONICAL_FORMS, type CanonicalForm, contentDigest, DIGEST_VERSION, snapshotId } from './digest.js';
import { snapshotError } from './errors.js';
import type {
  Announcement,
  Binding,
  LocationInfo,
  LocationScope,
  Snapshot,
  SnapshotContent,
  SnapshotOrigin,
  WithdrawAllMark,
} from './model.js';

export interface CompileOptions {
  /** The locations that exist; scoped placements must name only these. */
  locations: readonly LocationInfo[];
  /** Communities attached to every announcement (e.g. the network's "customer route" tag). */
  communities?: readonly string[];
  /** Where a BGP prefix is announced; default everywhere (anycast). */
  placement?: (bgpPrefixId: string, accountId: string) => LocationScope;
  /** What may be announced at all (special-purpose space, lengths); default DEFAULT_ANNOUNCE_SPACE. */
  space?: AnnounceSpace;
  /** Told about each advertised BGP prefix left out: unproven ownership or unannounceable space. */
  onRefused?: (r: RefusedAnnouncement) => void;
}

/** An advertised BGP prefix the compiler did not announce, and why. */
export interface RefusedAnnouncement {
  id: string;
  account: string;
  cidr: string;
  reason: string;
}

const COMMUNITY = /^\d{1,10}:\d{1,10}(:\d{1,10})?$/;

function canonicalCidr(text: string, what: string, cache: Map<string, string>): string {
  const hit = cache.get(text);
  if (hit !== undefined) return hit;
  const r = tryParsePrefix(text);
  if (!r.ok)
    throw snapshotError('E_SNAPSHOT_INVALID', `${what}: cidr ${JSON.stringify(text)}: ${r.message}`, { cidr: text });
  const canonical = formatPrefix(r.prefix);
  cache.set(text, canonical);
  return canonical;
}

function checkScope(scope: LocationScope, known: ReadonlySet<string>, what: string): LocationScope {
  if (scope === '*') return scope;
  const sorted = [...new Set(scope)].sort();
  for (const l of sorted) {
    if (!known.has(l))
      throw snapshotError('E_SNAPSHOT_UNKNOWN_LOCATION', `${what} is placed at unknown location ${l}`, { location: l });
  }
  return sorted;
}

/**
 * Compiles the announcements and bindings the edge must hold. Throws E_SNAPSHOT_* on bad records. An
 * advertised BGP prefix is announced only when its prefix carries an ownership proof for its origin and
 * its cidr is announceable (issue 10); otherwise it is left out (a withdrawal, judged by the guard) and
 * reported to `onRefused`: one unproven prefix must not stop every other change.
 */
export function compile(
  desired: Pick<DesiredState, 'prefixes' | 'bgp_prefixes' | 'bindings' | 'ownership'>,
  opts: CompileOptions,
): SnapshotContent {
  const known = new Set(opts.locations.map((l) => l.id));
  const communities = [...new Set(opts.communities ?? [])].sort();
  for (const c of communities) {
    if (!COMMUNITY.test(c))
      throw snapshotError('E_SNAPSHOT_INVALID', `community ${JSON.stringify(c)} is not a:b or a:b:c`, { community: c });
  }
  const cidrs = new Map<string, string>();
  const live = new Map<string, DesiredState['prefixes'][number]>();
  for (const p of desired.prefixes) if (p.state !== 'deleted') live.set(p.id, p);

  const proofs = new Map(desired.ownership.map((o) => [o.prefix_id, o]));
  const space = opts.space ?? DEFAULT_ANNOUNCE_SPACE;
  const byPrefix = new Map<string, { a: Announcement; from: string }>();
  for (const b of desired.bgp_prefixes) {
    if (!b.on_demand.advertised) continue;
    const parent = live.get(b.prefix_id);
    if (parent === undefined) continue; // the prefix is deleted (or unknown): nothing may be announced from it
    const what = `BGP prefix ${b.id}`;
    const prefix = canonicalCidr(b.cidr, what, cidrs);
    const origin = b.asn ?? parent.asn;
    if (!Number.isInteger(origin) || origin < 1 || origin > 4294967295) {
      throw snapshotError('E_SNAPSHOT_INVALID', `${what}: origin ASN ${origin} is out of range`, { id: b.id });
    }
    const proof = proofs.get(parent.id);
    const refused =
      proof === undefined || parent.approved !== 'V'
        ? `prefix ${parent.id} (${parent.cidr}) has no ownership proof`
        : proof.account_id !== b.account_id || proof.cidr !== parent.cidr || proof.asn !== origin
          ? `the ownership proof of prefix ${parent.id} is for ${proof.cidr} AS${proof.asn} of account ${proof.account_id}, not ${parent.cidr} AS${origin} of ${b.account_id}`
          : announceRefusal(parsePrefix(prefix), space);
    if (refused !== null) {
      opts.onRefused?.({ id: b.id, account: b.account_id, cidr: prefix, reason: refused });
      continue;
    }
    if (!inRange(ASN_PREPEND_COUNT, b.asn_prepend_count)) {
      throw snapshotError(
        'E_SNAPSHOT_INVALID',
        `${what}: asn_prepend_count ${b.asn_prepend_count} is not ${ASN_PREPEND_COUNT.min}..${ASN_PREPEND_COUNT.max}`,
        {
          id: b.id,
        },
      );
    }
    const locations = checkScope(opts.placement?.(b.id, b.account_id) ?? '*', known, what);
    const prev = byPrefix.get(prefix);
    if (prev !== undefined) {
      throw snapshotError('E_SNAPSHOT_DUPLICATE', `${prefix} is announced by both ${prev.from} and ${what}`, {
        prefix,
      });
    }
    byPrefix.set(prefix, {
      a: { prefix, account: b.account_id, origin, prepends: b.asn_prepend_count, communities, locations },
      from: what,
    });
  }

  const bindings: Binding[] = [];
  const seen = new Set<string>();
  for (const s of desired.bindings) {
    if (!live.has(s.prefix_id)) continue;
    if (seen.has(s.id)) throw snapshotError('E_SNAPSHOT_DUPLICATE', `binding ${s.id} appears twice`, { id: s.id });
    seen.add(s.id);
    bindings.push({
      id: s.id,
      account: s.account_id,
      prefix: canonicalCidr(s.cidr, `binding ${s.id}`, cidrs),
      service: s.service_id,
      locations: '*',
    });
  }
  return makeContent(
    [...byPrefix.values()].map((x) => x.a),
    bindings,
    null,
  );
}

const byPrefixText = (x: { prefix: string }, y: { prefix: string }) =>
  x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0;
const byId = (x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);

/** Snapshot content in canonical order. Throws E_SNAPSHOT_DUPLICATE on a repeated key. */
export function makeContent(
  announcements: readonly Announcement[],
  bindings: readonly Binding[],
  withdrawAll: WithdrawAllMark | null,
): SnapshotContent {
  const a = [...announcements].sort(byPrefixText);
  for (let i = 1; i < a.length; i++) {
    if (a[i]?.prefix === a[i - 1]?.prefix)
      throw snapshotError('E_SNAPSHOT_DUPLICATE', `${a[i]?.prefix} is announced twice`, {});
  }
  const b = [...bindings].sort(byId);
  for (let i = 1; i < b.length; i++) {
    if (b[i]?.id === b[i - 1]?.id) throw snapshotError('E_SNAPSHOT_DUPLICATE', `binding ${b[i]?.id} appears twice`, {});
  }
  return { announcements: a, bindings: b, withdrawAll };
}

export interface SealInput {
  number: number;
  parent: string | null;
  createdAt: string;
  origin: SnapshotOrigin;
  reason: string;
}

/** Gives content its identity. The result is deep-frozen: a snapshot never changes. */
export function seal(content: SnapshotContent, meta: SealInput): Snapshot {
  const digest = contentDigest(content, DIGEST_VERSION);
  const s: Snapshot = {
    id: snapshotId(meta.number, meta.parent, digest),
    number: meta.number,
    parent: meta.parent,
    digest,
    digestVersion: DIGEST_VERSION,
    createdAt: meta.createdAt,
    origin: meta.origin,
    reason: meta.reason,
    announcements: Object.freeze(content.announcements.map((x) => Object.freeze(x))),
    bindings: Object.freeze(content.bindings.map((x) => Object.freeze(x))),
    withdrawAll: content.withdrawAll === null ? null : Object.freeze({ ...content.withdrawAll }),
  };
  return Object.freeze(s);
}

/**
 * Recomputes the digest (in the canonical form the snapshot records) and the id; throws
 * E_SNAPSHOT_TAMPERED when they disagree with the record, E_SNAPSHOT_DIGEST_VERSION for an unknown form.
 */
export function verifySnapshot(s: Snapshot, forms: Readonly<Record<number, CanonicalForm>> = CANONICAL_FORMS): void {
  const digest = contentDigest(s, s.digestVersion ?? 1, forms);
  if (digest !== s.digest || snapshotId(s.number, s.parent, digest) !== s.id) {
    throw snapshotError('E_SNAPSHOT_TAMPERED', `snapshot #${s.number} does not hash to its recorded digest`, {
      id: s.id,
    });
  }
}

/** The empty content (nothing announced, nothing bound). */
export const EMPTY_CONTENT: SnapshotContent = { announcements: [], bindings: [], withdrawAll: null };
