// HTTP routes of the rollout engine for operators: status, pause/resume/promote/abort/approve, breaker
// reset, rollback, snapshots and diffs, external health verdicts, the fleet's reports. A Fastify plugin
// over the RolloutControl port (src/rollout/control.ts); the composition root hands in the engine.
// Every route needs a token with scope `operator` or `admin`; changes name their actor in the audit log.
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FailsmallError } from '../lib/errors.js';
import { type RolloutControl, statusText } from '../rollout/control.js';
import { diffJson, diffText } from '../snapshot/format.js';
import { bearer, TokenCache, type TokenLookup } from './auth.js';
import { strictQuery } from './strict.js';

export interface RolloutRoutesOptions {
  control: RolloutControl;
  /** Token lookup (AddressingStore.tokenByHash), or 'none' to serve without authentication (tests). */
  tokens: TokenLookup | 'none';
}

/** HTTP status and envelope number of each rollout/snapshot code. Numbers are stable. */
export const ROLLOUT_HTTP: Record<string, { status: number; number: number }> = {
  E_ROLLOUT_NOT_FOUND: { status: 404, number: 12000 },
  E_ROLLOUT_STATE: { status: 409, number: 12001 },
  E_ROLLOUT_REASON_REQUIRED: { status: 400, number: 12002 },
  E_ROLLOUT_NO_BASELINE: { status: 409, number: 12003 },
  E_ROLLOUT_CONFIG: { status: 400, number: 12004 },
  E_GUARD_NOT_TRIPPED: { status: 409, number: 12007 },
  E_SNAPSHOT_NOT_FOUND: { status: 404, number: 12100 },
  E_SNAPSHOT_AMBIGUOUS: { status: 400, number: 12101 },
  E_SNAPSHOT_DUPLICATE: { status: 409, number: 12102 },
  E_SNAPSHOT_INVALID: { status: 400, number: 12103 },
  E_SNAPSHOT_UNKNOWN_LOCATION: { status: 400, number: 12104 },
  E_SNAPSHOT_TAMPERED: { status: 500, number: 12105 },
};

function envelope(code: string, message: string, number: number) {
  return { success: false, errors: [{ code: number, message, error_code: code }], messages: [], result: null };
}

const ok = (result: unknown) => ({ success: true, errors: [], messages: [], result });

const Id = Type.Object({ id: Type.String({ pattern: '^r[0-9]{1,9}$' }) }, { additionalProperties: false });
const Reason = Type.Object({ reason: Type.String({ maxLength: 1000 }) }, { additionalProperties: false });
const RollbackBody = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 64, description: 'snapshot number, #number or id prefix (6+ hex)' }),
    account: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
