// Response schemas of the /v1 rollout API, for serialization and the OpenAPI document. The objects are
// open (additionalProperties: true): the engine's types (src/rollout/ports.ts) are the source of truth,
// these document the fields clients rely on, and a field the engine adds is passed through, not dropped.
import { type TProperties, type TSchema, Type } from '@sinclair/typebox';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** An object schema that documents fields and passes any other through (serialization keeps them). */
export const open = <P extends TProperties>(p: P, description?: string) =>
  Type.Object(p, { additionalProperties: true, ...(description ? { description } : {}) });
const Ms = Type.Number({ description: 'milliseconds since the epoch' });

export const TextSchema = Type.Object(
  { text: Type.String({ description: 'plain-text rendering, as the CLI prints it' }) },
  { additionalProperties: false },
);

export const BreakerSchema = open(
  {
    tripped: Type.Boolean(),
    since: Nullable(Ms),
    reason: Nullable(Type.String()),
    trippedBy: Type.Optional(
      Nullable(
        Type.String({
          description: 'the rollout whose hold or failed gate tripped it: rejecting it closes the breaker',
        }),
      ),
    ),
  },
  'the circuit breaker: while tripped, destructive changes are held',
);

const SnapshotHead = {
  id: Type.String(),
  number: Type.Integer(),
  parent: Nullable(Type.String()),
  digest: Type.String(),
  createdAt: Type.String(),
  origin: Type.String(),
  reason: Type.String(),
};
export const SnapshotSummarySchema = open({
  ...SnapshotHead,
  announcements: Type.Integer(),
  bindings: Type.Integer(),
});

export const RolloutSchema = open(
  {
    id: Type.String(),
    snapshotId: Type.String(),
    snapshotNumber: Type.Integer(),
    kind: Type.String({ description: 'progressive (staged, gated) or fast (restoring changes)' }),
    status: Type.String({ description: 'queued, held, running, paused, completed, rolled-back, aborted, superseded' }),
    baselineId: Nullable(Type.String()),
    stages: Type.Array(open({ name: Type.String(), locations: Type.Array(Type.String()), bakeMs: Type.Number() })),
    stageIndex: Type.Integer(),
    touched: Type.Array(Type.String()),
    pause: Type.Unknown(),
    guard: Type.Unknown({ description: "the guard's decision: limits exceeded, if any" }),
    change: Type.Optional(
      Nullable(
        open(
          { digest: Type.String(), baselineId: Nullable(Type.String()) },
          'while held: the digest of the change an approval must name (against the current last good snapshot)',
        ),
      ),
    ),
    approval: Type.Unknown(),
    halt: Type.Unknown(),
    gates: Type.Array(Type.Unknown()),
    events: Type.Array(Type.Unknown()),
    createdAt: Ms,
    createdBy: Type.String(),
    reason: Type.String(),
  },
  'one staged deployment of one snapshot',
);

export const StatusSchema = open({
  breaker: BreakerSchema,
  baseline: Nullable(SnapshotSummarySchema),
  latest: Nullable(SnapshotSummarySchema),
  active: Nullable(RolloutSchema),
  pending: Type.Array(RolloutSchema),
  recent: Type.Array(RolloutSchema),
  locations: Type.Integer(),
  agents: open({
    total: Type.Integer(),
    ok: Type.Integer(),
    failStatic: Type.Integer(),
    refused: Type.Integer(),
    error: Type.Integer(),
  }),
  guard: Type.Unknown({ description: 'the guard configuration in force' }),
});

export const SnapshotSchema = open(
  {
    ...SnapshotHead,
    announcements: Type.Array(Type.Unknown()),
    bindings: Type.Array(Type.Unknown()),
  },
  'an immutable, content-addressed snapshot of what every location announces and binds',
);

export const DiffSchema = open({
  from: Type.String(),
  to: Type.String(),
  totals: Type.Unknown(),
  restoring_only: Type.Boolean(),
});

export const RollbackSchema = Type.Object({
  snapshot: Type.Object({ id: Type.String(), number: Type.Integer(), digest: Type.String() }),
  rollouts: Type.Array(RolloutSchema),
});

export const VerdictSchema = open({
  source: Type.String(),
  rolloutId: Nullable(Type.String()),
  location: Nullable(Type.String()),
  status: Type.String(),
  reason: Type.String(),
  at: Ms,
});

export const AgentReportSchema = open({
  agentId: Type.String(),
  location: Type.String(),
  node: Type.String(),
  appliedSnapshot: Nullable(Type.String()),
  announceDigest: Nullable(Type.String()),
  announceCount: Type.Integer(),
  bindingDigest: Nullable(Type.String()),
  bindingCount: Type.Integer(),
  state: Type.String({ description: 'ok, fail-static, refused, error' }),
  detail: Nullable(Type.String()),
  reportedAt: Ms,
});
