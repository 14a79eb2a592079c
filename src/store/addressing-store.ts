// The addressing store: src/addressing/ports.ts over Kysely, one implementation for PGlite and
// PostgreSQL (the same SQL dialect). Rows map to the plain data of src/addressing/model.ts.

import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { CompiledQuery, sql } from 'kysely';
import { addrError } from '../addressing/errors.js';
import type {
  Account,
  Approval,
  AuditEntry,
  BgpPrefix,
  Delegation,
  OwnershipMethod,
  OwnershipProof,
  Page,
  PageOf,
  Prefix,
  PrefixState,
  ProvisioningState,
  Scope,
  ServiceBinding,
  Token,
  TokenKind,
} from '../addressing/model.js';
import type { AddressingStore, AddressingTx } from '../addressing/ports.js';
import type { QuotaKind } from '../addressing/quotas.js';
import type { JobCaps } from '../lib/audit.js';
import { appendAudit, auditRow, readAudit } from './audit-log.js';
import type {
  BgpPrefixesTable,
  BindingsTable,
  Database,
  DelegationsTable,
  OwnershipProofsTable,
  PrefixesTable,
  RawQuery,
  TokensTable,
} from './db.js';
import type { ChangeWatcher } from './notify.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * A constraint the database enforces after the service's own check passed: two transactions raced (two
 * overlapping creates, each saw no overlap). The loser answers what the non-racing path answers, never a
 * 500: 23P01 (exclusion: prefixes_no_overlap) is E_ADDR_OVERLAP, 23505 (unique (prefix_id, cidr), ...) is
 * E_ADDR_DUPLICATE.
 */
const TX_ATTEMPTS = 12;
/** The advisory lock key of AddressingTx.lockPrefixSpace (any constant: only this store takes it). */
const PREFIX_SPACE_LOCK = 0x66736c31; // 'fsl1'
/** The first key of the per-job advisory locks of AddressingTx.jobChanges (the second: the job id's hash). */
const JOB_LOCK = 0x66736a62; // 'fsjb'

/**
 * Before attempt `n` (2, 3, ...) of a transaction that deadlocked: a random wait that doubles each time (10 ms,
 * 20 ms, ... up to 640 ms), so racing writers stop meeting in the same order; run again at once, they deadlock
 * again (51 racing overlapping creates answered 18 of them 500 after five immediate retries).
 */
function retryPause(n: number): Promise<void> {
  const ceiling = Math.min(640, 10 * 2 ** (n - 2));
  return new Promise((r) => setTimeout(r, Math.random() * ceiling));
}

function rethrowConstraint(e: unknown): never {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === '23P01') {
    throw addrError('E_ADDR_OVERLAP', 'cidr overlaps a prefix created at the same time by another request');
  }
  if (code === '23505') {
    throw addrError('E_ADDR_DUPLICATE', 'an object with this cidr was created at the same time by another request');
  }
  throw e;
}

function iso(v: string | Date): string {
  return v instanceof Date ? v.toISOString() : new Date(v).toISOString();
}
function isoOrNull(v: string | Date | null): string | null {
  return v === null ? null : iso(v);
}

function toPrefix(r: Selectable<PrefixesTable>): Prefix {
  return {
    id: r.id,
    account_id: r.account_id,
    cidr: r.cidr,
    asn: Number(r.asn),
    description: r.description,
    approved: r.approved as Approval,
    loa_document_id: r.loa_document_id,
    state: r.state as PrefixState,
    created_at: iso(r.created_at),
    modified_at: iso(r.modified_at),
  };
}
function fromPrefix(p: Prefix): Insertable<PrefixesTable> {
  return { ...p, net: p.cidr };
}

function toProof(r: Selectable<OwnershipProofsTable>): OwnershipProof {
  return {
    prefix_id: r.prefix_id,
    account_id: r.account_id,
    cidr: r.cidr,
    asn: Number(r.asn),
    method: r.method as OwnershipMethod,
    evidence: r.evidence,
    proven_by: r.proven_by,
    proven_at: iso(r.proven_at),
  };
}

