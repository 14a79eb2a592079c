// Readable text and JSON forms of a snapshot diff, for the CLI, the API and audit records.
import type { AnnouncementChange, BindingChange, ChangeCounts, SnapshotDiff } from './diff.js';
import { scopeKey } from './model.js';

const SIGN: Record<string, string> = { announce: '+', withdraw: '-', modify: '~', bind: '+B', unbind: '-B' };

export function countsText(c: ChangeCounts): string {
  return `${c.withdraw} withdraw, ${c.announce} announce, ${c.modify} modify, ${c.unbind} unbind, ${c.bind} bind`;
}

function annLine(c: AnnouncementChange): string {
  const x = c.after ?? c.before;
  const attrs = x
    ? `AS${x.origin}${x.prepends ? ` prepend ${x.prepends}` : ''}${x.communities.length ? ` [${x.communities.join(' ')}]` : ''}`
    : '';
  const was =
    c.kind === 'modify' && c.before
      ? ` (was AS${c.before.origin}${c.before.prepends ? ` prepend ${c.before.prepends}` : ''} [${c.before.communities.join(' ')}] account ${c.before.account})`
      : '';
  return `${SIGN[c.kind]} ${c.prefix} account ${c.account} ${attrs}${was} @${scopeKey(c.locations)}`;
}

function bindLine(c: BindingChange): string {
  return `${SIGN[c.kind]} binding ${c.id} ${c.prefix} service ${c.service} account ${c.account} @${scopeKey(c.locations)}`;
}

export interface DiffTextOptions {
  title?: string;
  /** Most change lines to print (default 50); the counts always cover everything. */
  maxLines?: number;
}

/** Multi-line text: totals, per-account and per-location summaries (non-zero only), then change lines. */
export function diffText(d: SnapshotDiff, opts: DiffTextOptions = {}): string {
  const max = opts.maxLines ?? 50;
  const out: string[] = [];
  out.push(`${opts.title ?? 'diff'}: ${countsText(d.totals)}${d.restoringOnly ? ' (restoring only)' : ''}`);
  if (d.emptiedLocations.length) out.push(`  WITHDRAWS EVERYTHING at: ${d.emptiedLocations.join(', ')}`);
  const nonZero = (c: ChangeCounts) => c.announce + c.withdraw + c.modify + c.bind + c.unbind > 0;
  const accounts = Object.entries(d.byAccount).filter(([, c]) => nonZero(c));
  if (accounts.length) {
    out.push(`  per account (${accounts.length}):`);
    for (const [a, c] of accounts.slice(0, max)) out.push(`    ${a}: ${countsText(c)}`);
    if (accounts.length > max) out.push(`    ... ${accounts.length - max} more`);
  }
  const locs = Object.entries(d.byLocation).filter(([, c]) => nonZero(c));
  if (locs.length) {
    out.push(`  per location (${locs.length} of ${d.universe.length}):`);
    for (const [l, c] of locs.slice(0, max)) out.push(`    ${l}: ${countsText(c)}`);
    if (locs.length > max) out.push(`    ... ${locs.length - max} more`);
  }
  const lines = [...d.announcements.map(annLine), ...d.bindings.map(bindLine)];
  if (lines.length) out.push('  changes:');
  for (const l of lines.slice(0, max)) out.push(`    ${l}`);
  if (lines.length > max) out.push(`    ... ${lines.length - max} more`);
  return `${out.join('\n')}\n`;
}

/** JSON-ready form: counts per scope plus the change lists (cut to `maxChanges`, default all). */
export function diffJson(d: SnapshotDiff, maxChanges = Number.POSITIVE_INFINITY): Record<string, unknown> {
  const ann = d.announcements.slice(0, maxChanges).map((c) => ({
    kind: c.kind,
    prefix: c.prefix,
    account: c.account,
    locations: c.locations,
    before: c.before && {
      origin: c.before.origin,
      prepends: c.before.prepends,
      communities: c.before.communities,
      account: c.before.account,
    },
    after: c.after && {
      origin: c.after.origin,
      prepends: c.after.prepends,
      communities: c.after.communities,
      account: c.after.account,
    },
  }));
  const bind = d.bindings.slice(0, maxChanges).map((c) => ({
    kind: c.kind,
    id: c.id,
    account: c.account,
    prefix: c.prefix,
    service: c.service,
    locations: c.locations,
  }));
  return {
    totals: d.totals,
    restoring_only: d.restoringOnly,
    emptied_locations: d.emptiedLocations,
    by_account: d.byAccount,
    by_location: d.byLocation,
    by_region: d.byRegion,
    before: { announcements: d.before.announcements, bindings: d.before.bindings },
    after: { announcements: d.after.announcements, bindings: d.after.bindings },
    announcements: ann,
    bindings: bind,
    truncated: d.announcements.length > ann.length || d.bindings.length > bind.length,
  };
}
