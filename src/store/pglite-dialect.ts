// A Kysely dialect over embedded PGlite. PGlite is one PostgreSQL backend in this process, i.e. one
// connection: acquiring a connection takes a lock that is held until release, so a transaction's
// statements never interleave with another request's.
import type { PGlite } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    const r = await this.pg.query<R>(q.sql, q.parameters as unknown[]);
    return r.affectedRows !== undefined && q.query.kind !== 'SelectQueryNode'
      ? { rows: r.rows, numAffectedRows: BigInt(r.affectedRows) }
      : { rows: r.rows };
  }

  // biome-ignore lint/correctness/useYield: streaming is not supported; the store never streams.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('PGlite dialect: streaming queries are not supported');
  }
}

class PGliteDriver implements Driver {
  private readonly conn: PGliteConnection;
  private tail: Promise<void> = Promise.resolve();
  private readonly releases = new WeakMap<DatabaseConnection, (() => void)[]>();

  constructor(private readonly pg: PGlite) {
    this.conn = new PGliteConnection(pg);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const prev = this.tail;
    this.tail = prev.then(() => held);
    await prev;
    const stack = this.releases.get(this.conn) ?? [];
    stack.push(release);
    this.releases.set(this.conn, stack);
    return this.conn;
  }

  async beginTransaction(c: DatabaseConnection, s: TransactionSettings): Promise<void> {
    const mode = [s.isolationLevel ? `isolation level ${s.isolationLevel}` : '', s.accessMode ?? '']
      .filter(Boolean)
      .join(', ');
    await this.pg.query(mode ? `begin transaction ${mode}` : 'begin');
    void c;
  }

  async commitTransaction(): Promise<void> {
    await this.pg.query('commit');
  }

  async rollbackTransaction(): Promise<void> {
    await this.pg.query('rollback');
  }

  async releaseConnection(c: DatabaseConnection): Promise<void> {
    this.releases.get(c)?.shift()?.();
  }

  async destroy(): Promise<void> {
    await this.pg.close();
  }
}

export class PGliteDialect implements Dialect {
  constructor(private readonly pg: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg);
  }
  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}
