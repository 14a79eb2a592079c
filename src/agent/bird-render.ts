// BIRD 2 text in and out, pure: the include file the agent renders from a location's view, and the
// parser of `show route export <protocol> all` that the agent reads back what BIRD really exports with.
//
// The include defines the filter `failsmall_export` that the operator's upstream BGP channels name
// (`export filter failsmall_export;`) and one static protocol per attribute set: announcements with the
// same AS-path prepends and (large) communities share a `protocol static fs4_<hash>` (fs6_ for IPv6)
// whose import filter sets those attributes, and list their prefixes as plain routes. So BIRD parses a
// route in one short line, compiles each attribute set once, and on `configure` reconfigures only the
// protocols whose routes changed (a diff of their route lists); the filter's text never changes, and the
// BGP sessions are never reconfigured, let alone reset.
import { createHash } from 'node:crypto';
import { announcementLine, SetDigest } from '../snapshot/digest.js';
import type { Announcement } from '../snapshot/model.js';
import { type LocationView, viewAnnouncements } from '../snapshot/view.js';
import type { AnnouncementChange } from './view-diff.js';

export const EXPORT_FILTER = 'failsmall_export';
/** Name patterns of the static protocols the include defines (BIRD `~` patterns). */
export const STATIC_PATTERNS = ['fs4_*', 'fs6_*'] as const;

export interface RenderOptions {
  /** The edge's own AS: BIRD prepends it on eBGP export, so the rendered path never contains it first. */
  localAs: number;
}

/** The AS path a static route carries before BIRD adds the local AS on export. */
export function staticPath(a: Pick<Announcement, 'origin' | 'prepends'>, localAs: number): number[] {
  const n = a.origin === localAs ? a.prepends : a.prepends + 1;
  return new Array<number>(n).fill(a.origin);
}

/** The filter statements that give a route announcement `a`'s attributes. */
function attributeStatements(a: Announcement, localAs: number): string[] {
  const stmts: string[] = [];
  for (const asn of staticPath(a, localAs)) stmts.push(`bgp_path.prepend(${asn});`);
  for (const c of a.communities) {
    const p = c.split(':');
    if (p.length === 2) stmts.push(`bgp_community.add((${p[0]},${p[1]}));`);
    else stmts.push(`bgp_large_community.add((${p[0]},${p[1]},${p[2]}));`);
  }
  return stmts;
}

/** An attribute set's static protocol: its name and head (channel, import filter) and its routes' prefixes. */
interface StaticGroup {
  name: string;
  head: string;
  /**
   * A full render lists them (an array: a Set of 1M strings made the 1M render ~1.5× slower); the first
   * change to the protocol turns them into a Set.
   */
  prefixes: string[] | Set<string>;
  /** The route lines, joined; null after the prefixes changed. */
  body: string | null;
}

/** `g`'s prefixes as a Set, to change (its joined lines are then stale). */
function changeable(g: StaticGroup): Set<string> {
  if (Array.isArray(g.prefixes)) g.prefixes = new Set(g.prefixes);
  g.body = null;
  return g.prefixes;
}

function groupKey(a: Announcement): string {
  return `${a.prefix.includes(':') ? 6 : 4} ${a.origin} ${a.prepends} ${a.communities.join(',')}`;
}

/**
 * Renders a location's include file and keeps what it rendered: one protocol per attribute set, each with
 * its prefixes and their joined route lines. Given the changes from the view it rendered last, the next
 * render touches only the changed announcements and re-joins only the protocols they touch (a 1% diff of
 * 100k: grouping the 100k by attribute set was most of the render's time). A full render lists each
 * protocol's routes in the view's order; an incremental one appends a protocol's new routes at its end:
 * BIRD does not care (static_reconfigure sorts both route lists to pair them).
 */
export class IncludeRenderer {
  private groups = new Map<string, StaticGroup>();
  private basis: LocationView | null = null;

  constructor(private readonly o: RenderOptions) {}

  /** The view the kept protocols hold: the last one rendered. */
  get rendered(): LocationView | null {
    return this.basis;
  }

  /**
   * The include for `view`. `changes` (prefix → old and new announcement) must be the changes from
   * `rendered` to `view`; without them, everything is rendered afresh.
   */
  render(view: LocationView, changes?: ReadonlyMap<string, AnnouncementChange>): string {
    if (changes === undefined || this.basis === null) {
      this.groups = new Map();
      for (const a of viewAnnouncements(view)) (this.groupOf(a).prefixes as string[]).push(a.prefix);
    } else {
      for (const [prefix, c] of changes) {
        if (c.from) {
          const key = groupKey(c.from);
          const g = this.groups.get(key);
          if (g !== undefined) {
            const set = changeable(g);
            set.delete(prefix);
            if (set.size === 0) this.groups.delete(key);
          }
        }
        if (c.to) changeable(this.groupOf(c.to)).add(prefix);
      }
    }
    this.basis = view;
    return this.text(view);
  }

