// Opening a ready-to-use addressing service over a fresh database, for tests, the bench and the
// admin CLI. PostgreSQL runs get their own schema so parallel runs do not collide.
import { randomBytes, randomUUID } from 'node:crypto';
import type { IdSource } from '../addressing/ports.js';
import { KyselyAddressingStore } from './addressing-store.js';
import { dropSchema, type OpenDatabase, openDatabase } from './db.js';
import { ChangeWatcher } from './notify.js';

// randomUUID draws from a pooled entropy buffer: much cheaper per id than randomBytes(16) on the hot path
export const randomIds: IdSource = { next: () => randomUUID().replaceAll('-', '') };

export interface OpenedStore {
  store: KyselyAddressingStore;
  /** The PostgreSQL schema in use, if not the default. */
  schema: string | undefined;
  database: OpenDatabase;
  close(): Promise<void>;
}

export async function openStore(opts: {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** PostgreSQL only: a fresh schema, dropped on close. */
  freshSchema?: boolean;
  /** PostgreSQL only: an existing schema (e.g. another store's, to share its data). */
  schema?: string | undefined;
  poolSize?: number;
}): Promise<OpenedStore> {
  const fresh = opts.databaseUrl && opts.freshSchema ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const schema = fresh ?? opts.schema;
  const database = await openDatabase({
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    schema,
    poolSize: opts.poolSize,
  });
  let watcher: ChangeWatcher | undefined;
  if (opts.databaseUrl) {
    watcher = new ChangeWatcher(opts.databaseUrl, schema);
    await watcher.start();
  }
  const store = new KyselyAddressingStore(database.db, watcher, database.raw);
  return {
    store,
    schema,
    database,
    close: async () => {
      await store.close();
      if (fresh && opts.databaseUrl) await dropSchema(opts.databaseUrl, fresh);
    },
  };
}
