// The HTTP adapter: Fastify with schema-first routes. Domain logic lives in the pure layers; this file
// wires routes to the ports handed in by the composition root (src/bin/server.ts).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Actor } from '../addressing/model.js';
import type { AddressingService } from '../addressing/service.js';
import { FailsmallError } from '../lib/errors.js';
import { registerAddressingRoutes } from './addressing-routes.js';
import { registerAdminRoutes } from './admin-routes.js';
import { bearer, TokenCache, type TokenLookup } from './auth.js';
import { ERROR_HTTP, isKnownCode } from './errors.js';
import { describeValidation, STRICT_AJV, strictQuery } from './strict.js';

export interface ServerOptions {
  /** pino logger options, or false for none (tests). */
  logger?: boolean | { level: string };
  /** Reported by /healthz so an operator can tell which build answers. */
  version: string;
  /** The Addressing API; absent: only /healthz (and the docs) are served. */
  addressing?: {
    service: AddressingService;
    /** A token by the SHA-256 of its secret (AddressingStore.tokenByHash). */
    tokens: TokenLookup;
    /** Token cache TTL in ms (default 5000). */
    tokenTtlMs?: number;
    /**
     * Checks run before every write handler, after authentication and validation (incident mode:
     * src/api/console-routes.ts). A gate that sends a reply stops the write. Read at request time, so
     * the composition root may add gates after the server is built.
     */
    writeGates?: WriteGate[];
  };
}

function envelopeError(code: string, message: string, pointer?: string) {
  const number = isKnownCode(code) ? ERROR_HTTP[code].number : ERROR_HTTP.E_API_INTERNAL.number;
  return {
    success: false,
    errors: [{ code: number, message, error_code: code, ...(pointer ? { source: { pointer } } : {}) }],
    messages: [],
    result: null,
  };
}

export type WriteGate = (req: FastifyRequest, reply: FastifyReply, actor: Actor) => Promise<void>;

export async function buildServer(opts: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    // Request ids travel into the audit log: honour an incoming x-request-id when it is a sane token
    // (it is stored), otherwise make one.
    requestIdHeader: false,
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && /^[A-Za-z0-9._:@/-]{1,128}$/.test(h) ? h : crypto.randomUUID();
    },
    ajv: STRICT_AJV,
    // Query strings: repeated keys become arrays (rejected by strictQuery), nothing else is interpreted.
    routerOptions: { ignoreTrailingSlash: false },
  });

  // JSON bodies: an empty body is "no body" (clients send Content-Type on bodiless POST/DELETE);
  // malformed JSON is a 400 with a stable code.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new FailsmallError('E_API_JSON', `request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'failsmall Addressing API',
        version: opts.version,
        description:
          "Source of truth for the prefixes the network announces. Shapes follow Cloudflare's v4 Addressing API.",
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const started = Date.now();
  app.get('/healthz', { schema: { hide: true } }, async () => ({
    status: 'ok',
    version: opts.version,
    uptime_s: Math.round((Date.now() - started) / 1000),
  }));

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(envelopeError('E_API_ROUTE', `no route ${req.method} ${req.url.split('?')[0]}`));
  });

  app.setErrorHandler((err: FastifyError | FailsmallError, req, reply) => {
    if (err instanceof FailsmallError) {
      const status = isKnownCode(err.code) ? ERROR_HTTP[err.code].status : 500;
      const pointer =
        typeof err.details?.pointer === 'string'
          ? err.details.pointer
          : typeof err.details?.field === 'string'
            ? `/${err.details.field}`
            : undefined;
      if (status >= 500) req.log.error({ err }, 'unexpected domain error');
      return reply.code(status).send(envelopeError(err.code, err.message, pointer));
    }
    const fe = err as FastifyError;
    if (fe.validation && fe.validation.length > 0) {
      const ctx = fe.validationContext ?? 'request';
      const first = fe.validation[0] as Parameters<typeof describeValidation>[1];
      const d = describeValidation(ctx, first);
      const code = ctx === 'body' ? 'E_API_BODY' : ctx === 'querystring' ? 'E_API_QUERY_PARAM' : 'E_API_PATH_PARAM';
      const where = ctx === 'querystring' ? 'query' : ctx;
      return reply.code(400).send(envelopeError(code, d.message, `/${where}/${d.field}`));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send(envelopeError('E_API_BODY', fe.message));
    }
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send(envelopeError('E_API_INTERNAL', `internal error (request ${req.id})`));
  });

  if (opts.addressing) {
    const { service, writeGates: gates } = opts.addressing;
    const cache = new TokenCache(opts.addressing.tokens, opts.addressing.tokenTtlMs ?? 5_000);
    await app.register(async (api) => {
      api.addHook('onRequest', async (req: FastifyRequest, reply) => {
        const secret = bearer(req.headers.authorization);
        const token = secret === undefined ? undefined : await cache.resolve(secret);
        if (!token) {
          const why =
            req.headers.authorization === undefined
              ? 'no Authorization header'
              : 'the token is malformed, unknown or revoked';
          reply.header('www-authenticate', 'Bearer');
          return reply
            .code(401)
            .send(
              envelopeError(
                'E_API_UNAUTHENTICATED',
                `authentication required: ${why}; send Authorization: Bearer <token>`,
              ),
            );
        }
        const actor: Actor = {
          kind: 'token',
          id: token.id,
          account_id: token.account_id,
          scopes: token.scopes,
          request_id: String(req.id),
        };
        (req as FastifyRequest & { actor?: Actor }).actor = actor;
      });
      api.addHook('preValidation', strictQuery);
      if (gates)
        api.addHook('preHandler', async (req, reply) => {
          if (req.method === 'GET') return;
          const actor = (req as FastifyRequest & { actor?: Actor }).actor as Actor;
          for (const g of gates) {
            await g(req, reply, actor);
            if (reply.sent) return reply;
          }
        });
      registerAddressingRoutes(api, service);
      registerAdminRoutes(api, service, cache);
    });
  }
  return app;
}
