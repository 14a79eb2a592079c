// Accounts and tokens (failsmall's own, not part of Cloudflare's API): /client/v4/admin/…, scope admin.
// A token's secret is returned once, at creation; only its SHA-256 is stored.
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AddressingService } from '../addressing/service.js';
import { actorOf, addRoute, ok, okList } from './addressing-routes.js';
import { hashToken, newTokenSecret, type TokenCache } from './auth.js';
import {
  AccountSchema,
  AuditSchema,
  CreateAccountBody,
  CreateTokenBody,
  envelope,
  ListTokensQuery,
  listEnvelope,
  PageOnlyQuery,
  TokenParams,
  TokenSchema,
} from './schemas.js';

export function registerAdminRoutes(app: FastifyInstance, svc: AddressingService, cache: TokenCache): void {
  const tag = 'admin';
  const A = 'admin';
  addRoute(
    app,
    'POST',
    '/client/v4/admin/accounts',
    { body: CreateAccountBody, response: envelope(AccountSchema), summary: 'Create an account', scope: A },
    tag,
    async (req) => {
      return ok(await svc.createAccount(actorOf(req), (req.body as Static<typeof CreateAccountBody>).name));
    },
  );
  addRoute(
    app,
    'GET',
    '/client/v4/admin/accounts',
    { response: listEnvelope(AccountSchema), summary: 'List accounts', scope: A },
    tag,
    async (req) => {
      const all = await svc.listAccounts(actorOf(req));
      return okList(all, 1, Math.max(all.length, 1), all.length);
    },
  );
  addRoute(
    app,
    'POST',
    '/client/v4/admin/tokens',
    {
      body: CreateTokenBody,
      response: envelope(TokenSchema),
      summary: 'Create a token (the secret is in result.value, shown once)',
      scope: A,
    },
    tag,
    async (req) => {
      const b = req.body as Static<typeof CreateTokenBody>;
      const value = newTokenSecret();
      const t = await svc.createToken(actorOf(req), {
        account_id: b.account_id,
        name: b.name,
        scopes: b.scopes,
        token_hash: hashToken(value),
      });
      return ok({ ...t, value });
    },
  );
  addRoute(
    app,
    'GET',
    '/client/v4/admin/tokens',
    {
      querystring: ListTokensQuery,
      response: listEnvelope(TokenSchema),
      summary: 'List tokens of an account (or, without account_id, the global ones)',
      scope: A,
    },
    tag,
    async (req) => {
      const q = req.query as Static<typeof ListTokensQuery>;
      const all = await svc.listTokens(actorOf(req), q.account_id ?? null);
      return okList(all, 1, Math.max(all.length, 1), all.length);
    },
  );
  addRoute(
    app,
    'GET',
    '/client/v4/admin/audit',
    {
      querystring: PageOnlyQuery,
      response: listEnvelope(AuditSchema),
      summary: 'Audit log of global actions (accounts, global tokens), newest first',
      scope: A,
    },
    tag,
    async (req) => {
      const q = req.query as Static<typeof PageOnlyQuery>;
      const page = q.page ?? 1;
      const perPage = q.per_page ?? 100;
      const r = await svc.listGlobalAudit(actorOf(req), { page, per_page: perPage });
      return okList(r.items, page, perPage, r.total_count);
    },
  );
  addRoute(
    app,
    'DELETE',
    '/client/v4/admin/tokens/:token_id',
    { params: TokenParams, response: envelope(TokenSchema), summary: 'Revoke a token', scope: A },
    tag,
    async (req) => {
      const t = await svc.revokeToken(actorOf(req), (req.params as Static<typeof TokenParams>).token_id);
      cache.forget(t.id);
      return ok(t);
    },
  );
}
