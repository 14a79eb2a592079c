// The HTTP fleet end to end in one process: agent routes, per-location credentials, the agent runner
// (with an in-memory speaker), fail static and restart from disk.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentRunner, type AgentSpeaker } from '../agent/runner.js';
import { buildServer } from '../api/server.js';
import { MemorySpeaker } from '../sim/memory-speaker.js';
import { makeContent, seal } from '../snapshot/compile.js';
import type { Announcement, LocationInfo } from '../snapshot/model.js';
import type { LocationView } from '../snapshot/view.js';
import { HttpFleet } from './http-fleet.js';

const locations: LocationInfo[] = [
  { id: 'ams', region: 'eu', tier: 1 },
  { id: 'fra', region: 'eu', tier: 2 },
];
const ann = (prefix: string, locs: Announcement['locations'] = '*'): Announcement => ({
  prefix,
  account: 'a1',
  origin: 64600,
  prepends: 0,
  communities: [],
  locations: locs,
});
let n = 0;
const snap = (a: Announcement[]) =>
  seal(makeContent(a, [], null), { number: ++n, parent: null, createdAt: '', origin: 'compile', reason: '' });
const hash = (s: string) => createHash('sha256').update(s).digest('hex');
const TOKENS = { ams: `fs_${'a'.repeat(43)}`, fra: `fs_${'f'.repeat(43)}` };

class TestSpeaker extends MemorySpeaker implements AgentSpeaker {
  expect(_view: LocationView): void {}
  async sessions() {
    return [{ name: 'upstream', state: 'up', since: '00:00:00', info: 'Established' }];
  }
}

const waitFor = async <T>(f: () => Promise<T | undefined> | T | undefined, ms = 5000): Promise<T> => {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('HTTP fleet and agent routes', () => {
  let app: FastifyInstance;
  let fleet: HttpFleet;
  let url: string;
  const dir = mkdtempSync(join(tmpdir(), 'fs-agent-'));
  beforeAll(async () => {
    fleet = new HttpFleet({ locations, clock: { now: () => Date.now() }, snapshot: async () => undefined });
    const ids = new Map([
      [hash(TOKENS.ams), { id: 'ams-1', location: 'ams' }],
      [hash(TOKENS.fra), { id: 'fra-1', location: 'fra' }],
    ]);
    app = await buildServer({
      version: 'test',
      rateLimits: false,
      agents: { hub: fleet, credentials: async (h: string) => ids.get(h) },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const get = (path: string, token?: string) =>
    fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('refuses requests without a valid agent credential', async () => {
    expect((await get('/v1/agent/assignment')).status).toBe(401);
    expect((await get('/v1/agent/assignment', `fs_${'x'.repeat(43)}`)).status).toBe(401);
    const code = async (r: Response) =>
      ((await r.json()) as { errors: { error_code: string }[] }).errors[0]?.error_code;
    expect(await code(await get('/v1/agent/assignment'))).toBe('E_AGENT_UNAUTHENTICATED');
    // An agent credential is not an operator token, and the operators' view takes only operator tokens.
    const status = await get('/v1/agents', TOKENS.ams);
    expect([status.status, await code(status)]).toEqual([401, 'E_API_UNAUTHENTICATED']);
  });

  it('answers a malformed report with 400 E_AGENT_BODY from the one error mapper, and takes nothing', async () => {
    const before = fleet.agents().length;
    const res = await fetch(`${url}/v1/agent/report`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.ams}`, 'content-type': 'application/json' },
      body: JSON.stringify({ report: { agentId: 'x' }, extras: {}, surplus: 1 }),
    });
    expect(res.status).toBe(400);
    const b = (await res.json()) as { success: boolean; errors: { error_code: string; code: number }[] };
    expect([b.success, b.errors[0]?.error_code, b.errors[0]?.code]).toEqual([false, 'E_AGENT_BODY', 15003]);
    expect(fleet.agents().length).toBe(before);
  });

  it("hands an agent only its own location's part of a snapshot, and refuses a report for another location", async () => {
    const s = snap([ann('192.0.2.0/24'), ann('198.51.100.0/24', ['fra'])]);
    await fleet.deploy(s, ['ams', 'fra']);
    const a = (await (await get('/v1/agent/assignment', TOKENS.ams)).json()) as { result: { snapshotId: string } };
    expect(a.result.snapshotId).toBe(s.id);
    const part = (await (await get(`/v1/agent/snapshots/${s.id}`, TOKENS.ams)).json()) as {
      result: { announcements: Announcement[] };
    };
    expect(part.result.announcements.map((x) => x.prefix)).toEqual(['192.0.2.0/24']);
    const report = {
      report: {
        agentId: 'ams-1',
        location: 'fra',
        node: 'x',
        appliedSnapshot: null,
        announceDigest: null,
        announceCount: 0,
        bindingDigest: null,
        bindingCount: 0,
        state: 'ok',
        detail: null,
        reportedAt: 0,
      },
      extras: { sessions: [], health: { speaker: 'up', drift: 0, repairs: 0, detail: null } },
    };
    const res = await fetch(`${url}/v1/agent/report`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKENS.ams}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { errors: { error_code: string }[] }).errors[0]?.error_code).toBe('E_AGENT_LOCATION');
  });

  it('an agent follows its assignment, reports read-back exports, fails static, and restarts from disk', async () => {
    const speaker = new TestSpeaker();
    const mk = () =>
      new AgentRunner({
        url,
        token: TOKENS.ams,
        location: 'ams',
        node: 'edge1',
        stateDir: dir,
        speaker,
        reportIntervalMs: 50,
        driftIntervalMs: 50,
        controlPlaneTimeoutMs: 200,
      });
    let runner = mk();
    await runner.start();
    const s = snap([ann('192.0.2.0/24'), ann('203.0.113.0/24')]);
    await fleet.deploy(s, ['ams']);
    const r = await waitFor(async () =>
      (await fleet.reports(['ams'])).find((x) => x.appliedSnapshot === s.id && x.announceCount === 2),
    );
    expect(r.agentId).toBe('ams-1');
    expect(fleet.agents()[0]?.extras.sessions[0]?.state).toBe('up');
    await runner.stop();
    // Restart: the new runner adopts the snapshot on disk before it hears from serve.
    runner = mk();
    const applies = speaker.applies;
    await runner.start();
    expect(runner.agent.current()?.snapshotId).toBe(s.id);
    expect(speaker.applies).toBe(applies); // the speaker already matched: nothing re-applied
    // Control plane gone: the agent keeps announcing and says it is failing static.
    await app.close();
    await new Promise((res) => setTimeout(res, 400));
    const mine = await runner.agent.report();
    expect(mine.state).toBe('fail-static');
    expect(speaker.prefixes().size).toBe(2);
    await runner.stop();
  });
});
