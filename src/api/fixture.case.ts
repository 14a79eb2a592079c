// Shared fixture of the API tests (a .case.ts file so it may use src/store and stays out of the build):
// a server over a fresh in-memory PGlite with two accounts and tokens of every kind.
import type { FastifyInstance } from 'fastify';
import type { EdgeStatusPort } from '../addressing/edge-status.js';
import type { Actor, Scope, Token } from '../addressing/model.js';
import { TEST_ASNS, TEST_OWNERSHIP } from '../addressing/ownership-world.case.js';
import { AddressingService } from '../addressing/service.js';
import { systemClock } from '../lib/clock.js';
import type { RolloutControl } from '../rollout/control.js';
import { type OpenedStore, openStore, randomIds } from '../store/harness.js';
import { hashToken, newTokenSecret, type TokenLookup } from './auth.js';
import { buildServer } from './server.js';

export interface Fixture {
  app: FastifyInstance;
  service: AddressingService;
  opened: OpenedStore;
  accountA: string;
  accountB: string;
  /** Secrets by role. */
  tokens: { admin: string; writeA: string; readA: string; writeB: string; operator: string; adminOfA: string };
  close(): Promise<void>;
}

const cli: Actor = { kind: 'cli', id: 'cli:fixture', account_id: null, scopes: ['admin'], request_id: 'fixture' };

export async function makeFixture(
  opts: { databaseUrl?: string; rollout?: RolloutControl; edgeStatus?: EdgeStatusPort } = {},
): Promise<Fixture> {
  const opened = await openStore({ databaseUrl: opts.databaseUrl, freshSchema: true });
  const service = new AddressingService(opened.store, systemClock, randomIds, TEST_OWNERSHIP);
  const accountA = (await service.accounts.create(cli, 'A')).id;
  const accountB = (await service.accounts.create(cli, 'B')).id;
  await service.accounts.setAsns(cli, accountA, TEST_ASNS);
  await service.accounts.setAsns(cli, accountB, TEST_ASNS);
  const mk = async (account: string | null, scopes: Scope[]) => {
    const secret = newTokenSecret();
    await service.tokens.create(cli, {
      account_id: account,
      name: scopes.join(','),
      scopes,
      token_hash: hashToken(secret),
    });
    return secret;
  };
  const tokens = {
    admin: await mk(null, ['admin']),
    /** tied to account A but with no addressing scope: the wrong scope for every addressing call */
    adminOfA: await mk(accountA, ['admin']),
    writeA: await mk(accountA, ['addressing:write']),
    readA: await mk(accountA, ['addressing:read']),
    writeB: await mk(accountB, ['addressing:write']),
    operator: await mk(null, ['operator']),
  };
  const app = await buildServer({
    version: 'test',
    tokens: (h) => opened.store.tokenByHash(h),
    addressing: { service },
    ...(opts.rollout ? { rollout: { control: opts.rollout } } : {}),
    ...(opts.edgeStatus ? { edgeStatus: opts.edgeStatus } : {}),
  });
  return {
    app,
    service,
    opened,
    accountA,
    accountB,
    tokens,
    close: async () => {
      await app.close();
      await opened.close();
    },
  };
}

/** One operator token without a database: for tests of the /v1 API over a simulated fleet. */
export function operatorToken(): { secret: string; tokens: TokenLookup } {
  const secret = newTokenSecret();
  const token: Token = {
    id: 'f'.repeat(32),
    account_id: null,
    name: 'test-operator',
    scopes: ['operator'],
    kind: 'person',
    caps: null,
    token_hash: hashToken(secret),
    created_at: new Date(0).toISOString(),
    revoked_at: null,
  };
  return { secret, tokens: async (h) => (h === token.token_hash ? token : undefined) };
}

/**
 * The /v1 API alone over a control port (a simulated fleet's engine), with one operator token (a person
 * without scope approver) and one approver token (a second person).
 */
export async function rolloutServer(
  control: RolloutControl,
): Promise<{ app: FastifyInstance; secret: string; approver: string }> {
  const op = operatorToken();
  const approverSecret = newTokenSecret();
  const approver: Token = {
    id: 'a'.repeat(32),
    account_id: null,
    name: 'test-approver',
    scopes: ['operator', 'approver'],
    kind: 'person',
    caps: null,
    token_hash: hashToken(approverSecret),
    created_at: new Date(0).toISOString(),
    revoked_at: null,
  };
  const tokens: TokenLookup = async (h) => (h === approver.token_hash ? approver : op.tokens(h));
  const app = await buildServer({ version: 'test', tokens, rollout: { control } });
  return { app, secret: op.secret, approver: approverSecret };
}

export function auth(secret: string | undefined): Record<string, string> {
  return secret === undefined ? {} : { authorization: `Bearer ${secret}` };
}
