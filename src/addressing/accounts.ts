// Accounts and tokens: the admin aggregate. A token's secret never reaches this layer, only its SHA-256.
import { addrError } from './errors.js';
import { inRange, JOB_CAP_RANGE, JOB_CAPS } from './limits.js';
import type { Account, Actor, JobCaps, Scope, Token, TokenKind } from './model.js';
import type { ServiceDeps } from './transactions.js';

/** A token as the audit log shows it: without its hash. */
export function redact(t: Token): Omit<Token, 'token_hash'> {
  const { token_hash: _, ...rest } = t;
  return rest;
}

export class AccountService {
  constructor(private readonly d: ServiceDeps) {}

  async create(actor: Actor, name: string): Promise<Account> {
    this.d.access.admin(actor);
    const a: Account = { id: this.d.tx.newId(), name, created_at: this.d.tx.now() };
    return this.d.tx.change([a.id], 'account', async (tx) => {
      await tx.insertAccount(a);
      await this.d.tx.audit(
        tx,
        actor,
        { account_id: a.id, action: 'account.create', type: 'account', id: a.id, before: null, after: a },
        a.created_at,
      );
      return a;
    });
  }

  async list(actor: Actor): Promise<Account[]> {
    this.d.access.admin(actor);
    return this.d.tx.read((tx) => tx.listAccounts());
  }
}

/** A job token's caps (the given ones, checked, or JOB_CAPS); null for other kinds, which may not have any. */
function tokenCaps(kind: TokenKind, caps: JobCaps | undefined): JobCaps | null {
  if (kind !== 'job') {
    if (caps) throw addrError('E_ADDR_INVALID', `caps are for job tokens, not ${kind} tokens`, { field: 'caps' });
    return null;
  }
  const out = { perRun: caps?.perRun ?? JOB_CAPS.perRun, perHour: caps?.perHour ?? JOB_CAPS.perHour };
  for (const [field, v] of Object.entries(out))
    if (!inRange(JOB_CAP_RANGE, v))
      throw addrError(
        'E_ADDR_INVALID',
        `caps.${field} must be an integer in ${JOB_CAP_RANGE.min}..${JOB_CAP_RANGE.max}`,
        {
          field: `caps/${field}`,
        },
      );
  return out;
}

export class TokenService {
  constructor(private readonly d: ServiceDeps) {}

  /**
   * Records a token. The caller generates the secret and passes only its SHA-256. `kind` defaults to
   * person; a job token gets its caps (default JOB_CAPS); only a global person token may approve.
   */
  async create(
    actor: Actor,
    input: {
      account_id: string | null;
      name: string;
      scopes: Scope[];
      token_hash: string;
      kind?: TokenKind;
      caps?: JobCaps;
    },
  ): Promise<Token> {
    this.d.access.admin(actor);
    this.d.access.sameAccount(actor, input.account_id, 'mint');
    const kind = input.kind ?? 'person';
    const caps = tokenCaps(kind, input.caps);
    if (input.scopes.includes('approver') && (kind !== 'person' || input.account_id !== null))
      throw addrError(
        'E_ADDR_INVALID',
        `scope approver is for global tokens of kind person (a second person approves held changes); not for a ${input.account_id === null ? '' : "tenant's "}${kind} token`,
        { field: 'scopes' },
      );
    const { kind: _k, caps: _c, ...rest } = input;
    const t: Token = { id: this.d.tx.newId(), ...rest, kind, caps, created_at: this.d.tx.now(), revoked_at: null };
    return this.d.tx.change([input.account_id], 'token', async (tx) => {
      if (input.account_id !== null && !(await tx.getAccount(input.account_id)))
        throw addrError('E_ADDR_NOT_FOUND', `account ${input.account_id} not found`);
      await tx.insertToken(t);
      const facts = { account_id: input.account_id, action: 'token.create', type: 'token' as const, id: t.id };
      await this.d.tx.audit(tx, actor, { ...facts, before: null, after: redact(t) }, t.created_at);
      return t;
    });
  }

  async list(actor: Actor, accountId: string | null): Promise<Token[]> {
    this.d.access.admin(actor);
    return this.d.tx.read((tx) => tx.listTokens(accountId));
  }

  async revoke(actor: Actor, id: string): Promise<Token> {
    this.d.access.admin(actor);
    return this.d.tx.change([], 'token', async (tx) => {
      const before = await tx.getToken(id);
      if (!before) throw addrError('E_ADDR_NOT_FOUND', `token ${id} not found`);
      this.d.access.sameAccount(actor, before.account_id, 'revoke');
      if (before.revoked_at) return before;
      const at = this.d.tx.now();
      await tx.revokeToken(id, at);
      const after = { ...before, revoked_at: at };
      const facts = { account_id: before.account_id, action: 'token.revoke', type: 'token' as const, id };
      await this.d.tx.audit(tx, actor, { ...facts, before: redact(before), after: redact(after) }, at);
      return after;
    });
  }
}