function toBgp(r: Selectable<BgpPrefixesTable>): BgpPrefix {
  return {
    id: r.id,
    prefix_id: r.prefix_id,
    account_id: r.account_id,
    cidr: r.cidr,
    asn: r.asn === null ? null : Number(r.asn),
    asn_prepend_count: r.asn_prepend_count,
    on_demand: {
      advertised: r.advertised,
      advertised_modified_at: isoOrNull(r.advertised_modified_at),
      on_demand_enabled: r.on_demand_enabled,
      on_demand_locked: r.on_demand_locked,
    },
    created_at: iso(r.created_at),
    modified_at: iso(r.modified_at),
  };
}
function fromBgp(b: BgpPrefix): Insertable<BgpPrefixesTable> {
  const { on_demand, ...rest } = b;
  return { ...rest, ...on_demand };
}

function toBinding(r: Selectable<BindingsTable>): ServiceBinding {
  return {
    id: r.id,
    prefix_id: r.prefix_id,
    account_id: r.account_id,
    cidr: r.cidr,
    service_id: r.service_id,
    service_name: r.service_name,
    provisioning: { state: r.provisioning_state as ProvisioningState },
    created_at: iso(r.created_at),
    modified_at: iso(r.modified_at),
  };
}

function toDelegation(r: Selectable<DelegationsTable>): Delegation {
  return { ...r, created_at: iso(r.created_at), modified_at: iso(r.modified_at) };
}

function toToken(r: Selectable<TokensTable>): Token {
  return {
    id: r.id,
    account_id: r.account_id,
    name: r.name,
    scopes: r.scopes.split(' ').filter(Boolean) as Scope[],
    kind: r.kind as TokenKind,
    caps: r.caps === null ? null : ((typeof r.caps === 'string' ? JSON.parse(r.caps) : r.caps) as JobCaps),
    token_hash: r.token_hash,
    created_at: iso(r.created_at),
    revoked_at: isoOrNull(r.revoked_at),
  };
}

// Hot-path statements, as SQL text so they run as named prepared statements on PostgreSQL (outside
// transactions) and through Kysely otherwise (inside transactions, and always on PGlite).
const SQL_PREFIX_BY_ID = 'select * from prefixes where id = $1';
const SQL_LIST_PREFIXES =
  'select *, count(*) over () as total_count from prefixes where account_id = $1 and state = $2 order by id limit $3 offset $4';
const SQL_TOKEN_BY_HASH = 'select * from tokens where token_hash = $1';
const SQL_BGP_WITH_PARENT = `select b.*, p.account_id as p_account_id, p.cidr as p_cidr, p.net as p_net, p.asn as p_asn,
    p.description as p_description, p.approved as p_approved, p.loa_document_id as p_loa_document_id,
    p.state as p_state, p.created_at as p_created_at, p.modified_at as p_modified_at, p.version as p_version
  from bgp_prefixes b join prefixes p on p.id = b.prefix_id where b.id = $1`;
// The parent row is locked FOR SHARE while this statement runs, so a concurrent change of the prefix
// (e.g. to pending_delete) either happened before (its version differs: nothing is written) or waits
// until this commits.
const SQL_BGP_CAS = `with u as (
    update bgp_prefixes set asn = $1, asn_prepend_count = $2, advertised = $3,
      advertised_modified_at = $4::timestamptz, on_demand_enabled = $5, on_demand_locked = $6,
      modified_at = $7::timestamptz, version = version + 1
    where id = $8 and version = $9::bigint
      and exists (select 1 from prefixes where id = $10 and version = $11::bigint for share)
    returning id)
  insert into audit (id, account_id, at, actor_kind, actor_id, request_id, action, object_type, object_id, before, after,
    actor_account_id, reason)
  select $12, $13::text, $14::timestamptz, $15, $16, $17, $18, $19, $20, $21::json, $22::json, $23::text, $24::text from u
  returning id`;

