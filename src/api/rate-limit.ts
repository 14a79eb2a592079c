// Fastify plugin: rate limits on every route, per client address and per token (@fastify/rate-limit,
// in-process store). Both run in one root onRequest hook, before authentication, so a flood of bad tokens
// is limited too; the token key is the SHA-256 of the presented secret (the secret is never kept). Over a
// limit: 429 in the v4 envelope (E_API_RATE_LIMITED) with Retry-After.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { FailsmallError } from '../lib/errors.js';
import { bearer, hashToken } from './auth.js';

export interface RateLimits {
  /** Requests per window from one client address. */
  perAddress: number;
  /** Requests per window with one bearer secret. */
  perToken: number;
  windowMs: number;
}

/** Defaults, overridable with FAILSMALL_RATE_LIMIT_PER_ADDRESS / _PER_TOKEN (requests per minute). */
export function rateLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RateLimits {
  const n = (v: string | undefined, d: number) => (v && /^[1-9][0-9]*$/.test(v) ? Number(v) : d);
  return {
    perAddress: n(env.FAILSMALL_RATE_LIMIT_PER_ADDRESS, 6000),
    perToken: n(env.FAILSMALL_RATE_LIMIT_PER_TOKEN, 3000),
    windowMs: 60_000,
  };
}

type Limiter = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded: boolean; ttlInSeconds: number }>;

async function rateLimits(app: FastifyInstance, limits: RateLimits): Promise<void> {
  await app.register(rateLimit, { global: false });
  const create = (app as unknown as { createRateLimit(o: object): Limiter }).createRateLimit;
  const byAddress = create({
    max: limits.perAddress,
    timeWindow: limits.windowMs,
    keyGenerator: (r: FastifyRequest) => `ip:${r.ip}`,
  });
  const byToken = create({
    max: limits.perToken,
    timeWindow: limits.windowMs,
    keyGenerator: (r: FastifyRequest) => `token:${hashToken(bearer(r.headers.authorization) ?? '')}`,
  });
  const check = async (limiter: Limiter, what: string, req: FastifyRequest, reply: FastifyReply) => {
    const r = await limiter(req);
    if (!r.isExceeded) return;
    reply.header('retry-after', r.ttlInSeconds);
    throw new FailsmallError('E_API_RATE_LIMITED', `too many requests ${what}; retry in ${r.ttlInSeconds} s`, {
      retry_after_s: r.ttlInSeconds,
    });
  };
  app.addHook('onRequest', async (req, reply) => {
    await check(byAddress, `from ${req.ip}`, req, reply);
    if (bearer(req.headers.authorization) !== undefined) await check(byToken, 'with this token', req, reply);
  });
}

export default fp(rateLimits, { name: 'failsmall-rate-limit' });
