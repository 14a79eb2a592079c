// TypeBox schemas of the Addressing API: request bodies, query strings and path parameters (all strict:
// additionalProperties false), and response shapes (which also drive fast serialization and the
// OpenAPI document). Field names and nesting follow Cloudflare's v4 Addressing API. Numeric limits come
// from src/addressing/limits.ts, the one home the service, the compiler and the migrations share.
import { type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { ASN_PREPEND_COUNT, JOB_CAP_RANGE, ORIGIN_ASN, TEXT_MAX } from '../addressing/limits.js';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const strict = <P extends TProperties>(p: P, opts: { description?: string } = {}): TObject<P> =>
  Type.Object(p, { additionalProperties: false, ...opts });

export const Id = Type.String({ pattern: '^[0-9a-f]{32}$', description: '32 lowercase hex characters' });
const Cidr = Type.String({ minLength: 1, maxLength: 64, description: 'canonical IP prefix, e.g. 203.0.113.0/24' });
const Timestamp = Type.String({ format: 'date-time' });

// ---- path parameters ----------------------------------------------------------------------------

export const AccountParams = strict({ account_id: Id });
export const PrefixParams = strict({ account_id: Id, prefix_id: Id });
export const BgpPrefixParams = strict({ account_id: Id, prefix_id: Id, bgp_prefix_id: Id });
export const BindingParams = strict({ account_id: Id, prefix_id: Id, binding_id: Id });
export const DelegationParams = strict({ account_id: Id, prefix_id: Id, delegation_id: Id });
export const TokenParams = strict({ token_id: Id });

// ---- query strings ------------------------------------------------------------------------------

const PageQuery = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'page number, from 1' })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, description: 'items per page (default 1000)' })),
};
export const ListPrefixesQuery = strict({
  state: Type.Optional(
    Type.Union([Type.Literal('active'), Type.Literal('pending_delete'), Type.Literal('deleted')], {
      description: 'which prefixes to list; absent means active. There is no "match all" value.',
    }),
  ),
  ...PageQuery,
});
export const PageOnlyQuery = strict(PageQuery);
/** Endpoints that take no query parameter at all: any parameter is a 400. */
export const NoQuery = strict({});
export const ListTokensQuery = strict({ account_id: Type.Optional(Id) });

// ---- request bodies -----------------------------------------------------------------------------

