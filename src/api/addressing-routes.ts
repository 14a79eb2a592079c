// The Addressing API routes, shaped like Cloudflare's v4 API under
// /client/v4/accounts/{account_id}/addressing. Handlers only translate HTTP to service calls: the rules
// (tenancy, scopes, domain checks, audit) live in src/addressing/service.ts.
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../addressing/model.js';
import { SERVICE_LIST } from '../addressing/model.js';
import type { AddressingService } from '../addressing/service.js';
import { ListCache } from './list-cache.js';
import {
  AccountParams,
  AdvertisementStatusBody,
  AdvertisementStatusSchema,
  AuditSchema,
  BgpPrefixParams,
  BgpPrefixSchema,
  BindingParams,
  BindingSchema,
  CreateBgpPrefixBody,
  CreateBindingBody,
  CreateDelegationBody,
  CreatePrefixBody,
  DelegationParams,
  DelegationSchema,
  EditBgpPrefixBody,
  EditPrefixBody,
  envelope,
  IdOnly,
  ListPrefixesQuery,
  listEnvelope,
  NoQuery,
  PageOnlyQuery,
  PrefixParams,
  PrefixSchema,
  ServiceSchema,
} from './schemas.js';

export const BASE = '/client/v4/accounts/:account_id/addressing';
export const DEFAULT_PER_PAGE = 1000;

/** The actor of an authenticated request (set by the auth hook of server.ts). */
export function actorOf(req: FastifyRequest): Actor {
  const a = (req as FastifyRequest & { actor?: Actor }).actor;
  if (!a) throw new Error('route reached without authentication');
  return a;
}

export function ok<T>(result: T) {
  return { success: true, errors: [], messages: [], result };
}
export function okList<T>(items: T[], page: number, perPage: number, total: number) {
  return {
    success: true,
    errors: [],
    messages: [],
    result: items,
    result_info: { page, per_page: perPage, count: items.length, total_count: total },
  };
}
function okAll<T>(items: T[]) {
  return okList(items, 1, Math.max(items.length, 1), items.length);
}

interface RouteSchema {
  params?: TSchema;
  querystring?: TSchema;
  body?: TSchema;
  response: TSchema;
  summary: string;
  /** Scope needed, for the OpenAPI description (the service enforces it). */
  scope: string;
}

type Handler = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export function addRoute(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  s: RouteSchema,
  tag: string,
  handler: Handler,
): void {
  const success = method === 'POST' && !url.endsWith('/validate') ? 201 : 200;
  app.route({
    method,
    url,
    schema: {
      tags: [tag],
      summary: s.summary,
      description: `Needs scope ${s.scope}.`,
      security: [{ bearerAuth: [] }],
      ...(s.params ? { params: s.params } : {}),
      querystring: s.querystring ?? NoQuery,
      ...(s.body ? { body: s.body } : {}),
      response: { [success]: s.response },
    },
    handler: async (req, reply) => {
      const out = await handler(req, reply);
      reply.code(success);
      return out;
    },
  });
}

