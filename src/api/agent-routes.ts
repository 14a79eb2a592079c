// HTTP routes for edge agents, and the operators' view of them. Agents authenticate with their own
// credential (`failsmall admin agent create --location L`), bound to one location: an agent reads only
// its location's assignment and its location's part of a snapshot, and reports only for its location.
//   GET  /v1/agent/events           server-sent events: `assignment` on connect and on every change
//   GET  /v1/agent/assignment       the current assignment (long-poll with ?wait=<s> until it differs from ?have=<id>)
//   GET  /v1/agent/snapshots/:id    the location's part of a snapshot
//   POST /v1/agent/report           the agent's report (read back from its speaker)
//   GET  /v1/agents                 operators: every agent's last report, sessions, health
//
// They are route tables on the one HTTP stack (http-stack.ts): the agent routes declare `credential:
// 'agent'`, so the one auth hook resolves an agent credential (bound to a location) instead of an API
// token, and the one error mapper answers their refusals (E_AGENT_*).
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Assignment } from '../edge/location-snapshot.js';
import { FailsmallError } from '../lib/errors.js';
import type { AgentReport } from '../snapshot/agent-report.js';
import type { AGENT_API_ERROR_CODES } from './agent-errors.js';
import type { AgentIdentity } from './auth.js';
import { envelope, ok } from './envelope.js';
import { type Route, route } from './route-table.js';

export type { AgentIdentity } from './auth.js';

/** An agent route's refusal: the one error mapper gives it the status and number of errors.ts. */
const refuse = (code: keyof typeof AGENT_API_ERROR_CODES, message: string) => new FailsmallError(code, message);

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
  /** Credential by the SHA-256 of its secret (src/store/agent-credentials.ts): the one auth hook's lookup. */
  credentials: (hash: string) => Promise<AgentIdentity | undefined>;
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

const Nil = Type.Null();
const AssignmentSchema = Type.Union([
  Type.Object({
    snapshotId: Type.String(),
    number: Type.Integer(),
    announceCount: Type.Integer(),
    announceDigest: Type.String(),
    at: Type.Number(),
  }),
  Nil,
]);
const SessionOut = Type.Object({
  name: Type.String(),
  state: Type.String(),
  since: Type.String(),
  info: Type.String(),
});
const AgentStatus = Type.Object({
  agent: Type.String(),
  location: Type.String(),
  node: Type.String(),
  state: Type.String(),
  detail: Type.Union([Type.String(), Nil]),
  applied_snapshot: Type.Union([Type.String(), Nil]),
  assigned_snapshot: Type.Union([Type.String(), Nil]),
  assigned_number: Type.Union([Type.Integer(), Nil]),
  exported: Type.Integer(),
  snapshot_count: Type.Union([Type.Integer(), Nil]),
  exported_digest: Type.Union([Type.String(), Nil]),
  sessions: Type.Array(SessionOut),
  health: Type.Object({
    speaker: Type.String(),
    drift: Type.Integer(),
    repairs: Type.Integer(),
    detail: Type.Union([Type.String(), Nil]),
  }),
  last_report_at: Type.String(),
});

/** The agent whose credential authenticated the request (set by the one auth hook). */
function me(req: FastifyRequest): AgentIdentity {
  const a = req.agent;
  if (!a) throw new Error(`${req.method} ${req.url} reached without an agent credential`);
  return a;
}

const agent = { tag: 'agents', scope: 'an agent credential', credential: 'agent', hide: true } as const;

/** The agent-facing routes: each reads or reports only for the location its credential is bound to. */
export function agentRoutes(o: Pick<AgentRoutesOptions, 'hub' | 'keepAliveMs'>): Route[] {
  const keepAlive = o.keepAliveMs ?? 10_000;
  return [
    route({
      ...agent,
      method: 'GET',
      url: '/v1/agent/events',
      summary: 'Server-sent events: the assignment on connect and on every change',
      response: Type.Null(),
      handler: async ({ req, reply }) => {
        const { location } = me(req);
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        const send = (a: Assignment | null) => res.write(`event: assignment\ndata: ${JSON.stringify(a)}\n\n`);
        send(o.hub.assignment(location));
        const off = o.hub.subscribe(location, send);
        const ping = setInterval(() => res.write(': keep-alive\n\n'), keepAlive);
        req.raw.on('close', () => {
          clearInterval(ping);
          off();
        });
        return null;
      },
    }),
    route({
      ...agent,
      method: 'GET',
      url: '/v1/agent/assignment',
      summary: "The location's assignment (long-poll with ?wait=<s> until it differs from ?have=<id>)",
      query: AssignmentQuery,
      response: envelope(AssignmentSchema),
      handler: async ({ req, query: q }) => {
        const { location } = me(req);
        const now = o.hub.assignment(location);
        if (!q.wait || (now?.snapshotId ?? null) !== (q.have ?? null)) return ok(now);
        const wait = q.wait;
        const changed = await new Promise<Assignment | null>((resolve) => {
          const timer = setTimeout(() => {
            off();
            resolve(o.hub.assignment(location));
          }, wait * 1000);
          const off = o.hub.subscribe(location, (a) => {
            clearTimeout(timer);
            off();
            resolve(a);
          });
        });
        return ok(changed);
      },
    }),
    route({
      ...agent,
      method: 'GET',
      url: '/v1/agent/snapshots/:id',
      summary: "The location's part of a snapshot",
      params: SnapshotParams,
      response: envelope(Type.Unknown({ description: 'LocationSnapshot (src/edge/location-snapshot.ts)' })),
      handler: async ({ req, params }) => {
        const s = await o.hub.locationSnapshot(me(req).location, params.id);
        if (s === undefined) throw refuse('E_AGENT_NO_SNAPSHOT', 'no such snapshot');
        return ok(s);
      },
    }),
    route({
      ...agent,
      method: 'POST',
      url: '/v1/agent/report',
      summary: "The agent's report, read back from its speaker",
      body: ReportBody,
      response: envelope(Type.Object({ accepted: Type.Boolean() })),
      handler: async ({ req, body: b }) => {
        const who = me(req);
        if (b.report.location !== who.location)
          throw refuse('E_AGENT_LOCATION', `this credential reports for ${who.location}, not ${b.report.location}`);
        // The credential names the agent: an agent cannot report as another one.
        o.hub.ingest({ ...b.report, agentId: who.id }, b.extras);
        return ok({ accepted: true });
      },
    }),
  ];
}

/** GET /v1/agents for operators (scope operator or admin). */
export function agentStatusRoutes(o: Pick<AgentRoutesOptions, 'hub'>): Route[] {
  return [
    route({
      method: 'GET',
      url: '/v1/agents',
      tag: 'fleet',
      summary: 'Every edge agent: applied snapshot, exports, sessions, last report',
      requires: ['operator', 'admin'],
      scope: 'operator or admin',
      response: envelope(Type.Array(AgentStatus)),
      handler: async () =>
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
    }),
  ];
}