const VerdictBody = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 100 }),
    rollout_id: Type.Union([Type.String({ pattern: '^r[0-9]{1,9}$' }), Type.Null()]),
    location: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()]),
    status: Type.Union([
      Type.Literal('pass'),
      Type.Literal('fail'),
      Type.Literal('no-data'),
      Type.Literal('inconclusive'),
    ]),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { additionalProperties: false },
);
const Format = Type.Object(
  { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')])) },
  { additionalProperties: false },
);
const DiffQuery = Type.Object(
  {
    from: Type.String({ minLength: 1, maxLength: 64 }),
    to: Type.String({ minLength: 1, maxLength: 64 }),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')])),
    max_changes: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
  },
  { additionalProperties: false },
);
const Ref = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

type Actorish = FastifyRequest & { rolloutActor?: string };

export const rolloutRoutes: FastifyPluginAsync<RolloutRoutesOptions> = async (app: FastifyInstance, opts) => {
  const c = opts.control;
  const cache = opts.tokens === 'none' ? null : new TokenCache(opts.tokens);

  app.setErrorHandler(
    (err: Error & { validation?: unknown[]; statusCode?: number; code?: string }, req, reply: FastifyReply) => {
      if (err instanceof FailsmallError) {
        const m =
          ROLLOUT_HTTP[err.code] ??
          (err.code === 'E_API_QUERY_PARAM' ? { status: 400, number: 10001 } : { status: 500, number: 10006 });
        if (m.status >= 500) req.log.error({ err }, 'unexpected rollout error');
        return reply.code(m.status).send(envelope(err.code, err.message, m.number));
      }
      if (err.validation) {
        const code = err.message.startsWith('body') ? 'E_API_BODY' : 'E_API_QUERY_PARAM';
        return reply.code(400).send(envelope(code, err.message, code === 'E_API_BODY' ? 10002 : 10001));
      }
      if (err.statusCode && err.statusCode < 500)
        return reply.code(err.statusCode).send(envelope('E_API_BODY', err.message, 10002));
      req.log.error({ err }, 'unexpected error');
      return reply.code(500).send(envelope('E_API_INTERNAL', `internal error (request ${req.id})`, 10006));
    },
  );

  app.addHook('onRequest', async (req: Actorish, reply) => {
    if (!cache) {
      req.rolloutActor = 'anonymous';
      return;
    }
    const secret = bearer(req.headers.authorization);
    const token = secret === undefined ? undefined : await cache.resolve(secret);
    if (!token) {
      reply.header('www-authenticate', 'Bearer');
      return reply
        .code(401)
        .send(
          envelope(
            'E_API_UNAUTHENTICATED',
            'authentication required: send Authorization: Bearer <operator token>',
            10000,
          ),
        );
    }
    if (!token.scopes.includes('operator') && !token.scopes.includes('admin')) {
      return reply
        .code(403)
        .send(envelope('E_ADDR_FORBIDDEN', 'rollout operations need scope operator or admin', 11001));
    }
    req.rolloutActor = `token:${token.id} (${token.name})`;
  });
  app.addHook('preValidation', strictQuery);
  const actor = (req: FastifyRequest) => (req as Actorish).rolloutActor ?? 'anonymous';

  app.get(
    '/v1/rollouts/status',
    { schema: { querystring: Format, summary: 'Breaker, last good snapshot, active rollout', tags: ['rollouts'] } },
    async (req, reply) => {
      const s = await c.status();
      if ((req.query as Static<typeof Format>).format === 'text')
        return reply.type('application/json').send(ok({ text: statusText(s) }));
      return ok(s);
    },
  );
  app.get('/v1/rollouts', { schema: { summary: 'Rollouts, newest first', tags: ['rollouts'] } }, async () =>
    ok(c.rollouts()),
  );
  app.get('/v1/rollouts/:id', { schema: { params: Id, summary: 'One rollout', tags: ['rollouts'] } }, async (req) =>
    ok(c.rollout((req.params as Static<typeof Id>).id)),
  );
  for (const op of ['pause', 'resume', 'promote', 'abort', 'approve'] as const) {
    app.post(
      `/v1/rollouts/:id/${op}`,
      { schema: { params: Id, body: Reason, summary: `${op} a rollout`, tags: ['rollouts'] } },
      async (req) => {
        const { id } = req.params as Static<typeof Id>;
        const { reason } = req.body as Static<typeof Reason>;
        return ok(await c[op](id, actor(req), reason));
      },
    );
  }
  app.post(
    '/v1/breaker/reset',
    { schema: { body: Reason, summary: 'Reset a tripped circuit breaker', tags: ['rollouts'] } },
    async (req) => {
      await c.resetBreaker(actor(req), (req.body as Static<typeof Reason>).reason);
      return ok((await c.status()).breaker);
    },
  );
  app.post(
    '/v1/rollback',
    {
      schema: { body: RollbackBody, summary: 'Roll the network or one account back to a snapshot', tags: ['rollouts'] },
    },
    async (req) => {
      const b = req.body as Static<typeof RollbackBody>;
      const r = await c.rollback({
        to: b.to,
        ...(b.account ? { account: b.account } : {}),
        actor: actor(req),
        reason: b.reason,
      });
      return ok({
        snapshot: { id: r.snapshot.id, number: r.snapshot.number, digest: r.snapshot.digest },
        rollouts: r.rollouts,
      });
    },
  );
  app.get('/v1/snapshots', { schema: { summary: 'Snapshots, newest first', tags: ['snapshots'] } }, async () =>
    ok(await c.snapshots()),
  );
  app.get(
    '/v1/snapshots/diff',
    { schema: { querystring: DiffQuery, summary: 'Diff of two snapshots', tags: ['snapshots'] } },
    async (req) => {
      const q = req.query as Static<typeof DiffQuery>;
      const d = await c.diff(q.from, q.to);
      if (q.format === 'text') return ok({ text: diffText(d.diff, { title: `#${d.from.number} → #${d.to.number}` }) });
      return ok({ from: d.from.id, to: d.to.id, ...diffJson(d.diff, q.max_changes ?? 1000) });
    },
  );
  app.get(
    '/v1/snapshots/:ref',
    { schema: { params: Ref, summary: 'One snapshot (number, #number or id prefix)', tags: ['snapshots'] } },
    async (req) => ok(await c.snapshot((req.params as Static<typeof Ref>).ref)),
  );
  app.post(
    '/v1/verdicts',
    {
      schema: {
        body: VerdictBody,
        summary: 'Publish a health verdict (canary analysis, probes, monitors)',
        tags: ['rollouts'],
      },
    },
    async (req) => {
      const b = req.body as Static<typeof VerdictBody>;
      return ok(
        c.publishVerdict({
          source: b.source,
          rolloutId: b.rollout_id,
          location: b.location,
          status: b.status,
          reason: b.reason,
        }),
      );
    },
  );
  app.get('/v1/fleet', { schema: { summary: 'The latest report of every edge agent', tags: ['fleet'] } }, async () =>
    ok(await c.agents()),
  );
  app.get(
    '/v1/rollouts/audit',
    { schema: { summary: 'Audit log of approvals, resets, aborts, rollbacks and trips', tags: ['rollouts'] } },
    async () => ok(await c.audit()),
  );
};
