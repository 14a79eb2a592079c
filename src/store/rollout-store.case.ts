// The conformance suite of the RolloutStore port (src/rollout/ports.ts): what the rollout engine relies on.
// Run by rollout-store.test.ts against the in-memory store, embedded PGlite and PostgreSQL.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initialGuardState } from '../rollout/guard.js';
import type { AuditEvent, EngineState, Rollout, RolloutStore } from '../rollout/ports.js';
import { makeContent, seal } from '../snapshot/compile.js';
import type { Announcement, Binding, Snapshot, SnapshotContent } from '../snapshot/model.js';

export interface OpenedRolloutStore {
  store: RolloutStore;
  close(): Promise<void>;
}

/** Small but varied content: scoped and global entries, communities, prepends, IPv6, odd text. */
export function sampleContent(seed: number, size = 20): SnapshotContent {
  const announcements: Announcement[] = [];
  const bindings: Binding[] = [];
  for (let i = 0; i < size; i++) {
    const account = `acct-${(seed + i) % 3}`;
    const prefix = i % 4 === 3 ? `2001:db8:${(seed * 64 + i).toString(16)}::/48` : `198.${18 + (seed & 1)}.${i}.0/24`;
    announcements.push({
      prefix,
      account,
      origin: 64500 + (i % 5),
      prepends: i % 3,
      communities: i % 2 ? ['13335:100', `13335:${seed}:${i}`] : [],
      locations: i % 5 === 0 ? ['ams', 'fra'] : '*',
    });
    if (i % 2 === 0)
      bindings.push({ id: `b-${seed}-${i}`, account, prefix, service: 'cdn', locations: i % 4 === 0 ? ['ams'] : '*' });
  }
  return makeContent(announcements, bindings, null);
}

/** Seals `content` as the snapshot after `prev`. */
export function next(prev: Snapshot | null, content: SnapshotContent, reason = 'test'): Snapshot {
  return seal(content, {
    number: (prev?.number ?? 0) + 1,
    parent: prev?.id ?? null,
    createdAt: new Date(Date.UTC(2026, 1, 20, 17, 0, prev?.number ?? 0)).toISOString(),
    origin: 'compile',
    reason,
  });
}

export function rollout(id: string, s: Snapshot, createdAt: number): Rollout {
  return {
    id,
    snapshotId: s.id,
    snapshotNumber: s.number,
    kind: 'progressive',
    status: 'queued',
    baselineId: null,
    stages: [{ name: 'canary', locations: ['ams'], bakeMs: 300_000, deployedAt: null, passedAt: null }],
    stageIndex: 0,
    pause: null,
    touched: [],
    guard: null,
    approval: null,
    halt: null,
    gates: [],
    events: [{ at: createdAt, event: 'proposed', detail: `snapshot #${s.number}` }],
    createdAt,
    createdBy: 'controller',
    reason: 'desired state changed',
  };
}

