// Attribution of a change's delta to the actors who made it, from the one audit log (src/lib/audit.ts).
// A snapshot diff says what changes at the edge (prefixes announced, withdrawn, modified; bindings bound
// and removed); the Addressing API's audit entries say who changed the desired state behind each item:
// a BGP prefix's entries by its cidr, a binding's by its id, and a prefix's own entries (validate, delete,
// pending_delete) for everything inside it. Used for two rules of issue 10: nobody approves a change that
// holds their own changes, and a trip's automatic restore undoes only the changes of the actors whose
// changes tripped it (a customer's own intended withdrawal stays withdrawn). Pure: values in and out.
import type { AuditEvent } from '../lib/audit.js';
import { type Prefix, prefixContains, tryParsePrefix } from '../lib/prefix.js';

/**
 * How far before the baseline's creation the audit log is read. A held change's delta may rest on desired
 * state changed before the baseline existed (a restore snapshot became the baseline while the rogue
 * change stayed held), so the look-back is long; reading too far only makes more actors authors, which
 * is the safe side for approvals.
 */
export const ATTRIBUTION_LOOKBACK_MS = 24 * 3600_000;

/** The audit entries attribution reads: addressing objects only. */
export const ATTRIBUTED_OBJECT_TYPES = ['bgp_prefix', 'binding', 'prefix'] as const;

/** What is attributed: the items of a delta (a diff's changes, or what a guard window took). */
export interface DeltaItems {
  announcements: readonly { prefix: string }[];
  bindings: readonly { id: string; prefix: string }[];
}

export interface ActorSummary {
  id: string;
  kind: AuditEvent['actor_kind'];
  announcements: number;
  bindings: number;
}

export interface Attribution {
  /** Every actor that changed desired state behind some item, by id (sorted). */
  authors: ActorSummary[];
  /** Actor ids per announced prefix / per binding id; items no entry explains are absent. */
  announcementAuthors: ReadonlyMap<string, readonly string[]>;
  bindingAuthors: ReadonlyMap<string, readonly string[]>;
  /** Items no audit entry explains (desired state from outside the Addressing API). */
  unattributed: { announcements: number; bindings: number };
}

function cidrOf(v: unknown): string | null {
  if (v && typeof v === 'object' && typeof (v as { cidr?: unknown }).cidr === 'string')
    return (v as { cidr: string }).cidr;
  return null;
}

function parsed(cidr: string): Prefix | null {
  const r = tryParsePrefix(cidr);
  return r.ok ? r.prefix : null;
}

/** Attributes `items` to the actors of `events` (entries of ATTRIBUTED_OBJECT_TYPES, any order). */
export function attribute(items: DeltaItems, events: readonly AuditEvent[]): Attribution {
  const byCidr = new Map<string, Set<string>>(); // bgp_prefix entries, by cidr
  const byBinding = new Map<string, Set<string>>(); // binding entries, by id
  const prefixes: { net: Prefix; actors: Set<string> }[] = []; // prefix entries, parsed
  const kinds = new Map<string, AuditEvent['actor_kind']>();
  const add = (m: Map<string, Set<string>>, k: string, actor: string) => {
    const s = m.get(k) ?? new Set<string>();
    s.add(actor);
    m.set(k, s);
  };
  const prefixIndex = new Map<string, Set<string>>();
  for (const e of events) {
    kinds.set(e.actor_id, e.actor_kind);
    if (e.object_type === 'bgp_prefix') {
      const c = cidrOf(e.after) ?? cidrOf(e.before);
      if (c) add(byCidr, c, e.actor_id);
    } else if (e.object_type === 'binding') {
      add(byBinding, e.object_id, e.actor_id);
    } else if (e.object_type === 'prefix') {
      const c = cidrOf(e.after) ?? cidrOf(e.before);
      if (c) add(prefixIndex, c, e.actor_id);
    }
  }
  for (const [c, actors] of prefixIndex) {
    const net = parsed(c);
    if (net) prefixes.push({ net, actors });
  }
  const within = (cidr: string, out: Set<string>) => {
    if (prefixes.length === 0) return;
    const p = parsed(cidr);
    if (!p) return;
    for (const x of prefixes) if (prefixContains(x.net, p)) for (const a of x.actors) out.add(a);
  };
  const counts = new Map<string, { announcements: number; bindings: number }>();
  const count = (actors: Iterable<string>, field: 'announcements' | 'bindings') => {
    for (const a of actors) {
      const c = counts.get(a) ?? { announcements: 0, bindings: 0 };
      c[field]++;
      counts.set(a, c);
    }
  };
  const announcementAuthors = new Map<string, string[]>();
  const bindingAuthors = new Map<string, string[]>();
  const unattributed = { announcements: 0, bindings: 0 };
  for (const a of items.announcements) {
    const actors = new Set(byCidr.get(a.prefix) ?? []);
    within(a.prefix, actors);
    if (actors.size === 0) {
      unattributed.announcements++;
      continue;
    }
    announcementAuthors.set(a.prefix, [...actors].sort());
    count(actors, 'announcements');
  }
  for (const b of items.bindings) {
    const actors = new Set(byBinding.get(b.id) ?? []);
    within(b.prefix, actors);
    if (actors.size === 0) {
      unattributed.bindings++;
      continue;
    }
    bindingAuthors.set(b.id, [...actors].sort());
    count(actors, 'bindings');
  }
  const authors = [...counts.entries()]
    .map(([id, c]) => ({ id, kind: kinds.get(id) ?? 'token', ...c }))
    .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { authors, announcementAuthors, bindingAuthors, unattributed };
}

/** The destructive items of a diff (withdrawals, modifications, binding removals): what trips a breaker. */
export function destructiveItems(diff: {
  announcements: readonly { kind: string; prefix: string }[];
  bindings: readonly { kind: string; id: string; prefix: string }[];
}): DeltaItems {
  return {
    announcements: diff.announcements.filter((c) => c.kind === 'withdraw' || c.kind === 'modify'),
    bindings: diff.bindings.filter((c) => c.kind === 'unbind'),
  };
}

/**
 * Of what a trip would restore, the items some tripping actor changed. With no tripping actor known (a
 * health signal tripped it, or nothing is attributed), everything: the restore as it was before issue 10.
 */
export function restoredBy<A extends { prefix: string }, B extends { id: string; prefix: string }>(
  lost: { announcements: readonly A[]; bindings: readonly B[] },
  trippers: readonly string[],
  events: readonly AuditEvent[],
): { announcements: A[]; bindings: B[] } {
  if (trippers.length === 0) return { announcements: [...lost.announcements], bindings: [...lost.bindings] };
  const who = attribute(lost, events);
  const hit = (actors: readonly string[] | undefined) => actors?.some((a) => trippers.includes(a)) ?? false;
  return {
    announcements: lost.announcements.filter((a) => hit(who.announcementAuthors.get(a.prefix))),
    bindings: lost.bindings.filter((b) => hit(who.bindingAuthors.get(b.id))),
  };
}
