// Accounts and tokens (failsmall's own, not part of Cloudflare's API): /client/v4/admin/…, scope admin.
// A token's secret is returned once, at creation; only its SHA-256 is stored.
import { JOB_CAPS } from '../addressing/limits.js';
import type { AddressingService } from '../addressing/service.js';
import { hashToken, newTokenSecret, type TokenCache } from './auth.js';
import { envelope, listEnvelope, ok, okAll, okList } from './envelope.js';
import { type Route, route } from './route-table.js';
import {
  AccountAsnsBody,
  AccountAsnsSchema,
  AccountParams,
  AccountSchema,
  AuditSchema,
  CreateAccountBody,
  CreateTokenBody,
  ListTokensQuery,
  PageOnlyQuery,
  TokenParams,
  TokenSchema,
} from './schemas.js';

export function adminRoutes(svc: AddressingService, cache: TokenCache): Route[] {
  const common = { tag: 'admin', scope: 'admin' } as const;
  return [
    route({
      ...common,
      method: 'POST',
      url: '/client/v4/admin/accounts',
      summary: 'Create an account',
      status: 201,
      body: CreateAccountBody,
      response: envelope(AccountSchema),
      handler: async ({ actor, body }) => ok(await svc.accounts.create(actor, body.name)),
    }),
    route({
      ...common,
      method: 'GET',
      url: '/client/v4/admin/accounts',
      summary: 'List accounts',
      response: listEnvelope(AccountSchema),
      handler: async ({ actor }) => okAll(await svc.accounts.list(actor)),
    }),
    route({
      ...common,
      method: 'POST',
      url: '/client/v4/admin/accounts/:account_id/asns',
      summary: "Register the account's ASNs, replacing the list (what RPKI and IRR ownership proofs must name)",
      params: AccountParams,
      body: AccountAsnsBody,
      response: envelope(AccountAsnsSchema),
      handler: async ({ actor, params, body }) =>
        ok({ asns: await svc.accounts.setAsns(actor, params.account_id, body.asns) }),
    }),
    route({
      ...common,
      method: 'GET',
      url: '/client/v4/admin/accounts/:account_id/asns',
      summary: "The account's registered ASNs",
      params: AccountParams,
      response: envelope(AccountAsnsSchema),
      handler: async ({ actor, params }) => ok({ asns: await svc.accounts.listAsns(actor, params.account_id) }),
    }),
    route({
      ...common,
      method: 'POST',
      url: '/client/v4/admin/tokens',
      summary: 'Create a token (the secret is in result.value, shown once)',
      status: 201,
      body: CreateTokenBody,
      response: envelope(TokenSchema),
      handler: async ({ actor, body }) => {
        const value = newTokenSecret();
        const t = await svc.tokens.create(actor, {
          account_id: body.account_id,
          name: body.name,
          scopes: body.scopes,
          token_hash: hashToken(value),
          ...(body.kind ? { kind: body.kind } : {}),
          ...(body.caps
            ? {
                caps: {
                  perRun: body.caps.per_run ?? JOB_CAPS.perRun,
                  perHour: body.caps.per_hour ?? JOB_CAPS.perHour,
                },
              }
            : {}),
        });
        return ok({ ...t, value });
      },
    }),
    route({
      ...common,
      method: 'GET',
      url: '/client/v4/admin/tokens',
      summary: 'List tokens of an account (or, without account_id, the global ones)',
      query: ListTokensQuery,
      response: listEnvelope(TokenSchema),
      handler: async ({ actor, query }) => okAll(await svc.tokens.list(actor, query.account_id ?? null)),
    }),
    route({
      ...common,
      method: 'GET',
      url: '/client/v4/admin/audit',
      summary: 'Audit log of global actions (accounts, global tokens, rollout commands), newest first',
      query: PageOnlyQuery,
      response: listEnvelope(AuditSchema),
      handler: async ({ actor, query }) => {
        const page = query.page ?? 1;
        const perPage = query.per_page ?? 100;
        const r = await svc.listGlobalAudit(actor, { page, per_page: perPage });
        return okList(r.items, page, perPage, r.total_count);
      },
    }),
    route({
      ...common,
      method: 'DELETE',
      url: '/client/v4/admin/tokens/:token_id',
      summary: 'Revoke a token',
      params: TokenParams,
      response: envelope(TokenSchema),
      handler: async ({ actor, params }) => {
        const t = await svc.tokens.revoke(actor, params.token_id);
        cache.forget(t.id);
        return ok(t);
      },
    }),
  ];
}
