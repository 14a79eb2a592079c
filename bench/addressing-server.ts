// The server side of bench/addressing.bench.ts, run as a child process so that autocannon and the
// server do not share one event loop. Opens the store named by the environment (DATABASE_URL or
// embedded PGlite in memory), seeds accounts, prefixes and BGP prefixes through the service, listens
// on a random port and prints one JSON line with what the load generator needs.

import type { Actor } from '../src/addressing/model.js';
import { AddressingService } from '../src/addressing/service.js';
import { hashToken, newTokenSecret } from '../src/api/auth.js';
import { buildServer } from '../src/api/server.js';
import { systemClock } from '../src/lib/clock.js';
import { openStore, randomIds } from '../src/store/harness.js';

const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 20);
const PREFIXES_PER_ACCOUNT = Number(process.env.BENCH_PREFIXES ?? 20);

const opened = await openStore({
  databaseUrl: process.env.DATABASE_URL,
  freshSchema: true,
  // the production default pool (20) unless BENCH_POOL says otherwise
  ...(process.env.BENCH_POOL ? { poolSize: Number(process.env.BENCH_POOL) } : {}),
});
const service = new AddressingService(opened.store, systemClock, randomIds);
const cli: Actor = { kind: 'cli', id: 'cli:bench', account_id: null, scopes: ['admin'], request_id: 'bench' };

const accounts: { id: string; token: string; prefixes: string[]; bgp: { prefix: string; id: string }[] }[] = [];
let n = 0;
for (let a = 0; a < ACCOUNTS; a++) {
  const id = (await service.accounts.create(cli, `bench-${a}`)).id;
  const token = newTokenSecret();
  await service.tokens.create(cli, {
    account_id: id,
    name: 'bench',
    scopes: ['addressing:write'],
    token_hash: hashToken(token),
  });
  const w: Actor = { kind: 'token', id: 'seed', account_id: id, scopes: ['addressing:write'], request_id: 'seed' };
  const acc = { id, token, prefixes: [] as string[], bgp: [] as { prefix: string; id: string }[] };
  for (let i = 0; i < PREFIXES_PER_ACCOUNT; i++, n++) {
    const cidr = `${40 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}.0/24`;
    const p = await service.prefixes.create(w, id, { cidr, asn: 64500, description: `bench prefix ${n}` });
    await service.prefixes.validate(w, id, p.id);
    const b = await service.bgp.create(w, id, p.id, cidr);
    acc.prefixes.push(p.id);
    acc.bgp.push({ prefix: p.id, id: b.id });
  }
  accounts.push(acc);
}

const app = await buildServer({
  version: 'bench',
  // the load generator is one client address: the abuse limits would answer 429 to all but 6,000 a minute
  rateLimits: false,
  logger: false,
  tokens: (h) => opened.store.tokenByHash(h),
  addressing: { service },
});
// BENCH_PORT: a fixed port on a shared machine (each engineer has a range); 0 picks any free one
await app.listen({ port: Number(process.env.BENCH_PORT ?? 0), host: '127.0.0.1' });
const addr = app.server.address();
if (!addr || typeof addr === 'string') throw new Error('no address');
process.stdout.write(`${JSON.stringify({ port: addr.port, kind: opened.database.kind, accounts })}\n`);

const stop = async () => {
  await app.close();
  await opened.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
