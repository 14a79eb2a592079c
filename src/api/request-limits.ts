// Fastify plugin: a request's body must arrive within `bodyTimeoutMs` of its headers (a client that
// trickles a body a byte at a time would otherwise hold a connection and a parser for as long as it
// likes). Late: 408 in the v4 envelope (E_API_BODY_TIMEOUT) and the connection is closed. Node's own
// requestTimeout (set in the server options) is the backstop for slow headers.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ERROR_HTTP } from './errors.js';

export interface RequestLimitOptions {
  bodyTimeoutMs: number;
}

const timers = new WeakMap<FastifyRequest, NodeJS.Timeout>();

async function requestLimits(app: FastifyInstance, opts: RequestLimitOptions): Promise<void> {
  app.addHook('onRequest', async (req, reply) => {
    const h = req.headers;
    const hasBody =
      (h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined;
    if (!hasBody) return;
    const timer = setTimeout(() => {
      if (reply.sent) return;
      req.log.warn({ timeout_ms: opts.bodyTimeoutMs }, 'request body too slow');
      reply
        .code(408)
        .header('connection', 'close')
        .send({
          success: false,
          errors: [
            {
              code: ERROR_HTTP.E_API_BODY_TIMEOUT.number,
              message: `the request body did not arrive within ${opts.bodyTimeoutMs} ms`,
              error_code: 'E_API_BODY_TIMEOUT',
            },
          ],
          messages: [],
          result: null,
        });
      reply.raw.once('finish', () => req.raw.destroy());
    }, opts.bodyTimeoutMs);
    timer.unref();
    timers.set(req, timer);
  });
  const done = async (req: FastifyRequest) => {
    const t = timers.get(req);
    if (t !== undefined) clearTimeout(t);
  };
  app.addHook('preValidation', done);
  app.addHook('onResponse', done);
}

export default fp(requestLimits, { name: 'failsmall-request-limits' });
