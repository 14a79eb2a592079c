// The conformance suite of the addressing store: the service's rules over a real database. Run against
// embedded PGlite and PostgreSQL by addressing-store.test.ts; both must behave the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPendingDeleteCleanup } from '../addressing/cleanup.js';
import type { Actor } from '../addressing/model.js';
import { SERVICES } from '../addressing/model.js';
import { TEST_ASNS, TEST_OWNERSHIP } from '../addressing/ownership-world.case.js';
import { AddressingService } from '../addressing/service.js';
import { effectiveBinding } from '../addressing/validate.js';
import { systemClock } from '../lib/clock.js';
import { parsePrefix } from '../lib/prefix.js';
import { type OpenedStore, randomIds } from './harness.js';

const admin: Actor = { kind: 'cli', id: 'cli:test', account_id: null, scopes: ['admin'], request_id: 'req-admin' };

async function rejects(p: Promise<unknown>, code: string, text?: string | RegExp): Promise<void> {
  let err: { code?: string; message?: string } | undefined;
  try {
    await p;
  } catch (e) {
    err = e as { code?: string; message?: string };
  }
  expect(err, `expected ${code}`).toBeDefined();
  expect(err?.code).toBe(code);
  if (text !== undefined) expect(err?.message).toMatch(text);
}

