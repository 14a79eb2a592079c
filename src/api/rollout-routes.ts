// The /v1 rollout API for operators as a route table over the RolloutControl port (src/rollout/control.ts):
// status, pause/resume/promote/abort/approve, breaker reset, rollback, snapshots and diffs, external
// health verdicts, the fleet's reports, the audit. The engine has no access checker of its own, so the
// HTTP layer demands scope operator or admin (route `requires`); changes name their actor in the audit.
// Approving a held change and resetting the breaker need scope approver here, and the engine further
// demands a person's token that made none of the change, naming the change's digest (approval.ts).
import { Type } from '@sinclair/typebox';
import { FailsmallError } from '../lib/errors.js';
import { type RolloutControl, statusText } from '../rollout/control.js';
import { diffJson, diffText } from '../snapshot/format.js';
import { envelope, ok } from './envelope.js';
import {
  AgentReportSchema,
  BreakerSchema,
  DiffSchema,
  RollbackSchema,
  RolloutSchema,
  SnapshotSchema,
  SnapshotSummarySchema,
  StatusSchema,
  TextSchema,
  VerdictSchema,
} from './rollout-schemas.js';
import { type Route, route } from './route-table.js';
import { AuditSchema } from './schemas.js';

const strict = { additionalProperties: false } as const;
const Id = Type.Object({ id: Type.String({ pattern: '^r[0-9]{1,9}$' }) }, strict);
const Reason = Type.Object({ reason: Type.String({ maxLength: 1000 }) }, strict);
const ApproveBody = Type.Object(
  {
    reason: Type.String({ maxLength: 1000 }),
    digest: Type.String({
      pattern: '^[0-9a-f]{64}$',
      description:
        "the digest of the held change approved (GET /v1/rollouts/{id}/change, or the rollout's change.digest)",
    }),
  },
  strict,
);
const ChangeSchema = Type.Object(
  {
    digest: Type.String({ description: 'what an approval of this rollout must name' }),
    authors: Type.Array(
      Type.Object({ id: Type.String(), kind: Type.String(), announcements: Type.Integer(), bindings: Type.Integer() }),
      { description: 'actors whose desired-state changes are in the change (from the one audit log)' },
    ),
    trippers: Type.Array(Type.String(), {
      description: 'actors of its withdrawals, modifications and binding removals',
    }),
    unattributed: Type.Object({ announcements: Type.Integer(), bindings: Type.Integer() }),
  },
  { additionalProperties: false },
);
const RollbackBody = Type.Object(
  {
    to: Type.String({ minLength: 1, maxLength: 64, description: 'snapshot number, #number or id prefix (6+ hex)' }),
    account: Type.Optional(Type.String({ pattern: '^[0-9a-f]{32}$' })),
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  strict,
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
  strict,
);
const Account = Type.String({ pattern: '^[0-9a-f]{32}$' });
const RejectBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
    accounts: Type.Optional(
      Type.Array(Account, {
        minItems: 1,
        maxItems: 1000,
        uniqueItems: true,
        description: 'only these accounts of the change; absent: the whole change',
      }),
    ),
  },
  strict,
);
const BulkBody = Type.Object(
  {
    reason: Type.String({ minLength: 1, maxLength: 1000 }),
    from: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'snapshot; default the last good snapshot' }),
    ),
    account: Type.Optional(Account),
    prefixes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 10000 })),
    all: Type.Optional(Type.Literal(true, { description: 'every account: "all" is explicit, never an omission' })),
  },
  strict,
);
const RecoverySchema = Type.Object(
  {
    rollout: Type.Union([RolloutSchema, Type.Null()]),
    snapshot: SnapshotSummarySchema,
    items: Type.Integer({ description: 'what the snapshot says that desired state had to match' }),
    restore: Type.Object(
      {
        changed: Type.Integer(),
        unchanged: Type.Integer(),
        impossible: Type.Array(Type.Object({ item: Type.Unknown(), why: Type.String() })),
        accounts: Type.Array(Type.String()),
      },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);

/** Exactly one of account, prefixes, all: a bulk action names what it touches. */
function selection(b: { account?: string; prefixes?: string[]; all?: true }): {
  account?: string;
  prefixes?: string[];
} {
  const given = [b.account !== undefined, b.prefixes !== undefined, b.all === true].filter(Boolean).length;
  if (given !== 1)
    throw new FailsmallError(
      'E_API_BODY',
      'name exactly one of account, prefixes or all: true (all is never implied)',
      {
        field: 'account',
      },
    );
  return { ...(b.account ? { account: b.account } : {}), ...(b.prefixes ? { prefixes: b.prefixes } : {}) };
}

const TextFormat = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')]));
const Format = Type.Object({ format: TextFormat }, strict);
const DiffQuery = Type.Object(
  {
    from: Type.String({ minLength: 1, maxLength: 64 }),
    to: Type.String({ minLength: 1, maxLength: 64 }),
    format: TextFormat,
    max_changes: Type.Optional(Type.Integer({ minimum: 0, maximum: 100000 })),
  },
  strict,
);
const Ref = Type.Object({ ref: Type.String({ minLength: 1, maxLength: 64 }) }, strict);

export function rolloutRoutes(c: RolloutControl): Route[] {
  const common = { requires: ['operator', 'admin'], scope: 'operator or admin' } as const;
  // Approvers read what they approve.
  const reads = { requires: ['operator', 'admin', 'approver'], scope: 'operator, admin or approver' } as const;
  const approver = { requires: ['approver'], scope: 'approver (a token of kind person)' } as const;
  const commands = (['pause', 'resume', 'promote', 'abort'] as const).map((op) =>
    route({
      ...common,
      tag: 'rollouts',
      method: 'POST',
      url: `/v1/rollouts/:id/${op}`,
      summary: `${op[0]?.toUpperCase()}${op.slice(1)} a rollout (audited, with a reason)`,
      params: Id,
      body: Reason,
      response: envelope(RolloutSchema),
      handler: async ({ actor, params, body }) => ok(await c[op](params.id, actor, body.reason)),
    }),
  );
  const approve = route({
    ...approver,
    tag: 'rollouts',
    method: 'POST',
    url: '/v1/rollouts/:id/approve',
    summary: 'Approve a held rollout, naming the digest of its change (a second person; audited, with a reason)',
    params: Id,
    body: ApproveBody,
    response: envelope(RolloutSchema),
    handler: async ({ actor, params, body }) => ok(await c.approve(params.id, actor, body.reason, body.digest)),
  });
  return [
    route({
      ...reads,
      tag: 'rollouts',
      method: 'GET',
      url: '/v1/rollouts/status',
      summary: 'Breaker, last good snapshot, active rollout',
      query: Format,
      response: envelope(Type.Union([TextSchema, StatusSchema])),
      handler: async ({ query }) => {
        const s = await c.status();
        return ok(query.format === 'text' ? { text: statusText(s) } : s);
      },
    }),
    route({
      ...reads,
      tag: 'rollouts',
      method: 'GET',
      url: '/v1/rollouts',
      summary: 'Rollouts, newest first',
      response: envelope(Type.Array(RolloutSchema)),
      handler: async () => ok(c.rollouts()),
    }),
    route({
      ...common,
      tag: 'rollouts',
      method: 'GET',
      url: '/v1/rollouts/audit',
      summary: 'Audit log of approvals, resets, aborts, rollbacks and trips (from the one audit log)',
      response: envelope(Type.Array(AuditSchema)),
      handler: async () => ok(await c.audit()),
    }),
    route({
      ...reads,
      tag: 'rollouts',
      method: 'GET',
      url: '/v1/rollouts/:id',
      summary: 'One rollout',
      params: Id,
      response: envelope(RolloutSchema),
      handler: async ({ params }) => ok(c.rollout(params.id)),
    }),
    route({
      ...reads,
      tag: 'rollouts',
      method: 'GET',
      url: '/v1/rollouts/:id/change',
      summary: "A rollout's change: the digest an approval names, and who made it (from the one audit log)",
      params: Id,
      response: envelope(ChangeSchema),
      handler: async ({ params }) => ok(await c.change(params.id)),
    }),
    ...commands,
    approve,
    route({
      ...approver,
      tag: 'rollouts',
      method: 'POST',
      url: '/v1/rollouts/:id/reject',
      summary:
        'Reject a held or halted rollout, or the superseded one that tripped the breaker (status breaker.trippedBy): desired state back to the last good snapshot for its delta (audited), breaker closed when it was the cause',
      params: Id,
      body: RejectBody,
      response: envelope(RecoverySchema),
      handler: async ({ actor, params, body }) =>
        ok(
          await c.reject({
            id: params.id,
            ...(body.accounts ? { accounts: body.accounts } : {}),
            actor,
            reason: body.reason,
          }),
        ),
    }),
    route({
      ...common,
      tag: 'rollouts',
      method: 'POST',
      url: '/v1/recovery/readvertise',
      summary: 'Re-advertise what a snapshot announced (an account, a set of prefixes, or all); judged by the guard',
      body: BulkBody,
      response: envelope(RecoverySchema),
      handler: async ({ actor, body }) =>
        ok(
          await c.readvertise({
            ...selection(body),
            ...(body.from ? { from: body.from } : {}),
            actor,
            reason: body.reason,
          }),
        ),
    }),
    route({
      ...common,
      tag: 'rollouts',
      method: 'POST',
      url: '/v1/recovery/restore-bindings',
      summary: 'Re-create the bindings a snapshot held (an account, a set of prefixes, or all); judged by the guard',
      body: BulkBody,
      response: envelope(RecoverySchema),
      handler: async ({ actor, body }) =>
        ok(
          await c.restoreBindings({
            ...selection(body),
            ...(body.from ? { from: body.from } : {}),
            actor,
            reason: body.reason,
          }),
        ),
    }),
    route({
      ...approver,
      tag: 'rollouts',
      method: 'POST',
      url: '/v1/breaker/reset',
      summary: 'Reset a tripped circuit breaker (a person who made none of the held changes)',
      body: Reason,
      response: envelope(BreakerSchema),
      handler: async ({ actor, body }) => {
        await c.resetBreaker(actor, body.reason);
        return ok((await c.status()).breaker);
      },
    }),
    route({
      ...common,
      tag: 'rollouts',
      method: 'POST',
      url: '/v1/rollback',
      summary: 'Roll the network or one account back to a snapshot',
      body: RollbackBody,
      response: envelope(RollbackSchema),
      handler: async ({ actor, body }) => {
        const r = await c.rollback({
          to: body.to,
          ...(body.account ? { account: body.account } : {}),
          actor,
          reason: body.reason,
        });
        return ok({
          snapshot: { id: r.snapshot.id, number: r.snapshot.number, digest: r.snapshot.digest },
          rollouts: r.rollouts,
        });
      },
    }),
    route({
      ...common,
      tag: 'snapshots',
      method: 'GET',
      url: '/v1/snapshots',
      summary: 'Snapshots, newest first',
      response: envelope(Type.Array(SnapshotSummarySchema)),
      handler: async () => ok(await c.snapshots()),
    }),
    route({
      ...common,
      tag: 'snapshots',
      method: 'GET',
      url: '/v1/snapshots/diff',
      summary: 'Diff of two snapshots',
      query: DiffQuery,
      response: envelope(Type.Union([TextSchema, DiffSchema])),
      handler: async ({ query: q }) => {
        const d = await c.diff(q.from, q.to);
        if (q.format === 'text')
          return ok({ text: diffText(d.diff, { title: `#${d.from.number} → #${d.to.number}` }) });
        const json = diffJson(d.diff, q.max_changes ?? 1000) as { totals: unknown; restoring_only: boolean };
        return ok({ from: d.from.id, to: d.to.id, ...json });
      },
    }),
    route({
      ...common,
      tag: 'snapshots',
      method: 'GET',
      url: '/v1/snapshots/:ref',
      summary: 'One snapshot (number, #number or id prefix)',
      params: Ref,
      response: envelope(SnapshotSchema),
      handler: async ({ params }) => {
        const s = await c.snapshot(params.ref);
        return ok({ ...s, announcements: [...s.announcements], bindings: [...s.bindings] });
      },
    }),
    route({
      ...common,
      tag: 'rollouts',
      method: 'POST',
      url: '/v1/verdicts',
      summary: 'Publish a health verdict (canary analysis, probes, monitors); stored before the answer',
      body: VerdictBody,
      response: envelope(VerdictSchema),
      handler: async ({ body: b }) =>
        ok(
          await c.publishVerdict({
            source: b.source,
            rolloutId: b.rollout_id,
            location: b.location,
            status: b.status,
            reason: b.reason,
          }),
        ),
    }),
    route({
      ...common,
      tag: 'fleet',
      method: 'GET',
      url: '/v1/fleet',
      summary: 'The latest report of every edge agent',
      response: envelope(Type.Array(AgentReportSchema)),
      handler: async () => ok([...(await c.agents())]),
    }),
  ];
}
