// Finds the local PostgreSQL of the test machine (127.0.0.1:5432, database `test`, trust auth, user
// postgres or root). Returns a connection string, or null with the reason.
import pg from 'pg';

export const TEST_DATABASE_URLS = [
  process.env.FAILSMALL_TEST_DATABASE_URL,
  'postgres://postgres@127.0.0.1:5432/test',
  'postgres://root@127.0.0.1:5432/test',
].filter((u): u is string => typeof u === 'string' && u.length > 0);

export async function probePostgres(): Promise<{ url: string } | { missing: string }> {
  const reasons: string[] = [];
  for (const url of TEST_DATABASE_URLS) {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    try {
      await c.connect();
      await c.query('select 1');
      await c.end();
      return { url };
    } catch (e) {
      reasons.push(`${url.replace(/:[^:@/]*@/, ':***@')}: ${(e as Error).message}`);
      await c.end().catch(() => {});
    }
  }
  return { missing: `PostgreSQL not reachable (${reasons.join('; ')})` };
}
