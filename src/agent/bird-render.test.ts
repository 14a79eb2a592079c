import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeContent, seal } from '../snapshot/compile.js';
import type { Announcement } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';
import { BirdReplyParser } from './bird-control.js';
import {
  accountsOf,
  decodePath,
  exportedDigest,
  exportsAs,
  IncludeRenderer,
  parseShowRouteAll,
  renderInclude,
  staticPath,
} from './bird-render.js';
import { announcementChanges } from './view-diff.js';

const ann = (prefix: string, x: Partial<Announcement> = {}): Announcement => ({
  prefix,
  account: 'acct',
  origin: 64600,
  prepends: 0,
  communities: [],
  locations: '*',
  ...x,
});

describe('BIRD include rendering', () => {
  it('one static protocol per attribute set (prepends, communities in its import filter); the export filter never changes', () => {
    const s = seal(
      makeContent(
        [ann('192.0.2.0/24', { prepends: 1, communities: ['65010:1', '65010:2:3'] }), ann('2001:db8::/48')],
        [],
        null,
      ),
      { number: 1, parent: null, createdAt: '', origin: 'compile', reason: '' },
    );
    const text = renderInclude(viewFor(s, 'ams'), { localAs: 65010 });
    expect(text).toMatch(
      /protocol static fs4_[0-9a-f]{12} \{\n {2}ipv4 \{ import filter \{ bgp_path\.prepend\(64600\); bgp_path\.prepend\(64600\); bgp_community\.add\(\(65010,1\)\); bgp_large_community\.add\(\(65010,2,3\)\); accept; \}; \};\n {2}route 192\.0\.2\.0\/24 unreachable;\n\}/,
    );
    expect(text).toMatch(
      /protocol static fs6_[0-9a-f]{12} \{\n {2}ipv6 \{ import filter \{ bgp_path\.prepend\(64600\); accept; \}; \};\n {2}route 2001:db8::\/48 unreachable;\n\}/,
    );
    const empty = renderInclude(
      viewFor(
        seal(makeContent([], [], null), { number: 2, parent: null, createdAt: '', origin: 'compile', reason: '' }),
        'ams',
      ),
      { localAs: 65010 },
    );
    const filterOf = (t: string) => t.slice(t.indexOf('filter '), t.indexOf('}\n') + 2);
    expect(filterOf(empty)).toBe(filterOf(text));
    expect(empty).not.toContain('protocol static');
  });

  it('an incremental render (the changes since the last view) holds what a full render of the view holds', () => {
    // The include as BIRD sees it: protocol → its head and the set of its routes (order within one is free).
    const parsed = (text: string) => {
      const out = new Map<string, string[]>();
      for (const block of text.split('protocol static ').slice(1)) {
        const [name, head, ...rest] = block.split('\n');
        out.set(`${name} ${head}`, rest.filter((l) => l.startsWith('  route ')).sort());
      }
      return { header: text.slice(0, text.indexOf('protocol static ')), protocols: out };
    };
    // A few attribute sets, so protocols hold several routes and a step can empty one, shrink one, grow one.
    const attrsArb = fc.record({
      account: fc.constantFrom('a', 'b'),
      origin: fc.constantFrom(64600, 65010),
      prepends: fc.integer({ min: 0, max: 1 }),
      communities: fc.constantFrom([], ['65010:1'], ['65010:2', '65010:3:4']),
    });
    // A step: for each of 30 slots, keep what it holds (most often), empty it, or announce there anew.
    const stepArb = fc.array(
      fc.oneof({ weight: 4, arbitrary: fc.constant('keep' as const) }, fc.constant(null), attrsArb),
      {
        minLength: 30,
        maxLength: 30,
      },
    );
    let num = 0;
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 8 }), (steps) => {
        const r = new IncludeRenderer({ localAs: 65010 });
        const slots = new Map<number, Announcement>();
        for (const step of steps) {
          step.forEach((op, i) => {
            const prefix = i % 3 ? `198.18.${i}.0/24` : `2001:db8:${i}::/48`;
            if (op === null) slots.delete(i);
            else if (op !== 'keep') slots.set(i, { prefix, locations: '*', ...op });
          });
          const content = makeContent([...slots.values()], [], null);
          const v = viewFor(
            seal(content, { number: ++num, parent: null, createdAt: '', origin: 'compile', reason: '' }),
            'ams',
          );
          const basis = r.rendered;
          const text = r.render(v, basis ? announcementChanges(basis, v) : undefined);
          expect(parsed(text)).toEqual(parsed(renderInclude(v, { localAs: 65010 })));
        }
      }),
      { numRuns: 300, seed: 13 },
    );
  });

  it('decodePath inverts staticPath for any origin and prepend count (own AS included)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4294967295 }), fc.integer({ min: 0, max: 10 }), (origin, prepends) => {
        const localAs = 65010;
        const p = staticPath({ origin, prepends }, localAs);
        expect(decodePath(p, localAs)).toEqual({ origin, prepends });
      }),
    );
  });
});

