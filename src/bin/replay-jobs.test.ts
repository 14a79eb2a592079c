// Issue 10's table, one test per rogue job: each runs through the HTTP API against the control loop over
// the demo population (src/bin/replay-jobs.ts) and must leave at most 1% of the announced prefixes (at
// least 1) changed at any location but the canary, at most one change's limit at the canary, no binding
// removed and no foreign prefix announced anywhere; after the operator's reject, a customer's own
// withdrawal deploys through the normal stages without a hold.
import { describe, expect, it } from 'vitest';
import { JOB_KINDS, replayJob } from './replay-jobs.js';

describe('the red team rogue jobs, replayed through the HTTP API', () => {
  for (const kind of JOB_KINDS)
    it(`--job ${kind}: fails small`, { timeout: 600_000 }, async () => {
      const r = await replayJob(kind);
      // The figures go to the log so the README's table can be checked against a CI run.
      console.log(
        `job figures: ${JSON.stringify({ job: kind, edge: r.edge, recovery: r.recovery, calls: r.job_calls })}`,
      );
      expect(r.setup.prefixes_announced).toBeGreaterThan(300);
      expect(r.done).toEqual({
        outside_canary_within_1pct: true,
        canary_within_one_change: true,
        zero_bindings_removed: true,
        zero_foreign_announced: true,
        legitimate_change_after_reject_deploys: true,
      });
    });
});