  /** The protocol of `a`'s attribute set, created (empty) when there is none. */
  private groupOf(a: Announcement): StaticGroup {
    const key = groupKey(a);
    let g = this.groups.get(key);
    if (g === undefined) {
      const v6 = a.prefix.includes(':');
      // Named after the attribute set, so an unchanged set keeps its protocol from snapshot to snapshot.
      const h = createHash('sha256').update(key).digest('hex').slice(0, 12);
      const stmts = [...attributeStatements(a, this.o.localAs), 'accept;'].join(' ');
      g = {
        name: `fs${v6 ? 6 : 4}_${h}`,
        head: `  ${v6 ? 'ipv6' : 'ipv4'} { import filter { ${stmts} }; };\n`,
        prefixes: [],
        body: null,
      };
      this.groups.set(key, g);
    }
    return g;
  }

  private text(view: LocationView): string {
    const protocols = [...this.groups.values()]
      .sort((x, y) => (x.name < y.name ? -1 : 1))
      .map((g) => {
        if (g.body === null) {
          const lines: string[] = [];
          for (const p of g.prefixes) lines.push(`  route ${p} unreachable;\n`);
          g.body = lines.join('');
        }
        return `protocol static ${g.name} {\n${g.head}${g.body}}\n`;
      });
    const match = STATIC_PATTERNS.map((p) => `proto ~ "${p}"`).join(' || ');
    return [
      `# Generated by the failsmall agent: location ${view.location}, snapshot #${view.snapshotNumber} ${view.snapshotId}.`,
      `# ${view.announceCount} announcements, set digest ${view.announceDigest}. Hand edits are drift: the agent repairs them.\n`,
      `filter ${EXPORT_FILTER} {\n  if ${match} then accept;\n  reject;\n}\n`,
      ...protocols,
    ].join('\n');
  }
}

/** The include file for `view`: a header naming the snapshot, the filter, one static protocol per attribute set. */
export function renderInclude(view: LocationView, o: RenderOptions): string {
  return new IncludeRenderer(o).render(view);
}

/** One route as BIRD exports it (before the local AS is prepended). */
export interface ExportedRoute {
  prefix: string;
  path: number[];
  /** Standard "a:b" and large "a:b:c", sorted like snapshot entries. */
  communities: string[];
}

/** Parses the lines of `show route … all` (BIRD reply codes 1007 route, 1008 type, 1012 attributes). */
export function parseShowRouteAll(lines: readonly { code: number; text: string }[]): ExportedRoute[] {
  const out: ExportedRoute[] = [];
  let cur: ExportedRoute | null = null;
  for (const { code, text } of lines) {
    if (code === 1007) {
      if (text.startsWith('Table ')) continue;
      const sp = text.indexOf(' ');
      const head = sp < 0 ? text : text.slice(0, sp);
      // A line without a prefix is a second route for the same network (not ours: BIRD static is one).
      if (head.length === 0 || !/[0-9a-f:.]+\/\d+/i.test(head)) continue;
      cur = { prefix: head, path: [], communities: [] };
      out.push(cur);
      continue;
    }
    if (code !== 1012 || cur === null) continue;
    const t = text.trimStart();
    if (t.startsWith('BGP.as_path:')) {
      const rest = t.slice(12).trim();
      cur.path = rest === '' ? [] : rest.split(/\s+/).map(Number);
    } else if (t.startsWith('BGP.community:')) {
      for (const m of t.slice(14).matchAll(/\((\d+),(\d+)\)/g)) cur.communities.push(`${m[1]}:${m[2]}`);
    } else if (t.startsWith('BGP.large_community:')) {
      for (const m of t.slice(20).matchAll(/\((\d+), (\d+), (\d+)\)/g)) cur.communities.push(`${m[1]}:${m[2]}:${m[3]}`);
    }
  }
  for (const r of out) r.communities.sort();
  return out;
}

/** origin and prepends that `path` encodes (the inverse of staticPath). */
export function decodePath(path: readonly number[], localAs: number): { origin: number; prepends: number } {
  if (path.length === 0) return { origin: localAs, prepends: 0 };
  const origin = path[path.length - 1] as number;
  if (path.some((x) => x !== origin)) return { origin: -1, prepends: -1 }; // not a path we render
  return origin === localAs ? { origin, prepends: path.length } : { origin, prepends: path.length - 1 };
}

/**
 * The set digest of what BIRD exports, comparable with a view's announceDigest. BIRD does not know a
 * route's account (it is not a routing attribute), so it is taken from `accounts` (the view being
 * checked); a route the view does not have gets account "?" and so never matches.
 */
export function exportedDigest(
  routes: readonly ExportedRoute[],
  accounts: ReadonlyMap<string, string>,
  localAs: number,
): { digest: string; count: number } {
  const d = new SetDigest();
  for (const r of routes) {
    const { origin, prepends } = decodePath(r.path, localAs);
    d.add(
      announcementLine({
        prefix: r.prefix,
        account: accounts.get(r.prefix) ?? '?',
        origin,
        prepends,
        communities: r.communities,
      }),
    );
  }
  return { digest: d.toString(), count: d.count };
}

/** Whether BIRD exports `r` as announcement `a` says (path and communities; BIRD knows no account). */
export function exportsAs(r: ExportedRoute, a: Announcement, localAs: number): boolean {
  const { origin, prepends } = decodePath(r.path, localAs);
  if (r.prefix !== a.prefix || origin !== a.origin || prepends !== a.prepends) return false;
  if (r.communities.length !== a.communities.length) return false;
  return r.communities.every((c, i) => c === a.communities[i]);
}

export function accountsOf(view: LocationView): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of viewAnnouncements(view)) m.set(a.prefix, a.account);
  return m;
}
