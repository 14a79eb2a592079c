// `npm start` twice on one data directory: the second control plane finds the first one's snapshots,
// rollouts, last good snapshot and audit, its demo fleet runs the last good snapshot again, and a
// rollback to the first snapshot goes through the API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attachDemo } from './demo.js';
import { buildControlPlane } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'failsmall-demo-persist-'));
const token = 'demo-persistence-test-token-0123456789abcdef';
const env = { FAILSMALL_DATA_DIR: dir, FAILSMALL_DEMO_TOKEN: token, FAILSMALL_DEMO_BAKE_S: '1' };
const auth = { authorization: `Bearer ${token}` };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function start() {
  const cp = await buildControlPlane(env, 'silent');
  await attachDemo(cp, env);
  await cp.loop.start();
  const get = async (url: string) => {
    const res = await cp.app.inject({ method: 'GET', url, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().result;
  };
  const until = async (what: string, ok: () => Promise<boolean>) => {
    for (let i = 0; i < 100; i++) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const stop = () => cp.close(); // stops the loop (waiting for its round in flight) before the database
  return { cp, get, until, stop };
}

describe('the demo control plane across a restart (PGlite data directory)', () => {
  let first: { id: string; digest: string };

  it('first run: the seeded desired state becomes snapshot #1, deployed everywhere', async () => {
    const s = await start();
    try {
      await s.until('snapshot #1 to be the last good one', async () => (await s.get('/v1/rollouts/status')).baseline);
      first = (await s.get('/v1/rollouts/status')).baseline;
      expect((await s.get('/v1/snapshots')).map((x: { number: number }) => x.number)).toEqual([1]);
    } finally {
      await s.stop();
    }
  });

  it('second run: same history and last good snapshot; the fleet runs it; rollback to #1 works', async () => {
    const s = await start();
    try {
      const status = await s.get('/v1/rollouts/status');
      expect(status.baseline.digest).toBe(first.digest);
      const snaps = await s.get('/v1/snapshots');
      expect(snaps.at(-1)).toMatchObject({ id: first.id, number: 1 });
      expect((await s.get('/v1/rollouts')).some((r: { snapshotId: string }) => r.snapshotId === first.id)).toBe(true);
      await s.until('every agent to report a snapshot with the first content', async () => {
        const fleet = await s.get('/v1/fleet');
        const ids = new Set(fleet.map((a: { appliedSnapshot: string | null }) => a.appliedSnapshot));
        return ids.size === 1 && !ids.has(null);
      });
      // The controller took up where snapshot #1 left off: unchanged desired state proposes nothing new.
      expect((await s.get('/v1/snapshots')).map((x: { number: number }) => x.number)).toEqual([1]);
      const res = await s.cp.app.inject({
        method: 'POST',
        url: '/v1/rollback',
        headers: auth,
        payload: { to: '#1', reason: 'after a restart' },
      });
      expect(res.statusCode, res.body).toBe(200);
      const back = res.json().result.snapshot;
      expect(back.digest).toBe(first.digest);
      await s.until('the rollback snapshot to be the last good one', async () => {
        return (await s.get('/v1/rollouts/status')).baseline.id === back.id;
      });
      const audit = await s.get('/v1/rollouts/audit');
      expect(audit.some((a: { action: string; reason: string }) => a.action === 'rollback.global')).toBe(true);
    } finally {
      await s.stop();
    }
  });
});
