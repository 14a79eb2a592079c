// The HTTP adapter: Fastify with schema-first routes. Domain logic lives in the pure layers; this file
// wires routes to the ports handed in by the composition root (src/bin/server.ts).
import Fastify, { type FastifyInstance } from 'fastify';

export interface ServerOptions {
  /** pino logger options, or false for none (tests). */
  logger?: boolean | { level: string };
  /** Reported by /healthz so an operator can tell which build answers. */
  version: string;
}

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Request ids travel into the audit log; honour an incoming x-request-id.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
  });
  const started = Date.now();
  app.get('/healthz', async () => ({
    status: 'ok',
    version: opts.version,
    uptime_s: Math.round((Date.now() - started) / 1000),
  }));
  return app;
}
