// The Addressing API as a route table, shaped like Cloudflare's v4 API under
// /client/v4/accounts/{account_id}/addressing. Handlers only translate HTTP to service calls: the rules
// (tenancy, scopes, domain checks, audit) live in src/addressing. BGP prefix answers carry, next to the
// configured flag, where it is live (`edge`, from the EdgeStatus port).
import type { EdgeStatus, EdgeStatusPort } from '../addressing/edge-status.js';
import type { BgpPrefix } from '../addressing/model.js';
import { SERVICE_LIST } from '../addressing/model.js';
import type { AddressingService } from '../addressing/service.js';
import { envelope, listEnvelope, ok, okAll, okList } from './envelope.js';
import { ListCache } from './list-cache.js';
import { type Route, route, type Serialized } from './route-table.js';
import {
  AccountParams,
  AdvertisementStatusBody,
  AdvertisementStatusSchema,
  ApproveLoaBody,
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
  IdOnly,
  ListPrefixesQuery,
  OwnershipAnswerSchema,
  PageOnlyQuery,
  PrefixParams,
  PrefixSchema,
  ServiceSchema,
} from './schemas.js';

export const BASE = '/client/v4/accounts/:account_id/addressing';
export const DEFAULT_PER_PAGE = 1000;
const R = 'addressing:read';
const W = 'addressing:write';

/**
 * Without an EdgeStatus port nothing is known of the edge: every BGP prefix is `pending`, in no known
 * snapshot, live nowhere. Claiming less than is true is the safe error.
 */
export const UNKNOWN_EDGE: EdgeStatusPort = {
  edgeStatus: (): EdgeStatus => ({ state: 'pending', snapshot: null, locations_live: 0, locations_total: 0 }),
};

