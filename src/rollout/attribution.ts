// Attribution of a change's delta to the actors who made it, from the one audit log (src/lib/audit.ts).
// A snapshot diff says what changes at the edge (prefixes announced, withdrawn, modified; bindings bound
// and removed); the Addressing API's audit entries say who changed the desired state behind each item:
// a BGP prefix's entries by its cidr, a binding's by its id, and a prefix's own entries (validate, delete,
// pending_delete) for everything inside it. Used for two rules of issue 10: nobody approves a change that
// holds their own changes, and a trip's automatic restore undoes only the changes of the actors whose
// changes tripped it (a customer's own intended withdrawal stays withdrawn). Pure: values in and out.
import type { AuditEvent } from '../lib/audit.js';
import { type Prefix, tryParsePrefix } from '../lib/prefix.js';
import { PrefixTrie } from '../lib/trie.js';

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
  announcements: readonly { prefix: string; kind: 'announce' | 'withdraw' | 'modify' }[];
  bindings: readonly { id: string; prefix: string; kind: 'bind' | 'unbind' }[];
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

type Direction = 'up' | 'down' | 'edit';

/**
 * Which way an audited action moves what the edge does: toward announcing or binding (`up`), away from
 * it (`down`), or a modification of an announcement (`edit`). An action not listed counts in every
 * direction and ends none (an unknown change is someone's change: the safe side for approvals).
 */
export const ACTION_DIRECTION: Readonly<Record<string, Direction>> = {
  'bgp_prefix.create': 'up',
  'bgp_prefix.advertise': 'up',
  'bgp_prefix.withdraw': 'down',
  'bgp_prefix.delete': 'down',
  'bgp_prefix.edit': 'edit',
  'binding.create': 'up',
  'binding.delete': 'down',
  'prefix.create': 'up',
  'prefix.validate': 'up',
  'prefix.delete': 'down',
};

const WANTED: Record<DeltaItems['announcements'][number]['kind'] | DeltaItems['bindings'][number]['kind'], Direction> =
  { announce: 'up', bind: 'up', withdraw: 'down', unbind: 'down', modify: 'edit' };

function cidrOf(v: unknown): string | null {
  if (v && typeof v === 'object' && typeof (v as { cidr?: unknown }).cidr === 'string')
    return (v as { cidr: string }).cidr;
  return null;
}

function parsed(cidr: string): Prefix | null {
  const r = tryParsePrefix(cidr);
  return r.ok ? r.prefix : null;
}

/** Item kinds as the guard's ledger and a diff name them. */
type ItemKind = DeltaItems['announcements'][number]['kind'] | DeltaItems['bindings'][number]['kind'];

/**
 * The audit entries behind each item, from `events` (entries of ATTRIBUTED_OBJECT_TYPES, oldest first).
 * An item's author entries are those that moved it the way the delta does, since it last moved the other
 * way: for a withdrawal, the entries that withdrew (or deleted) it after it was last advertised; the
 * entry that created and advertised it long ago is not an author of its withdrawal. A BGP prefix's
 * entries are found by cidr, a binding's by id, a prefix's own entries for everything inside it.
 */
function authorIndex(events: readonly AuditEvent[]) {
  const byCidr = new Map<string, number[]>(); // bgp_prefix entries, by cidr (indexes into events)
  const byBinding = new Map<string, number[]>(); // binding entries, by id
  const byPrefix = new Map<string, number[]>(); // prefix entries, by cidr
  const push = (m: Map<string, number[]>, k: string, i: number) => {
    const l = m.get(k) ?? [];
    l.push(i);
    m.set(k, l);
  };
  for (const [i, e] of events.entries()) {
    if (e.object_type === 'bgp_prefix') {
      const c = cidrOf(e.after) ?? cidrOf(e.before);
      if (c) push(byCidr, c, i);
    } else if (e.object_type === 'binding') {
      push(byBinding, e.object_id, i);
    } else if (e.object_type === 'prefix') {
      const c = cidrOf(e.after) ?? cidrOf(e.before);
      if (c) push(byPrefix, c, i);
    }
  }
  // Prefix entries in a trie: an item finds the prefixes covering it without a scan of them all.
  const nets = new PrefixTrie<number[]>();
  for (const [c, entries] of byPrefix) {
    const net = parsed(c);
    if (net) nets.insert(net, entries);
  }
  /** Entries of the prefixes containing `cidr`. */
  const within = (cidr: string): number[] => {
    if (nets.size === 0) return [];
    const p = parsed(cidr);
    return p ? nets.covering(p).flatMap((e) => e.value) : [];
  };
  const times = events.map((e) => Date.parse(e.at));
  /**
   * The newest entries that moved the item `want`-wards, back to the last that moved it otherwise;
   * with `asOf`, only entries written by then (what desired state said when a past change was admitted).
   */
  const authorsOf = (entries: number[], want: Direction, asOf?: number): AuditEvent[] => {
    const out: AuditEvent[] = [];
    for (const i of [...new Set(entries)].sort((a, b) => b - a)) {
      if (asOf !== undefined && !((times[i] as number) <= asOf)) continue;
      const e = events[i] as AuditEvent;
      const dir = ACTION_DIRECTION[e.action];
      if (dir === undefined || dir === want) out.push(e);
      else if (want === 'edit' || dir !== 'edit') break;
    }
    return out;
  };
  return {
    announcement: (prefix: string, kind: ItemKind, asOf?: number) =>
      authorsOf([...(byCidr.get(prefix) ?? []), ...within(prefix)], WANTED[kind], asOf),
    binding: (id: string, prefix: string, kind: ItemKind, asOf?: number) =>
      authorsOf([...(byBinding.get(id) ?? []), ...within(prefix)], WANTED[kind], asOf),
  };
}