describe('reading back `show route export … all`', () => {
  const raw = [
    '0001 BIRD 2.0.12 ready.',
    '1007-Table master4:',
    ' 198.51.100.0/24      unreachable [failsmall4 14:58:06.300] * (200)',
    '1008-\tType: static univ',
    '1007-192.0.2.0/24         unreachable [failsmall4 14:58:06.300] * (200)',
    '1008-\tType: static univ',
    '1012-\tBGP.as_path: 64600 64600',
    ' \tBGP.community: (65010,2) (65010,1)',
    ' \tBGP.large_community: (65010, 2, 3)',
    '0000 ',
    '',
  ].join('\n');

  it('splits replies (also across chunk boundaries) and parses routes with their attributes', () => {
    const p = new BirdReplyParser();
    const replies = [...raw].flatMap((ch) => p.feed(ch));
    expect(replies.map((r) => r.code)).toEqual([1, 0]);
    const routes = parseShowRouteAll((replies[1] as { lines: { code: number; text: string }[] }).lines);
    expect(routes).toEqual([
      { prefix: '198.51.100.0/24', path: [], communities: [] },
      { prefix: '192.0.2.0/24', path: [64600, 64600], communities: ['65010:1', '65010:2', '65010:2:3'] },
    ]);
  });

  it('gives the digest of the view when BIRD exports exactly the view, and another one otherwise', () => {
    const s = seal(
      makeContent(
        [
          ann('192.0.2.0/24', { prepends: 1, communities: ['65010:1', '65010:2', '65010:2:3'] }),
          ann('198.51.100.0/24', { origin: 65010 }),
        ],
        [],
        null,
      ),
      { number: 1, parent: null, createdAt: '', origin: 'compile', reason: '' },
    );
    const v = viewFor(s, 'ams');
    const lines = new BirdReplyParser().feed(raw)[1]?.lines ?? [];
    const routes = parseShowRouteAll(lines);
    expect(exportedDigest(routes, accountsOf(v), 65010).digest).toBe(v.announceDigest);
    expect(exportedDigest(routes.slice(1), accountsOf(v), 65010).digest).not.toBe(v.announceDigest);
    // exportsAs: the same judgement for one route (path and communities; the account is not BIRD's).
    const [a0, a1] = [...v.announcements.flatMap((g) => g.entries)].sort((x, y) => (x.prefix < y.prefix ? -1 : 1));
    const [r192, r198] = [routes[1], routes[0]] as [(typeof routes)[0], (typeof routes)[0]];
    expect(exportsAs(r192, a0 as Announcement, 65010)).toBe(true);
    expect(exportsAs(r198, a1 as Announcement, 65010)).toBe(true);
    expect(exportsAs(r198, a0 as Announcement, 65010)).toBe(false);
    expect(exportsAs({ ...r192, communities: ['65010:1'] }, a0 as Announcement, 65010)).toBe(false);
    expect(exportsAs({ ...r192, path: [64600] }, a0 as Announcement, 65010)).toBe(false);
    // A route the view does not have never matches, whatever its attributes.
    expect(exportedDigest(routes, new Map(), 65010).digest).not.toBe(v.announceDigest);
  });
});
