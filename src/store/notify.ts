// Changes committed by other processes on the same PostgreSQL database, found by polling the audit
// log (see migration 002): each poll reads, in one statement, the accounts of audit entries written by
// transactions not older than the previous poll's snapshot xmin, and that snapshot's xmin for next
// time. Every transaction older than an xmin has ended, so no commit is missed, whatever the commit
// order; an entry may be seen twice, which only drops a cache entry twice. When a poll fails,
// listeners hear `null` ("anything may have changed").
import pg from 'pg';

export type WatchListener = (accountId: string | null) => void;

const POLL = `select pg_snapshot_xmin(pg_current_snapshot())::text as xmin,
  array(select distinct coalesce(account_id, '') from audit where txid >= $1::xid8) as accounts`;

export class ChangeWatcher {
  private readonly pool: pg.Pool;
  private readonly listeners = new Set<WatchListener>();
  private xmin: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private polling: Promise<void> | undefined;

  constructor(
    databaseUrl: string,
    schema: string | undefined,
    private readonly intervalMs = 100,
  ) {
    this.pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 1,
      ...(schema ? { options: `-c search_path=${schema}` } : {}),
    });
  }

  async start(): Promise<void> {
    const r = await this.pool.query<{ xmin: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin');
    this.xmin = r.rows[0]?.xmin;
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One poll; exposed for tests. */
  async poll(): Promise<void> {
    try {
      if (this.xmin === undefined) {
        await this.start();
        this.emit(null);
        return;
      }
      const r = await this.pool.query<{ xmin: string; accounts: string[] }>(POLL, [this.xmin]);
      const row = r.rows[0];
      if (!row) return;
      this.xmin = row.xmin;
      // entries without an account (global tokens) change no account's data
      for (const a of row.accounts) if (a !== '') this.emit(a);
    } catch {
      this.xmin = undefined;
      this.emit(null);
    }
  }

  private emit(accountId: string | null): void {
    for (const l of this.listeners) l(accountId);
  }

  watch(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.polling?.catch(() => {});
    await this.pool.end();
  }
}
