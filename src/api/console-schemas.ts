// Request and response schemas of the console's routes (console-routes.ts), for validation,
// serialization and the OpenAPI document. Response objects are open (additionalProperties: true), as in
// rollout-schemas.ts: the domain types are the source of truth, these document what the console reads.
import { Type } from '@sinclair/typebox';
import { Nullable, open } from './rollout-schemas.js';
import { AuditSchema } from './schemas.js';

const strict = { additionalProperties: false } as const;

export const ReasonBody = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 1000 }) }, strict);
export const IncidentBody = Type.Object(
  { on: Type.Boolean(), reason: Type.String({ minLength: 1, maxLength: 1000 }) },
  strict,
);
export const AccountParams = Type.Object({ account_id: Type.String({ pattern: '^[0-9a-f]{32}$' }) }, strict);
export const ReturnBody = Type.Object(
  { snapshot: Type.Integer({ minimum: 1 }), reason: Type.String({ minLength: 1, maxLength: 1000 }) },
  strict,
);
export const HistoryQuery = Type.Object(
  {
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    locations: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'comma-separated' })),
  },
  strict,
);
export const AlertQuery = Type.Object(
  {
    severity: Type.Optional(Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('info')])),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  strict,
);
export const AuditQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    target: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    since: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000 })),
  },
  strict,
);

export const IncidentStateSchema = Type.Object(
  { on: Type.Boolean(), since: Nullable(Type.String()), by: Nullable(Type.String()), reason: Nullable(Type.String()) },
  { additionalProperties: false, description: 'incident mode: on or off, since when, by whom, why' },
);
export const SessionSchema = Type.Object(
  {
    token: open({ id: Type.String(), name: Type.Optional(Type.String()), scopes: Type.Array(Type.String()) }),
    role: Type.Union([Type.Literal('operator'), Type.Literal('customer')]),
    account_id: Nullable(Type.String()),
    incident: IncidentStateSchema,
  },
  strict,
);
const Series = { configured: Type.Array(Type.Integer()), announced: Type.Array(Type.Integer()) };
export const HistorySchema = open(
  {
    at: Type.Array(Type.Number({ description: 'milliseconds since the epoch' })),
    ...Series,
    locations: Type.Record(Type.String(), Type.Object(Series)),
  },
  'prefixes configured and announced over time, in total and per location',
);
export const AlertSchema = open({
  id: Type.String(),
  at: Type.Number(),
  severity: Type.String(),
  source: Type.String(),
  title: Type.String(),
  detail: Type.String(),
  rollout: Nullable(Type.String()),
  location: Nullable(Type.String()),
  active: Type.Boolean(),
});
export const AccountSummarySchema = Type.Object(
  { id: Type.String(), name: Type.String(), prefixes: Type.Integer(), advertised: Type.Integer() },
  strict,
);
const RevertPlanSchema = open({
  entry: open({ id: Type.String(), action: Type.String() }),
  inverse: Nullable(Type.String()),
  restoring: Type.Boolean(),
  unsupported: Nullable(Type.String()),
});

export { RevertPlanSchema };
export const OverviewSchema = open({
  account: open({ id: Type.String(), name: Nullable(Type.String()) }),
  prefixes: Type.Array(
    open({
      bgp_prefixes: Type.Array(open({ edge: Nullable(open({ state: Type.String() })) })),
      bindings: Type.Array(open({})),
      delegations: Type.Array(open({})),
    }),
  ),
  history: Type.Array(AuditSchema),
  rollbacks: Type.Array(AuditSchema),
  snapshots: Type.Array(
    open({ number: Type.Integer(), id: Type.String(), created_at: Type.String(), announcements: Type.Integer() }),
  ),
  last_change: Nullable(RevertPlanSchema),
});
export const ReturnResultSchema = open({
  snapshot: open({ id: Type.String(), number: Type.Integer() }),
  rollouts: Type.Array(Type.String()),
});
