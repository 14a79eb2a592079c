// Issue 10's table, one test per rogue job: each runs through the HTTP API against the control loop over
// the demo population (src/bin/replay-jobs.ts) and must leave at most 1% of the announced prefixes (at
// least 1) changed at any location but the canary, at most one change's limit at the canary, no binding
// removed and no foreign prefix announced anywhere; after the operator's reject, a customer's own
// withdrawal deploys through the normal stages without a hold.
import { describe, expect, it } from 'vitest';
import { JOB_KINDS, type JobKind, type JobReplayResult, replayJob } from './replay-jobs.js';

// Every check holds for every job kind (issue 10). Closed last: paced and by-account (the guard leaves out
// of location and network counts only an account whose counted changes its own identities made, attributed
// through the audit log: a job's token earns no account that exemption; were 5-6 prefixes beyond the canary),
// modify (the reject is no longer refused as a self-approval: the machine checks the authors read before the
// reject's own restore is written), flap (the breaker names the superseded change that tripped it, and a
// second person's reject of it closes the breaker).
describe('the red team rogue jobs, replayed through the HTTP API', () => {
  for (const kind of JOB_KINDS)
    it(`--job ${kind}: fails small`, { timeout: 600_000 }, async () => {
      const r = await replayJob(kind);
      // The figures go to the log so the README's table can be checked against a CI run.
      console.log(
        `job figures: ${JSON.stringify({ job: kind, edge: r.edge, recovery: r.recovery, calls: r.job_calls })}`,
      );
      expect(r.setup.prefixes_announced).toBeGreaterThan(300);
      expect(r.done).toEqual(Object.fromEntries(Object.keys(r.done).map((k) => [k, true])));
      expect(r.edge.worst_outside_canary.changed).toBeLessThanOrEqual(
        Math.max(1, Math.floor(r.setup.prefixes_announced / 100)),
      );
    });
});
