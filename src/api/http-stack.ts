// The one HTTP stack every route runs through, in order: body parsing, the guards (issue 11's rate
// limits and body checks plug in here, see ServerGuard), authentication with the one token cache, strict
// query handling, validation, the handler, and the one error mapper (every error becomes the v4 envelope
// with the status of ERROR_HTTP).
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../lib/audit.js';
import { FailsmallError } from '../lib/errors.js';
import { type AgentCredentialLookup, bearer, hashToken, type TokenCache } from './auth.js';
import bodyGuard from './body-guard.js';
import { errorBody } from './envelope.js';
import { httpOf } from './errors.js';
import { describeValidation, strictQuery } from './strict.js';

/**
 * A plugin that runs before authentication on every request (rate limits per client address and per
 * token, body guards, timeouts). Registered at the root in the order given, before any route.
 */
export type ServerGuard = FastifyPluginAsync;

/**
 * A check the stack runs before every authenticated write handler (POST, PATCH, PUT, DELETE), after
 * authentication and validation, in the order given (incident mode's freeze: src/api/console-routes.ts).
 * It refuses by throwing a FailsmallError, which the one error mapper turns into the envelope.
 */
export type WriteGuard = (req: FastifyRequest, reply: FastifyReply, actor: Actor) => Promise<void>;

export async function installHttpStack(
  app: FastifyInstance,
  opts: {
    cache: TokenCache | undefined;
    /** Edge agents' credentials, for routes whose credential is 'agent' (absent: those routes answer 401). */
    agentCredentials?: AgentCredentialLookup | undefined;
    guards: readonly ServerGuard[];
    writeGuards?: readonly WriteGuard[];
  },
): Promise<void> {
  // The one JSON body parser (body-guard.ts): empty is no body; invalid UTF-8, NUL, unpaired surrogates,
  // duplicate keys and deep nesting are 400s with stable codes.
  await app.register(bodyGuard);

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody('E_API_ROUTE', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
  app.setErrorHandler((err: FastifyError | FailsmallError, req, reply) => {
    if (err instanceof FailsmallError) {
      const { status } = httpOf(err.code);
      const d = err.details;
      const pointer =
        typeof d?.pointer === 'string' ? d.pointer : typeof d?.field === 'string' ? `/${d.field}` : undefined;
      if (status >= 500) req.log.error({ err }, 'unexpected domain error');
      return reply.code(status).send(errorBody(err.code, err.message, pointer));
    }
    const fe = err as FastifyError;
    if (fe.validation && fe.validation.length > 0) {
      const ctx = fe.validationContext ?? 'request';
      const first = fe.validation[0] as Parameters<typeof describeValidation>[1];
      const v = describeValidation(ctx, first);
      const agent = req.routeOptions.config.credential === 'agent';
      const code =
        ctx === 'body'
          ? agent
            ? 'E_AGENT_BODY'
            : 'E_API_BODY'
          : ctx === 'querystring'
            ? 'E_API_QUERY_PARAM'
            : 'E_API_PATH_PARAM';
      const where = ctx === 'querystring' ? 'query' : ctx;
      return reply.code(400).send(errorBody(code, v.message, `/${where}/${v.field}`));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
      return reply.code(fe.statusCode).send(errorBody('E_API_BODY', fe.message));
    req.log.error({ err }, 'unexpected error');
    return reply.code(500).send(errorBody('E_API_INTERNAL', `internal error (request ${req.id})`));
  });

  for (const guard of opts.guards) await app.register(guard);

  // Authentication, for every route of the table (routes outside it, /healthz and the docs, are public):
  // an API token, or on the agents' routes an agent credential bound to one location.
  const cache = opts.cache;
  const agents = opts.agentCredentials;
  app.addHook('onRequest', async (req, reply) => {
    const requires = req.routeOptions.config.requires;
    if (requires === undefined) return;
    const secret = bearer(req.headers.authorization);
    if (req.routeOptions.config.credential === 'agent') {
      const who = secret === undefined || !agents ? undefined : await agents(hashToken(secret));
      if (!who) {
        reply.header('www-authenticate', 'Bearer');
        return reply.code(401).send(errorBody('E_AGENT_UNAUTHENTICATED', 'send Authorization: Bearer <agent token>'));
      }
      req.agent = who;
      req.actor = { kind: 'agent', id: who.id, account_id: null, scopes: [], request_id: String(req.id) };
      return;
    }
    const token = secret === undefined || !cache ? undefined : await cache.resolve(secret);
    if (!token) {
      const why =
        req.headers.authorization === undefined
          ? 'no Authorization header'
          : 'the token is malformed, unknown or revoked';
      reply.header('www-authenticate', 'Bearer');
      return reply
        .code(401)
        .send(
          errorBody('E_API_UNAUTHENTICATED', `authentication required: ${why}; send Authorization: Bearer <token>`),
        );
    }
    if (requires.length > 0 && !requires.some((s) => token.scopes.includes(s))) {
      return reply
        .code(403)
        .send(errorBody('E_ADDR_FORBIDDEN', `this operation needs a token with scope ${requires.join(' or ')}`));
    }
    req.actor = {
      kind: 'token',
      id: token.id,
      account_id: token.account_id,
      scopes: token.scopes,
      request_id: String(req.id),
    };
  });
  app.addHook('preValidation', strictQuery);
  const writeGuards = opts.writeGuards ?? [];
  if (writeGuards.length > 0)
    app.addHook('preHandler', async (req, reply) => {
      if (req.method === 'GET' || req.method === 'HEAD' || !req.actor) return;
      for (const g of writeGuards) await g(req, reply, req.actor);
    });
}
