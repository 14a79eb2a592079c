// System test of `failsmall replay byoip-2026-02-20 --lab`: the 20 February job in real time against the
// lab (real serve, agents, BIRD edges, FRR upstream, client), its goals measured at the upstream, the
// edges and the client. Skips without root, BIRD or FRR; fails then under FAILSMALL_REQUIRE_SYSTEM=1.
import { expect, it } from 'vitest';
import { labUnavailable, replayByoipLab } from '../lab/byoip-replay.js';
import { describeIfAvailable } from '../testing/env.js';
import { seedLabPopulation } from './replay-lab-seed.js';

it('the lab replay names what keeps it from running with a stable code', () => {
  const path = process.env.PATH;
  process.env.PATH = '';
  try {
    expect(labUnavailable()?.code).toBe(process.getuid?.() === 0 ? 'E_LAB_TOOL_MISSING' : 'E_LAB_NOT_ROOT');
  } finally {
    process.env.PATH = path;
  }
});

describeIfAvailable(
  '20 February replay in the lab (BIRD edges, FRR upstream, agents, client)',
  labUnavailable()?.message ?? null,
  () => {
    it('6,500 prefixes, 4,306 BYOIP: ≤ 43 BYOIP prefixes lose a path at the upstream, 0 bindings removed, all back ≤ 60 s after the halt', async () => {
      const r = await replayByoipLab({ name: 'fslrt', port: 18510, seed: seedLabPopulation });
      process.stdout.write(`lab replay timeline:\n${r.timeline}lab replay: ${JSON.stringify(r.summary)}\n`);
      const s = r.summary;
      expect(s.setup.prefixes_announced).toBe(6500);
      expect(s.setup.byoip_prefixes).toBe(4306);
      expect(s.job.literal_call).toBe('400 E_API_QUERY_PARAM');
      expect(s.job.prefixes_deleted_from_desired_state as number).toBeGreaterThan(0);
      expect(s.upstream.samples as number).toBeGreaterThan(20);
      expect(s.edges.samples).toBeGreaterThan(10);
      expect(s.goals.byoip_withdrawn_at_upstream.value as number).toBeLessThanOrEqual(43);
      expect(s.goals.bindings_removed_at_any_edge.value).toBe(0);
      expect(s.goals.halt_to_every_prefix_back_s.value as number).toBeLessThanOrEqual(60);
      // The client saw services the job never reached answer throughout, and every service answer at the end.
      for (const c of s.client) {
        expect(c.before.ok).toBe(c.before.total);
        expect(c.after.total).toBeGreaterThan(0);
        expect(c.after.ok).toBe(c.after.total);
      }
      expect(r.passed).toBe(true);
    }, 900_000);
  },
);