async function query<R>(
  db: Db,
  raw: RawQuery | undefined,
  name: string,
  text: string,
  values: readonly unknown[],
): Promise<R[]> {
  if (raw) return raw<R>(name, text, values);
  return (await db.executeQuery<R>(CompiledQuery.raw(text, values as unknown[]))).rows;
}

class KyselyTx implements AddressingTx {
  /** `raw` only when not inside a transaction (its statements would run on another connection). */
  constructor(
    private readonly db: Db,
    private readonly raw?: RawQuery,
  ) {}

  private q<R>(name: string, text: string, values: readonly unknown[]): Promise<R[]> {
    return query<R>(this.db, this.raw, name, text, values);
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const r = await this.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return r && { ...r, created_at: iso(r.created_at) };
  }
  async listAccounts(): Promise<Account[]> {
    const rs = await this.db.selectFrom('accounts').selectAll().orderBy('created_at').orderBy('id').execute();
    return rs.map((r) => ({ ...r, created_at: iso(r.created_at) }));
  }
  async insertAccount(a: Account): Promise<void> {
    await this.db.insertInto('accounts').values(a).execute();
  }
  async listAccountAsns(accountId: string): Promise<number[]> {
    const rs = await this.db
      .selectFrom('account_asns')
      .select('asn')
      .where('account_id', '=', accountId)
      .orderBy('asn')
      .execute();
    return rs.map((r) => Number(r.asn));
  }
  async setAccountAsns(accountId: string, asns: readonly number[]): Promise<void> {
    await this.db.deleteFrom('account_asns').where('account_id', '=', accountId).execute();
    if (asns.length > 0)
      await this.db
        .insertInto('account_asns')
        .values(asns.map((asn) => ({ account_id: accountId, asn })))
        .execute();
  }
  async getOwnershipProof(prefixId: string): Promise<OwnershipProof | undefined> {
    const r = await this.db
      .selectFrom('ownership_proofs')
      .selectAll()
      .where('prefix_id', '=', prefixId)
      .executeTakeFirst();
    return r && toProof(r);
  }
  async putOwnershipProof(p: OwnershipProof): Promise<void> {
    await this.db
      .insertInto('ownership_proofs')
      .values(p)
      .onConflict((oc) => oc.column('prefix_id').doUpdateSet(p))
      .execute();
  }
  async insertToken(t: Token): Promise<void> {
    await this.db
      .insertInto('tokens')
      .values({ ...t, scopes: t.scopes.join(' '), caps: t.caps === null ? null : JSON.stringify(t.caps) })
      .execute();
  }
  async getToken(id: string): Promise<Token | undefined> {
    const r = await this.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toToken(r);
  }
  async listTokens(accountId: string | null): Promise<Token[]> {
    let q = this.db.selectFrom('tokens').selectAll();
    q = accountId === null ? q.where('account_id', 'is', null) : q.where('account_id', '=', accountId);
    return (await q.orderBy('created_at').orderBy('id').execute()).map(toToken);
  }
  async revokeToken(id: string, at: string): Promise<void> {
    await this.db.updateTable('tokens').set({ revoked_at: at }).where('id', '=', id).execute();
  }

