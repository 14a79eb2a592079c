// Jobs act under their own identity with their own caps (issue 10): a job token makes at most its cap of
// changes per run (named by the X-Failsmall-Job-Run header) and per hour, counted in the one audit log
// inside each change's transaction; over a cap the change is refused with a stable code and nothing is
// written. The tokens are made through the admin API, the changes through the Addressing API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probePostgres } from '../store/pg-probe.js';
import { describeIfAvailable } from '../testing/env.js';
import { type Fixture, makeFixture } from './fixture.case.js';

let f: Fixture;

const bearer = (secret: string, run?: string) => ({
  authorization: `Bearer ${secret}`,
  'content-type': 'application/json',
  ...(run ? { 'x-failsmall-job-run': run } : {}),
});

async function mint(body: object) {
  const r = await f.app.inject({
    method: 'POST',
    url: '/client/v4/admin/tokens',
    headers: bearer(f.tokens.admin),
    payload: JSON.stringify(body),
  });
  return { status: r.statusCode, body: r.json() };
}

function jobCapCases(databaseUrl?: string) {
  beforeAll(async () => {
    f = await makeFixture(databaseUrl ? { databaseUrl } : {});
  });
  afterAll(async () => {
    await f.close();
  });
  let n = 0;
  const create = (secret: string, run?: string) =>
    f.app.inject({
      method: 'POST',
      url: `/client/v4/accounts/${f.accountA}/addressing/prefixes`,
      headers: bearer(secret, run),
      payload: JSON.stringify({ cidr: `45.200.${n++}.0/24`, asn: 64500 }),
    });

  it('a job token carries its kind and caps; approver is only for global person tokens', async () => {
    const job = await mint({ account_id: null, name: 'cleanup', scopes: ['operator'], kind: 'job' });
    expect(job.status).toBe(201);
    expect(job.body.result).toMatchObject({ kind: 'job', caps: { perRun: 100, perHour: 250 } });
    const person = await mint({ account_id: null, name: 'olga', scopes: ['operator'] });
    expect(person.body.result).toMatchObject({ kind: 'person', caps: null });
    for (const bad of [
      { account_id: null, name: 'x', scopes: ['operator', 'approver'], kind: 'job' },
      { account_id: null, name: 'x', scopes: ['approver'], kind: 'agent' },
      { account_id: f.accountA, name: 'x', scopes: ['approver'] },
      { account_id: null, name: 'x', scopes: ['operator'], kind: 'person', caps: { per_run: 5 } },
    ]) {
      const r = await mint(bad);
      expect([r.status, r.body.errors[0].error_code]).toEqual([400, 'E_ADDR_INVALID']);
    }
    const zero = await mint({ account_id: null, name: 'x', scopes: ['operator'], kind: 'job', caps: { per_run: 0 } });
    expect(zero.status).toBe(400);
  });

  it('stops a job at its cap per run and per hour; a new run frees only the cap per run', async () => {
    const job = await mint({
      account_id: null,
      name: 'capped',
      scopes: ['operator'],
      kind: 'job',
      caps: { per_run: 3, per_hour: 5 },
    });
    const secret = job.body.result.value as string;
    for (let i = 0; i < 3; i++) expect((await create(secret, 'run-1')).statusCode).toBe(201);
    const over = await create(secret, 'run-1');
    expect([over.statusCode, over.json().errors[0].error_code]).toEqual([429, 'E_ADDR_JOB_RATE']);
    expect(over.json().errors[0].message).toMatch(/cap of 3 changes in run/);
    for (let i = 0; i < 2; i++) expect((await create(secret, 'run-2')).statusCode).toBe(201);
    const hour = await create(secret, 'run-3');
    expect([hour.statusCode, hour.json().errors[0].message]).toEqual([
      429,
      expect.stringMatching(/5 changes per hour/),
    ]);
    // the refused changes wrote nothing: five prefixes exist, five audit entries name the job
    const audit = await f.opened.store.transaction((tx) => tx.listAudit(f.accountA, { page: 1, per_page: 100 }));
    const byJob = audit.items.filter((e) => e.actor_id === job.body.result.id);
    expect(byJob.map((e) => [e.actor_kind, e.job_run])).toEqual(
      expect.arrayContaining([
        ['job', `${job.body.result.id}:run-1`],
        ['job', `${job.body.result.id}:run-2`],
      ]),
    );
    expect(byJob).toHaveLength(5);
  });

  it('the cap holds for a BGP prefix edit (the hot path) and for racing requests', async () => {
    const job = await mint({
      account_id: null,
      name: 'racer',
      scopes: ['operator'],
      kind: 'job',
      caps: { per_run: 4, per_hour: 100 },
    });
    const secret = job.body.result.value as string;
    const results = await Promise.all(Array.from({ length: 10 }, () => create(secret)));
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(4);
    expect(results.filter((r) => r.statusCode === 429)).toHaveLength(6);
    // a BGP prefix of account A, then the job's edit of it: refused, the prefix unchanged
    const made = (await create(f.tokens.writeA)).json().result as { id: string; cidr: string };
    const p = made.id;
    const b = await f.app.inject({
      method: 'POST',
      url: `/client/v4/accounts/${f.accountA}/addressing/prefixes/${p}/bgp/prefixes`,
      headers: bearer(f.tokens.writeA),
      payload: JSON.stringify({ cidr: made.cidr }),
    });
    expect(b.statusCode).toBe(201);
    const url = `/client/v4/accounts/${f.accountA}/addressing/prefixes/${p}/bgp/prefixes/${b.json().result.id}`;
    const edit = await f.app.inject({
      method: 'PATCH',
      url,
      headers: bearer(secret),
      payload: JSON.stringify({ asn_prepend_count: 2 }),
    });
    expect([edit.statusCode, edit.json().errors[0].error_code]).toEqual([429, 'E_ADDR_JOB_RATE']);
    const after = await f.app.inject({ method: 'GET', url, headers: bearer(f.tokens.readA) });
    expect(after.json().result.asn_prepend_count).toBe(0);
  });
}

describe('job tokens on embedded PGlite', () => jobCapCases());
const pgProbe = await probePostgres();
describeIfAvailable('job tokens on PostgreSQL', 'missing' in pgProbe ? pgProbe.missing : null, () =>
  jobCapCases('url' in pgProbe ? pgProbe.url : ''),
);