export const CreatePrefixBody = strict({
  cidr: Cidr,
  asn: Type.Integer({ minimum: ORIGIN_ASN.min, maximum: ORIGIN_ASN.max }),
  description: Type.Optional(Type.String({ maxLength: TEXT_MAX.description })),
  loa_document_id: Type.Optional(Nullable(Type.String({ maxLength: TEXT_MAX.loa_document_id }))),
});
export const EditPrefixBody = Type.Object(
  {
    description: Type.Optional(Type.String({ maxLength: TEXT_MAX.description })),
    state: Type.Optional(
      Type.Union([Type.Literal('active'), Type.Literal('pending_delete')], {
        description: 'mark for (or take back from) the pending-delete cleanup',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const CreateBgpPrefixBody = strict({ cidr: Cidr });
export const EditBgpPrefixBody = Type.Object(
  {
    asn_prepend_count: Type.Optional(Type.Integer({ minimum: ASN_PREPEND_COUNT.min, maximum: ASN_PREPEND_COUNT.max })),
    on_demand: Type.Optional(strict({ advertised: Type.Boolean() })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const AdvertisementStatusBody = strict({ advertised: Type.Boolean() });
export const CreateBindingBody = strict({ cidr: Cidr, service_id: Type.String({ minLength: 1, maxLength: 64 }) });
export const CreateDelegationBody = strict({ cidr: Cidr, delegated_account_id: Id });
export const AccountAsnsBody = strict({
  asns: Type.Array(Type.Integer({ minimum: ORIGIN_ASN.min, maximum: ORIGIN_ASN.max }), {
    maxItems: 1000,
    uniqueItems: true,
    description: 'the ASNs the account holds: RPKI and IRR prove a prefix only for one of these',
  }),
});
export const AccountAsnsSchema = Type.Object({ asns: Type.Array(Type.Integer()) });
export const ApproveLoaBody = strict({
  reason: Type.String({ minLength: 1, maxLength: TEXT_MAX.description }),
  loa_document_id: Type.Optional(Type.String({ minLength: 1, maxLength: TEXT_MAX.loa_document_id })),
});
export const OwnershipProofSchema = Type.Object({
  prefix_id: Type.String(),
  account_id: Type.String(),
  cidr: Type.String(),
  asn: Type.Integer(),
  method: Type.Union([Type.Literal('rpki'), Type.Literal('irr'), Type.Literal('loa'), Type.Literal('legacy')]),
  evidence: Type.String(),
  proven_by: Type.String(),
  proven_at: Timestamp,
});
export const OwnershipAnswerSchema = Nullable(OwnershipProofSchema);
export const CreateAccountBody = strict({ name: Type.String({ minLength: 1, maxLength: TEXT_MAX.name }) });
export const CreateTokenBody = strict({
  account_id: Nullable(Id),
  name: Type.String({ minLength: 1, maxLength: TEXT_MAX.name }),
  scopes: Type.Array(
    Type.Union([
      Type.Literal('addressing:read'),
      Type.Literal('addressing:write'),
      Type.Literal('operator'),
      Type.Literal('admin'),
      Type.Literal('approver'),
    ]),
    { minItems: 1, uniqueItems: true },
  ),
  kind: Type.Optional(
    Type.Union([Type.Literal('person'), Type.Literal('job'), Type.Literal('agent')], {
      description: 'who holds the token (default person); only a person approves, a job has caps',
    }),
  ),
  caps: Type.Optional(
    strict({
      per_run: Type.Optional(Type.Integer({ minimum: JOB_CAP_RANGE.min, maximum: JOB_CAP_RANGE.max })),
      per_hour: Type.Optional(Type.Integer({ minimum: JOB_CAP_RANGE.min, maximum: JOB_CAP_RANGE.max })),
    }),
  ),
});

// ---- responses ----------------------------------------------------------------------------------

export const PrefixSchema = Type.Object({
  id: Type.String(),
  account_id: Type.String(),
  cidr: Type.String(),
  asn: Type.Integer(),
  description: Type.String(),
  approved: Type.Union([Type.Literal('P'), Type.Literal('V')]),
  loa_document_id: Nullable(Type.String()),
  state: Type.Union([Type.Literal('active'), Type.Literal('pending_delete'), Type.Literal('deleted')]),
  created_at: Timestamp,
  modified_at: Timestamp,
});
const OnDemandSchema = Type.Object({
  advertised: Type.Boolean(),
  advertised_modified_at: Nullable(Timestamp),
  on_demand_enabled: Type.Boolean(),
  on_demand_locked: Type.Boolean(),
});
/** Operational state next to the configured flag (src/addressing/edge-status.ts). Not part of Cloudflare's shape. */
export const EdgeStatusSchema = Type.Object(
  {
    state: Type.Union(
      [
        Type.Literal('pending'),
        Type.Literal('deploying'),
        Type.Literal('live'),
        Type.Literal('held'),
        Type.Literal('withdrawn'),
      ],
      {
        description:
          'where the configured state is true at the edge: pending (in no compiled snapshot yet, or no agent report), deploying (rolling out, live at some locations), live (every location that should announce it reports it), held (the guard holds the snapshot carrying it), withdrawn (announced nowhere, as configured)',
      },
    ),
    snapshot: Nullable(Type.Integer({ description: 'newest snapshot that carries the configured state' })),
    locations_live: Type.Integer({ description: "locations whose agents' speakers report it announced" }),
    locations_total: Type.Integer({ description: 'locations that should announce it in that snapshot' }),
  },
  { description: "operational state, from the agents' read-back; `on_demand.advertised` is the configured state" },
);
export const BgpPrefixSchema = Type.Object({
  id: Type.String(),
  prefix_id: Type.String(),
  cidr: Type.String(),
  asn: Nullable(Type.Integer()),
  asn_prepend_count: Type.Integer(),
  on_demand: OnDemandSchema,
  created_at: Timestamp,
  modified_at: Timestamp,
  edge: EdgeStatusSchema,
});
export const AdvertisementStatusSchema = Type.Object({
  advertised: Type.Boolean(),
  advertised_modified_at: Nullable(Timestamp),
  edge: EdgeStatusSchema,
});
export const BindingSchema = Type.Object({
  id: Type.String(),
  prefix_id: Type.String(),
  cidr: Type.String(),
  service_id: Type.String(),
  service_name: Type.String(),
  provisioning: Type.Object({ state: Type.Union([Type.Literal('provisioning'), Type.Literal('active')]) }),
  created_at: Timestamp,
  modified_at: Timestamp,
});
export const DelegationSchema = Type.Object({
  id: Type.String(),
  parent_prefix_id: Type.String(),
  cidr: Type.String(),
  delegated_account_id: Type.String(),
  created_at: Timestamp,
  modified_at: Timestamp,
});
export const ServiceSchema = Type.Object({ id: Type.String(), name: Type.String() });
export const AuditSchema = Type.Object({
  id: Type.String(),
  account_id: Nullable(Type.String()),
  at: Timestamp,
  actor_kind: Type.String(),
  actor_id: Type.String(),
  actor_account_id: Type.Optional(
    Nullable(
      Type.String({ description: 'the account the actor is bound to; null for a global actor (operator, job)' }),
    ),
  ),
  request_id: Type.String(),
  action: Type.String(),
  object_type: Type.String(),
  object_id: Type.String(),
  before: Type.Unknown(),
  after: Type.Unknown(),
  reason: Type.Optional(Nullable(Type.String({ description: 'the reason given, or the rule that acted' }))),
});
export const AccountSchema = Type.Object({ id: Type.String(), name: Type.String(), created_at: Timestamp });
export const TokenSchema = Type.Object({
  id: Type.String(),
  account_id: Nullable(Type.String()),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  kind: Type.String({ description: 'person, job or agent' }),
  caps: Nullable(
    Type.Object(
      { perRun: Type.Integer(), perHour: Type.Integer() },
      { description: "a job's changes per run and per hour" },
    ),
  ),
  created_at: Timestamp,
  revoked_at: Nullable(Timestamp),
  value: Type.Optional(Type.String({ description: 'the secret; shown once, when the token is created' })),
});
export const IdOnly = Type.Object({ id: Type.String() });