  async getPrefix(id: string, forUpdate = false): Promise<Prefix | undefined> {
    if (forUpdate) {
      const r = await this.db.selectFrom('prefixes').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      return r && toPrefix(r);
    }
    const [r] = await this.q<Selectable<PrefixesTable>>('prefix_by_id', SQL_PREFIX_BY_ID, [id]);
    return r && toPrefix(r);
  }
  async listPrefixes(accountId: string, state: PrefixState, page: Page): Promise<PageOf<Prefix>> {
    const rs = await this.q<Selectable<PrefixesTable> & { total_count: string }>('list_prefixes', SQL_LIST_PREFIXES, [
      accountId,
      state,
      page.per_page,
      (page.page - 1) * page.per_page,
    ]);
    let total = rs.length > 0 ? Number(rs[0]?.total_count) : 0;
    if (rs.length === 0 && page.page > 1) {
      const c = await this.db
        .selectFrom('prefixes')
        .select(sql<string>`count(*)`.as('n'))
        .where('account_id', '=', accountId)
        .where('state', '=', state)
        .executeTakeFirstOrThrow();
      total = Number(c.n);
    }
    return { items: rs.map(toPrefix), total_count: total };
  }
  async listPrefixesByState(state: PrefixState, afterId: string, limit: number): Promise<Prefix[]> {
    const rs = await this.db
      .selectFrom('prefixes')
      .selectAll()
      .where('state', '=', state)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rs.map(toPrefix);
  }
  async lockPrefixSpace(): Promise<void> {
    await sql`select pg_advisory_xact_lock(${PREFIX_SPACE_LOCK})`.execute(this.db);
  }
  async overlappingPrefixes(cidr: string): Promise<Prefix[]> {
    const rs = await this.db
      .selectFrom('prefixes')
      .selectAll()
      .where('state', '<>', 'deleted')
      .where(sql<boolean>`net && ${cidr}::cidr`)
      .orderBy('id')
      .execute();
    return rs.map(toPrefix);
  }
  async insertPrefix(p: Prefix): Promise<void> {
    await this.db.insertInto('prefixes').values(fromPrefix(p)).execute();
  }
  async updatePrefix(p: Prefix): Promise<void> {
    const { id, ...rest } = fromPrefix(p);
    await this.db
      .updateTable('prefixes')
      .set({ ...rest, version: sql`version + 1` })
      .where('id', '=', id)
      .execute();
  }

  async getBgpPrefix(id: string, forUpdate = false): Promise<BgpPrefix | undefined> {
    const q = this.db.selectFrom('bgp_prefixes').selectAll().where('id', '=', id);
    const r = await (forUpdate ? q.forUpdate() : q).executeTakeFirst();
    return r && toBgp(r);
  }
  async listBgpPrefixes(prefixId: string): Promise<BgpPrefix[]> {
    const rs = await this.db
      .selectFrom('bgp_prefixes')
      .selectAll()
      .where('prefix_id', '=', prefixId)
      .orderBy('id')
      .execute();
    return rs.map(toBgp);
  }
  async getBgpPrefixWithParent(id: string): Promise<{ bgp: BgpPrefix; parent: Prefix; version: string } | undefined> {
    type Row = Selectable<BgpPrefixesTable> & {
      p_account_id: string;
      p_cidr: string;
      p_net: string;
      p_asn: string | number;
      p_description: string;
      p_approved: string;
      p_loa_document_id: string | null;
      p_state: string;
      p_created_at: string | Date;
      p_modified_at: string | Date;
      p_version: string;
    };
    const [r] = await this.q<Row>('bgp_with_parent', SQL_BGP_WITH_PARENT, [id]);
    if (!r) return undefined;
    const parent = toPrefix({
      id: r.prefix_id,
      version: r.p_version,
      account_id: r.p_account_id,
      cidr: r.p_cidr,
      net: r.p_net,
      asn: r.p_asn,
      description: r.p_description,
      approved: r.p_approved,
      loa_document_id: r.p_loa_document_id,
      state: r.p_state,
      created_at: r.p_created_at,
      modified_at: r.p_modified_at,
    });
    return { bgp: toBgp(r), parent, version: `${r.version}:${r.p_version}` };
  }
  async insertBgpPrefix(b: BgpPrefix): Promise<void> {
    await this.db.insertInto('bgp_prefixes').values(fromBgp(b)).execute();
  }
  async updateBgpPrefix(b: BgpPrefix, audit?: AuditEntry): Promise<void> {
    const { id, ...rest } = fromBgp(b);
    const set = { ...rest, version: sql<string>`version + 1` };
    if (!audit) {
      await this.db.updateTable('bgp_prefixes').set(set).where('id', '=', id).execute();
      return;
    }
    await this.db
      .with('audit_row', (db) => db.insertInto('audit').values(auditRow(audit)))
      .updateTable('bgp_prefixes')
      .set(set)
      .where('id', '=', id)
      .execute();
  }
  async updateBgpPrefixIfUnchanged(version: string, b: BgpPrefix, audit: AuditEntry): Promise<boolean> {
    const [bv, pv] = version.split(':');
    const a = auditRow(audit);
    const o = b.on_demand;
    const rows = await this.q<{ id: string }>('bgp_cas', SQL_BGP_CAS, [
      b.asn,
      b.asn_prepend_count,
      o.advertised,
      o.advertised_modified_at,
      o.on_demand_enabled,
      o.on_demand_locked,
      b.modified_at,
      b.id,
      bv,
      b.prefix_id,
      pv,
      a.id,
      a.account_id,
      a.at,
      a.actor_kind,
      a.actor_id,
      a.request_id,
      a.action,
      a.object_type,
      a.object_id,
      a.before,
      a.after,
      a.actor_account_id ?? null,
      a.reason ?? null,
    ]);
    return rows.length === 1;
  }
  async deleteBgpPrefix(id: string): Promise<void> {
    await this.db.deleteFrom('bgp_prefixes').where('id', '=', id).execute();
  }