const actorsOf = (entries: readonly AuditEvent[]): string[] => [...new Set(entries.map((e) => e.actor_id))].sort();

/**
 * Attributes `items` to the actors of `events` (entries of ATTRIBUTED_OBJECT_TYPES, oldest first): an
 * item's authors are the actors of its author entries (authorIndex).
 */
export function attribute(items: DeltaItems, events: readonly AuditEvent[]): Attribution {
  const index = authorIndex(events);
  const kinds = new Map<string, AuditEvent['actor_kind']>();
  for (const e of events) kinds.set(e.actor_id, e.actor_kind);
  const counts = new Map<string, { announcements: number; bindings: number }>();
  const count = (actors: readonly string[], field: 'announcements' | 'bindings') => {
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
    const actors = actorsOf(index.announcement(a.prefix, a.kind));
    if (actors.length === 0) {
      unattributed.announcements++;
      continue;
    }
    announcementAuthors.set(a.prefix, actors);
    count(actors, 'announcements');
  }
  for (const b of items.bindings) {
    const actors = actorsOf(index.binding(b.id, b.prefix, b.kind));
    if (actors.length === 0) {
      unattributed.bindings++;
      continue;
    }
    bindingAuthors.set(b.id, actors);
    count(actors, 'bindings');
  }
  const authors = [...counts.entries()]
    .map(([id, c]) => ({ id, kind: kinds.get(id) ?? 'token', ...c }))
    .sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { authors, announcementAuthors, bindingAuthors, unattributed };
}

/**
 * Items with the account whose data they are (a diff's changes, the guard ledger's entries); `asOf`
 * (ms): a past change's item, attributed to the entries written by the time it was admitted (a
 * customer's own withdrawal stays its own after an operator re-advertised the prefix).
 */
export interface AccountItems {
  announcements: readonly {
    prefix: string;
    account: string;
    kind: 'announce' | 'withdraw' | 'modify';
    asOf?: number;
  }[];
  bindings: readonly { id: string; prefix: string; account: string; kind: 'bind' | 'unbind'; asOf?: number }[];
}

/**
 * The accounts whose items were all made by their own identities (issue 10: only such a customer's own
 * few changes are left out of the guard's location and network counts). An account is self-service when
 * every one of its items has author entries and every author entry was written by an actor bound to that
 * account (`actor_account_id`, recorded with each entry, src/addressing/transactions.ts). An item no entry
 * explains, or one entry by a global actor (a job's or an operator's token, the CLI), by another account
 * or by an actor of unknown account (an entry recorded before the actor's account was), and it is not:
 * unknown is the safe side. Sorted.
 */
export function selfServiceAccounts(items: AccountItems, events: readonly AuditEvent[]): string[] {
  const index = authorIndex(events);
  const own = new Map<string, boolean>();
  const judge = (account: string, entries: readonly AuditEvent[]) => {
    if (own.get(account) === false) return;
    own.set(account, entries.length > 0 && entries.every((e) => e.actor_account_id === account));
  };
  for (const a of items.announcements) judge(a.account, index.announcement(a.prefix, a.kind, a.asOf));
  for (const b of items.bindings) judge(b.account, index.binding(b.id, b.prefix, b.kind, b.asOf));
  return [...own].flatMap(([account, yes]) => (yes ? [account] : [])).sort();
}

/** The destructive items of a diff (withdrawals, modifications, binding removals): what trips a breaker. */
export function destructiveItems(diff: DeltaItems): DeltaItems {
  return {
    announcements: diff.announcements.filter((c) => c.kind === 'withdraw' || c.kind === 'modify'),
    bindings: diff.bindings.filter((c) => c.kind === 'unbind'),
  };
}

/**
 * Of what a trip would restore (withdrawn announcements, removed bindings), the items some tripping actor
 * withdrew or removed. With no tripping actor known (a
 * health signal tripped it, or nothing is attributed), everything: the restore as it was before issue 10.
 */
export function restoredBy<A extends { prefix: string }, B extends { id: string; prefix: string }>(
  lost: { announcements: readonly A[]; bindings: readonly B[] },
  trippers: readonly string[],
  events: readonly AuditEvent[],
): { announcements: A[]; bindings: B[] } {
  if (trippers.length === 0) return { announcements: [...lost.announcements], bindings: [...lost.bindings] };
  const who = attribute(
    {
      announcements: lost.announcements.map((a) => ({ prefix: a.prefix, kind: 'withdraw' as const })),
      bindings: lost.bindings.map((b) => ({ id: b.id, prefix: b.prefix, kind: 'unbind' as const })),
    },
    events,
  );
  const hit = (actors: readonly string[] | undefined) => actors?.some((a) => trippers.includes(a)) ?? false;
  return {
    announcements: lost.announcements.filter((a) => hit(who.announcementAuthors.get(a.prefix))),
    bindings: lost.bindings.filter((b) => hit(who.bindingAuthors.get(b.id))),
  };
}
