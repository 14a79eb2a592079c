// HTTP routes the console (web/) needs beyond the Addressing and rollout APIs, and the built console
// itself at /. Every route authenticates like the rest of the API (Bearer token; the console keeps it
// in session storage and sends it as a header, never in a URL) and acts with the caller's own scopes:
// a customer token reads and changes only its account, through the addressing service, so the console
// can do nothing the token cannot do through the API. Operator-only routes answer 403 to customers.
//   GET  /v1/console/session                       who the token is, incident mode
//   GET  /v1/incident-mode, POST /v1/incident-mode  the switch (operator; reason required, audited)
//   GET  /v1/announcements/history                 prefixes announced over time (operator)
//   GET  /v1/alerts, GET /v1/audit                  with filters (operator)
//   GET  /v1/accounts                              accounts (operator)
//   GET  /v1/accounts/:id/overview                 prefixes, BGP prefixes with edge state, bindings, history
//   POST /v1/accounts/:id/revert-last-change       undo the account's newest change
//   POST /v1/accounts/:id/return-to-snapshot       the account's slice back to a known-good snapshot
//   GET  /v1/events                                server-sent events (fetch with the header; not EventSource)
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { EdgeStatusPort } from '../addressing/edge-status.js';
import {
  type INCIDENT_ERROR_CODES,
  type IncidentModeState,
  incidentDecision,
  type SafeAction,
  type WriteRequest,
} from '../addressing/incident-mode.js';
import type { Actor } from '../addressing/model.js';
import type { AddressingService } from '../addressing/service.js';
import { FailsmallError } from '../lib/errors.js';
import type { AnnounceHistory } from '../rollout/announce-history.js';
import type { RolloutControl } from '../rollout/control.js';
import { bearer, TokenCache, type TokenLookup } from './auth.js';
import { ConsoleAccounts } from './console-account.js';
import { alertsOf, filterAlerts, filterAudit } from './console-feeds.js';
import { ERROR_HTTP, isKnownCode } from './errors.js';
import { ROLLOUT_HTTP } from './rollout-routes.js';
import { strictQuery } from './strict.js';

/** The incident-mode switch as the composition root keeps it (state, audited changes). */
export interface IncidentSwitch {
  state(): IncidentModeState;
  set(on: boolean, by: string, reason: string): Promise<IncidentModeState>;
  /** Records a customer's safe action taken while incident mode is on. */
  recordSafe(a: {
    actor: Actor;
    action: SafeAction;
    account: string | null;
    method: string;
    url: string;
  }): Promise<void>;
}

export interface ConsoleEvent {
  type: 'status' | 'history' | 'incident' | 'account' | 'edge' | 'audit';
  /** For `account`: the account it concerns (customers only hear of their own). */
  account?: string | null;
  data?: unknown;
}

/** Fan-out of console events to the open SSE streams. */
export class ConsoleEvents {
  private readonly subs = new Set<(e: ConsoleEvent) => void>();
  publish(e: ConsoleEvent): void {
    for (const s of this.subs) s(e);
  }
  subscribe(fn: (e: ConsoleEvent) => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }
  get listeners(): number {
    return this.subs.size;
  }
}

export interface ConsoleRoutesOptions {
  service: AddressingService;
  control: RolloutControl;
  tokens: TokenLookup;
  history: AnnounceHistory;
  edge?: EdgeStatusPort;
  incident: IncidentSwitch;
  events: ConsoleEvents;
  goodSnapshotIds(): readonly string[];
  accountName(id: string): Promise<string | null>;
  /** Directory of the built console (vite's outDir); absent or missing: / explains how to build it. */
  webRoot?: string;
}