export function addressingStoreCases(open: () => Promise<OpenedStore>): void {
  let opened: OpenedStore;
  let svc: AddressingService;
  let a: string;
  let b: string;
  let writerA: Actor;
  let readerA: Actor;
  let writerB: Actor;
  let n = 0;
  // every test gets its own address space so they stay independent on one database
  const space = () => `198.${18 + (n >> 8)}.${n++ & 255}.0/24`;

  beforeAll(async () => {
    opened = await open();
    svc = new AddressingService(opened.store, systemClock, randomIds, TEST_OWNERSHIP);
    a = (await svc.accounts.create(admin, 'alpha')).id;
    b = (await svc.accounts.create(admin, 'beta')).id;
    await svc.accounts.setAsns(admin, a, TEST_ASNS);
    await svc.accounts.setAsns(admin, b, TEST_ASNS);
    writerA = { kind: 'token', id: 'tok-wa', account_id: a, scopes: ['addressing:write'], request_id: 'req-1' };
    readerA = { kind: 'token', id: 'tok-ra', account_id: a, scopes: ['addressing:read'], request_id: 'req-2' };
    writerB = { kind: 'token', id: 'tok-wb', account_id: b, scopes: ['addressing:write'], request_id: 'req-3' };
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('creates, reads, lists, edits a prefix; lists filter by explicit state', async () => {
    const cidr = space();
    const p = await svc.prefixes.create(writerA, a, { cidr, asn: 64500, description: 'one' });
    expect(p).toMatchObject({ account_id: a, cidr, asn: 64500, approved: 'P', state: 'active', loa_document_id: null });
    expect(await svc.prefixes.get(readerA, a, p.id)).toEqual(p);
    const listed = await svc.prefixes.list(readerA, a, 'active', { page: 1, per_page: 1000 });
    expect(listed.items.map((x) => x.id)).toContain(p.id);
    expect(listed.total_count).toBe(listed.items.length);
    const edited = await svc.prefixes.edit(writerA, a, p.id, { description: 'two', state: 'pending_delete' });
    expect(edited).toMatchObject({ description: 'two', state: 'pending_delete' });
    const pending = await svc.prefixes.list(readerA, a, 'pending_delete', { page: 1, per_page: 1000 });
    expect(pending.items.map((x) => x.id)).toEqual([p.id]);
    expect(
      (await svc.prefixes.list(readerA, a, 'active', { page: 1, per_page: 1000 })).items.map((x) => x.id),
    ).not.toContain(p.id);
    await svc.prefixes.edit(writerA, a, p.id, { state: 'active' });
  });

  it('rejects non-canonical and too specific cidrs, and overlaps across accounts', async () => {
    await rejects(
      svc.prefixes.create(writerA, a, { cidr: '203.0.113.1/24', asn: 64500 }),
      'E_ADDR_CIDR',
      /203\.0\.113\.0\/24/,
    );
    await rejects(svc.prefixes.create(writerA, a, { cidr: '203.0.113.0/25', asn: 64500 }), 'E_ADDR_TOO_SPECIFIC');
    await rejects(svc.prefixes.create(writerA, a, { cidr: '203.0.113.0/24', asn: 0 }), 'E_ADDR_INVALID', /asn/);
    const cidr = space();
    await svc.prefixes.create(writerA, a, { cidr, asn: 64500 });
    await rejects(svc.prefixes.create(writerB, b, { cidr, asn: 64501 }), 'E_ADDR_OVERLAP', /other accounts/);
    const wider = `${cidr.split('.').slice(0, 2).join('.')}.0.0/16`;
    await rejects(svc.prefixes.create(writerA, a, { cidr: wider, asn: 64500 }), 'E_ADDR_OVERLAP');
  });

  it('enforces tenancy (404) and scopes (403)', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    await rejects(svc.prefixes.get(writerB, b, p.id), 'E_ADDR_NOT_FOUND');
    await rejects(svc.prefixes.get(writerB, a, p.id), 'E_ADDR_NOT_FOUND');
    await rejects(svc.prefixes.edit(readerA, a, p.id, { description: 'x' }), 'E_ADDR_FORBIDDEN', /addressing:write/);
    await rejects(svc.accounts.create(writerA, 'x'), 'E_ADDR_FORBIDDEN', /admin/);
  });

  it('creates BGP prefixes withdrawn; advertising needs validation; delete needs withdrawal', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    await rejects(svc.bgp.create(writerA, a, p.id, '10.0.0.0/24'), 'E_ADDR_OUTSIDE_PREFIX');
    const bp = await svc.bgp.create(writerA, a, p.id, p.cidr);
    expect(bp.on_demand).toEqual({
      advertised: false,
      advertised_modified_at: null,
      on_demand_enabled: true,
      on_demand_locked: false,
    });
    await rejects(svc.bgp.create(writerA, a, p.id, p.cidr), 'E_ADDR_DUPLICATE');
    await rejects(svc.bgp.edit(writerA, a, p.id, bp.id, { on_demand: { advertised: true } }), 'E_ADDR_NOT_APPROVED');
    await svc.prefixes.validate(writerA, a, p.id);
    const adv = await svc.bgp.edit(writerA, a, p.id, bp.id, {
      on_demand: { advertised: true },
      asn_prepend_count: 2,
    });
    expect(adv.on_demand.advertised).toBe(true);
    expect(adv.asn_prepend_count).toBe(2);
    expect(adv.on_demand.advertised_modified_at).not.toBeNull();
    expect(await svc.bgp.status(readerA, a, p.id)).toEqual({
      advertised: true,
      advertised_modified_at: adv.on_demand.advertised_modified_at,
      cidr: p.cidr,
    });
    await rejects(svc.bgp.delete(writerA, a, p.id, bp.id), 'E_ADDR_STILL_ADVERTISED');
    await rejects(
      svc.bgp.edit(writerA, a, p.id, bp.id, { asn_prepend_count: 4 }),
      'E_ADDR_INVALID',
      /asn_prepend_count/,
    );
    await svc.bgp.editStatus(writerA, a, p.id, false);
    expect((await svc.bgp.get(readerA, a, p.id, bp.id)).on_demand.advertised).toBe(false);
    await svc.bgp.delete(writerA, a, p.id, bp.id);
    await rejects(svc.bgp.get(readerA, a, p.id, bp.id), 'E_ADDR_NOT_FOUND');
  });

  it('deletes a prefix only when nothing is advertised or bound, naming each blocker', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    await svc.prefixes.validate(writerA, a, p.id);
    const bp = await svc.bgp.create(writerA, a, p.id, p.cidr);
    await svc.bgp.edit(writerA, a, p.id, bp.id, { on_demand: { advertised: true } });
    const bind = await svc.bindings.create(writerA, a, p.id, { cidr: p.cidr, service_id: SERVICES.cdn.id });
    let msg = '';
    try {
      await svc.prefixes.delete(writerA, a, p.id);
    } catch (e) {
      msg = (e as Error).message;
      expect((e as { code: string }).code).toBe('E_ADDR_DELETE_BLOCKED');
    }
    expect(msg).toContain(bp.id);
    expect(msg).toContain(bind.id);
    expect((await svc.prefixes.get(readerA, a, p.id)).state).toBe('active');
    await svc.bgp.edit(writerA, a, p.id, bp.id, { on_demand: { advertised: false } });
    await svc.bindings.delete(writerA, a, p.id, bind.id);
    const gone = await svc.prefixes.delete(writerA, a, p.id);
    expect(gone.state).toBe('deleted');
    await rejects(svc.prefixes.get(readerA, a, p.id), 'E_ADDR_NOT_FOUND');
    const deleted = await svc.prefixes.list(readerA, a, 'deleted', { page: 1, per_page: 1000 });
    expect(deleted.items.map((x) => x.id)).toContain(p.id);
    // its withdrawn BGP prefix went with it, and the space is free again
    await svc.prefixes.create(writerA, a, { cidr: p.cidr, asn: 64500 });
  });

  it('bindings: the first covers the prefix, the most specific wins, the whole one goes last', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    const sub = p.cidr.replace('.0/24', '.128/25');
    await rejects(
      svc.bindings.create(writerA, a, p.id, { cidr: sub, service_id: SERVICES.cdn.id }),
      'E_ADDR_FIRST_BINDING',
    );
    await rejects(
      svc.bindings.create(writerA, a, p.id, { cidr: p.cidr, service_id: 'nope' }),
      'E_ADDR_UNKNOWN_SERVICE',
    );
    const whole = await svc.bindings.create(writerA, a, p.id, { cidr: p.cidr, service_id: SERVICES.cdn.id });
    const spec = await svc.bindings.create(writerA, a, p.id, { cidr: sub, service_id: SERVICES.spectrum.id });
    expect(spec).toMatchObject({ service_name: 'Spectrum', provisioning: { state: 'provisioning' } });
    const all = await svc.bindings.list(readerA, a, p.id);
    expect(all.map((x) => x.id).sort()).toEqual([whole.id, spec.id].sort());
    expect(effectiveBinding(all, parsePrefix(sub.replace('/25', '/32')))?.id).toBe(spec.id);
    expect(effectiveBinding(all, parsePrefix(p.cidr.replace('.0/24', '.1/32')))?.id).toBe(whole.id);
    await rejects(svc.bindings.delete(writerA, a, p.id, whole.id), 'E_ADDR_BINDING_IN_USE', new RegExp(spec.id));
    await svc.bindings.delete(writerA, a, p.id, spec.id);
    await svc.bindings.delete(writerA, a, p.id, whole.id);
    expect(await svc.bindings.list(readerA, a, p.id)).toEqual([]);
  });

  it('delegations let another account bind inside the delegated cidr only', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    await svc.bindings.create(writerA, a, p.id, { cidr: p.cidr, service_id: SERVICES.magic_transit.id });
    const half = p.cidr.replace('/24', '/25');
    const other = p.cidr.replace('.0/24', '.128/25');
    await rejects(
      svc.delegations.create(writerA, a, p.id, { cidr: half, delegated_account_id: a }),
      'E_ADDR_DELEGATION',
    );
    const d = await svc.delegations.create(writerA, a, p.id, { cidr: half, delegated_account_id: b });
    expect(d).toMatchObject({ parent_prefix_id: p.id, delegated_account_id: b, cidr: half });
    expect((await svc.prefixes.get(writerB, b, p.id)).id).toBe(p.id);
    await rejects(
      svc.bindings.create(writerB, b, p.id, { cidr: other, service_id: SERVICES.cdn.id }),
      'E_ADDR_OUTSIDE_PREFIX',
    );
    const mine = await svc.bindings.create(writerB, b, p.id, { cidr: half, service_id: SERVICES.dedicated_egress.id });
    expect((await svc.bindings.list(writerB, b, p.id)).map((x) => x.id)).toEqual([mine.id]);
    await rejects(svc.delegations.delete(writerA, a, p.id, d.id), 'E_ADDR_STATE', new RegExp(mine.id));
    await svc.bindings.delete(writerB, b, p.id, mine.id);
    await svc.delegations.delete(writerA, a, p.id, d.id);
    await rejects(svc.prefixes.get(writerB, b, p.id), 'E_ADDR_NOT_FOUND');
  });

  it('writes the audit entry with actor, request id, before and after', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500, description: 'audited' });
    await svc.prefixes.edit({ ...writerA, request_id: 'req-edit-42' }, a, p.id, { description: 'changed' });
    const log = await svc.listAudit(readerA, a, { page: 1, per_page: 5 });
    const e = log.items[0];
    expect(e).toMatchObject({
      action: 'prefix.edit',
      object_id: p.id,
      actor_kind: 'token',
      actor_id: 'tok-wa',
      request_id: 'req-edit-42',
    });
    expect((e?.before as { description?: string } | undefined)?.description).toBe('audited');
    expect((e?.after as { description?: string } | undefined)?.description).toBe('changed');
    expect(log.total_count).toBeGreaterThan(5);
    await rejects(svc.listAudit(writerB, a, { page: 1, per_page: 5 }), 'E_ADDR_NOT_FOUND');
  });

  it('a failing write changes nothing, audit included (one transaction)', async () => {
    const before = (await svc.listAudit(readerA, a, { page: 1, per_page: 1 })).total_count;
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    const after = (await svc.listAudit(readerA, a, { page: 1, per_page: 1 })).total_count;
    expect(after).toBe(before + 1);
    await expect(
      opened.store.transaction(async (tx) => {
        await tx.updatePrefix({ ...p, description: 'half-applied' });
        await tx.insertAudit({
          id: randomIds.next(),
          account_id: a,
          at: new Date().toISOString(),
          actor_kind: 'token',
          actor_id: 'x',
          request_id: 'r',
          action: 'prefix.edit',
          object_type: 'prefix',
          reason: null,
          object_id: p.id,
          before: null,
          after: null,
        });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await svc.prefixes.get(readerA, a, p.id)).description).toBe('');
    expect((await svc.listAudit(readerA, a, { page: 1, per_page: 1 })).total_count).toBe(after);
  });

  it('the database refuses overlapping live prefixes even when two creates race', async () => {
    const cidr = space();
    const results = await Promise.allSettled([
      svc.prefixes.create(writerA, a, { cidr, asn: 64500 }),
      svc.prefixes.create(writerB, b, { cidr, asn: 64501 }),
      svc.prefixes.create(writerA, a, { cidr, asn: 64502 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  it('exports the desired state: live prefixes, BGP prefixes with advertised flag, bindings, delegations', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    await svc.prefixes.validate(writerA, a, p.id);
    const bp = await svc.bgp.create(writerA, a, p.id, p.cidr);
    await svc.bgp.edit(writerA, a, p.id, bp.id, { on_demand: { advertised: true } });
    await svc.bindings.create(writerA, a, p.id, { cidr: p.cidr, service_id: SERVICES.cdn.id });
    const s = await svc.exportDesiredState();
    expect(s.accounts.map((x) => x.id)).toEqual(expect.arrayContaining([a, b]));
    expect(s.prefixes.find((x) => x.id === p.id)?.approved).toBe('V');
    expect(s.bgp_prefixes.find((x) => x.id === bp.id)?.on_demand.advertised).toBe(true);
    expect(s.bindings.some((x) => x.prefix_id === p.id)).toBe(true);
    expect(s.prefixes.every((x) => x.state !== 'deleted')).toBe(true);
  });

  it('the cleanup job deletes exactly the pending_delete prefixes it can, naming each', async () => {
    const keep = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    const go = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    const bound = await svc.prefixes.create(writerB, b, { cidr: space(), asn: 64501 });
    await svc.bindings.create(writerB, b, bound.id, { cidr: bound.cidr, service_id: SERVICES.cdn.id });
    await svc.prefixes.edit(writerA, a, go.id, { state: 'pending_delete' });
    await svc.prefixes.edit(writerB, b, bound.id, { state: 'pending_delete' });
    await rejects(runPendingDeleteCleanup(svc, { runId: 'run-cap', maxDeletes: 1 }), 'E_ADDR_JOB_CAP');
    expect((await svc.prefixes.get(readerA, a, go.id)).state).toBe('pending_delete');
    const r = await runPendingDeleteCleanup(svc, { runId: 'run-1', maxDeletes: 100 });
    expect(r.deleted).toEqual([go.id]);
    expect(r.skipped.map((s) => [s.id, s.code])).toEqual([[bound.id, 'E_ADDR_DELETE_BLOCKED']]);
    expect((await svc.prefixes.get(readerA, a, keep.id)).state).toBe('active');
    const log = await svc.listAudit(readerA, a, { page: 1, per_page: 1 });
    expect(log.items[0]).toMatchObject({
      action: 'prefix.delete',
      object_id: go.id,
      actor_kind: 'job',
      actor_id: 'job:pending-delete-cleanup',
      request_id: 'run-1',
    });
  });

  it('optimistic BGP edit: a stale version writes nothing; concurrent edits all land, each audited', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    await svc.prefixes.validate(writerA, a, p.id);
    const bp = await svc.bgp.create(writerA, a, p.id, p.cidr);
    const found = await opened.store.read((tx) => tx.getBgpPrefixWithParent(bp.id));
    if (!found) throw new Error('not found');
    expect(found.parent.id).toBe(p.id);
    const auditBefore = (await svc.listAudit(readerA, a, { page: 1, per_page: 1 })).total_count;
    // the parent changes between the read and the write: the write must not happen
    await svc.prefixes.edit(writerA, a, p.id, { description: 'changed meanwhile' });
    const entry = {
      id: randomIds.next(),
      account_id: a,
      at: new Date().toISOString(),
      actor_kind: 'token' as const,
      actor_id: 'x',
      request_id: 'r',
      action: 'bgp_prefix.edit',
      object_type: 'bgp_prefix' as const,
      object_id: bp.id,
      before: null,
      after: null,
      reason: null,
    };
    const wrote = await opened.store.read((tx) =>
      tx.updateBgpPrefixIfUnchanged(found.version, { ...found.bgp, asn_prepend_count: 3 }, entry),
    );
    expect(wrote).toBe(false);
    expect((await svc.bgp.get(readerA, a, p.id, bp.id)).asn_prepend_count).toBe(0);
    expect((await svc.listAudit(readerA, a, { page: 1, per_page: 1 })).total_count).toBe(auditBefore + 1);
    // with a fresh version it writes, audit included
    const fresh = await opened.store.read((tx) => tx.getBgpPrefixWithParent(bp.id));
    if (!fresh) throw new Error('not found');
    expect(
      await opened.store.read((tx) =>
        tx.updateBgpPrefixIfUnchanged(
          fresh.version,
          { ...fresh.bgp, asn_prepend_count: 3 },
          { ...entry, id: randomIds.next() },
        ),
      ),
    ).toBe(true);
    expect((await svc.bgp.get(readerA, a, p.id, bp.id)).asn_prepend_count).toBe(3);
    // twelve writers on one row: every edit lands once (retries, then locks), each with its audit entry
    const before = (await svc.listAudit(readerA, a, { page: 1, per_page: 1 })).total_count;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        svc.bgp.edit(writerA, a, p.id, bp.id, { on_demand: { advertised: i % 2 === 0 } }),
      ),
    );
    expect((await svc.listAudit(readerA, a, { page: 1, per_page: 1 })).total_count).toBe(before + 12);
  });

  it('a job deletion states its precondition: a prefix taken back from pending_delete stays', async () => {
    const p = await svc.prefixes.create(writerA, a, { cidr: space(), asn: 64500 });
    await svc.prefixes.edit(writerA, a, p.id, { state: 'pending_delete' });
    const job = {
      kind: 'job' as const,
      id: 'job:test',
      account_id: null,
      scopes: ['operator' as const],
      request_id: 'j',
    };
    const seen = await svc.prefixes.inState(job, 'pending_delete', '', 1000);
    expect(seen.map((x) => x.id)).toContain(p.id);
    // between the job's listing and its delete, the customer takes the prefix back
    await svc.prefixes.edit(writerA, a, p.id, { state: 'active' });
    await rejects(
      svc.prefixes.delete(job, a, p.id, { expectState: 'pending_delete' }),
      'E_ADDR_PRECONDITION',
      /active, not pending_delete/,
    );
    expect((await svc.prefixes.get(readerA, a, p.id)).state).toBe('active');
    await rejects(svc.prefixes.inState(writerA, 'pending_delete', '', 10), 'E_ADDR_FORBIDDEN', /operator/);
  });

  describe('tokens', () => {
    it('stores the hash, finds it, revokes it', async () => {
      const t = await svc.tokens.create(admin, {
        account_id: a,
        name: 'ci',
        scopes: ['addressing:read'],
        token_hash: 'ab'.repeat(32),
      });
      expect((await opened.store.tokenByHash('ab'.repeat(32)))?.id).toBe(t.id);
      const r = await svc.tokens.revoke(admin, t.id);
      expect(r.revoked_at).not.toBeNull();
      expect((await opened.store.tokenByHash('ab'.repeat(32)))?.revoked_at).not.toBeNull();
      expect((await svc.tokens.list(admin, a)).map((x) => x.id)).toContain(t.id);
    });
  });
}
