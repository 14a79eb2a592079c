// The HTTP adapter: Fastify with one stack (http-stack.ts: envelope, error mapper, auth with one token
// cache, strict queries) and declarative route tables (addressing, admin, /v1 rollouts), every route with
// its response schema, so /openapi.json documents the whole API. Domain logic lives in the pure layers;
// the composition root (src/bin/server.ts) hands in the ports.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { EdgeStatusPort } from '../addressing/edge-status.js';
import type { AddressingService } from '../addressing/service.js';
import type { RolloutControl } from '../rollout/control.js';
import { addressingRoutes } from './addressing-routes.js';
import { adminRoutes } from './admin-routes.js';
import { type AgentRoutesOptions, agentRoutes, agentStatusRoutes } from './agent-routes.js';
import { TokenCache, type TokenLookup } from './auth.js';
import authFailures, { type AuthFailure } from './auth-failures.js';
import { installHttpStack, type ServerGuard, type WriteGuard } from './http-stack.js';
import rateLimits, { type RateLimits, rateLimitsFromEnv } from './rate-limit.js';
import requestLimits from './request-limits.js';
import { rolloutRoutes } from './rollout-routes.js';
import { type Route, registerRoutes } from './route-table.js';
import { STRICT_AJV } from './strict.js';

export interface ServerOptions {
  /** pino logger options, or false for none (tests). */
  logger?: boolean | { level: string };
  /** Reported by /healthz so an operator can tell which build answers. */
  version: string;
  /** A token by the SHA-256 of its secret (AddressingStore.tokenByHash): the one lookup of every route. */
  tokens?: TokenLookup;
  /** Token cache TTL in ms (default 5000). */
  tokenTtlMs?: number;
  /** The Addressing API (and the admin routes); absent: not served. */
  addressing?: { service: AddressingService };
  /** The /v1 rollout API over the control loop; absent: not served. */
  rollout?: { control: RolloutControl };
  /** Where BGP prefixes are live (the control loop's agents' reports); absent: every answer says pending. */
  edgeStatus?: EdgeStatusPort;
  /**
   * Plugins run before authentication on every request, in order (rate limits, body guards, timeouts):
   * the place API hardening plugs in.
   */
  guards?: readonly ServerGuard[];
  /** Where a failed authentication or authorisation on a route naming an account is audited (absent: logged only). */
  authFailureAudit?: (f: AuthFailure) => Promise<void>;
  /** Rate limits (default rateLimitsFromEnv()); false: none (the fuzzer, benchmarks). */
  rateLimits?: RateLimits | false;
  /** How long a request may take to arrive, headers and body (default 30 s; Node's check). */
  requestTimeoutMs?: number;
  /** How long a body may take to arrive after its headers (default 10 s). */
  bodyTimeoutMs?: number;
  /** Checks before every authenticated write handler, after validation (incident mode's freeze). */
  writeGuards?: readonly WriteGuard[];
  /**
   * The console (src/bin/console.ts): its route table, and its plain handlers (the built console at /,
   * the SSE stream) registered on the same stack.
   */
  console?: { routes: readonly Route[]; plain(app: FastifyInstance): void };
  /**
   * The edge agents' routes over a real fleet (src/fleet/http-fleet.ts) with their credentials, and GET
   * /v1/agents for operators; absent: not served.
   */
  agents?: AgentRoutesOptions;
}

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
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    // Agents hold server-sent-event streams open for ever: close must not wait for them (they reconnect).
    ...(opts.agents ? { forceCloseConnections: true } : {}),
    // Query strings: repeated keys become arrays (rejected by strictQuery), nothing else is interpreted.
    routerOptions: { ignoreTrailingSlash: false },
  });
  const cache = opts.tokens ? new TokenCache(opts.tokens, opts.tokenTtlMs ?? 5_000) : undefined;
  // Issue 11's abuse limits run before authentication on every request, then the caller's own guards.
  const limits = opts.rateLimits === false ? undefined : (opts.rateLimits ?? rateLimitsFromEnv());
  const guards: ServerGuard[] = [
    ...(limits ? [fp(async (a: FastifyInstance) => a.register(rateLimits, limits))] : []),
    fp(async (a: FastifyInstance) => a.register(authFailures, { audit: opts.authFailureAudit })),
    fp(async (a: FastifyInstance) => a.register(requestLimits, { bodyTimeoutMs: opts.bodyTimeoutMs ?? 10_000 })),
    ...(opts.guards ?? []),
  ];
  await installHttpStack(app, {
    cache,
    agentCredentials: opts.agents?.credentials,
    guards,
    writeGuards: opts.writeGuards ?? [],
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'failsmall API',
        version: opts.version,
        description:
          "Addressing API (the source of truth for the prefixes the network announces; shapes follow Cloudflare's v4 Addressing API), its admin routes, and the /v1 rollout API for operators.",
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

  const routes: Route[] = [];
  if (opts.addressing) {
    if (!cache) throw new Error('buildServer: the Addressing API needs a token lookup (opts.tokens)');
    routes.push(
      ...addressingRoutes(opts.addressing.service, opts.edgeStatus),
      ...adminRoutes(opts.addressing.service, cache),
    );
  }
  if (opts.rollout) {
    if (!cache) throw new Error('buildServer: the rollout API needs a token lookup (opts.tokens)');
    routes.push(...rolloutRoutes(opts.rollout.control));
  }
  if (opts.agents) routes.push(...agentRoutes(opts.agents), ...agentStatusRoutes(opts.agents));
  const console = opts.console;
  if (console) {
    if (!cache) throw new Error('buildServer: the console needs a token lookup (opts.tokens)');
    routes.push(...console.routes);
  }
  // a plugin scope, so the routes register after swagger's onRoute hook is in place
  await app.register(async (scope) => {
    registerRoutes(scope, routes);
    console?.plain(scope);
  });
  return app;
}
