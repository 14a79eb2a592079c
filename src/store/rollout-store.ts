// The rollout engine's store (src/rollout/ports.ts RolloutStore) on the database of the addressing store:
// embedded PGlite by default, PostgreSQL with DATABASE_URL. Snapshots are written once and never
// updated (content gzip'd in bytea, digest re-checked on every read); a rollout is one row rewritten as
// it moves; the engine state is one row. Audit records go to the one audit log (src/store/audit-log.ts).
import type { Generated, Kysely } from 'kysely';
import { sql } from 'kysely';
import { FailsmallError } from '../lib/errors.js';
import type {
  AuditEvent,
  EngineState,
  ExternalVerdict,
  Rollout,
  RolloutStore,
  SnapshotSummary,
} from '../rollout/ports.js';
import { verifySnapshot } from '../snapshot/compile.js';
import { CANONICAL_FORMS, type CanonicalForm } from '../snapshot/digest.js';
import type { Snapshot, SnapshotOrigin } from '../snapshot/model.js';
import { appendAudit, ROLLOUT_OBJECT_TYPES, readAudit } from './audit-log.js';
import type { Database } from './db.js';
import { decodeContent, encodeContent, SNAPSHOT_ENCODING } from './snapshot-codec.js';

export interface RolloutSnapshotsTable {
  id: string;
  number: number;
  parent: string | null;
  digest: string;
  created_at: string;
  origin: string;
  reason: string;
  announcements: number;
  bindings: number;
  encoding: string;
  content: Uint8Array;
  /** Canonical-form version of `digest` (migration 006; rows from before it are v1). */
  digest_version: Generated<number>;
  stored_at: Generated<string | Date>;
}
export interface RolloutRolloutsTable {
  id: string;
  seq: Generated<string>;
  snapshot_id: string;
  status: string;
  created_at_ms: number | string;
  body: unknown;
  updated_at: Generated<string | Date>;
}
export interface RolloutEngineStateTable {
  singleton: boolean;
  state: unknown;
  updated_at: Generated<string | Date>;
}
/** Durable verdicts (migration 012). */
export interface RolloutVerdictsTable {
  seq: Generated<string>;
  id: string;
  at_ms: number | string;
  source: string;
  rollout_id: string | null;
  location: string | null;
  status: string;
  reason: string;
  stored_at: Generated<string | Date>;
}
// A type alias (not an interface): withTables wants an index-compatible record type.
export type RolloutTables = {
  rollout_snapshots: RolloutSnapshotsTable;
  rollout_rollouts: RolloutRolloutsTable;
  rollout_engine_state: RolloutEngineStateTable;
  rollout_verdicts: RolloutVerdictsTable;
};

/** json columns come back parsed from both drivers; accept text too (a driver without the json parser). */
function fromJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
const json = (v: unknown) => sql<unknown>`${JSON.stringify(v)}::json`;

export class KyselyRolloutStore implements RolloutStore {
  private readonly db: Kysely<RolloutTables>;

  /**
   * `db`: the addressing store's database (migrated by openDatabase, which includes this store's tables).
   * `forms`: the canonical forms reads verify with (default every form this build knows).
   */
  constructor(
    private readonly base: Kysely<Database>,
    private readonly forms: Readonly<Record<number, CanonicalForm>> = CANONICAL_FORMS,
  ) {
    this.db = base.withTables<RolloutTables>() as unknown as Kysely<RolloutTables>;
  }

  /**
   * Stores a snapshot once. Putting the same snapshot again does nothing; a different snapshot under a
   * number already taken is refused (E_STORE_SNAPSHOT_CONFLICT), and so is one whose id does not match
   * its content (E_SNAPSHOT_TAMPERED): it could never be read back.
   */
  async putSnapshot(s: Snapshot): Promise<void> {
    verifySnapshot(s, this.forms);
    const inserted = await this.db
      .insertInto('rollout_snapshots')
      .values({
        id: s.id,
        number: s.number,
        parent: s.parent,
        digest: s.digest,
        created_at: s.createdAt,
        origin: s.origin,
        reason: s.reason,
        announcements: s.announcements.length,
        bindings: s.bindings.length,
        encoding: SNAPSHOT_ENCODING,
        content: await encodeContent(s),
        digest_version: s.digestVersion ?? 1,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    if (inserted.length > 0) return;
    const clash = await this.db
      .selectFrom('rollout_snapshots')
      .select(['id', 'number'])
      .where((eb) => eb.or([eb('id', '=', s.id), eb('number', '=', s.number)]))
      .execute();
    if (clash.some((c) => c.id === s.id)) return;
    throw new FailsmallError(
      'E_STORE_SNAPSHOT_CONFLICT',
      `snapshot #${s.number} is already stored as ${clash[0]?.id ?? '?'}, not ${s.id}: another control plane is writing this history`,
      { number: s.number, id: s.id, stored: clash[0]?.id ?? null },
    );
  }

  /** The snapshot, deep-frozen, its content digest and id checked (E_SNAPSHOT_TAMPERED otherwise). */
  async getSnapshot(id: string): Promise<Snapshot | undefined> {
    const row = await this.db.selectFrom('rollout_snapshots').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const content = await decodeContent(row.content, row.encoding, row.id);
    const s: Snapshot = Object.freeze({
      id: row.id,
      number: row.number,
      parent: row.parent,
      digest: row.digest,
      digestVersion: row.digest_version,
      createdAt: row.created_at,
      origin: row.origin as SnapshotOrigin,
      reason: row.reason,
      ...content,
    });
    verifySnapshot(s, this.forms);
    return s;
  }

  async listSnapshots(): Promise<SnapshotSummary[]> {
    const rows = await this.db
      .selectFrom('rollout_snapshots')
      .select(['id', 'number', 'parent', 'digest', 'created_at', 'origin', 'reason', 'announcements', 'bindings'])
      .orderBy('number', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      number: r.number,
      parent: r.parent,
      digest: r.digest,
      createdAt: r.created_at,
      origin: r.origin as SnapshotOrigin,
      reason: r.reason,
      announcements: r.announcements,
      bindings: r.bindings,
    }));
  }

