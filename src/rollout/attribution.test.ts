// Attribution of a delta to its actors from the one audit log. The red team's row it answers: "the
// automatic restore re-announced a customer's own intended withdrawal" (the restore put back everything
// the window took, not only what the rogue job took).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../lib/audit.js';
import { ACTION_DIRECTION, attribute, destructiveItems, restoredBy, selfServiceAccounts } from './attribution.js';

let seq = 0;
function entry(actor: string, action: string, object: { type: string; id: string; cidr: string }): AuditEvent {
  const row = { id: object.id, cidr: object.cidr };
  return {
    id: `e${seq++}`,
    at: new Date(Date.UTC(2026, 1, 20, 18, 0, seq)).toISOString(),
    account_id: 'acct',
    actor_kind: actor.startsWith('job') ? 'job' : 'person',
    actor_id: actor,
    request_id: 'r',
    action,
    object_type: object.type,
    object_id: object.id,
    before: action.endsWith('.create') ? null : row,
    after: action.endsWith('.delete') ? null : row,
    reason: null,
  };
}
const bgp = (cidr: string) => ({ type: 'bgp_prefix', id: `bgp-${cidr}`, cidr });
const prefix = (cidr: string) => ({ type: 'prefix', id: `pfx-${cidr}`, cidr });
const binding = (id: string, cidr: string) => ({ type: 'binding', id, cidr });

