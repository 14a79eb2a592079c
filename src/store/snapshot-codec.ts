// The stored form of a snapshot's content: its canonical entries (already sorted) as compact JSON tuples,
// gzip'd. Tuples instead of objects drop the repeated key names; gzip folds the repeated account ids,
// scopes and communities. Decoding rebuilds the frozen objects; the store then re-checks the content
// digest, so corrupted or edited bytes never come back as a snapshot.
import { promisify } from 'node:util';
import { gunzip, gzip, constants as zlibConstants } from 'node:zlib';
import { FailsmallError } from '../lib/errors.js';
import type { Announcement, Binding, LocationScope, SnapshotContent, WithdrawAllMark } from '../snapshot/model.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Name of the encoding, stored beside the bytes so a later format can coexist with this one. */
export const SNAPSHOT_ENCODING = 'tuples-v1+gzip';

type ScopeTuple = '*' | string[];
type AnnouncementTuple = [string, string, number, number, string[], ScopeTuple];
type BindingTuple = [string, string, string, string, ScopeTuple];
interface Encoded {
  a: AnnouncementTuple[];
  b: BindingTuple[];
  w: WithdrawAllMark | null;
}

function scopeOut(s: LocationScope): ScopeTuple {
  return s === '*' ? '*' : [...s];
}

/** Gzip'd compact JSON of the content (announcements, bindings, withdraw-all mark). */
export async function encodeContent(c: SnapshotContent): Promise<Uint8Array> {
  const body: Encoded = {
    a: c.announcements.map((x) => [
      x.prefix,
      x.account,
      x.origin,
      x.prepends,
      [...x.communities],
      scopeOut(x.locations),
    ]),
    b: c.bindings.map((x) => [x.id, x.account, x.prefix, x.service, scopeOut(x.locations)]),
    w: c.withdrawAll === null ? null : { ...c.withdrawAll },
  };
  // Level 1: about as small as level 6 on this repetitive text, at a fraction of the time.
  return gzipAsync(JSON.stringify(body), { level: zlibConstants.Z_BEST_SPEED });
}

function corrupt(what: string, id: string): FailsmallError {
  return new FailsmallError('E_STORE_SNAPSHOT_ENCODING', `stored snapshot ${id}: ${what}`, { id });
}

function scopeIn(v: unknown, id: string): LocationScope {
  if (v === '*') return '*';
  if (Array.isArray(v) && v.every((l) => typeof l === 'string')) return Object.freeze(v as string[]);
  throw corrupt('bad location scope', id);
}

/** Inverse of encodeContent; entries come back deep-frozen. Throws E_STORE_SNAPSHOT_ENCODING on bad bytes. */
export async function decodeContent(bytes: Uint8Array, encoding: string, id: string): Promise<SnapshotContent> {
  if (encoding !== SNAPSHOT_ENCODING) throw corrupt(`unknown encoding ${JSON.stringify(encoding)}`, id);
  let body: Encoded;
  try {
    body = JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as Encoded;
  } catch (e) {
    throw corrupt(`cannot be decoded (${(e as Error).message})`, id);
  }
  if (!body || !Array.isArray(body.a) || !Array.isArray(body.b)) throw corrupt('not a snapshot body', id);
  const announcements: Announcement[] = new Array(body.a.length);
  for (let i = 0; i < body.a.length; i++) {
    const t = body.a[i];
    if (!Array.isArray(t) || t.length !== 6 || !Array.isArray(t[4]))
      throw corrupt(`announcement ${i} is malformed`, id);
    announcements[i] = Object.freeze({
      prefix: t[0],
      account: t[1],
      origin: t[2],
      prepends: t[3],
      communities: Object.freeze(t[4]),
      locations: scopeIn(t[5], id),
    });
  }
  const bindings: Binding[] = new Array(body.b.length);
  for (let i = 0; i < body.b.length; i++) {
    const t = body.b[i];
    if (!Array.isArray(t) || t.length !== 5) throw corrupt(`binding ${i} is malformed`, id);
    bindings[i] = Object.freeze({ id: t[0], account: t[1], prefix: t[2], service: t[3], locations: scopeIn(t[4], id) });
  }
  const w = body.w;
  const withdrawAll =
    w === null || w === undefined
      ? null
      : Object.freeze({ approvalId: w.approvalId, approvedBy: w.approvedBy, reason: w.reason });
  return { announcements: Object.freeze(announcements), bindings: Object.freeze(bindings), withdrawAll };
}
