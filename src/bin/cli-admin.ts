// `failsmall admin …`: accounts, tokens and the pending-delete cleanup job, straight on the database
// the server uses (DATABASE_URL, else embedded PGlite in FAILSMALL_DATA_DIR, default .data/pglite).
// Embedded PGlite allows one process at a time: stop the server first, or use the admin HTTP API
// (/client/v4/admin/…) with a FAILSMALL_BOOTSTRAP_TOKEN admin token while it runs.
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { runPendingDeleteCleanup } from '../addressing/cleanup.js';
import { JOB_CAPS } from '../addressing/limits.js';
import type { Actor, Scope, TokenKind } from '../addressing/model.js';
import { SCOPES, TOKEN_KINDS } from '../addressing/model.js';
import { AddressingService } from '../addressing/service.js';
import { hashToken, newTokenSecret } from '../api/auth.js';
import { FailsmallError } from '../lib/errors.js';
import { ownershipConfig } from './ownership-config.js';

function cliActor(): Actor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return { kind: 'cli', id: `cli:${user}`, account_id: null, scopes: ['admin'], request_id: `cli-${Date.now()}` };
}

async function withService<T>(fn: (svc: AddressingService) => Promise<T>): Promise<void> {
  // Loaded on use: the store pulls in PGlite and pg, which other commands must not pay for at start-up.
  const { openStore, randomIds } = await import('../store/harness.js');
  const { systemClock } = await import('../lib/clock.js');
  const opened = await openStore({
    databaseUrl: process.env.DATABASE_URL,
    dataDir: process.env.DATABASE_URL ? undefined : (process.env.FAILSMALL_DATA_DIR ?? '.data/pglite'),
  });
  try {
    const out = await fn(new AddressingService(opened.store, systemClock, randomIds, ownershipConfig()));
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } catch (e) {
    if (e instanceof FailsmallError) {
      process.stderr.write(`${e.code}: ${e.message}\n`);
      process.exitCode = 1;
    } else {
      throw e;
    }
  } finally {
    await opened.close();
  }
}

function parseKind(kind: string | undefined): TokenKind | undefined {
  if (kind !== undefined && !(TOKEN_KINDS as readonly string[]).includes(kind))
    throw new FailsmallError('E_ADDR_INVALID', `--kind ${kind}: not one of ${TOKEN_KINDS.join(', ')}`);
  return kind as TokenKind | undefined;
}

function parseScopes(list: string[]): Scope[] {
  for (const s of list) {
    if (!(SCOPES as readonly string[]).includes(s))
      throw new FailsmallError('E_ADDR_INVALID', `--scope ${s}: not one of ${SCOPES.join(', ')}`);
  }
  return list as Scope[];
}

export function register(program: Command): void {
  const admin = program
    .command('admin')
    .description('accounts, API tokens and maintenance jobs (direct database access)');

  const account = admin.command('account').description('customer accounts');
  account
    .command('create')
    .argument('<name>', 'account name')
    .description('create an account; prints it with its id')
    .action((name: string) => withService((svc) => svc.accounts.create(cliActor(), name)));
  account
    .command('list')
    .description('list accounts')
    .action(() => withService((svc) => svc.accounts.list(cliActor())));

  const token = admin.command('token').description('API tokens (stored as SHA-256; the secret is printed once)');
  token
    .command('create')
    .description('create a token; prints its secret in "value", once')
    .requiredOption('--name <name>', 'what the token is for')
    .requiredOption('--scope <scope...>', `one or more of ${SCOPES.join(', ')}`)
    .option('--account <id>', 'the account it acts for (omit for an operator/admin token)')
    .option('--kind <kind>', `who holds it: ${TOKEN_KINDS.join(', ')} (default person; only a person approves)`)
    .option('--max-per-run <n>', `a job's cap of changes per run (default ${JOB_CAPS.perRun})`)
    .option('--max-per-hour <n>', `a job's cap of changes per hour (default ${JOB_CAPS.perHour})`)
    .action(
      (o: {
        name: string;
        scope: string[];
        account?: string;
        kind?: string;
        maxPerRun?: string;
        maxPerHour?: string;
      }) =>
        withService(async (svc) => {
          const scopes = parseScopes(o.scope);
          const kind = parseKind(o.kind);
          const caps =
            o.maxPerRun === undefined && o.maxPerHour === undefined
              ? {}
              : {
                  caps: {
                    perRun: o.maxPerRun === undefined ? JOB_CAPS.perRun : Number(o.maxPerRun),
                    perHour: o.maxPerHour === undefined ? JOB_CAPS.perHour : Number(o.maxPerHour),
                  },
                };
          const value = newTokenSecret();
          const t = await svc.tokens.create(cliActor(), {
            account_id: o.account ?? null,
            name: o.name,
            scopes,
            token_hash: hashToken(value),
            ...(kind ? { kind } : {}),
            ...caps,
          });
          const { token_hash: _, ...shown } = t;
          return { ...shown, value };
        }),
    );
  token
    .command('list')
    .description('list the tokens of an account, or the global ones')
    .option('--account <id>', 'account id (omit for tokens not tied to an account)')
    .action((o: { account?: string }) =>
      withService(async (svc) =>
        (await svc.tokens.list(cliActor(), o.account ?? null)).map(({ token_hash: _, ...t }) => t),
      ),
    );
  token
    .command('revoke')
    .argument('<id>', 'token id')
    .description('revoke a token (servers stop accepting it within their cache TTL, 5 s)')
    .action((id: string) =>
      withService(async (svc) => {
        const { token_hash: _, ...t } = await svc.tokens.revoke(cliActor(), id);
        return t;
      }),
    );

  admin
    .command('cleanup-pending-deletes')
    .description(
      'the pending-delete cleanup job: deletes prefixes in state pending_delete (and only those), naming each',
    )
    .requiredOption('--max-deletes <n>', 'cap: with more candidates the job stops before deleting anything')
    .option('--dry-run', 'list the candidates, change nothing')
    .action((o: { maxDeletes: string; dryRun?: boolean }) =>
      withService(async (svc) => {
        const max = Number(o.maxDeletes);
        if (!Number.isInteger(max) || max < 0)
          throw new FailsmallError('E_ADDR_INVALID', `--max-deletes ${o.maxDeletes}: not a non-negative integer`);
        return runPendingDeleteCleanup(svc, {
          runId: `cleanup-${new Date().toISOString()}`,
          maxDeletes: max,
          dryRun: o.dryRun === true,
        });
      }),
    );
}
