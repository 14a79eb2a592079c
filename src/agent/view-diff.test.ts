// changedAnnouncements against an oracle of its own: the canonical announcement lines of the snapshot
// digest (announcementLine) compared prefix by prefix.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeContent, seal } from '../snapshot/compile.js';
import { announcementLine } from '../snapshot/digest.js';
import type { Announcement } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';
import { changedAnnouncements } from './view-diff.js';

const annArb = (i: number) =>
  fc.record({
    prefix: fc.constant(`198.18.${i}.0/24`),
    account: fc.constantFrom('a', 'b'),
    origin: fc.constantFrom(64600, 64601),
    prepends: fc.integer({ min: 0, max: 2 }),
    communities: fc
      .uniqueArray(fc.constantFrom('65010:1', '65010:2', '65010:3:4'), { maxLength: 2 })
      .map((c) => c.sort()),
    locations: fc.constantFrom<'*' | string[]>('*', ['x1'], ['x2']),
  });
/** Up to 40 announcements of distinct prefixes: each present or not. */
const viewArb = fc
  .array(fc.option(fc.nat(39)), { maxLength: 40 })
  .chain((slots) => fc.tuple(...[...new Set(slots.filter((x): x is number => x !== null))].map(annArb)));

let n = 0;
const view = (a: Announcement[]) =>
  viewFor(
    seal(makeContent(a, [], null), { number: ++n, parent: null, createdAt: '', origin: 'compile', reason: 't' }),
    'x1',
  );

describe('changedAnnouncements', () => {
  it('is what the canonical lines say: changed, added (the new one), withdrawn (null)', () => {
    fc.assert(
      fc.property(viewArb, viewArb, (x, y) => {
        const from = view(x as Announcement[]);
        const to = view(y as Announcement[]);
        const lines = (v: typeof from) =>
          new Map([...v.announcements.flatMap((g) => g.entries)].map((a) => [a.prefix, announcementLine(a)]));
        const a = lines(from);
        const b = lines(to);
        const want = new Map<string, string | null>();
        for (const [p, l] of b) if (a.get(p) !== l) want.set(p, l);
        for (const p of a.keys()) if (!b.has(p)) want.set(p, null);
        const got = changedAnnouncements(from, to);
        expect(new Map([...got].map(([p, v]) => [p, v === null ? null : announcementLine(v)]))).toEqual(want);
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
