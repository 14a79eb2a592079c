// Fastify plugin: every failed authentication (401) and authorisation (403) is logged with the route,
// the client address and the token id when one was recognised, and counted in a small in-process counter
// (authFailureCounts(), for a /metrics endpoint to expose). A failure on a route that names an account is
// handed to `audit` (when given) so it lands in that account's audit log.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditEvent } from '../lib/audit.js';

export type AuthFailureKind = 'authentication' | 'authorisation';

const counts: Record<AuthFailureKind, number> = { authentication: 0, authorisation: 0 };

/** Failures counted since the process started. */
export function authFailureCounts(): Readonly<Record<AuthFailureKind, number>> {
  return { ...counts };
}

export interface AuthFailure {
  kind: AuthFailureKind;
  method: string;
  route: string;
  address: string;
  account_id: string | undefined;
  token_id: string | undefined;
  request_id: string;
}

export interface AuthFailureOptions {
  /** Called for failures whose route names an account (path parameter account_id). */
  audit?: (f: AuthFailure) => Promise<void>;
}

async function authFailures(app: FastifyInstance, opts: AuthFailureOptions): Promise<void> {
  app.addHook('onResponse', async (req: FastifyRequest, reply) => {
    const status = reply.statusCode;
    if (status !== 401 && status !== 403) return;
    const kind: AuthFailureKind = status === 401 ? 'authentication' : 'authorisation';
    counts[kind]++;
    const params = (req.params ?? {}) as Record<string, unknown>;
    const accountId = typeof params.account_id === 'string' ? params.account_id : undefined;
    const f: AuthFailure = {
      kind,
      method: req.method,
      route: req.routeOptions.url ?? req.url.split('?')[0]!,
      address: req.ip,
      account_id: accountId,
      token_id: (req as FastifyRequest & { actor?: { id: string } }).actor?.id,
      request_id: String(req.id),
    };
    req.log.warn({ auth_failure: f }, `${kind} failed`);
    if (accountId !== undefined && opts.audit) {
      await opts.audit(f).catch((err) => req.log.error({ err }, 'auditing an auth failure failed'));
    }
  });
}

/**
 * The audit entry of a failure that names an account: in that account's log, so its owner sees who tried
 * (the token, when one was recognised, and the client address) and what.
 */
export function authFailureEvent(f: AuthFailure, id: string, at: string): AuditEvent {
  return {
    id,
    at,
    account_id: f.account_id ?? null,
    actor_kind: 'token',
    actor_id: f.token_id ?? 'unauthenticated',
    request_id: f.request_id,
    action: f.kind === 'authentication' ? 'auth.authentication_failed' : 'auth.authorisation_failed',
    object_type: 'request',
    object_id: `${f.method} ${f.route}`,
    before: null,
    after: { address: f.address },
    reason: null,
  };
}

export default fp(authFailures, { name: 'failsmall-auth-failures' });
