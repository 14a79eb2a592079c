// The console's route table (web/ needs these beyond the Addressing and rollout APIs), and the built
// console itself at / plus the SSE stream as plain handlers on the same stack. Every route authenticates
// through the one stack (http-stack.ts: Bearer token, the one token cache; the console keeps the token
// in session storage and sends it as a header, never in a URL), maps errors with the one ERROR_HTTP table and acts with the caller's own scopes:
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
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { EdgeStatusPort } from '../addressing/edge-status.js';
import {
  type IncidentModeState,
  incidentDecision,
  type SafeAction,
  type WriteRequest,
} from '../addressing/incident-mode.js';
import type { Actor } from '../addressing/model.js';
import type { AddressingService } from '../addressing/service.js';
import type { AnnounceHistory } from '../rollout/announce-history.js';
import type { RolloutControl } from '../rollout/control.js';
import { ConsoleAccounts } from './console-account.js';
import { alertsOf, filterAlerts, filterAudit } from './console-feeds.js';
import {
  AccountParams,
  AccountSummarySchema,
  AlertQuery,
  AlertSchema,
  AuditQuery,
  HistoryQuery,
  HistorySchema,
  IncidentBody,
  IncidentStateSchema,
  OverviewSchema,
  ReasonBody,
  ReturnBody,
  ReturnResultSchema,
  RevertPlanSchema,
  SessionSchema,
} from './console-schemas.js';
import { envelope, errorBody, ok } from './envelope.js';
import type { WriteGuard } from './http-stack.js';
import { type Route, route } from './route-table.js';
import { AuditSchema } from './schemas.js';

/** The incident-mode switch as the composition root keeps it (state read back from the one audit log). */
export interface IncidentSwitch {
  state(): IncidentModeState;
  set(on: boolean, actor: Actor, reason: string): Promise<IncidentModeState>;
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
  history: AnnounceHistory;
  /** The control loop's EdgeStatusPort (BGP prefix responses carry its answer already). */
  edge?: EdgeStatusPort;
  incident: IncidentSwitch;
  events: ConsoleEvents;
  goodSnapshotIds(): readonly string[];
  accountName(id: string): Promise<string | null>;
  /** The signed-in token's name, by its id (the store's; the caller is that token). */
  tokenName(id: string): Promise<string | null>;
}

const isOperator = (a: Actor) => a.scopes.includes('operator') || a.scopes.includes('admin');

/**
 * Incident mode's write guard, run by the one stack before every write handler (ServerOptions
 * writeGuards): a frozen write is a 423 with E_INCIDENT_FROZEN through the one error mapper; an allowed
 * customer write during incident mode is recorded as a safe action once it succeeded.
 */
