// Bearer-token authentication. Tokens are high-entropy random secrets; the store keeps only their
// SHA-256, so a leaked database does not leak tokens. Lookups are cached (LRU keyed by the hash, short
// TTL) because every request authenticates; revocations made through this process drop the entry
// at once, others within the TTL.
import { createHash, randomBytes } from 'node:crypto';
import type { Token } from '../addressing/model.js';

/** An edge agent's credential: which agent, bound to which location (src/store/agent-credentials.ts). */
export interface AgentIdentity {
  id: string;
  location: string;
}

/** An agent credential by the SHA-256 of its secret. */
export type AgentCredentialLookup = (hash: string) => Promise<AgentIdentity | undefined>;

export type TokenLookup = (hash: string) => Promise<Token | undefined>;

export const TOKEN_PREFIX = 'fs_';

/** A new secret: `fs_` and 43 base64url characters (256 random bits). */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

interface Entry {
  token: Token | undefined;
  expires: number;
}

export class TokenCache {
  private readonly map = new Map<string, Entry>();

  constructor(
    private readonly lookup: TokenLookup,
    private readonly ttlMs = 5_000,
    private readonly max = 10_000,
  ) {}

  /** The live (not revoked) token whose secret is `secret`, or undefined. */
  async resolve(secret: string): Promise<Token | undefined> {
    const hash = hashToken(secret);
    const now = Date.now();
    const hit = this.map.get(hash);
    if (hit && hit.expires > now) {
      // refresh recency: Map iteration order is insertion order, so re-insert
      this.map.delete(hash);
      this.map.set(hash, hit);
      return hit.token;
    }
    const t = await this.lookup(hash);
    const token = t && t.revoked_at === null ? t : undefined;
    this.map.set(hash, { token, expires: now + this.ttlMs });
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    return token;
  }

  /** Forget a token (after revocation). */
  forget(tokenId: string): void {
    for (const [k, e] of this.map) if (e.token?.id === tokenId) this.map.delete(k);
  }
}

/** The secret of an `Authorization: Bearer <secret>` header, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer ([A-Za-z0-9_\-.~+/]+=*)$/.exec(header);
  return m?.[1];
}
