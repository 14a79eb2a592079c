// HTTP routes for edge agents, and the operators' view of them. Agents authenticate with their own
// credential (`failsmall admin agent create --location L`), bound to one location: an agent reads only
// its location's assignment and its location's part of a snapshot, and reports only for its location.
//   GET  /v1/agent/events           server-sent events: `assignment` on connect and on every change
//   GET  /v1/agent/assignment       the current assignment (long-poll with ?wait=<s> until it differs from ?have=<id>)
//   GET  /v1/agent/snapshots/:id    the location's part of a snapshot
//   POST /v1/agent/report           the agent's report (read back from its speaker)
//   GET  /v1/agents                 operators: every agent's last report, sessions, health
import { createHash } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Assignment } from '../edge/location-snapshot.js';
import type { AgentReport } from '../snapshot/agent-report.js';
import type { AGENT_API_ERROR_CODES } from './agent-errors.js';
import { bearer, TokenCache, type TokenLookup } from './auth.js';
import { errorBody, ok } from './envelope.js';
import { httpOf } from './errors.js';

type AgentCode = keyof typeof AGENT_API_ERROR_CODES;

/** An agent route's refusal in the one envelope, with the status and number of the one table (errors.ts). */
function fail(reply: FastifyReply, code: AgentCode, message: string) {
  return reply.code(httpOf(code).status).send(errorBody(code, message));
}

export interface AgentIdentity {
  id: string;
  location: string;
}

/** What the routes need of the fleet (src/fleet/http-fleet.ts implements it). */
export interface AgentHub {
  isLocation(location: string): boolean;
  assignment(location: string): Assignment | null;
  subscribe(location: string, fn: (a: Assignment) => void): () => void;
  locationSnapshot(location: string, id: string): Promise<unknown | undefined>;
  ingest(report: AgentReport, extras: AgentExtrasBody): void;
  agents(): { report: AgentReport; extras: AgentExtrasBody; receivedAt: number }[];
}

export interface AgentRoutesOptions {
  hub: AgentHub;
  /** Credential by the SHA-256 of its secret (src/store/agent-credentials.ts). */
  credentials: (hash: string) => Promise<AgentIdentity | undefined>;
  /** Operator tokens for GET /v1/agents (AddressingStore.tokenByHash), or 'none' (tests). */
  tokens: TokenLookup | 'none';
  /** SSE keep-alive period (default 10 s): the agent treats a silent stream as lost. */
  keepAliveMs?: number;
}