export function incidentWriteGuard(incident: IncidentSwitch): WriteGuard {
  return async (req: FastifyRequest, reply: FastifyReply, actor: Actor): Promise<void> => {
    const w: WriteRequest = { method: req.method, route: req.routeOptions.url ?? '', body: req.body };
    const d = incidentDecision(incident.state(), actor, w);
    if (!d.allow) throw d.error;
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

const operator = { requires: ['operator', 'admin'], scope: 'operator or admin' } as const;
const anyToken = { scope: 'any (tenancy and scopes are checked by the service)' } as const;

export function consoleRoutes(o: ConsoleRoutesOptions): Route[] {
  const accounts = new ConsoleAccounts({
    service: o.service,
    control: o.control,
    edge: o.edge,
    goodSnapshotIds: o.goodSnapshotIds,
    accountName: o.accountName,
  });
  return [
    route({
      ...anyToken,
      tag: 'console',
      method: 'GET',
      url: '/v1/console/session',
      summary: 'Who the token is (role, account) and incident mode',
      response: envelope(SessionSchema),
      handler: async ({ actor }) =>
        ok({
          token: { id: actor.id, name: (await o.tokenName(actor.id)) ?? actor.id, scopes: [...actor.scopes] },
          role: isOperator(actor) ? ('operator' as const) : ('customer' as const),
          account_id: actor.account_id,
          incident: o.incident.state(),
        }),
    }),
    route({
      ...anyToken,
      tag: 'console',
      method: 'GET',
      url: '/v1/incident-mode',
      summary: 'Incident mode',
      response: envelope(IncidentStateSchema),
      handler: async () => ok(o.incident.state()),
    }),
    route({
      ...operator,
      tag: 'console',
      method: 'POST',
      url: '/v1/incident-mode',
      summary: 'Switch incident mode on or off (reason required; audited)',
      body: IncidentBody,
      response: envelope(IncidentStateSchema),
      handler: async ({ actor, body }) => {
        const s = await o.incident.set(body.on, actor, body.reason);
        o.events.publish({ type: 'incident', data: s });
        return ok(s);
      },
    }),
    route({
      ...operator,
      tag: 'console',
      method: 'GET',
      url: '/v1/announcements/history',
      summary: 'Prefixes configured and announced over time, in total and per location',
      query: HistoryQuery,
      response: envelope(HistorySchema),
      handler: async ({ query }) => ok(o.history.series(query.since, query.locations?.split(','))),
    }),
    route({
      ...operator,
      tag: 'console',
      method: 'GET',
      url: '/v1/alerts',
      summary: 'Alerts of the guard, gates and agents, with filters',
      query: AlertQuery,
      response: envelope(Type.Array(AlertSchema)),
      handler: async ({ query }) => {
        const c = o.control;
        return ok(filterAlerts(alertsOf(await c.status(), c.rollouts(), await c.agents(), await c.audit()), query));
      },
    }),
    route({
      ...operator,
      tag: 'console',
      method: 'GET',
      url: '/v1/audit',
      summary: 'The operator audit log (rollouts, breaker, rollbacks, incident mode), newest first, with filters',
      query: AuditQuery,
      response: envelope(Type.Array(AuditSchema)),
      handler: async ({ query }) => ok(filterAudit(await o.control.audit(), query)),
    }),
    route({
      ...operator,
      tag: 'console',
      method: 'GET',
      url: '/v1/accounts',
      summary: 'Accounts with their prefix counts',
      response: envelope(Type.Array(AccountSummarySchema)),
      handler: async () => {
        const d = await o.service.exportDesiredState();
        return ok(
          d.accounts.map((a) => ({
            id: a.id,
            name: a.name,
            prefixes: d.prefixes.filter((p) => p.account_id === a.id).length,
            advertised: d.bgp_prefixes.filter((b) => b.account_id === a.id && b.on_demand.advertised).length,
          })),
        );
      },
    }),
    route({
      ...anyToken,
      tag: 'console',
      method: 'GET',
      url: '/v1/accounts/:account_id/overview',
      summary: 'Prefixes, BGP prefixes with their state at the edge, bindings, delegations, history',
      params: AccountParams,
      response: envelope(OverviewSchema),
      handler: async ({ actor, params }) => ok(await accounts.overview(actor, params.account_id)),
    }),
    route({
      ...anyToken,
      tag: 'console',
      method: 'POST',
      url: '/v1/accounts/:account_id/revert-last-change',
      summary: "Undo the account's newest change (in incident mode: only a restoring one)",
      params: AccountParams,
      body: ReasonBody,
      response: envelope(RevertPlanSchema),
      handler: async ({ actor, params }) => {
        const restoringOnly = o.incident.state().on && !isOperator(actor);
        return ok(await accounts.revertLast(actor, params.account_id, restoringOnly));
      },
    }),
    route({
      ...anyToken,
      tag: 'console',
      method: 'POST',
      url: '/v1/accounts/:account_id/return-to-snapshot',
      summary: "The account's slice of the network back to a known-good snapshot",
      params: AccountParams,
      body: ReturnBody,
      response: envelope(ReturnResultSchema),
      handler: async ({ actor, params, body }) =>
        ok(await accounts.returnTo(actor, params.account_id, body.snapshot, body.reason)),
    }),
  ];
}

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

function staticRoutes(app: FastifyInstance, root: string | undefined): void {
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
      return reply.code(404).send(errorBody('E_API_ROUTE', `no asset ${file}`));
    return reply;
  });
}

/**
 * The plain handlers of the console on the same stack: the built console at / (public, like /healthz)
 * and the server-sent events at /v1/events, authenticated by the stack's auth hook (config.requires).
 */
export function consolePlainRoutes(
  app: FastifyInstance,
  o: { webRoot: string | undefined; incident: IncidentSwitch; events: ConsoleEvents },
): void {
  staticRoutes(app, o.webRoot);
  app.get('/v1/events', { config: { requires: [] }, schema: { hide: true } }, async (req, reply) => {
    const a = req.actor;
    if (!a) throw new Error('/v1/events reached without authentication');
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
    res.write(`retry: 2000\nevent: hello\ndata: ${JSON.stringify({ incident: o.incident.state() })}\n\n`);
    const off = o.events.subscribe(write);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.raw.once('close', () => {
      clearInterval(ping);
      off();
    });
  });
}
