// Shared fixture of the API tests (a .case.ts file so it may use src/store and stays out of the build):
// a server over a fresh in-memory PGlite with two accounts and tokens of every kind.
import type { FastifyInstance } from 'fastify';
import type { Actor, Scope } from '../addressing/model.js';
import { AddressingService } from '../addressing/service.js';
import { type OpenedStore, openStore, randomIds, systemClock } from '../store/harness.js';
import { hashToken, newTokenSecret } from './auth.js';
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

export async function makeFixture(opts: { databaseUrl?: string } = {}): Promise<Fixture> {
  const opened = await openStore({ databaseUrl: opts.databaseUrl, freshSchema: true });
  const service = new AddressingService(opened.store, systemClock, randomIds);
  const accountA = (await service.createAccount(cli, 'A')).id;
  const accountB = (await service.createAccount(cli, 'B')).id;
  const mk = async (account: string | null, scopes: Scope[]) => {
    const secret = newTokenSecret();
    await service.createToken(cli, {
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
    addressing: { service, tokens: (h) => opened.store.tokenByHash(h) },
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

export function auth(secret: string | undefined): Record<string, string> {
  return secret === undefined ? {} : { authorization: `Bearer ${secret}` };
}