export function registerAddressingRoutes(app: FastifyInstance, svc: AddressingService): void {
  const listCache = new ListCache();
  svc.onChange((c) => {
    // the cached lists hold prefix rows only: BGP prefix, binding and delegation changes leave them be
    if (c.object_type !== 'prefix' && c.object_type !== 'unknown' && !c.all) return;
    if (c.all) listCache.clear();
    else for (const a of c.account_ids) listCache.invalidate(a);
  });
  const R = 'addressing:read';
  const W = 'addressing:write';
  type P = Static<typeof PrefixParams>;

  // ---- prefixes ----
  addRoute(
    app,
    'POST',
    `${BASE}/prefixes`,
    {
      params: AccountParams,
      body: CreatePrefixBody,
      response: envelope(PrefixSchema),
      summary: 'Add a prefix',
      scope: W,
    },
    'prefixes',
    async (req) => {
      const { account_id } = req.params as Static<typeof AccountParams>;
      return ok(await svc.createPrefix(actorOf(req), account_id, req.body as Static<typeof CreatePrefixBody>));
    },
  );
  addRoute(
    app,
    'GET',
    `${BASE}/prefixes`,
    {
      params: AccountParams,
      querystring: ListPrefixesQuery,
      response: listEnvelope(PrefixSchema),
      summary: 'List prefixes in one state (default active)',
      scope: R,
    },
    'prefixes',
    async (req, reply) => {
      const { account_id } = req.params as Static<typeof AccountParams>;
      const q = req.query as Static<typeof ListPrefixesQuery>;
      const page = q.page ?? 1;
      const perPage = q.per_page ?? DEFAULT_PER_PAGE;
      const state = q.state ?? 'active';
      const actor = actorOf(req);
      // tenancy and scope are checked on every request, cached or not
      await svc.checkAccount(actor, account_id, 'read');
      const key = `${state}|${page}|${perPage}`;
      reply.type('application/json; charset=utf-8');
      const hit = listCache.get(account_id, key);
      if (hit !== undefined) return hit;
      const gen = listCache.generation(account_id);
      const r = await svc.listPrefixes(actor, account_id, state, { page, per_page: perPage });
      const body = reply.serialize(okList(r.items, page, perPage, r.total_count)) as string;
      listCache.set(account_id, key, body, gen);
      return body;
    },
  );
  addRoute(
    app,
    'GET',
    `${BASE}/prefixes/:prefix_id`,
    { params: PrefixParams, response: envelope(PrefixSchema), summary: 'Prefix details', scope: R },
    'prefixes',
    async (req) => {
      const p = req.params as P;
      return ok(await svc.getPrefix(actorOf(req), p.account_id, p.prefix_id));
    },
  );
  addRoute(
    app,
    'PATCH',
    `${BASE}/prefixes/:prefix_id`,
    {
      params: PrefixParams,
      body: EditPrefixBody,
      response: envelope(PrefixSchema),
      summary: 'Update a prefix description, or mark it pending_delete',
      scope: W,
    },
    'prefixes',
    async (req) => {
      const p = req.params as P;
      return ok(
        await svc.editPrefix(actorOf(req), p.account_id, p.prefix_id, req.body as Static<typeof EditPrefixBody>),
      );
    },
  );
  addRoute(
    app,
    'DELETE',
    `${BASE}/prefixes/:prefix_id`,
    {
      params: PrefixParams,
      response: envelope(PrefixSchema),
      summary: 'Delete a prefix (409 while anything is advertised, bound or delegated)',
      scope: W,
    },
    'prefixes',
    async (req) => {
      const p = req.params as P;
      return ok(await svc.deletePrefix(actorOf(req), p.account_id, p.prefix_id));
    },
  );
  addRoute(
    app,
    'POST',
    `${BASE}/prefixes/:prefix_id/validate`,
    {
      params: PrefixParams,
      response: envelope(PrefixSchema),
      summary: 'Validate prefix ownership (approved P → V)',
      scope: W,
    },
    'prefixes',
    async (req) => {
      const p = req.params as P;
      return ok(await svc.validatePrefix(actorOf(req), p.account_id, p.prefix_id));
    },
  );

  // ---- BGP prefixes ----
  type B = Static<typeof BgpPrefixParams>;
  addRoute(
    app,
    'POST',
    `${BASE}/prefixes/:prefix_id/bgp/prefixes`,
    {
      params: PrefixParams,
      body: CreateBgpPrefixBody,
      response: envelope(BgpPrefixSchema),
      summary: 'Create a BGP prefix (withdrawn)',
      scope: W,
    },
    'bgp prefixes',
    async (req) => {
      const p = req.params as P;
      return ok(
        await svc.createBgpPrefix(
          actorOf(req),
          p.account_id,
          p.prefix_id,
          (req.body as Static<typeof CreateBgpPrefixBody>).cidr,
        ),
      );
    },
  );
  addRoute(
    app,
    'GET',
    `${BASE}/prefixes/:prefix_id/bgp/prefixes`,
    { params: PrefixParams, response: listEnvelope(BgpPrefixSchema), summary: 'List BGP prefixes', scope: R },
    'bgp prefixes',
    async (req) => {
      const p = req.params as P;
      return okAll(await svc.listBgpPrefixes(actorOf(req), p.account_id, p.prefix_id));
    },
  );
  addRoute(
    app,
    'GET',
    `${BASE}/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id`,
    { params: BgpPrefixParams, response: envelope(BgpPrefixSchema), summary: 'BGP prefix details', scope: R },
    'bgp prefixes',
    async (req) => {
      const p = req.params as B;
      return ok(await svc.getBgpPrefix(actorOf(req), p.account_id, p.prefix_id, p.bgp_prefix_id));
    },
  );
  addRoute(
    app,
    'PATCH',
    `${BASE}/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id`,
    {
      params: BgpPrefixParams,
      body: EditBgpPrefixBody,
      response: envelope(BgpPrefixSchema),
      summary: 'Advertise or withdraw (on_demand.advertised), set asn_prepend_count',
      scope: W,
    },
    'bgp prefixes',
    async (req) => {
      const p = req.params as B;
      return ok(
        await svc.editBgpPrefix(
          actorOf(req),
          p.account_id,
          p.prefix_id,
          p.bgp_prefix_id,
          req.body as Static<typeof EditBgpPrefixBody>,
        ),
      );
    },
  );
  addRoute(
    app,
    'DELETE',
    `${BASE}/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id`,
    { params: BgpPrefixParams, response: envelope(IdOnly), summary: 'Delete a withdrawn BGP prefix', scope: W },
    'bgp prefixes',
    async (req) => {
      const p = req.params as B;
      return ok({ id: (await svc.deleteBgpPrefix(actorOf(req), p.account_id, p.prefix_id, p.bgp_prefix_id)).id });
    },
  );

  // ---- legacy advertisement status ----
  addRoute(
    app,
    'GET',
    `${BASE}/prefixes/:prefix_id/bgp/status`,
    {
      params: PrefixParams,
      response: envelope(AdvertisementStatusSchema),
      summary: 'Advertisement status of the whole prefix (legacy)',
      scope: R,
    },
    'advertisement status',
    async (req) => {
      const p = req.params as P;
      return ok(await svc.getAdvertisementStatus(actorOf(req), p.account_id, p.prefix_id));
    },
  );
  addRoute(
    app,
    'PATCH',
    `${BASE}/prefixes/:prefix_id/bgp/status`,
    {
      params: PrefixParams,
      body: AdvertisementStatusBody,
      response: envelope(AdvertisementStatusSchema),
      summary: 'Advertise or withdraw the whole prefix (legacy)',
      scope: W,
    },
    'advertisement status',
    async (req) => {
      const p = req.params as P;
      return ok(
        await svc.editAdvertisementStatus(
          actorOf(req),
          p.account_id,
          p.prefix_id,
          (req.body as Static<typeof AdvertisementStatusBody>).advertised,
        ),
      );
    },
  );

  // ---- service bindings ----
  type SB = Static<typeof BindingParams>;
  addRoute(
    app,
    'POST',
    `${BASE}/prefixes/:prefix_id/bindings`,
    {
      params: PrefixParams,
      body: CreateBindingBody,
      response: envelope(BindingSchema),
      summary: 'Bind a cidr of the prefix to a service',
      scope: W,
    },
    'service bindings',
    async (req) => {
      const p = req.params as P;
      return ok(
        await svc.createBinding(actorOf(req), p.account_id, p.prefix_id, req.body as Static<typeof CreateBindingBody>),
      );
    },
  );
  addRoute(
    app,
    'GET',
    `${BASE}/prefixes/:prefix_id/bindings`,
    { params: PrefixParams, response: listEnvelope(BindingSchema), summary: 'List service bindings', scope: R },
    'service bindings',
    async (req) => {
      const p = req.params as P;
      return okAll(await svc.listBindings(actorOf(req), p.account_id, p.prefix_id));
    },
  );
  addRoute(
    app,
    'GET',
    `${BASE}/prefixes/:prefix_id/bindings/:binding_id`,
    { params: BindingParams, response: envelope(BindingSchema), summary: 'Service binding details', scope: R },
    'service bindings',
    async (req) => {
      const p = req.params as SB;
      return ok(await svc.getBinding(actorOf(req), p.account_id, p.prefix_id, p.binding_id));
    },
  );
  addRoute(
    app,
    'DELETE',
    `${BASE}/prefixes/:prefix_id/bindings/:binding_id`,
    { params: BindingParams, response: envelope(IdOnly), summary: 'Delete a service binding', scope: W },
    'service bindings',
    async (req) => {
      const p = req.params as SB;
      return ok({ id: (await svc.deleteBinding(actorOf(req), p.account_id, p.prefix_id, p.binding_id)).id });
    },
  );

  // ---- delegations ----
  type D = Static<typeof DelegationParams>;
  addRoute(
    app,
    'POST',
    `${BASE}/prefixes/:prefix_id/delegations`,
    {
      params: PrefixParams,
      body: CreateDelegationBody,
      response: envelope(DelegationSchema),
      summary: 'Delegate part of the prefix to another account',
      scope: W,
    },
    'delegations',
    async (req) => {
      const p = req.params as P;
      return ok(
        await svc.createDelegation(
          actorOf(req),
          p.account_id,
          p.prefix_id,
          req.body as Static<typeof CreateDelegationBody>,
        ),
      );
    },
  );
  addRoute(
    app,
    'GET',
    `${BASE}/prefixes/:prefix_id/delegations`,
    { params: PrefixParams, response: listEnvelope(DelegationSchema), summary: 'List delegations', scope: R },
    'delegations',
    async (req) => {
      const p = req.params as P;
      return okAll(await svc.listDelegations(actorOf(req), p.account_id, p.prefix_id));
    },
  );
  addRoute(
    app,
    'DELETE',
    `${BASE}/prefixes/:prefix_id/delegations/:delegation_id`,
    { params: DelegationParams, response: envelope(IdOnly), summary: 'Delete a delegation', scope: W },
    'delegations',
    async (req) => {
      const p = req.params as D;
      return ok({ id: (await svc.deleteDelegation(actorOf(req), p.account_id, p.prefix_id, p.delegation_id)).id });
    },
  );

  // ---- services, audit ----
  addRoute(
    app,
    'GET',
    `${BASE}/services`,
    {
      params: AccountParams,
      response: listEnvelope(ServiceSchema),
      summary: 'Services a binding may name (fixed ids)',
      scope: R,
    },
    'services',
    async (req) => {
      const { account_id } = req.params as Static<typeof AccountParams>;
      // the list is global, but the account must still be visible to this token
      await svc.checkAccount(actorOf(req), account_id, 'read');
      return okAll([...SERVICE_LIST]);
    },
  );
  addRoute(
    app,
    'GET',
    `${BASE}/audit`,
    {
      params: AccountParams,
      querystring: PageOnlyQuery,
      response: listEnvelope(AuditSchema),
      summary: 'Audit log of the account, newest first',
      scope: R,
    },
    'audit',
    async (req) => {
      const { account_id } = req.params as Static<typeof AccountParams>;
      const q = req.query as Static<typeof PageOnlyQuery>;
      const page = q.page ?? 1;
      const perPage = q.per_page ?? 100;
      const r = await svc.listAudit(actorOf(req), account_id, { page, per_page: perPage });
      return okList(r.items, page, perPage, r.total_count);
    },
  );
}