const Session = Type.Object(
  {
    name: Type.String({ maxLength: 200 }),
    state: Type.String({ maxLength: 100 }),
    since: Type.String({ maxLength: 100 }),
    info: Type.String({ maxLength: 500 }),
  },
  { additionalProperties: false },
);
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const ReportBody = Type.Object(
  {
    report: Type.Object(
      {
        agentId: Type.String({ maxLength: 200 }),
        location: Type.String({ minLength: 1, maxLength: 64 }),
        node: Type.String({ maxLength: 200 }),
        appliedSnapshot: Nullable(Type.String({ maxLength: 64 })),
        announceDigest: Nullable(Type.String({ maxLength: 64 })),
        announceCount: Type.Integer({ minimum: 0 }),
        bindingDigest: Nullable(Type.String({ maxLength: 64 })),
        bindingCount: Type.Integer({ minimum: 0 }),
        state: Type.Union([
          Type.Literal('ok'),
          Type.Literal('fail-static'),
          Type.Literal('refused'),
          Type.Literal('error'),
        ]),
        detail: Nullable(Type.String({ maxLength: 4000 })),
        reportedAt: Type.Number(),
      },
      { additionalProperties: false },
    ),
    extras: Type.Object(
      {
        sessions: Type.Array(Session, { maxItems: 1000 }),
        health: Type.Object(
          {
            speaker: Type.Union([Type.Literal('up'), Type.Literal('down')]),
            drift: Type.Integer({ minimum: 0 }),
            repairs: Type.Integer({ minimum: 0 }),
            detail: Nullable(Type.String({ maxLength: 4000 })),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type AgentExtrasBody = Static<typeof ReportBody>['extras'];
const SnapshotParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{64}$' }) }, { additionalProperties: false });
const AssignmentQuery = Type.Object(
  {
    wait: Type.Optional(Type.Integer({ minimum: 0, maximum: 60 })),
    have: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  },
  { additionalProperties: false },
);

type WithAgent = FastifyRequest & { agent?: AgentIdentity };

/** The agent-facing routes (register under their own scope: their auth hook covers only them). */
export const agentRoutes: FastifyPluginAsync<AgentRoutesOptions> = async (app: FastifyInstance, o) => {
  const keepAlive = o.keepAliveMs ?? 10_000;
  app.setErrorHandler((err: Error & { validation?: unknown[]; statusCode?: number }, req, reply) => {
    if (err.validation || (err.statusCode && err.statusCode < 500)) return fail(reply, 'E_AGENT_BODY', err.message);
    req.log.error({ err }, 'agent route failed');
    return reply.code(500).send(errorBody('E_API_INTERNAL', `internal error (request ${req.id})`));
  });
  app.addHook('onRequest', async (req: WithAgent, reply) => {
    const secret = bearer(req.headers.authorization);
    const who = secret ? await o.credentials(createHash('sha256').update(secret).digest('hex')) : undefined;
    if (!who) {
      reply.header('www-authenticate', 'Bearer');
      return fail(reply, 'E_AGENT_UNAUTHENTICATED', 'send Authorization: Bearer <agent token>');
    }
    req.agent = who;
  });
  const me = (req: FastifyRequest) => (req as WithAgent).agent as AgentIdentity;

  app.get('/v1/agent/events', { schema: { hide: true } }, (req, reply) => {
    const { location } = me(req);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    const send = (a: Assignment | null) => res.write(`event: assignment\ndata: ${JSON.stringify(a)}\n\n`);
    send(o.hub.assignment(location));
    const off = o.hub.subscribe(location, send);
    const ping = setInterval(() => res.write(': keep-alive\n\n'), keepAlive);
    req.raw.on('close', () => {
      clearInterval(ping);
      off();
    });
  });

  app.get('/v1/agent/assignment', { schema: { querystring: AssignmentQuery, hide: true } }, async (req) => {
    const { location } = me(req);
    const q = req.query as Static<typeof AssignmentQuery>;
    const now = o.hub.assignment(location);
    if (!q.wait || (now?.snapshotId ?? null) !== (q.have ?? null)) return ok(now);
    const changed = await new Promise<Assignment | null>((resolve) => {
      const timer = setTimeout(
        () => {
          off();
          resolve(o.hub.assignment(location));
        },
        (q.wait as number) * 1000,
      );
      const off = o.hub.subscribe(location, (a) => {
        clearTimeout(timer);
        off();
        resolve(a);
      });
    });
    return ok(changed);
  });

  app.get('/v1/agent/snapshots/:id', { schema: { params: SnapshotParams, hide: true } }, async (req, reply) => {
    const { location } = me(req);
    const s = await o.hub.locationSnapshot(location, (req.params as Static<typeof SnapshotParams>).id);
    if (s === undefined) return fail(reply, 'E_AGENT_NO_SNAPSHOT', 'no such snapshot');
    return ok(s);
  });

  app.post('/v1/agent/report', { schema: { body: ReportBody, hide: true } }, async (req, reply) => {
    const who = me(req);
    const b = req.body as Static<typeof ReportBody>;
    if (b.report.location !== who.location)
      return fail(reply, 'E_AGENT_LOCATION', `this credential reports for ${who.location}, not ${b.report.location}`);
    // The credential names the agent: an agent cannot report as another one.
    o.hub.ingest({ ...b.report, agentId: who.id }, b.extras);
    return ok({ accepted: true });
  });
};

/** GET /v1/agents for operators (scope operator or admin). */
export const agentStatusRoutes: FastifyPluginAsync<AgentRoutesOptions> = async (app, o) => {
  const cache = o.tokens === 'none' ? null : new TokenCache(o.tokens);
  app.addHook('onRequest', async (req, reply) => {
    if (!cache) return;
    const secret = bearer(req.headers.authorization);
    const t = secret ? await cache.resolve(secret) : undefined;
    if (!t)
      return reply.code(401).send({
        success: false,
        errors: [{ code: 10000, message: 'operator token required', error_code: 'E_API_UNAUTHENTICATED' }],
        result: null,
      });
    if (!t.scopes.includes('operator') && !t.scopes.includes('admin'))
      return reply.code(403).send({
        success: false,
        errors: [{ code: 11001, message: 'needs scope operator or admin', error_code: 'E_ADDR_FORBIDDEN' }],
        result: null,
      });
  });
  app.get(
    '/v1/agents',
    { schema: { summary: 'Every edge agent: applied snapshot, exports, sessions, last report', tags: ['fleet'] } },
    async () =>
      ok(
        o.hub.agents().map((a) => ({
          agent: a.report.agentId,
          location: a.report.location,
          node: a.report.node,
          state: a.report.state,
          detail: a.report.detail,
          applied_snapshot: a.report.appliedSnapshot,
          assigned_snapshot: o.hub.assignment(a.report.location)?.snapshotId ?? null,
          assigned_number: o.hub.assignment(a.report.location)?.number ?? null,
          exported: a.report.announceCount,
          snapshot_count: o.hub.assignment(a.report.location)?.announceCount ?? null,
          exported_digest: a.report.announceDigest,
          sessions: a.extras.sessions,
          health: a.extras.health,
          last_report_at: new Date(a.receivedAt).toISOString(),
        })),
      ),
  );
};
