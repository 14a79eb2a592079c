import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialGuardState } from '../rollout/guard.js';
import { MemoryRolloutStore } from '../rollout/memory.js';
import type { EngineState } from '../rollout/ports.js';
import { announcementLine, bindingLine, CANONICAL_FORMS, type CanonicalForm, snapshotId } from '../snapshot/digest.js';
import { type Snapshot, scopeKey } from '../snapshot/model.js';
import { describeIfAvailable } from '../testing/env.js';
import { type OpenedStore, openStore } from './harness.js';
import { probePostgres } from './pg-probe.js';
import { next, rollout, rolloutStoreCases, sampleContent } from './rollout-store.case.js';
import { KyselyRolloutStore } from './rollout-store.js';
import { encodeContent, SNAPSHOT_ENCODING } from './snapshot-codec.js';

describe('rollout store in memory', () => {
  rolloutStoreCases(async () => ({ store: new MemoryRolloutStore(), close: async () => {} }));
});

/** What only a database-backed store promises: it refuses forged, conflicting and rewritten history. */
function databaseCases(open: () => Promise<OpenedStore>): void {
  let opened: OpenedStore;
  let store: KyselyRolloutStore;
  let s1: Snapshot;
  let s2: Snapshot;
  const db = () => opened.database.db;

  beforeAll(async () => {
    opened = await open();
    store = new KyselyRolloutStore(opened.database.db);
    s1 = next(null, sampleContent(1));
    s2 = next(s1, sampleContent(2));
    await store.putSnapshot(s1);
    await store.putSnapshot(s2);
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('refuses a snapshot whose id does not match its content (E_SNAPSHOT_TAMPERED)', async () => {
    const forged = { ...next(s2, sampleContent(3)), announcements: s1.announcements };
    await expect(store.putSnapshot(forged)).rejects.toMatchObject({ code: 'E_SNAPSHOT_TAMPERED' });
    expect(await store.getSnapshot(forged.id)).toBeUndefined();
  });

  it('refuses a different snapshot under a number already taken (E_STORE_SNAPSHOT_CONFLICT)', async () => {
    const fork = next(s1, sampleContent(9));
    expect(fork.number).toBe(s2.number);
    await expect(store.putSnapshot(fork)).rejects.toMatchObject({
      code: 'E_STORE_SNAPSHOT_CONFLICT',
      message: expect.stringContaining(s2.id),
    });
  });

  it('the database refuses to update a snapshot, or to update or delete the audit', async () => {
    await expect(
      sql`update rollout_snapshots set reason = 'rewritten' where id = ${s1.id}`.execute(db()),
    ).rejects.toThrow(/append-only/);
    await store.appendAudit({
      id: 'ev-1',
      at: new Date(1).toISOString(),
      account_id: null,
      actor_kind: 'person',
      actor_id: 'ops',
      request_id: 'req-1',
      action: 'breaker.reset',
      object_type: 'breaker',
      object_id: 'breaker',
      before: null,
      after: null,
      reason: 'r',
    });
    await expect(sql`update audit set reason = 'nothing happened'`.execute(db())).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit`.execute(db())).rejects.toThrow(/append-only/);
    expect((await store.listAudit()).map((a) => a.reason)).toEqual(['r']);
    expect((await store.getSnapshot(s1.id))?.reason).toBe(s1.reason);
  });

  it('a step whose rollout cannot be written leaves the saved state as it was (one transaction)', async () => {
    const before: EngineState = {
      baselineId: s1.id,
      goodIds: [s1.id],
      assigned: { ams: s1.id },
      guard: initialGuardState(),
      nextRollout: 7,
    };
    await store.saveState(before);
    const bad = { ...rollout('r-bad', s2, 1), createdAt: Number.NaN }; // not a bigint: the insert fails
    await expect(store.saveState({ ...before, baselineId: s2.id, nextRollout: 8 }, [bad])).rejects.toThrow();
    expect(await store.loadState()).toEqual(before);
    expect(await store.getRollout(bad.id)).toBeUndefined();
  });

  it('reads snapshots in the canonical form they were sealed with (a stored v1 after a v2 exists)', async () => {
    // A row as the code before migration 006 wrote it: no digest_version column given (v1 by default).
    const v1 = next(s2, sampleContent(3), 'sealed before digest versions');
    await db()
      .withTables<{ rollout_snapshots: Record<string, unknown> }>()
      .insertInto('rollout_snapshots')
      .values({
        id: v1.id,
        number: v1.number,
        parent: v1.parent,
        digest: v1.digest,
        created_at: v1.createdAt,
        origin: v1.origin,
        reason: v1.reason,
        announcements: v1.announcements.length,
        bindings: v1.bindings.length,
        encoding: SNAPSHOT_ENCODING,
        content: await encodeContent(v1),
      })
      .execute();
    // A later release adds a field to the canonical text (here: a MED on every announcement line).
    const v2: CanonicalForm = (c) => {
      const h = createHash('sha256').update('failsmall-snapshot-content v2\n');
      for (const a of c.announcements) h.update(`${announcementLine(a)} med=0 @${scopeKey(a.locations)}\n`);
      for (const b of c.bindings) h.update(`${bindingLine(b)} @${scopeKey(b.locations)}\n`);
      return h.digest('hex');
    };
    const later = new KyselyRolloutStore(db(), { ...CANONICAL_FORMS, 2: v2 });
    const read = (await later.getSnapshot(v1.id)) as Snapshot;
    expect(read.digestVersion).toBe(1);
    expect(read.announcements).toEqual(v1.announcements);
    // A snapshot sealed in v2 is stored with its version and verified in v2.
    const content = sampleContent(4);
    const digest = v2(content);
    const s4: Snapshot = { ...next(v1, content), digest, digestVersion: 2, id: snapshotId(4, v1.id, digest) };
    await later.putSnapshot(s4);
    expect((await later.getSnapshot(s4.id))?.digestVersion).toBe(2);
    const row = await sql<{ v: number }>`select digest_version as v from rollout_snapshots where id = ${s4.id}`.execute(
      db(),
    );
    expect(row.rows[0]?.v).toBe(2);
    // This build does not know v2: a clear error, not "tampered".
    await expect(store.getSnapshot(s4.id)).rejects.toMatchObject({ code: 'E_SNAPSHOT_DIGEST_VERSION' });
    // Dispatch is real: a v1 digest recorded as v2 does not verify.
    const liar = { ...next(s4, sampleContent(5)), digestVersion: 2 };
    await expect(later.putSnapshot(liar)).rejects.toMatchObject({ code: 'E_SNAPSHOT_TAMPERED' });
  });

  it("a step's audit events are written with its state, or not at all", async () => {
    const state: EngineState = {
      baselineId: s1.id,
      goodIds: [s1.id],
      assigned: {},
      guard: initialGuardState(),
      nextRollout: 9,
    };
    const trip = {
      id: 'step-audit-1',
      at: '2026-02-20T17:50:00.000Z',
      account_id: null,
      actor_kind: 'system' as const,
      actor_id: 'system:guard',
      request_id: '',
      action: 'breaker.trip',
      object_type: 'breaker',
      object_id: 'r-0009',
      before: { tripped: false },
      after: { tripped: true },
      reason: 'over the network limit',
    };
    const count = async () =>
      (await sql<{ n: string }>`select count(*) as n from audit where id like 'step-audit-%'`.execute(db())).rows[0]?.n;
    const bad = { ...rollout('r-bad2', s2, 1), createdAt: Number.NaN };
    await expect(
      store.saveState({ ...state, nextRollout: 10 }, [bad], [{ ...trip, id: 'step-audit-0' }]),
    ).rejects.toThrow();
    expect(Number(await count())).toBe(0);
    await store.saveState(state, [], [trip]);
    expect(Number(await count())).toBe(1);
    expect((await store.loadState())?.nextRollout).toBe(9);
    expect((await store.listAudit()).at(-1)).toMatchObject({ action: 'breaker.trip', actor_id: 'system:guard' });
  });

  it('detects stored content that was changed behind its back', async () => {
    await sql`alter table rollout_snapshots disable trigger rollout_snapshots_immutable`.execute(db());
    try {
      const other = await encodeContent(sampleContent(7));
      await sql`update rollout_snapshots set content = ${other} where id = ${s2.id}`.execute(db());
      await expect(store.getSnapshot(s2.id)).rejects.toMatchObject({ code: 'E_SNAPSHOT_TAMPERED' });
      await sql`update rollout_snapshots set content = ${new Uint8Array([31, 139, 0])} where id = ${s2.id}`.execute(
        db(),
      );
      await expect(store.getSnapshot(s2.id)).rejects.toMatchObject({ code: 'E_STORE_SNAPSHOT_ENCODING' });
    } finally {
      await sql`alter table rollout_snapshots enable trigger rollout_snapshots_immutable`.execute(db());
    }
    expect(await store.getSnapshot(s1.id)).toEqual(s1);
  });
}

describe('rollout store on embedded PGlite (in memory)', () => {
  const open = () => openStore({});
  // Sibling blocks: one closes (and drops its schema) before the next opens.
  describe('conformance', () =>
    rolloutStoreCases(async () => {
      const opened = await open();
      return { store: new KyselyRolloutStore(opened.database.db), close: () => opened.close() };
    }));
  describe('database rules', () => databaseCases(open));
});

const pgProbe = await probePostgres();
describeIfAvailable('rollout store on PostgreSQL', 'missing' in pgProbe ? pgProbe.missing : null, () => {
  const open = () => openStore({ databaseUrl: 'url' in pgProbe ? pgProbe.url : '', freshSchema: true });
  // Sibling blocks: one closes (and drops its schema) before the next opens.
  describe('conformance', () =>
    rolloutStoreCases(async () => {
      const opened = await open();
      return { store: new KyselyRolloutStore(opened.database.db), close: () => opened.close() };
    }));
  describe('database rules', () => databaseCases(open));
});