describe('attribute', () => {
  it('names who withdrew, not who advertised long ago; prefix entries count for what is inside', () => {
    const events = [
      entry('seed', 'bgp_prefix.create', bgp('203.0.113.0/24')),
      entry('seed', 'bgp_prefix.advertise', bgp('203.0.113.0/24')),
      entry('seed', 'bgp_prefix.advertise', bgp('198.51.100.0/24')),
      entry('customer', 'bgp_prefix.withdraw', bgp('203.0.113.0/24')),
      entry('job:rogue', 'bgp_prefix.withdraw', bgp('198.51.100.0/24')),
      entry('job:rogue', 'binding.delete', binding('b1', '198.51.100.0/24')),
      entry('job:rogue', 'prefix.delete', prefix('198.51.100.0/22')),
    ];
    const a = attribute(
      {
        announcements: [
          { prefix: '203.0.113.0/24', kind: 'withdraw' },
          { prefix: '198.51.100.0/24', kind: 'withdraw' },
          { prefix: '192.0.2.0/24', kind: 'withdraw' }, // from outside the API
        ],
        bindings: [{ id: 'b1', prefix: '198.51.100.0/24', kind: 'unbind' }],
      },
      events,
    );
    expect(a.announcementAuthors.get('203.0.113.0/24')).toEqual(['customer']);
    expect(a.announcementAuthors.get('198.51.100.0/24')).toEqual(['job:rogue']);
    expect(a.bindingAuthors.get('b1')).toEqual(['job:rogue']);
    expect(a.unattributed).toEqual({ announcements: 1, bindings: 0 });
    expect(a.authors.map((x) => [x.id, x.kind, x.announcements, x.bindings])).toEqual([
      ['customer', 'person', 1, 0],
      ['job:rogue', 'job', 1, 1],
    ]);
  });

  it("a trip's restore puts back only what the tripping actors took", () => {
    const events = [
      entry('customer', 'bgp_prefix.withdraw', bgp('203.0.113.0/24')),
      entry('job:rogue', 'bgp_prefix.withdraw', bgp('198.51.100.0/24')),
      entry('job:rogue', 'binding.delete', binding('b1', '198.51.100.0/24')),
    ];
    const lost = {
      announcements: [{ prefix: '203.0.113.0/24' }, { prefix: '198.51.100.0/24' }],
      bindings: [{ id: 'b1', prefix: '198.51.100.0/24' }],
    };
    const back = restoredBy(lost, ['job:rogue'], events);
    expect(back.announcements.map((a) => a.prefix)).toEqual(['198.51.100.0/24']);
    expect(back.bindings.map((b) => b.id)).toEqual(['b1']);
    // no tripping actor known (a health signal tripped it): the whole window, as before
    expect(restoredBy(lost, [], events).announcements).toHaveLength(2);
  });

  it('destructive items are withdrawals, modifications and binding removals', () => {
    const d = destructiveItems({
      announcements: [
        { prefix: 'a', kind: 'announce' },
        { prefix: 'b', kind: 'withdraw' },
        { prefix: 'c', kind: 'modify' },
      ],
      bindings: [
        { id: 'x', prefix: 'a', kind: 'bind' },
        { id: 'y', prefix: 'b', kind: 'unbind' },
      ],
    });
    expect(d.announcements.map((x) => x.prefix)).toEqual(['b', 'c']);
    expect(d.bindings.map((x) => x.id)).toEqual(['y']);
  });

  // Oracle: a forward scan keeping the current authors, emptied whenever the item moves the other way.
  const ACTIONS = [...Object.keys(ACTION_DIRECTION).filter((a) => a.startsWith('bgp_prefix.')), 'bgp_prefix.note'];
  const PREFIX_ACTIONS = ['prefix.create', 'prefix.validate', 'prefix.delete', 'prefix.edit'];
  it('property: the authors of one item are who moved it that way since it last moved otherwise', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            actor: fc.constantFrom('p1', 'p2', 'job:a', 'job:b'),
            onPrefix: fc.boolean(),
            bgpAction: fc.constantFrom(...ACTIONS),
            prefixAction: fc.constantFrom(...PREFIX_ACTIONS),
          }),
          { maxLength: 12 },
        ),
        fc.constantFrom('announce' as const, 'withdraw' as const, 'modify' as const),
        (steps, kind) => {
          const events = steps.map((s) =>
            s.onPrefix
              ? entry(s.actor, s.prefixAction, prefix('10.1.0.0/16'))
              : entry(s.actor, s.bgpAction, bgp('10.1.2.0/24')),
          );
          const want = { announce: 'up', withdraw: 'down', modify: 'edit' }[kind];
          let expected = new Set<string>();
          for (const e of events) {
            const dir = ACTION_DIRECTION[e.action];
            const opposite =
              want === 'edit' ? dir === 'up' || dir === 'down' : dir !== undefined && dir !== want && dir !== 'edit';
            if (opposite) expected = new Set();
            else if (dir === undefined || dir === want) expected.add(e.actor_id);
          }
          const got = attribute({ announcements: [{ prefix: '10.1.2.0/24', kind }], bindings: [] }, events);
          expect(got.announcementAuthors.get('10.1.2.0/24') ?? []).toEqual([...expected].sort());
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('selfServiceAccounts', () => {
  /** An entry of `actor`, bound to `account` (null: a global token; undefined: recorded before it was). */
  const by = (actor: string, account: string | null | undefined, action: string, o: ReturnType<typeof bgp>) => {
    const e = entry(actor, action, o);
    return account === undefined ? e : { ...e, actor_account_id: account };
  };
  const withdrawals = (...ps: [string, string][]) => ({
    announcements: ps.map(([account, prefix]) => ({ account, prefix, kind: 'withdraw' as const })),
    bindings: [],
  });

  it("an account whose items its own tokens made; not one a global job's token touched, nor an unknown", () => {
    const events = [
      by('seed', null, 'bgp_prefix.advertise', bgp('203.0.113.0/24')),
      by('seed', null, 'bgp_prefix.advertise', bgp('198.51.100.0/24')),
      by('tok-a', 'A', 'bgp_prefix.withdraw', bgp('203.0.113.0/24')),
      by('tok-a2', 'A', 'bgp_prefix.withdraw', bgp('203.0.113.128/25')),
      by('job:rogue', null, 'bgp_prefix.withdraw', bgp('198.51.100.0/24')),
      by('tok-c', undefined, 'bgp_prefix.withdraw', bgp('192.0.2.0/25')),
      by('tok-d', 'E', 'bgp_prefix.withdraw', bgp('192.0.2.128/25')),
    ];
    const items = withdrawals(
      ['A', '203.0.113.0/24'],
      ['A', '203.0.113.128/25'],
      ['B', '198.51.100.0/24'],
      ['C', '192.0.2.0/25'], // the actor's account was not recorded: unknown
      ['D', '192.0.2.128/25'], // another account's token (a delegated account) made it
      ['F', '100.64.0.0/24'], // no entry explains it (desired state from outside the API)
    );
    expect(selfServiceAccounts(items, events)).toEqual(['A']);
    // One item of A's made by the job: A is no longer a customer making its own change.
    const mixed = [...events, by('job:rogue', null, 'bgp_prefix.withdraw', bgp('203.0.113.128/25'))];
    expect(selfServiceAccounts(items, mixed)).toEqual([]);
  });

  it('reads the author entries as attribute() does: the re-advertiser of long ago is not one', () => {
    const events = [
      by('job:rogue', null, 'bgp_prefix.withdraw', bgp('203.0.113.0/24')),
      by('operator', null, 'bgp_prefix.advertise', bgp('203.0.113.0/24')),
      by('tok-a', 'A', 'bgp_prefix.withdraw', bgp('203.0.113.0/24')),
    ];
    expect(selfServiceAccounts(withdrawals(['A', '203.0.113.0/24']), events)).toEqual(['A']);
    // An operator re-advertised it since: as of now nobody withdrew it; as of when the guard admitted
    // the withdrawal (a ledger item), it was A's own.
    const later = [
      ...events,
      { ...by('operator', null, 'bgp_prefix.advertise', bgp('203.0.113.0/24')), at: '2027-01-01T00:00:00Z' },
    ];
    expect(selfServiceAccounts(withdrawals(['A', '203.0.113.0/24']), later)).toEqual([]);
    const asOf = Date.parse('2026-12-31T00:00:00Z');
    const ledger = {
      announcements: [{ account: 'A', prefix: '203.0.113.0/24', kind: 'withdraw' as const, asOf }],
      bindings: [],
    };
    expect(selfServiceAccounts(ledger, later)).toEqual(['A']);
    // a modification: every edit since the prefix was last advertised or withdrawn is an author
    const edits = [...events, by('tok-a', 'A', 'bgp_prefix.advertise', bgp('203.0.113.0/24'))];
    const modify = (list: AuditEvent[]) =>
      selfServiceAccounts(
        { announcements: [{ account: 'A', prefix: '203.0.113.0/24', kind: 'modify' }], bindings: [] },
        list,
      );
    expect(modify([...edits, by('tok-a', 'A', 'bgp_prefix.edit', bgp('203.0.113.0/24'))])).toEqual(['A']);
    expect(
      modify([
        ...edits,
        by('job:rogue', null, 'bgp_prefix.edit', bgp('203.0.113.0/24')),
        by('tok-a', 'A', 'bgp_prefix.edit', bgp('203.0.113.0/24')),
      ]),
    ).toEqual([]);
  });
});
