// The one audit log: rollout records written before migration 006 stay readable through the one
// reader; addressing events and rollout records share the table; the prepend check follows limits.ts.
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ASN_PREPEND_COUNT } from '../addressing/limits.js';
import type { AuditEvent } from '../lib/audit.js';
import { KyselyAuditLog, rolloutActorKind } from './audit-log.js';
import { type Database, migrate } from './db.js';
import { migrationProvider } from './migrations.js';
import { PGliteDialect } from './pglite-dialect.js';
import { KyselyRolloutStore } from './rollout-store.js';

let db: Kysely<Database>;

beforeAll(async () => {
  const lite = new PGlite();
  await lite.waitReady;
  db = new Kysely<Database>({ dialect: new PGliteDialect(lite) });
  // a database as release 005 left it, with rollout records in their own table
  const to005 = await new Migrator({ db, provider: migrationProvider }).migrateTo('005_rollout_store');
  expect(to005.error).toBeUndefined();
  await sql`insert into rollout_audit (at_ms, actor, action, target, reason, details) values
    (1771606800000, 'token:abc (ops)', 'breaker.reset', 'breaker', 'checked', '{}'::json),
    (1771606801000, 'guard', 'breaker.trip', 'r-0002', 'over the network limit', '{"violations":[1]}'::json),
    (1771606802000, 'alice', 'rollback.account', 's1', 'drill', '{"account":"a1"}'::json)`.execute(db);
  await migrate(db);
});
afterAll(async () => {
  await db.destroy();
});

describe('migration 006: one audit log', () => {
  it('keeps the rollout records of before readable, in order, through the one reader', async () => {
    const store = new KyselyRolloutStore(db);
    const pick = (e: AuditEvent) => ({
      at: e.at,
      actor_id: e.actor_id,
      action: e.action,
      object_id: e.object_id,
      reason: e.reason,
      after: e.after,
    });
    expect((await store.listAudit()).map(pick)).toEqual([
      {
        at: new Date(1771606800000).toISOString(),
        actor_id: 'token:abc (ops)',
        action: 'breaker.reset',
        object_id: 'breaker',
        reason: 'checked',
        after: {},
      },
      {
        at: new Date(1771606801000).toISOString(),
        actor_id: 'guard',
        action: 'breaker.trip',
        object_id: 'r-0002',
        reason: 'over the network limit',
        after: { violations: [1] },
      },
      {
        at: new Date(1771606802000).toISOString(),
        actor_id: 'alice',
        action: 'rollback.account',
        object_id: 's1',
        reason: 'drill',
        after: { account: 'a1' },
      },
    ]);
    const log = new KyselyAuditLog(db);
    const moved = await log.list({ page: 1, per_page: 10 });
    expect(moved.items.map((e) => [e.actor_kind, e.object_type, e.account_id])).toEqual([
      ['cli', 'rollback', 'a1'],
      ['system', 'breaker', null],
      ['token', 'breaker', null],
    ]);
    // an account's log shows the rollback of its data
    expect((await log.list({ account_id: 'a1', page: 1, per_page: 10 })).items.map((e) => e.action)).toEqual([
      'rollback.account',
    ]);
  });

  it('holds addressing events and rollout records in one table; the database refuses rewrites', async () => {
    const log = new KyselyAuditLog(db);
    const e: AuditEvent = {
      id: 'e1',
      at: '2026-02-20T17:46:00.000Z',
      account_id: 'owner',
      actor_kind: 'token',
      actor_id: 't-b',
      actor_account_id: 'delegated',
      request_id: 'req-1',
      action: 'binding.create',
      object_type: 'binding',
      object_id: 'b1',
      before: null,
      after: { cidr: '192.0.2.0/26' },
      reason: null,
    };
    await log.append([e]);
    await new KyselyRolloutStore(db).appendAudit({
      id: 'e2',
      at: new Date(1771609600000).toISOString(),
      account_id: null,
      actor_kind: 'system',
      actor_id: 'system:engine',
      request_id: '',
      action: 'breaker.trip',
      object_type: 'rollout',
      object_id: 'r-0003',
      before: null,
      after: {},
      reason: 'gate failed',
    });
    expect((await log.list({ account_id: 'delegated', page: 1, per_page: 10 })).items).toEqual([e]);
    expect((await log.list({ account_id: 'owner', page: 1, per_page: 10 })).items).toEqual([e]);
    const rollout = await log.list({ object_types: ['rollout', 'breaker', 'rollback'], page: 1, per_page: 1 });
    expect(rollout.total_count).toBe(4);
    expect(rollout.items[0]).toMatchObject({ actor_kind: 'system', action: 'breaker.trip', reason: 'gate failed' });
    await expect(sql`update audit set reason = 'nothing happened'`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit`.execute(db)).rejects.toThrow(/append-only/);
  });

  it('names actor kinds in the one vocabulary', () => {
    expect(['guard', 'engine', 'system:loop', 'token:x (n)', 'alice'].map(rolloutActorKind)).toEqual([
      'system',
      'system',
      'system',
      'token',
      'cli',
    ]);
  });

  it('checks the prepend count against the one limit', async () => {
    const check = await sql<{ def: string }>`select pg_get_constraintdef(oid) as def from pg_constraint
      where conname = 'bgp_prefixes_asn_prepend_count_check'`.execute(db);
    expect(check.rows[0]?.def).toContain(`>= ${ASN_PREPEND_COUNT.min}`);
    expect(check.rows[0]?.def).toContain(`<= ${ASN_PREPEND_COUNT.max}`);
  });
});
