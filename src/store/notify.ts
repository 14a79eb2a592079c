// LISTEN for changes committed by other processes on the same PostgreSQL database (see migration
// 002: a trigger on the audit log NOTIFYs the account id). When the listening connection is lost,
// listeners hear `null` ("anything may have changed") and keep hearing it on every reconnect attempt
// until the connection is back, so no cache trusts itself across the gap.
import pg from 'pg';
import { CHANGE_CHANNEL } from './migrations.js';

export type WatchListener = (accountId: string | null) => void;

export class ChangeWatcher {
  private client: pg.Client | undefined;
  private readonly listeners = new Set<WatchListener>();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** True while the LISTEN connection is up. */
  connected = false;

  constructor(private readonly databaseUrl: string) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private emit(accountId: string | null): void {
    for (const l of this.listeners) l(accountId);
  }

  private async connect(): Promise<void> {
    const c = new pg.Client({ connectionString: this.databaseUrl });
    c.on('notification', (n) => {
      if (n.channel === CHANGE_CHANNEL) this.emit(n.payload ? n.payload : null);
    });
    const lost = () => {
      if (this.client !== c) return;
      this.client = undefined;
      this.connected = false;
      this.emit(null);
      if (!this.closed) this.retry = setTimeout(() => void this.connect().catch(() => lost()), 1000);
    };
    c.on('error', lost);
    c.on('end', lost);
    this.client = c;
    await c.connect();
    await c.query(`listen ${CHANGE_CHANNEL}`);
    this.connected = true;
    // whatever happened while we were not listening is unknown
    this.emit(null);
  }

  watch(listener: WatchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    this.connected = false;
    await c?.end().catch(() => {});
  }
}