  /** Inserts or rewrites the rollout's row in one statement; its place in the list is its first write. */
  async putRollout(r: Rollout): Promise<void> {
    await writeRollout(this.db, r);
  }

  async getRollout(id: string): Promise<Rollout | undefined> {
    const row = await this.db.selectFrom('rollout_rollouts').select('body').where('id', '=', id).executeTakeFirst();
    return row && fromJson<Rollout>(row.body);
  }

  async listRollouts(): Promise<Rollout[]> {
    const rows = await this.db.selectFrom('rollout_rollouts').select('body').orderBy('seq', 'desc').execute();
    return rows.map((r) => fromJson<Rollout>(r.body));
  }

  /** Into the one audit log (src/store/audit-log.ts): the engine's effects are AuditEvents already. */
  async appendAudit(e: AuditEvent): Promise<void> {
    await appendAudit(this.base, [e]);
  }

  /** The rollout entries of the one audit log, oldest first, as appended. */
  async listAudit(): Promise<AuditEvent[]> {
    const { items } = await readAudit(this.base, { object_types: ROLLOUT_OBJECT_TYPES, page: 1, per_page: 1_000_000 });
    return items.reverse();
  }

  async loadState(): Promise<EngineState | undefined> {
    const row = await this.db.selectFrom('rollout_engine_state').select('state').executeTakeFirst();
    return row && fromJson<EngineState>(row.state);
  }

  /** One row per verdict, written before the API answers; the same id again is ignored. */
  async putVerdict(v: ExternalVerdict & { id: string }): Promise<void> {
    await this.db
      .insertInto('rollout_verdicts')
      .values({
        id: v.id,
        at_ms: v.at,
        source: v.source,
        rollout_id: v.rolloutId,
        location: v.location,
        status: v.status,
        reason: v.reason,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  async listVerdicts(since: number, limit = 10_000): Promise<ExternalVerdict[]> {
    const rows = await this.db
      .selectFrom('rollout_verdicts')
      .select(['id', 'at_ms', 'source', 'rollout_id', 'location', 'status', 'reason'])
      .where('at_ms', '>=', since)
      .orderBy('seq', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse().map((r) => ({
      id: r.id,
      at: Number(r.at_ms),
      source: r.source,
      rolloutId: r.rollout_id,
      location: r.location,
      status: r.status as ExternalVerdict['status'],
      reason: r.reason,
    }));
  }

  /**
   * The state, the rollouts a step changed and the audit events it emitted, in one transaction: the
   * engine's effects reach the one audit log together with the step that caused them, or not at all.
   */
  async saveState(s: EngineState, changed: readonly Rollout[] = [], audit: readonly AuditEvent[] = []): Promise<void> {
    if (changed.length === 0 && audit.length === 0) return writeState(this.db, s);
    await this.base.transaction().execute(async (trx) => {
      const t = trx.withTables<RolloutTables>() as unknown as Kysely<RolloutTables>;
      for (const r of changed) await writeRollout(t, r);
      await writeState(t, s);
      await appendAudit(trx, audit);
    });
  }
}

async function writeRollout(db: Kysely<RolloutTables>, r: Rollout): Promise<void> {
  await db
    .insertInto('rollout_rollouts')
    .values({
      id: r.id,
      snapshot_id: r.snapshotId,
      status: r.status,
      created_at_ms: r.createdAt,
      body: json(r),
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        snapshot_id: eb.ref('excluded.snapshot_id'),
        status: eb.ref('excluded.status'),
        created_at_ms: eb.ref('excluded.created_at_ms'),
        body: eb.ref('excluded.body'),
        updated_at: sql`now()`,
      })),
    )
    .execute();
}

async function writeState(db: Kysely<RolloutTables>, s: EngineState): Promise<void> {
  await db
    .insertInto('rollout_engine_state')
    .values({ singleton: true, state: json(s) })
    .onConflict((oc) =>
      oc.column('singleton').doUpdateSet((eb) => ({ state: eb.ref('excluded.state'), updated_at: sql`now()` })),
    )
    .execute();
}
