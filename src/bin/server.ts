// Composition root of the control plane: `npm start` runs this. Reads its settings from the
// environment (see README: PORT, HOST, DATABASE_URL, FAILSMALL_DATA_DIR, LOG_LEVEL).
import { pathToFileURL } from 'node:url';
import { buildServer } from '../api/server.js';
import { VERSION } from './version.js';

export interface ServeOptions {
  port: number;
  host: string;
}

export async function serve(opts: ServeOptions): Promise<void> {
  const app = await buildServer({ version: VERSION, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
  const close = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
  await app.listen({ port: opts.port, host: opts.host });
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  await serve({ port: Number(process.env.PORT ?? 8080), host: process.env.HOST ?? '127.0.0.1' });
}