export function rolloutStoreCases(open: () => Promise<OpenedRolloutStore>): void {
  let opened: OpenedRolloutStore;
  let store: RolloutStore;
  // Snapshots are numbered in one history per store: the tests extend it in order.
  let last: Snapshot | null = null;
  const add = async (content: SnapshotContent, reason?: string) => {
    const s = next(last, content, reason);
    await store.putSnapshot(s);
    last = s;
    return s;
  };

  beforeAll(async () => {
    opened = await open();
    store = opened.store;
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('starts empty', async () => {
    expect(await store.listSnapshots()).toEqual([]);
    expect(await store.listRollouts()).toEqual([]);
    expect(await store.listAudit()).toEqual([]);
    expect(await store.loadState()).toBeUndefined();
    expect(await store.getSnapshot('0'.repeat(64))).toBeUndefined();
    expect(await store.getRollout('r-none')).toBeUndefined();
  });

  it('gives a snapshot back exactly as stored, frozen, and lists summaries newest first', async () => {
    const a = await add(sampleContent(1), 'first compile');
    const b = await add(sampleContent(2, 33), 'second: ünïcødé, "quotes", \\ and\nnewline');
    const back = (await store.getSnapshot(b.id)) as Snapshot;
    expect(back).toEqual(b);
    expect(Object.isFrozen(back)).toBe(true);
    expect(Object.isFrozen(back.announcements[0])).toBe(true);
    const list = await store.listSnapshots();
    expect(list.map((s) => s.id)).toEqual([b.id, a.id]);
    expect(list[0]).toEqual({
      id: b.id,
      number: b.number,
      parent: a.id,
      digest: b.digest,
      createdAt: b.createdAt,
      origin: 'compile',
      reason: b.reason,
      announcements: 33,
      bindings: b.bindings.length,
    });
    expect(list[1]?.parent).toBeNull();
  });

  it('stores a snapshot once: putting it again changes nothing', async () => {
    const s = await add(sampleContent(3));
    const before = await store.listSnapshots();
    await store.putSnapshot(s);
    expect(await store.listSnapshots()).toEqual(before);
    expect(await store.getSnapshot(s.id)).toEqual(s);
  });

  it('keeps the empty snapshot and the withdraw-all mark', async () => {
    const empty = await add(makeContent([], [], null));
    const marked = await add({
      ...makeContent([], [], null),
      withdrawAll: { approvalId: 'ap-1', approvedBy: 'ops:alice', reason: 'decommission' },
    });
    expect(await store.getSnapshot(empty.id)).toEqual(empty);
    expect(await store.getSnapshot(marked.id)).toEqual(marked);
    expect((await store.getSnapshot(marked.id))?.withdrawAll?.approvedBy).toBe('ops:alice');
  });

  it('old content under a new number is a new snapshot with the old digest', async () => {
    const first = (await store.listSnapshots()).at(-1) as { id: string; digest: string };
    const again = await add((await store.getSnapshot(first.id)) as Snapshot satisfies SnapshotContent);
    expect(again.id).not.toBe(first.id);
    expect(again.digest).toBe(first.digest);
    const hits = (await store.listSnapshots()).filter((s) => s.digest === first.digest).map((s) => s.id);
    expect(hits).toEqual([again.id, first.id]);
  });

  it('rewrites a rollout in place and lists rollouts newest first (by first write)', async () => {
    const s = last as Snapshot;
    const r1 = rollout('r-0001', s, 1000);
    const r2 = rollout('r-0002', s, 2000);
    await store.putRollout(r1);
    await store.putRollout(r2);
    r1.status = 'running';
    r1.stages[0] = { ...(r1.stages[0] as Rollout['stages'][0]), deployedAt: 1500 };
    r1.events.push({ at: 1500, event: 'deployed', detail: 'stage canary: 1 locations' });
    r1.guard = {
      verdict: 'hold',
      restoringOnly: false,
      withdrawals: 46,
      unbinds: 0,
      violations: [{ kind: 'withdrawals', scope: 'global', key: '*', count: 46, base: 6500, allowed: 32 }],
      summary: 'over the network limit',
    };
    r1.approval = { id: 'ap-7', by: 'ops:bob', reason: 'planned migration', at: 1400 };
    await store.putRollout(r1);
    expect(await store.getRollout('r-0001')).toEqual(r1);
    expect((await store.listRollouts()).map((r) => [r.id, r.status])).toEqual([
      ['r-0002', 'queued'],
      ['r-0001', 'running'],
    ]);
  });

  it('hands out copies: changing what was put or read does not change what is stored', async () => {
    const r = rollout('r-0003', last as Snapshot, 3000);
    await store.putRollout(r);
    r.status = 'aborted';
    const read = (await store.getRollout('r-0003')) as Rollout;
    expect(read.status).toBe('queued');
    read.events.push({ at: 1, event: 'x', detail: 'y' });
    expect((await store.getRollout('r-0003'))?.events).toHaveLength(1);
  });

  it('appends audit events and lists them oldest first', async () => {
    const a: AuditEvent = {
      id: 'ev-1',
      at: '2026-02-20T17:00:00.000Z',
      account_id: null,
      actor_kind: 'person',
      actor_id: 'ops:alice',
      request_id: 'req-1',
      action: 'breaker.reset',
      object_type: 'breaker',
      object_id: 'breaker',
      before: { tripped: true },
      after: { tripped: false },
      reason: 'checked',
    };
    const b: AuditEvent = {
      id: 'ev-2',
      at: '2026-02-20T17:00:01.000Z',
      account_id: 'acct-1',
      actor_kind: 'system',
      actor_id: 'system:guard',
      request_id: 'engine',
      action: 'breaker.trip',
      object_type: 'rollout',
      object_id: 'r-0002',
      before: null,
      after: { violations: [{ kind: 'withdrawals', scope: 'global', count: 46, limit: 32 }], note: null },
      reason: 'over the network limit',
    };
    await store.appendAudit(a);
    await store.appendAudit(b);
    (a as { reason: string }).reason = 'changed after the fact';
    expect(await store.listAudit()).toEqual([{ ...a, reason: 'checked' }, b]);
  });

  it('saves the engine state and the rollouts a step changed together', async () => {
    const s = last as Snapshot;
    const r = rollout('r-0042', s, 4200);
    r.status = 'running';
    const state: EngineState = {
      baselineId: s.id,
      goodIds: [s.id],
      assigned: { ams: s.id },
      guard: initialGuardState(),
      nextRollout: 43,
    };
    await store.saveState(state, [r]);
    expect(await store.loadState()).toEqual(state);
    expect(await store.getRollout('r-0042')).toEqual(r);
  });

  it('saves and loads the engine state, the last save winning', async () => {
    const s = last as Snapshot;
    const state: EngineState = {
      baselineId: s.id,
      goodIds: [s.id],
      assigned: { ams: s.id, fra: s.id },
      guard: initialGuardState(),
      nextRollout: 4,
    };
    await store.saveState(state);
    expect(await store.loadState()).toEqual(state);
    state.guard = {
      breaker: { tripped: true, since: 5000, reason: 'r-0002 held' },
      admitted: [
        {
          at: 4000,
          rolloutId: 'r-0001',
          approvalId: null,
          withdrawn: [...s.announcements.slice(0, 2)],
          unbound: [...s.bindings.slice(0, 1)],
        },
      ],
    };
    state.nextRollout = 5;
    await store.saveState(state);
    expect(await store.loadState()).toEqual(state);
  });

  it('keeps each verdict once, as given, and lists them oldest first from `since` (the newest `limit`)', async () => {
    const v = (id: string, at: number, status: 'pass' | 'fail' = 'pass') => ({
      id,
      at,
      source: 'canary-analysis',
      rolloutId: at % 2 ? 'r12' : null,
      location: at % 3 ? 'ams' : null,
      status,
      reason: `verdict ${id}: ünïcødé "ok"`,
    });
    expect(await store.listVerdicts(0)).toEqual([]);
    await store.putVerdict(v('v1', 1000));
    await store.putVerdict(v('v2', 2001, 'fail'));
    await store.putVerdict(v('v2', 2001, 'pass')); // the same verdict again: ignored
    await store.putVerdict(v('v3', 3000));
    expect(await store.listVerdicts(0)).toEqual([v('v1', 1000), v('v2', 2001, 'fail'), v('v3', 3000)]);
    expect((await store.listVerdicts(2001)).map((x) => x.id)).toEqual(['v2', 'v3']);
    expect((await store.listVerdicts(0, 2)).map((x) => x.id)).toEqual(['v2', 'v3']);
  });
}