  async getBinding(id: string): Promise<ServiceBinding | undefined> {
    const r = await this.db.selectFrom('bindings').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toBinding(r);
  }
  async listBindings(prefixId: string): Promise<ServiceBinding[]> {
    const rs = await this.db
      .selectFrom('bindings')
      .selectAll()
      .where('prefix_id', '=', prefixId)
      .orderBy('id')
      .execute();
    return rs.map(toBinding);
  }
  async insertBinding(b: ServiceBinding): Promise<void> {
    const { provisioning, ...rest } = b;
    await this.db
      .insertInto('bindings')
      .values({ ...rest, provisioning_state: provisioning.state })
      .execute();
  }
  async deleteBinding(id: string): Promise<void> {
    await this.db.deleteFrom('bindings').where('id', '=', id).execute();
  }

  async getDelegation(id: string): Promise<Delegation | undefined> {
    const r = await this.db.selectFrom('delegations').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toDelegation(r);
  }
  async listDelegations(prefixId: string): Promise<Delegation[]> {
    const rs = await this.db
      .selectFrom('delegations')
      .selectAll()
      .where('parent_prefix_id', '=', prefixId)
      .orderBy('id')
      .execute();
    return rs.map(toDelegation);
  }
  async listDelegationsTo(accountId: string): Promise<Delegation[]> {
    const rs = await this.db
      .selectFrom('delegations')
      .selectAll()
      .where('delegated_account_id', '=', accountId)
      .orderBy('id')
      .execute();
    return rs.map(toDelegation);
  }
  async insertDelegation(d: Delegation): Promise<void> {
    await this.db.insertInto('delegations').values(d).execute();
  }
  async deleteDelegation(id: string): Promise<void> {
    await this.db.deleteFrom('delegations').where('id', '=', id).execute();
  }

  async insertAudit(e: AuditEntry): Promise<void> {
    await appendAudit(this.db, [e]);
  }
  async jobChanges(actorId: string, run: string, since: string): Promise<{ run: number; hour: number }> {
    // One job's writers queue here until the transaction ends: the count cannot go stale before the insert.
    await sql`select pg_advisory_xact_lock(${JOB_LOCK}, hashtext(${actorId}))`.execute(this.db);
    const [r] = await this.db
      .selectFrom('audit')
      .select([
        sql<string>`count(*) filter (where job_run = ${run})`.as('run'),
        sql<string>`count(*) filter (where at >= ${since}::timestamptz)`.as('hour'),
      ])
      .where('actor_id', '=', actorId)
      .where((eb) => eb.or([eb('job_run', '=', run), eb('at', '>=', since)]))
      .execute();
    return { run: Number(r?.run ?? 0), hour: Number(r?.hour ?? 0) };
  }
  async countLive(accountId: string, kind: QuotaKind): Promise<number> {
    let q = this.db.selectFrom(kind).select(sql<string>`count(*)`.as('n')).where('account_id', '=', accountId);
    if (kind === 'prefixes') q = q.where(sql<boolean>`state <> 'deleted'`);
    const [r] = await q.execute();
    return Number(r?.n ?? 0);
  }