/** HTTP status and envelope number of the console's own codes. Numbers are stable. */
const CONSOLE_HTTP: Record<keyof typeof INCIDENT_ERROR_CODES, { status: number; number: number }> = {
  E_INCIDENT_FROZEN: { status: 423, number: 13000 },
  E_INCIDENT_REASON_REQUIRED: { status: 400, number: 13001 },
  E_CONSOLE_NOTHING_TO_REVERT: { status: 409, number: 13002 },
  E_CONSOLE_REVERT_UNSUPPORTED: { status: 409, number: 13003 },
  E_CONSOLE_NOT_GOOD_SNAPSHOT: { status: 409, number: 13004 },
};

export function consoleHttp(code: string): { status: number; number: number } {
  if (code in CONSOLE_HTTP) return CONSOLE_HTTP[code as keyof typeof CONSOLE_HTTP];
  if (isKnownCode(code)) return ERROR_HTTP[code];
  return ROLLOUT_HTTP[code] ?? { status: 500, number: 10006 };
}

export function errorEnvelope(code: string, message: string) {
  return {
    success: false,
    errors: [{ code: consoleHttp(code).number, message, error_code: code }],
    messages: [],
    result: null,
  };
}
const ok = (result: unknown) => ({ success: true, errors: [], messages: [], result });

const isOperator = (a: Actor) => a.scopes.includes('operator') || a.scopes.includes('admin');

/**
 * The Addressing API's write gate for incident mode (src/api/server.ts runs it before every write
 * handler): a frozen write is a 423 with E_INCIDENT_FROZEN; an allowed customer write during incident
 * mode is recorded as a safe action once it succeeded.
 */
export function incidentWriteGate(incident: IncidentSwitch) {
  return async (req: FastifyRequest, reply: FastifyReply, actor: Actor): Promise<void> => {
    if (req.method === 'GET' || req.method === 'HEAD') return;
    const w: WriteRequest = { method: req.method, route: req.routeOptions.url ?? '', body: req.body };
    const d = incidentDecision(incident.state(), actor, w);
    if (!d.allow) {
      await reply.code(423).send(errorEnvelope(d.error.code, d.error.message));
      return;
    }
    if (d.audited && d.safe) {
      const safe = d.safe;
      const account = (req.params as { account_id?: string }).account_id ?? null;
      reply.raw.once('finish', () => {
        if (reply.statusCode < 300)
          void incident
            .recordSafe({ actor, action: safe, account, method: req.method, url: w.route })
            .catch((e) => req.log.error({ err: e }, 'recording a safe action failed'));
      });
    }
  };
}

