// Fastify plugin: the one JSON body parser of the server (src/api/json-body.ts: UTF-8, duplicate keys, NUL
// and unpaired surrogates, depth). An empty body is "no body" (clients send Content-Type on bodiless
// POST/DELETE). Registered once at the root; skip-override so the parser applies to every route.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { parseJsonBody } from './json-body.js';

async function bodyGuard(app: FastifyInstance): Promise<void> {
  if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
}

export default fp(bodyGuard, { name: 'failsmall-body-guard' });
