import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeContent, seal, verifySnapshot } from '../snapshot/compile.js';
import type { Announcement, Binding, LocationScope, SnapshotContent } from '../snapshot/model.js';
import { decodeContent, encodeContent, SNAPSHOT_ENCODING } from './snapshot-codec.js';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const scope: fc.Arbitrary<LocationScope> = fc.oneof(
  fc.constant('*' as const),
  fc.uniqueArray(fc.stringMatching(/^[a-z]{3}$/), { maxLength: 4 }).map((l) => l.sort()),
);
const announcement: fc.Arbitrary<Announcement> = fc.record({
  prefix: text,
  account: text,
  origin: fc.integer({ min: 0, max: 4294967295 }),
  prepends: fc.integer({ min: 0, max: 3 }),
  communities: fc.array(text, { maxLength: 3 }),
  locations: scope,
});
const binding: fc.Arbitrary<Binding> = fc.record({
  id: text,
  account: text,
  prefix: text,
  service: text,
  locations: scope,
});
const content: fc.Arbitrary<SnapshotContent> = fc
  .record({
    a: fc.uniqueArray(announcement, { selector: (x) => x.prefix, maxLength: 30 }),
    b: fc.uniqueArray(binding, { selector: (x) => x.id, maxLength: 30 }),
    w: fc.option(fc.record({ approvalId: text, approvedBy: text, reason: text }), { nil: null }),
  })
  .map(({ a, b, w }) => makeContent(a, b, w));

describe('snapshot codec', () => {
  it('gives back exactly the content it encoded (same entries, same digest)', async () => {
    await fc.assert(
      fc.asyncProperty(content, async (c) => {
        const s = seal(c, { number: 1, parent: null, createdAt: '', origin: 'compile', reason: '' });
        const back = await decodeContent(await encodeContent(s), SNAPSHOT_ENCODING, s.id);
        expect(back).toEqual(c);
        verifySnapshot({ ...s, ...back });
      }),
      { numRuns: 200 },
    );
  });

  it('refuses unknown encodings and corrupt bytes with E_STORE_SNAPSHOT_ENCODING', async () => {
    const bytes = await encodeContent(makeContent([], [], null));
    await expect(decodeContent(bytes, 'zstd-v9', 'x')).rejects.toMatchObject({
      code: 'E_STORE_SNAPSHOT_ENCODING',
      message: expect.stringMatching(/unknown encoding "zstd-v9"/),
    });
    await expect(decodeContent(new Uint8Array([1, 2, 3]), SNAPSHOT_ENCODING, 'x')).rejects.toMatchObject({
      code: 'E_STORE_SNAPSHOT_ENCODING',
    });
    const { gzipSync } = await import('node:zlib');
    await expect(decodeContent(gzipSync('{"a":[[1]],"b":[]}'), SNAPSHOT_ENCODING, 'x')).rejects.toMatchObject({
      code: 'E_STORE_SNAPSHOT_ENCODING',
      message: expect.stringMatching(/announcement 0 is malformed/),
    });
  });
});