  /** Everyone the audit log names as having changed this object (an LOA approver must not be one). */
  async objectActors(objectType: AuditEntry['object_type'], objectId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('audit')
      .select('actor_id')
      .distinct()
      .where('object_type', '=', objectType)
      .where('object_id', '=', objectId)
      .execute();
    return rows.map((r) => r.actor_id).sort();
  }

  /**
   * The account's log: changes of its data and changes its actors made (e.g. in a delegated prefix); for
   * null, the entries of no account (global actions).
   */
  async listAudit(accountId: string | null, page: Page): Promise<PageOf<AuditEntry>> {
    return (await readAudit(this.db, { account_id: accountId, ...page })) as PageOf<AuditEntry>;
  }

  async readDesiredState() {
    const accounts = await this.listAccounts();
    const prefixes = (
      await this.db.selectFrom('prefixes').selectAll().where('state', '<>', 'deleted').orderBy('id').execute()
    ).map(toPrefix);
    const live = this.db.selectFrom('prefixes').select('id').where('state', '<>', 'deleted');
    const bgp_prefixes = (
      await this.db.selectFrom('bgp_prefixes').selectAll().where('prefix_id', 'in', live).orderBy('id').execute()
    ).map(toBgp);
    const bindings = (
      await this.db.selectFrom('bindings').selectAll().where('prefix_id', 'in', live).orderBy('id').execute()
    ).map(toBinding);
    const delegations = (
      await this.db.selectFrom('delegations').selectAll().where('parent_prefix_id', 'in', live).orderBy('id').execute()
    ).map(toDelegation);
    const ownership = (
      await this.db
        .selectFrom('ownership_proofs')
        .selectAll()
        .where('prefix_id', 'in', live)
        .orderBy('prefix_id')
        .execute()
    ).map(toProof);
    return { accounts, prefixes, bgp_prefixes, bindings, delegations, ownership };
  }
}

export class KyselyAddressingStore implements AddressingStore {
  readonly watch?: AddressingStore['watch'];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly watcher?: ChangeWatcher,
    private readonly raw?: RawQuery,
  ) {
    if (watcher) this.watch = (l) => watcher.watch(l);
  }

  transaction<T>(fn: (tx: AddressingTx) => Promise<T>, opts: { snapshot?: boolean } = {}): Promise<T> {
    const run = async (attempt: number): Promise<T> => {
      let t = this.db.transaction();
      if (opts.snapshot) t = t.setIsolationLevel('repeatable read').setAccessMode('read only');
      try {
        return await t.execute((trx) => fn(new KyselyTx(trx)));
      } catch (e) {
        // Racing writers that deadlock (40P01: two overlapping inserts waiting on each other's exclusion
        // check) or fail serialisation (40001): the transaction is rolled back whole, so run it again.
        const code = (e as { code?: unknown } | null)?.code;
        if ((code === '40P01' || code === '40001') && attempt < TX_ATTEMPTS) {
          await retryPause(attempt + 1);
          return run(attempt + 1);
        }
        return rethrowConstraint(e);
      }
    };
    return run(1);
  }

  read<T>(fn: (tx: AddressingTx) => Promise<T>): Promise<T> {
    return fn(new KyselyTx(this.db, this.raw));
  }

  async tokenByHash(hash: string): Promise<Token | undefined> {
    const [r] = await query<Selectable<TokensTable>>(this.db, this.raw, 'token_by_hash', SQL_TOKEN_BY_HASH, [hash]);
    return r && toToken(r);
  }

  async close(): Promise<void> {
    await this.watcher?.close();
    await this.db.destroy();
  }
}
