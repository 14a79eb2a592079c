// Per-account quotas: how many live prefixes, BGP prefixes and bindings one account may hold. An abuse
// limit (a runaway script or a compromised tenant token cannot fill the database or the snapshot), sized
// far above what a real account holds. Checked inside the creating transaction; two racing creates may
// pass one over the limit, which is harmless for what the limit is for.
import { addrError } from './errors.js';

export type QuotaKind = 'prefixes' | 'bgp_prefixes' | 'bindings';

export type Quotas = Record<QuotaKind, number>;

export const DEFAULT_QUOTAS: Quotas = { prefixes: 10_000, bgp_prefixes: 100_000, bindings: 100_000 };

/** Throws E_ADDR_QUOTA when an account holding `count` objects of `kind` may not have one more. */
export function checkQuota(quotas: Quotas, accountId: string, kind: QuotaKind, count: number): void {
  if (count < quotas[kind]) return;
  throw addrError(
    'E_ADDR_QUOTA',
    `account ${accountId} holds ${count} ${kind.replace('_', ' ')}, its quota; delete some or ask an operator to raise it`,
    { quota: kind, limit: quotas[kind] },
  );
}

/** The quotas every creating service checks inside its transaction; `limits` may be changed at run time. */
export class QuotaChecker {
  limits: Quotas = { ...DEFAULT_QUOTAS };

  async check(
    tx: { countLive(accountId: string, kind: QuotaKind): Promise<number> },
    accountId: string,
    kind: QuotaKind,
  ): Promise<void> {
    checkQuota(this.limits, accountId, kind, await tx.countLive(accountId, kind));
  }
}
