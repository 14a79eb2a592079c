// The done-when of the incident replay: held before any edge withdraws more than 1% of BYOIP prefixes,
// zero bindings removed at the edge, full restore within 60 s (simulated) of the halt.
import { describe, expect, it } from 'vitest';
import { replayByoip } from './replay-byoip.js';

describe('replay byoip-2026-02-20', () => {
  it('holds the cleanup job at <= 1% of BYOIP prefixes, removes no binding, restores within 60 s', async () => {
    const r = await replayByoip({ durationMs: 4 * 60_000 });
    const s = r.summary;
    expect(s.setup.byoip_prefixes).toBe(4306);
    expect(s.setup.prefixes_announced).toBe(6500);
    expect(s.setup.locations).toBe(40);
    expect(s.job.buggy_query_answer).toMatch(/^400 /);
    expect(s.job.prefixes_it_asked_to_delete).toBe(4306);
    expect(Number(s.job.prefixes_deleted_from_desired_state)).toBeGreaterThan(43);
    expect(Number(s.edge.byoip_prefixes_withdrawn_at_any_edge)).toBeLessThanOrEqual(43);
    expect(s.edge.bindings_removed_at_any_edge).toBe(0);
    expect(s.edge.still_damaged_at_end).toBe(false);
    expect(s.times.time_to_halt_s).not.toBeNull();
    expect(s.times.time_to_full_restore_after_halt_s).toBeLessThanOrEqual(60);
    expect(r.passed).toBe(true);
    expect(r.timeline).toContain('breaker.trip');
  }, 300_000);
});
