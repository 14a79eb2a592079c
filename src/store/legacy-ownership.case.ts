// Upgrading a database from before migration 009 (ownership proofs), run against each store kind: a
// database left at migration 008 with validated, advertised prefixes, migrated to head, must compile a
// snapshot announcing exactly what the pre-009 compiler announced (every advertised BGP prefix of a live,
// validated prefix): migration 014 grandfathers their proofs, with one audit entry per prefix.
import { type Kysely, Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { AddressingService } from '../addressing/service.js';
import { ManualClock } from '../lib/clock.js';
import { compile } from '../snapshot/compile.js';
import { KyselyAddressingStore } from './addressing-store.js';
import { type Database, migrate } from './db.js';
import { randomIds } from './harness.js';
import { migrationProvider } from './migrations.js';
import { LEGACY_PROOF_ACTOR } from './migrations-legacy-ownership.js';

/** A database with no tables yet; `schema`: the PostgreSQL schema it lives in (Kysely's migration tables too). */
export interface EmptyDatabase {
  db: Kysely<Database>;
  schema?: string;
  close(): Promise<void>;
}

const ACCOUNTS = ['a1', 'a2'].map((n) => n.padEnd(32, '0'));
const id = (k: string, i: number) => `${k}${String(i).padStart(31 - k.length, '0')}x`;

/** What release 008 held: prefixes of two accounts, most validated and advertised, some not. */
async function seed008(db: Kysely<Database>): Promise<{ announced: string[] }> {
  const at = '2026-01-10T10:00:00Z';
  for (const [i, a] of ACCOUNTS.entries())
    await sql`insert into accounts (id, name, created_at) values (${a}, ${`Customer ${i}`}, ${at})`.execute(db);
  const rows: { i: number; approved: 'P' | 'V'; state: string; advertised: boolean }[] = [
    { i: 0, approved: 'V', state: 'active', advertised: true },
    { i: 1, approved: 'V', state: 'active', advertised: true },
    { i: 2, approved: 'V', state: 'active', advertised: true },
    { i: 3, approved: 'V', state: 'active', advertised: false }, // validated, withdrawn by its customer
    { i: 4, approved: 'P', state: 'active', advertised: false }, // never validated
    { i: 5, approved: 'V', state: 'deleted', advertised: false },
    { i: 6, approved: 'V', state: 'pending_delete', advertised: true },
  ];
  const announced: string[] = [];
  for (const r of rows) {
    const account = ACCOUNTS[r.i % 2] as string;
    const cidr = `45.20.${r.i}.0/24`;
    await sql`insert into prefixes (id, account_id, cidr, net, asn, description, approved, loa_document_id, state,
        created_at, modified_at)
      values (${id('p', r.i)}, ${account}, ${cidr}, ${cidr}::cidr, ${64600 + (r.i % 2)}, 'block', ${r.approved}, null,
        ${r.state}, ${at}, ${at})`.execute(db);
    await sql`insert into bgp_prefixes (id, prefix_id, account_id, cidr, asn, asn_prepend_count, advertised,
        advertised_modified_at, on_demand_enabled, on_demand_locked, created_at, modified_at)
      values (${id('b', r.i)}, ${id('p', r.i)}, ${account}, ${cidr}, null, 0, ${r.advertised}, ${at}, true, false,
        ${at}, ${at})`.execute(db);
    // what the pre-009 compiler announced: advertised BGP prefixes of live validated prefixes
    if (r.advertised && r.approved === 'V' && r.state !== 'deleted') announced.push(cidr);
  }
  return { announced: announced.sort() };
}

export function legacyOwnershipCases(open: () => Promise<EmptyDatabase>): void {
  describe('an upgrade from before ownership proofs announces what it announced before', () => {
    it('migrated to 008, seeded, migrated to head: the compiled snapshot announces the same prefixes', async () => {
      const d = await open();
      try {
        const migrator = new Migrator({
          db: d.db,
          provider: migrationProvider,
          ...(d.schema ? { migrationTableSchema: d.schema } : {}),
        });
        const to008 = await migrator.migrateTo('008_agent_credentials');
        expect(to008.error).toBeUndefined();
        const { announced } = await seed008(d.db);
        expect(announced).toHaveLength(4);
        await migrate(d.db, d.schema);

        const service = new AddressingService(new KyselyAddressingStore(d.db), new ManualClock(0), randomIds);
        const desired = await service.exportDesiredState();
        const left: string[] = [];
        const snap = compile(desired, {
          locations: [{ id: 'ams', region: 'eu', tier: 1 }],
          onRefused: (r) => left.push(`${r.cidr}: ${r.reason}`),
        });
        expect(snap.announcements.map((a) => a.prefix).sort()).toEqual(announced);
        expect(left).toEqual([]);

        // every live validated prefix got a grandfathered proof, each with one audit entry of the migration
        const proven = desired.ownership.map((o) => o.prefix_id).sort();
        expect(proven).toEqual([0, 1, 2, 3, 6].map((i) => id('p', i)));
        expect(new Set(desired.ownership.map((o) => `${o.method} ${o.proven_by}`))).toEqual(
          new Set([`legacy ${LEGACY_PROOF_ACTOR}`]),
        );
        const audit = await sql<{ object_id: string; actor_kind: string; reason: string; account_id: string }>`
          select object_id, actor_kind, reason, account_id from audit
          where action = 'prefix.ownership_grandfathered' order by object_id`.execute(d.db);
        expect(audit.rows.map((r) => r.object_id)).toEqual(proven);
        for (const r of audit.rows) {
          expect(r.actor_kind).toBe('system');
          expect(r.reason).toMatch(/^migration 014: /);
          expect(ACCOUNTS).toContain(r.account_id);
        }

        // validating again with no evidence configured keeps the grandfathered proof: it never withdraws
        const op = {
          kind: 'person',
          id: 'person:ops',
          account_id: null,
          scopes: ['operator'],
          request_id: 'r',
        } as const;
        const again = await service.prefixes.validate(op, ACCOUNTS[0] as string, id('p', 0));
        expect(again.approved).toBe('V');
        expect(await service.prefixes.ownership(op, ACCOUNTS[0] as string, id('p', 0))).toMatchObject({
          method: 'legacy',
        });
      } finally {
        await d.close();
      }
    });
  });
}