export function addressingRoutes(svc: AddressingService, edge: EdgeStatusPort = UNKNOWN_EDGE): Route[] {
  const listCache = new ListCache();
  svc.onChange((c) => {
    // the cached lists hold prefix rows only: BGP prefix, binding and delegation changes leave them be
    if (c.object_type !== 'prefix' && c.object_type !== 'unknown' && !c.all) return;
    if (c.all) listCache.clear();
    else for (const a of c.account_ids) listCache.invalidate(a);
  });
  const withEdge = (b: BgpPrefix) => ({ ...b, edge: edge.edgeStatus(b.cidr, b.on_demand.advertised) });
  const status = (s: { advertised: boolean; advertised_modified_at: string | null; cidr: string }) => ({
    advertised: s.advertised,
    advertised_modified_at: s.advertised_modified_at,
    edge: edge.edgeStatus(s.cidr, s.advertised),
  });

  return [
    // ---- prefixes ----
    route({
      method: 'POST',
      url: `${BASE}/prefixes`,
      tag: 'prefixes',
      summary: 'Add a prefix',
      scope: W,
      status: 201,
      params: AccountParams,
      body: CreatePrefixBody,
      response: envelope(PrefixSchema),
      handler: async ({ actor, params, body }) => ok(await svc.prefixes.create(actor, params.account_id, body)),
    }),
    route({
      method: 'GET',
      url: `${BASE}/prefixes`,
      tag: 'prefixes',
      summary: 'List prefixes in one state (default active)',
      scope: R,
      params: AccountParams,
      query: ListPrefixesQuery,
      response: listEnvelope(PrefixSchema),
      handler: async ({ actor, params, query, reply }) => {
        const { account_id } = params;
        const page = query.page ?? 1;
        const perPage = query.per_page ?? DEFAULT_PER_PAGE;
        const state = query.state ?? 'active';
        // tenancy and scope are checked on every request, cached or not
        await svc.checkAccount(actor, account_id, 'read');
        const key = `${state}|${page}|${perPage}`;
        reply.type('application/json; charset=utf-8');
        const hit = listCache.get(account_id, key);
        if (hit !== undefined) return hit as Serialized;
        const gen = listCache.generation(account_id);
        const r = await svc.prefixes.list(actor, account_id, state, { page, per_page: perPage });
        const body = reply.serialize(okList(r.items, page, perPage, r.total_count)) as Serialized;
        listCache.set(account_id, key, body, gen);
        return body;
      },
    }),
    route({
      method: 'GET',
      url: `${BASE}/prefixes/:prefix_id`,
      tag: 'prefixes',
      summary: 'Prefix details',
      scope: R,
      params: PrefixParams,
      response: envelope(PrefixSchema),
      handler: async ({ actor, params: p }) => ok(await svc.prefixes.get(actor, p.account_id, p.prefix_id)),
    }),
    route({
      method: 'PATCH',
      url: `${BASE}/prefixes/:prefix_id`,
      tag: 'prefixes',
      summary: 'Update a prefix description, or mark it pending_delete',
      scope: W,
      params: PrefixParams,
      body: EditPrefixBody,
      response: envelope(PrefixSchema),
      handler: async ({ actor, params: p, body }) =>
        ok(await svc.prefixes.edit(actor, p.account_id, p.prefix_id, body)),
    }),
    route({
      method: 'DELETE',
      url: `${BASE}/prefixes/:prefix_id`,
      tag: 'prefixes',
      summary: 'Delete a prefix (409 while anything is advertised, bound or delegated)',
      scope: W,
      params: PrefixParams,
      response: envelope(PrefixSchema),
      handler: async ({ actor, params: p }) => ok(await svc.prefixes.delete(actor, p.account_id, p.prefix_id)),
    }),
    route({
      method: 'POST',
      url: `${BASE}/prefixes/:prefix_id/validate`,
      tag: 'prefixes',
      summary:
        "Validate prefix ownership (approved P → V): a ROA in the configured VRPs or an IRR route object for one of the account's ASNs",
      scope: W,
      params: PrefixParams,
      response: envelope(PrefixSchema),
      handler: async ({ actor, params: p }) => ok(await svc.prefixes.validate(actor, p.account_id, p.prefix_id)),
    }),
    route({
      method: 'POST',
      url: `${BASE}/prefixes/:prefix_id/loa_approval`,
      tag: 'prefixes',
      summary:
        "A second person approves the prefix's LOA: its ownership proof when RPKI and IRR prove nothing (P → V); a person token with scope approver that did not create, edit or validate the prefix",
      // the HTTP layer demands scope approver first, as for approving a held change; the service checks
      // the rest (kind person, global, not an identity the prefix's audit entries name)
      requires: ['approver'],
      scope: 'operator and approver (a person)',
      params: PrefixParams,
      body: ApproveLoaBody,
      response: envelope(PrefixSchema),
      handler: async ({ actor, params: p, body }) =>
        ok(await svc.prefixes.approveLoa(actor, p.account_id, p.prefix_id, body)),
    }),
    route({
      method: 'GET',
      url: `${BASE}/prefixes/:prefix_id/ownership`,
      tag: 'prefixes',
      summary: "The prefix's recorded ownership proof (null until validated)",
      scope: R,
      params: PrefixParams,
      response: envelope(OwnershipAnswerSchema),
      handler: async ({ actor, params: p }) => ok(await svc.prefixes.ownership(actor, p.account_id, p.prefix_id)),
    }),

    // ---- BGP prefixes ----
    route({
      method: 'POST',
      url: `${BASE}/prefixes/:prefix_id/bgp/prefixes`,
      tag: 'bgp prefixes',
      summary: 'Create a BGP prefix (withdrawn)',
      scope: W,
      status: 201,
      params: PrefixParams,
      body: CreateBgpPrefixBody,
      response: envelope(BgpPrefixSchema),
      handler: async ({ actor, params: p, body }) =>
        ok(withEdge(await svc.bgp.create(actor, p.account_id, p.prefix_id, body.cidr))),
    }),
    route({
      method: 'GET',
      url: `${BASE}/prefixes/:prefix_id/bgp/prefixes`,
      tag: 'bgp prefixes',
      summary: 'List BGP prefixes',
      scope: R,
      params: PrefixParams,
      response: listEnvelope(BgpPrefixSchema),
      handler: async ({ actor, params: p }) =>
        okAll((await svc.bgp.list(actor, p.account_id, p.prefix_id)).map(withEdge)),
    }),
    route({
      method: 'GET',
      url: `${BASE}/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id`,
      tag: 'bgp prefixes',
      summary: 'BGP prefix details, with where it is live (edge)',
      scope: R,
      params: BgpPrefixParams,
      response: envelope(BgpPrefixSchema),
      handler: async ({ actor, params: p }) =>
        ok(withEdge(await svc.bgp.get(actor, p.account_id, p.prefix_id, p.bgp_prefix_id))),
    }),
    route({
      method: 'PATCH',
      url: `${BASE}/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id`,
      tag: 'bgp prefixes',
      summary: 'Advertise or withdraw (on_demand.advertised), set asn_prepend_count',
      scope: W,
      params: BgpPrefixParams,
      body: EditBgpPrefixBody,
      response: envelope(BgpPrefixSchema),
      handler: async ({ actor, params: p, body }) =>
        ok(withEdge(await svc.bgp.edit(actor, p.account_id, p.prefix_id, p.bgp_prefix_id, body))),
    }),
    route({
      method: 'DELETE',
      url: `${BASE}/prefixes/:prefix_id/bgp/prefixes/:bgp_prefix_id`,
      tag: 'bgp prefixes',
      summary: 'Delete a withdrawn BGP prefix',
      scope: W,
      params: BgpPrefixParams,
      response: envelope(IdOnly),
      handler: async ({ actor, params: p }) =>
        ok({ id: (await svc.bgp.delete(actor, p.account_id, p.prefix_id, p.bgp_prefix_id)).id }),
    }),

    // ---- legacy advertisement status ----
    route({
      method: 'GET',
      url: `${BASE}/prefixes/:prefix_id/bgp/status`,
      tag: 'advertisement status',
      summary: 'Advertisement status of the whole prefix (legacy), with where it is live (edge)',
      scope: R,
      params: PrefixParams,
      response: envelope(AdvertisementStatusSchema),
      handler: async ({ actor, params: p }) => ok(status(await svc.bgp.status(actor, p.account_id, p.prefix_id))),
    }),
    route({
      method: 'PATCH',
      url: `${BASE}/prefixes/:prefix_id/bgp/status`,
      tag: 'advertisement status',
      summary: 'Advertise or withdraw the whole prefix (legacy)',
      scope: W,
      params: PrefixParams,
      body: AdvertisementStatusBody,
      response: envelope(AdvertisementStatusSchema),
      handler: async ({ actor, params: p, body }) =>
        ok(status(await svc.bgp.editStatus(actor, p.account_id, p.prefix_id, body.advertised))),
    }),

    // ---- service bindings ----
    route({
      method: 'POST',
      url: `${BASE}/prefixes/:prefix_id/bindings`,
      tag: 'service bindings',
      summary: 'Bind a cidr of the prefix to a service',
      scope: W,
      status: 201,
      params: PrefixParams,
      body: CreateBindingBody,
      response: envelope(BindingSchema),
      handler: async ({ actor, params: p, body }) =>
        ok(await svc.bindings.create(actor, p.account_id, p.prefix_id, body)),
    }),
    route({
      method: 'GET',
      url: `${BASE}/prefixes/:prefix_id/bindings`,
      tag: 'service bindings',
      summary: 'List service bindings (a delegated account: its own)',
      scope: R,
      params: PrefixParams,
      response: listEnvelope(BindingSchema),
      handler: async ({ actor, params: p }) => okAll(await svc.bindings.list(actor, p.account_id, p.prefix_id)),
    }),
    route({
      method: 'GET',
      url: `${BASE}/prefixes/:prefix_id/bindings/:binding_id`,
      tag: 'service bindings',
      summary: 'Service binding details',
      scope: R,
      params: BindingParams,
      response: envelope(BindingSchema),
      handler: async ({ actor, params: p }) =>
        ok(await svc.bindings.get(actor, p.account_id, p.prefix_id, p.binding_id)),
    }),
    route({
      method: 'DELETE',
      url: `${BASE}/prefixes/:prefix_id/bindings/:binding_id`,
      tag: 'service bindings',
      summary: 'Delete a service binding',
      scope: W,
      params: BindingParams,
      response: envelope(IdOnly),
      handler: async ({ actor, params: p }) =>
        ok({ id: (await svc.bindings.delete(actor, p.account_id, p.prefix_id, p.binding_id)).id }),
    }),

    // ---- delegations ----
    route({
      method: 'POST',
      url: `${BASE}/prefixes/:prefix_id/delegations`,
      tag: 'delegations',
      summary: 'Delegate part of the prefix to another account',
      scope: W,
      status: 201,
      params: PrefixParams,
      body: CreateDelegationBody,
      response: envelope(DelegationSchema),
      handler: async ({ actor, params: p, body }) =>
        ok(await svc.delegations.create(actor, p.account_id, p.prefix_id, body)),
    }),
    route({
      method: 'GET',
      url: `${BASE}/prefixes/:prefix_id/delegations`,
      tag: 'delegations',
      summary: 'List delegations',
      scope: R,
      params: PrefixParams,
      response: listEnvelope(DelegationSchema),
      handler: async ({ actor, params: p }) => okAll(await svc.delegations.list(actor, p.account_id, p.prefix_id)),
    }),
    route({
      method: 'DELETE',
      url: `${BASE}/prefixes/:prefix_id/delegations/:delegation_id`,
      tag: 'delegations',
      summary: 'Delete a delegation',
      scope: W,
      params: DelegationParams,
      response: envelope(IdOnly),
      handler: async ({ actor, params: p }) =>
        ok({ id: (await svc.delegations.delete(actor, p.account_id, p.prefix_id, p.delegation_id)).id }),
    }),

    // ---- services, audit ----
    route({
      method: 'GET',
      url: `${BASE}/services`,
      tag: 'services',
      summary: 'Services a binding may name (fixed ids)',
      scope: R,
      params: AccountParams,
      response: listEnvelope(ServiceSchema),
      handler: async ({ actor, params }) => {
        // the list is global, but the account must still be visible to this token
        await svc.checkAccount(actor, params.account_id, 'read');
        return okAll(SERVICE_LIST);
      },
    }),
    route({
      method: 'GET',
      url: `${BASE}/audit`,
      tag: 'audit',
      summary: "Audit log of the account, newest first: changes of its data and its actors' changes elsewhere",
      scope: R,
      params: AccountParams,
      query: PageOnlyQuery,
      response: listEnvelope(AuditSchema),
      handler: async ({ actor, params, query }) => {
        const page = query.page ?? 1;
        const perPage = query.per_page ?? 100;
        const r = await svc.listAudit(actor, params.account_id, { page, per_page: perPage });
        return okList(r.items, page, perPage, r.total_count);
      },
    }),
  ];
}