const Reason = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false });
const IncidentBody = Type.Object(
  { on: Type.Boolean(), reason: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);
const AccountParams = Type.Object(
  { account_id: Type.String({ pattern: '^[0-9a-f]{32}$' }) },
  { additionalProperties: false },
);
const ReturnBody = Type.Object(
  { snapshot: Type.Integer({ minimum: 1 }), reason: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);
const HistoryQuery = Type.Object(
  {
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    locations: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'comma-separated' })),
  },
  { additionalProperties: false },
);
const AlertQuery = Type.Object(
  {
    severity: Type.Optional(Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')])),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  { additionalProperties: false },
);
const NoQuery = Type.Object({}, { additionalProperties: false });

type Authed = FastifyRequest & { consoleActor?: Actor };
const actorOf = (req: FastifyRequest): Actor => {
  const a = (req as Authed).consoleActor;
  if (!a) throw new Error('console route reached without authentication');
  return a;
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};
// The console loads nothing from elsewhere and runs no inline script.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

async function staticRoutes(app: FastifyInstance, root: string | undefined): Promise<void> {
  const send = async (reply: FastifyReply, file: string, cache: string) => {
    if (!root) return false;
    const path = normalize(join(root, file));
    if (!path.startsWith(normalize(root))) return false;
    try {
      const body = await readFile(path);
      await reply
        .type(TYPES[extname(path)] ?? 'application/octet-stream')
        .header('cache-control', cache)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .send(body);
      return true;
    } catch {
      return false;
    }
  };
  app.get('/', { schema: { hide: true } }, async (_req, reply) => {
    if (await send(reply, 'index.html', 'no-cache')) return reply;
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send('The console is not built: run `npm run build` (it builds web/ into dist/web).\n');
  });
  app.get('/assets/:file', { schema: { hide: true } }, async (req, reply) => {
    const { file } = req.params as { file: string };
    if (
      !/^[A-Za-z0-9._-]+$/.test(file) ||
      !(await send(reply, join('assets', file), 'public, max-age=31536000, immutable'))
    )
      return reply.code(404).send(errorEnvelope('E_API_ROUTE', `no asset ${file}`));
    return reply;
  });
}

export const consoleRoutes: FastifyPluginAsync<ConsoleRoutesOptions> = async (app, opts) => {
  await staticRoutes(app, opts.webRoot);
  const accounts = new ConsoleAccounts({
    service: opts.service,
    control: opts.control,
    edge: opts.edge,
    goodSnapshotIds: opts.goodSnapshotIds,
    accountName: opts.accountName,
  });
  const cache = new TokenCache(opts.tokens);

  await app.register(async (api) => {
    api.setErrorHandler((err: Error & { validation?: unknown[]; statusCode?: number }, req, reply) => {
      if (err instanceof FailsmallError) {
        const m = consoleHttp(err.code);
        if (m.status >= 500) req.log.error({ err }, 'unexpected console error');
        return reply.code(m.status).send(errorEnvelope(err.code, err.message));
      }
      if (err.validation) {
        const code = err.message.startsWith('body') ? 'E_API_BODY' : 'E_API_QUERY_PARAM';
        return reply.code(400).send(errorEnvelope(code, err.message));
      }
      if (err.statusCode && err.statusCode < 500)
        return reply.code(err.statusCode).send(errorEnvelope('E_API_BODY', err.message));
      req.log.error({ err }, 'unexpected error');
      return reply.code(500).send(errorEnvelope('E_API_INTERNAL', `internal error (request ${req.id})`));
    });
    api.addHook('onRequest', async (req: Authed, reply) => {
      const secret = bearer(req.headers.authorization);
      const token = secret === undefined ? undefined : await cache.resolve(secret);
      if (!token) {
        reply.header('www-authenticate', 'Bearer');
        return reply
          .code(401)
          .send(errorEnvelope('E_API_UNAUTHENTICATED', 'authentication required: send Authorization: Bearer <token>'));
      }
      req.consoleActor = {
        kind: 'token',
        id: token.id,
        account_id: token.account_id,
        scopes: token.scopes,
        request_id: String(req.id),
      };
      (req as Authed & { tokenName?: string }).tokenName = token.name;
    });
    api.addHook('preValidation', strictQuery);
    const gate = incidentWriteGate(opts.incident);
    api.addHook('preHandler', async (req, reply) => gate(req, reply, actorOf(req)));
    const operatorOnly = async (req: FastifyRequest, reply: FastifyReply) => {
      if (!isOperator(actorOf(req)))
        return reply.code(403).send(errorEnvelope('E_ADDR_FORBIDDEN', 'this view needs a token with scope operator'));
    };
    const who = (req: FastifyRequest) => {
      const a = actorOf(req);
      return `token:${a.id} (${(req as Authed & { tokenName?: string }).tokenName ?? '?'})`;
    };

    api.get('/v1/console/session', { schema: { querystring: NoQuery, tags: ['console'] } }, async (req) => {
      const a = actorOf(req);
      return ok({
        token: { id: a.id, name: (req as Authed & { tokenName?: string }).tokenName, scopes: a.scopes },
        role: isOperator(a) ? 'operator' : 'customer',
        account_id: a.account_id,
        incident: opts.incident.state(),
      });
    });
    api.get('/v1/incident-mode', { schema: { querystring: NoQuery, tags: ['console'] } }, async () =>
      ok(opts.incident.state()),
    );
    api.post(
      '/v1/incident-mode',
      { schema: { body: IncidentBody, tags: ['console'] }, preHandler: operatorOnly },
      async (req) => {
        const b = req.body as Static<typeof IncidentBody>;
        const s = await opts.incident.set(b.on, who(req), b.reason);
        opts.events.publish({ type: 'incident', data: s });
        return ok(s);
      },
    );
    api.get(
      '/v1/announcements/history',
      { schema: { querystring: HistoryQuery, tags: ['console'] }, preHandler: operatorOnly },
      async (req) => {
        const q = req.query as Static<typeof HistoryQuery>;
        return ok(opts.history.series(q.since, q.locations?.split(',')));
      },
    );
    api.get(
      '/v1/alerts',
      { schema: { querystring: AlertQuery, tags: ['console'] }, preHandler: operatorOnly },
      async (req) => {
        const all = alertsOf(
          await opts.control.status(),
          opts.control.rollouts(),
          await opts.control.agents(),
          await opts.control.audit(),
        );
        return ok(filterAlerts(all, req.query as Static<typeof AlertQuery>));
      },
    );
    api.get(
      '/v1/audit',
      { schema: { querystring: AuditQuery, tags: ['console'] }, preHandler: operatorOnly },
      async (req) => ok(filterAudit(await opts.control.audit(), req.query as Static<typeof AuditQuery>)),
    );
    api.get(
      '/v1/accounts',
      { schema: { querystring: NoQuery, tags: ['console'] }, preHandler: operatorOnly },
      async () => {
        const d = await opts.service.exportDesiredState();
        return ok(
          d.accounts.map((a) => ({
            id: a.id,
            name: a.name,
            prefixes: d.prefixes.filter((p) => p.account_id === a.id).length,
            advertised: d.bgp_prefixes.filter((b) => b.account_id === a.id && b.on_demand.advertised).length,
          })),
        );
      },
    );
    api.get(
      '/v1/accounts/:account_id/overview',
      { schema: { params: AccountParams, querystring: NoQuery, tags: ['console'] } },
      async (req) => ok(await accounts.overview(actorOf(req), (req.params as Static<typeof AccountParams>).account_id)),
    );
    api.post(
      '/v1/accounts/:account_id/revert-last-change',
      { schema: { params: AccountParams, body: Reason, tags: ['console'] } },
      async (req) => {
        const a = actorOf(req);
        const restoringOnly = opts.incident.state().on && !isOperator(a);
        return ok(await accounts.revertLast(a, (req.params as Static<typeof AccountParams>).account_id, restoringOnly));
      },
    );
    api.post(
      '/v1/accounts/:account_id/return-to-snapshot',
      { schema: { params: AccountParams, body: ReturnBody, tags: ['console'] } },
      async (req) => {
        const b = req.body as Static<typeof ReturnBody>;
        const id = (req.params as Static<typeof AccountParams>).account_id;
        return ok(await accounts.returnTo(actorOf(req), id, b.snapshot, b.reason));
      },
    );
    api.get('/v1/events', { schema: { querystring: NoQuery, tags: ['console'] } }, async (req, reply) => {
      const a = actorOf(req);
      const operator = isOperator(a);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const write = (e: ConsoleEvent) => {
        // customers hear of their own account, the edge ticking and incident mode; nothing else
        if (
          !operator &&
          !(e.type === 'incident' || e.type === 'edge' || (e.type === 'account' && e.account === a.account_id))
        )
          return;
        const data = operator || e.type === 'incident' ? (e.data ?? null) : null;
        res.write(`event: ${e.type}\ndata: ${JSON.stringify({ account: e.account ?? null, data })}\n\n`);
      };
      res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ incident: opts.incident.state() })}\n\n`);
      const off = opts.events.subscribe(write);
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      req.raw.once('close', () => {
        clearInterval(ping);
        off();
      });
    });
  });
};
