// Opening a ready-to-use addressing service over a fresh database, for tests, the bench and the
// admin CLI. PostgreSQL runs get their own schema so parallel runs do not collide.
import { randomBytes } from 'node:crypto';
import type { Clock, IdSource } from '../addressing/ports.js';
import { KyselyAddressingStore } from './addressing-store.js';
import { dropSchema, type OpenDatabase, openDatabase } from './db.js';

export const systemClock: Clock = { now: () => new Date() };
export const randomIds: IdSource = { next: () => randomBytes(16).toString('hex') };

export interface OpenedStore {
  store: KyselyAddressingStore;
  database: OpenDatabase;
  close(): Promise<void>;
}

export async function openStore(opts: {
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  /** PostgreSQL only: a fresh schema, dropped on close. */
  freshSchema?: boolean;
  poolSize?: number;
}): Promise<OpenedStore> {
  const schema = opts.databaseUrl && opts.freshSchema ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const database = await openDatabase({
    databaseUrl: opts.databaseUrl,
    dataDir: opts.dataDir,
    schema,
    poolSize: opts.poolSize,
  });
  const store = new KyselyAddressingStore(database.db);
  return {
    store,
    database,
    close: async () => {
      await database.close();
      if (schema && opts.databaseUrl) await dropSchema(opts.databaseUrl, schema);
    },
  };
}
