// Canonical text of snapshot entries, the content digest (sha-256) and the set digest.
// The content digest identifies a snapshot. Its canonical form is versioned: every snapshot records the
// version it was sealed with, and verification dispatches on it, so a later form (a new field in the
// canonical text) never makes a stored snapshot look tampered. Add a version; never change one. The set digest is what agents report about what their BGP
// speaker actually announces: an order-independent sum of per-entry hashes, so a speaker that reads back
// a flat route list (BIRD's `show route export`) computes the same value as the control plane computes
// from the snapshot's groups, and a sum over groups equals the sum over their union.
import { createHash } from 'node:crypto';
import { snapshotError } from './errors.js';
import type { Announcement, Binding, SnapshotContent, WithdrawAllMark } from './model.js';
import { scopeKey } from './model.js';

/** Canonical announcement line without its location scope: what a speaker at one location announces. */
export function announcementLine(a: Omit<Announcement, 'locations'>): string {
  return `A ${a.prefix} ${a.account} ${a.origin} ${a.prepends} ${a.communities.join(',')}`;
}

/** Canonical binding line without its location scope: what the edge of one location holds. */
export function bindingLine(b: Omit<Binding, 'locations'>): string {
  return `B ${b.id} ${b.account} ${b.prefix} ${b.service}`;
}

function markLine(m: WithdrawAllMark | null): string {
  return m === null ? 'W -' : `W ${JSON.stringify([m.approvalId, m.approvedBy, m.reason])}`;
}

const CHUNK = 4096;

/** v1: one line per entry (announcementLine / bindingLine), each followed by its scope, then the mark. */
function contentDigestV1(c: SnapshotContent): string {
  const h = createHash('sha256');
  h.update('failsmall-snapshot-content v1\n');
  let buf: string[] = [];
  const flush = () => {
    h.update(buf.join(''));
    buf = [];
  };
  for (const a of c.announcements) {
    buf.push(announcementLine(a), ' @', scopeKey(a.locations), '\n');
    if (buf.length > CHUNK) flush();
  }
  for (const b of c.bindings) {
    buf.push(bindingLine(b), ' @', scopeKey(b.locations), '\n');
    if (buf.length > CHUNK) flush();
  }
  buf.push(markLine(c.withdrawAll), '\n');
  flush();
  return h.digest('hex');
}

/** A canonical form: content → sha-256 (hex). */
export type CanonicalForm = (c: SnapshotContent) => string;

/** Every canonical form there has been, by version. */
export const CANONICAL_FORMS: Readonly<Record<number, CanonicalForm>> = Object.freeze({ 1: contentDigestV1 });

/** The version new snapshots are sealed with. */
export const DIGEST_VERSION = 1;

/** sha-256 (hex) of the content in canonical form `version` (default: the current one). */
export function contentDigest(
  c: SnapshotContent,
  version: number = DIGEST_VERSION,
  forms: Readonly<Record<number, CanonicalForm>> = CANONICAL_FORMS,
): string {
  const form = forms[version];
  if (!form)
    throw snapshotError(
      'E_SNAPSHOT_DIGEST_VERSION',
      `no canonical form v${version} (known: ${Object.keys(forms).join(', ')})`,
      {
        version,
      },
    );
  return form(c);
}

/** The identity of a numbered snapshot. */
export function snapshotId(number: number, parent: string | null, digest: string): string {
  return createHash('sha256')
    .update(`failsmall-snapshot v1\n${number}\n${parent ?? '-'}\n${digest}\n`)
    .digest('hex');
}

/** Order-independent digest of a set of lines: four 32-bit lanes, each a sum mod 2^32 of a line hash. */
export class SetDigest {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  count = 0;

  add(line: string): this {
    // Two passes of a murmur-style mix with different seeds give four well-spread 32-bit words.
    let h1 = 0x9e3779b9;
    let h2 = 0x85ebca6b;
    let h3 = 0xc2b2ae35;
    let h4 = 0x27d4eb2f;
    for (let i = 0; i < line.length; i++) {
      const ch = line.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 0x5bd1e995);
      h2 = Math.imul(h2 ^ ch, 0x1b873593);
      h3 = Math.imul(h3 ^ ch, 0xcc9e2d51);
      h4 = Math.imul(h4 ^ ch, 0x85ebca77);
      h1 ^= h1 >>> 15;
      h2 ^= h2 >>> 13;
      h3 ^= h3 >>> 16;
      h4 ^= h4 >>> 14;
    }
    h1 = Math.imul(h1 ^ (h3 >>> 11), 0x9e3779b1);
    h2 = Math.imul(h2 ^ (h4 >>> 13), 0x85ebca6b);
    h3 = Math.imul(h3 ^ (h1 >>> 17), 0xc2b2ae35);
    h4 = Math.imul(h4 ^ (h2 >>> 15), 0x27d4eb2f);
    this.a = (this.a + (h1 >>> 0)) >>> 0;
    this.b = (this.b + (h2 >>> 0)) >>> 0;
    this.c = (this.c + (h3 >>> 0)) >>> 0;
    this.d = (this.d + (h4 >>> 0)) >>> 0;
    this.count++;
    return this;
  }

  /** Adds another set's digest (the digest of the union of two disjoint sets). */
  merge(o: SetDigest): this {
    this.a = (this.a + o.a) >>> 0;
    this.b = (this.b + o.b) >>> 0;
    this.c = (this.c + o.c) >>> 0;
    this.d = (this.d + o.d) >>> 0;
    this.count += o.count;
    return this;
  }

  /** "<count>:<32 hex>"; the count is part of it so an empty set and a lost update never look alike. */
  toString(): string {
    const hex = (n: number) => n.toString(16).padStart(8, '0');
    return `${this.count}:${hex(this.a)}${hex(this.b)}${hex(this.c)}${hex(this.d)}`;
  }
}

export function announcementSetDigest(entries: Iterable<Omit<Announcement, 'locations'>>): string {
  const d = new SetDigest();
  for (const a of entries) d.add(announcementLine(a));
  return d.toString();
}

export function bindingSetDigest(entries: Iterable<Omit<Binding, 'locations'>>): string {
  const d = new SetDigest();
  for (const b of entries) d.add(bindingLine(b));
  return d.toString();
}
