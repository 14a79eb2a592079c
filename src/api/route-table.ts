// The declarative route table: each route is one value (method, path, schemas, what the HTTP layer
// demands of the token, handler), registered by one function. The handler gets its parameters, query
// and body typed from the TypeBox schemas (@fastify/type-provider-typebox); its result must match the
// response schema, which also drives serialization and the OpenAPI document.

import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, Scope } from '../addressing/model.js';
import type { AgentIdentity } from './auth.js';
import { ErrorEnvelope } from './envelope.js';
import { NoQuery } from './schemas.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request: set by the auth hook (http-stack.ts) on every route of the table. */
    actor?: Actor;
    /** The edge agent, on routes whose credential is 'agent' (set by the same hook). */
    agent?: AgentIdentity;
  }
  interface FastifyContextConfig {
    /** Scopes the HTTP layer demands (any one of them) before the handler runs; [] means any valid token. */
    requires?: readonly Scope[];
    /** Which credential the route takes: an API token (default) or an edge agent's credential. */
    credential?: 'token' | 'agent';
  }
}

/** A body serialized already (the list cache keeps responses as text). */
export type Serialized = string & { readonly __serialized: true };

type Empty = TObject<Record<string, never>>;

export interface RouteContext<P extends TSchema, Q extends TSchema, B extends TSchema> {
  params: Static<P>;
  query: Static<Q>;
  body: Static<B>;
  actor: Actor;
  req: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<P extends TSchema, Q extends TSchema, B extends TSchema, R extends TSchema> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  tag: string;
  summary: string;
  /**
   * Scopes the HTTP layer itself demands (one of them), for routes whose domain has no access checker
   * of its own (the rollout engine). Absent: any valid token; the service checks tenancy and scope.
   */
  requires?: readonly Scope[];
  /** The scope the operation needs, for the OpenAPI description. */
  scope: string;
  /** 'agent': the route takes an edge agent's credential instead of an API token (agent-routes.ts). */
  credential?: 'token' | 'agent';
  /** Left out of the OpenAPI document (the agents' protocol, not an API for people). */
  hide?: boolean;
  /** Success status (default 200). */
  status?: 200 | 201;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  handler(c: RouteContext<P, Q, B>): Promise<Static<R> | Serialized>;
}

/** A route of the table, its types erased so routes of different shapes share one array. */
export interface Route {
  readonly spec: RouteSpec<TSchema, TSchema, TSchema, TSchema>;
}

export function route<
  R extends TSchema,
  P extends TSchema = Empty,
  Q extends TSchema = Empty,
  B extends TSchema = Empty,
>(spec: RouteSpec<P, Q, B, R>): Route {
  return { spec: spec as unknown as RouteSpec<TSchema, TSchema, TSchema, TSchema> };
}

export function registerRoutes(app: FastifyInstance, routes: readonly Route[]): void {
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();
  for (const { spec: s } of routes) {
    const status = s.status ?? 200;
    typed.route({
      method: s.method,
      url: s.url,
      config: { requires: s.requires ?? [], credential: s.credential ?? 'token' },
      schema: {
        ...(s.hide ? { hide: true } : {}),
        tags: [s.tag],
        summary: s.summary,
        description: `Needs scope ${s.scope}.`,
        security: [{ bearerAuth: [] }],
        ...(s.params ? { params: s.params } : {}),
        querystring: s.query ?? NoQuery,
        ...(s.body ? { body: s.body } : {}),
        response: { [status]: s.response, '4xx': ErrorEnvelope, '5xx': ErrorEnvelope },
      },
      handler: async (req, reply) => {
        const actor = req.actor;
        if (!actor) throw new Error(`${s.method} ${s.url} reached without authentication`);
        const out = await s.handler({ params: req.params, query: req.query, body: req.body, actor, req, reply });
        reply.code(status);
        return out;
      },
    });
  }
}
