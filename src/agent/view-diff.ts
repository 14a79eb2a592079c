// What changed between two views of one location, announcement by announcement: the agent reads back
// exactly these after a configure when the previous view was confirmed (bird-speaker.ts). Field by field,
// not by building each announcement's canonical line: a 1% diff of a 100k location compares 100k of them.
import type { Announcement } from '../snapshot/model.js';
import { type LocationView, viewAnnouncements } from '../snapshot/view.js';

/** Same announcement at the edge (what announcementLine says, without building the line: 100k of them per diff). */
export function sameAnnouncement(a: Announcement, b: Announcement): boolean {
  if (a.account !== b.account || a.origin !== b.origin || a.prepends !== b.prepends) return false;
  const x = a.communities;
  const y = b.communities;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A view's announcements in prefix-text order (snapshot content's canonical order; each group keeps it). */
function inPrefixOrder(v: LocationView): readonly Announcement[] {
  if (v.announcements.length === 1) return (v.announcements[0] as { entries: readonly Announcement[] }).entries;
  const all: Announcement[] = [];
  for (const a of viewAnnouncements(v)) all.push(a);
  return all.sort((x, y) => (x.prefix < y.prefix ? -1 : x.prefix > y.prefix ? 1 : 0));
}

/** One prefix whose announcement differs between two views: the old one and the new one (null: absent). */
export interface AnnouncementChange {
  from: Announcement | null;
  to: Announcement | null;
}

/**
 * Prefixes whose announcement differs between two views, with the old and the new announcement.
 * One merge of the two prefix-ordered lists (no map of 100k keys to build).
 */
export function announcementChanges(from: LocationView, to: LocationView): Map<string, AnnouncementChange> {
  const x = inPrefixOrder(from);
  const y = inPrefixOrder(to);
  const out = new Map<string, AnnouncementChange>();
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    const a = x[i];
    const b = y[j];
    if (b === undefined || (a !== undefined && a.prefix < b.prefix)) {
      out.set((a as Announcement).prefix, { from: a as Announcement, to: null });
      i++;
    } else if (a === undefined || b.prefix < a.prefix) {
      out.set(b.prefix, { from: null, to: b });
      j++;
    } else {
      if (a !== b && !sameAnnouncement(a, b)) out.set(b.prefix, { from: a, to: b });
      i++;
      j++;
    }
  }
  return out;
}

/** Prefixes whose announcement differs between two views: the new announcement, or null when withdrawn. */
export function changedAnnouncements(from: LocationView, to: LocationView): Map<string, Announcement | null> {
  return newSide(announcementChanges(from, to));
}

/** The new side of each change (what the read-back checks). */
export function newSide(changes: ReadonlyMap<string, AnnouncementChange>): Map<string, Announcement | null> {
  const out = new Map<string, Announcement | null>();
  for (const [prefix, c] of changes) out.set(prefix, c.to);
  return out;
}
