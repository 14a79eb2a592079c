// Composition root of the control plane: `npm start` runs this. Reads its settings from the
// environment (see README: PORT, HOST, DATABASE_URL, FAILSMALL_DATA_DIR, LOG_LEVEL,
// FAILSMALL_BOOTSTRAP_TOKEN).
import { pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AddressingService } from '../addressing/service.js';
import { hashToken } from '../api/auth.js';
import { buildServer, type WriteGate } from '../api/server.js';
import { type OpenedStore, openStore, randomIds, systemClock } from '../store/harness.js';
import { VERSION } from './version.js';

export interface ServeOptions {
  port: number;
  host: string;
}

export interface ControlPlane {
  app: FastifyInstance;
  service: AddressingService;
  opened: OpenedStore;
  /** Checks before every Addressing API write (incident mode adds one: src/bin/console.ts). */
  writeGates: WriteGate[];
  close(): Promise<void>;
}

/**
 * Builds the control plane over the configured database: PostgreSQL when DATABASE_URL is set, else
 * embedded PGlite in FAILSMALL_DATA_DIR (default .data/pglite; "memory://" for a throwaway one).
 */
export async function buildControlPlane(
  env: NodeJS.ProcessEnv = process.env,
  logLevel?: string,
): Promise<ControlPlane> {
  const opened = await openStore({
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATABASE_URL ? undefined : (env.FAILSMALL_DATA_DIR ?? '.data/pglite'),
  });
  const service = new AddressingService(opened.store, systemClock, randomIds);
  await bootstrapAdmin(service, opened, env.FAILSMALL_BOOTSTRAP_TOKEN);
  const level = logLevel ?? env.LOG_LEVEL ?? 'info';
  const writeGates: WriteGate[] = [];
  const app = await buildServer({
    version: VERSION,
    logger: level === 'silent' ? false : { level },
    addressing: { service, tokens: (h) => opened.store.tokenByHash(h), writeGates },
  });
  return {
    app,
    service,
    opened,
    writeGates,
    close: async () => {
      await app.close();
      await opened.close();
    },
  };
}

/**
 * With FAILSMALL_BOOTSTRAP_TOKEN set, makes sure an admin token with that secret exists, so a fresh
 * embedded database can be administered over HTTP (PGlite allows one process, so the admin CLI
 * cannot open it while the server runs).
 */
async function bootstrapAdmin(
  service: AddressingService,
  opened: OpenedStore,
  secret: string | undefined,
): Promise<void> {
  if (!secret) return;
  if (secret.length < 32) throw new Error('FAILSMALL_BOOTSTRAP_TOKEN must be at least 32 characters');
  const hash = hashToken(secret);
  if (await opened.store.tokenByHash(hash)) return;
  const actor = {
    kind: 'cli' as const,
    id: 'cli:bootstrap',
    account_id: null,
    scopes: ['admin' as const],
    request_id: 'bootstrap',
  };
  await service.createToken(actor, { account_id: null, name: 'bootstrap', scopes: ['admin'], token_hash: hash });
}

export async function serve(opts: ServeOptions): Promise<void> {
  const cp = await buildControlPlane();
  if (process.env.FAILSMALL_DEMO !== '0') await (await import('./demo.js')).attachDemo(cp); // simulated fleet + rollout API
  const close = async () => {
    await cp.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
  await cp.app.listen({ port: opts.port, host: opts.host });
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  await serve({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' });
}
