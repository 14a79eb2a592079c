// Properties of the strict query-string rule (safety rule 1): whatever a client sends, an undeclared
// parameter, a valueless or empty one, or a non-canonical number is a 400 naming it; never a list.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, type Fixture, makeFixture } from './fixture.case.js';

let f: Fixture;
let url: string;
beforeAll(async () => {
  f = await makeFixture();
  url = `/client/v4/accounts/${f.accountA}/addressing/prefixes`;
  await f.app.inject({
    method: 'POST',
    url,
    payload: { cidr: '192.0.2.0/24', asn: 64500 },
    headers: auth(f.tokens.writeA),
  });
});
afterAll(async () => {
  await f.close();
});

async function get(qs: string) {
  const r = await f.app.inject({ method: 'GET', url: `${url}?${qs}`, headers: auth(f.tokens.readA) });
  return {
    status: r.statusCode,
    body: r.json() as { result: unknown; errors: { message: string; error_code: string }[] },
  };
}

const name = fc
  .stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/)
  .filter((n) => !['state', 'page', 'per_page'].includes(n));

describe('strict query strings (property)', () => {
  it('an undeclared parameter, with or without a value, is a 400 naming it', async () => {
    await fc.assert(
      fc.asyncProperty(name, fc.option(fc.stringMatching(/^[a-z0-9]{0,8}$/)), async (n, v) => {
        const r = await get(v === null ? n : `${n}=${v}`);
        expect(r.status).toBe(400);
        expect(r.body.result).toBeNull();
        expect(r.body.errors[0]?.error_code).toBe('E_API_QUERY_PARAM');
        expect(r.body.errors[0]?.message).toContain(JSON.stringify(n));
      }),
      { numRuns: 60 },
    );
  });

  it('page is accepted exactly when it is a canonical decimal in range', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: -5, max: 2_000_000 }).map(String), fc.stringMatching(/^[0-9a-fx.e+-]{0,6}$/)),
        async (v) => {
          const r = await get(`page=${encodeURIComponent(v)}`);
          const ok = /^(0|[1-9][0-9]*)$/.test(v) && Number(v) >= 1 && Number(v) <= 1_000_000;
          expect(r.status, v).toBe(ok ? 200 : 400);
          if (!ok) expect(r.body.errors[0]?.message).toContain('page');
        },
      ),
      { numRuns: 80 },
    );
  });

  it('state is one of three exact values; anything else is a 400', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom('active', 'pending_delete', 'deleted', 'ACTIVE', 'all', '*', ' active'),
          fc.string({ maxLength: 8 }),
        ),
        async (v) => {
          const r = await get(`state=${encodeURIComponent(v)}`);
          expect(r.status, JSON.stringify(v)).toBe(['active', 'pending_delete', 'deleted'].includes(v) ? 200 : 400);
        },
      ),
      { numRuns: 60 },
    );
  });
});
