// `failsmall replay byoip-2026-02-20 --lab`: the command's side of the lab replay (src/lab/byoip-replay.ts):
// options, the stable error when the lab cannot run here, and the printed summary (timeline and goals
// for people, the JSON summary last; `--json` prints only that). Exit status 1 when a goal fails.
import { LabUnavailable, labSummaryText, replayByoipLab } from '../lab/byoip-replay.js';
import { seedLabPopulation } from './replay-lab-seed.js';

export async function replayLab(o: { json: boolean; pace: string; minutes: string }): Promise<number> {
  const pace = Number(o.pace);
  const minutes = Number(o.minutes);
  if (!(pace > 0 && pace <= 60) || !(minutes > 0 && minutes <= 60)) {
    process.stderr.write('with --lab, --pace is real seconds within (0, 60] and --minutes within (0, 60]\n');
    return 2;
  }
  try {
    const r = await replayByoipLab({
      seed: seedLabPopulation,
      paceMs: pace * 1000,
      maxJobMs: minutes * 60_000,
      log: o.json ? undefined : (l) => process.stderr.write(`${l}\n`),
    });
    if (!o.json) {
      process.stdout.write('Timeline (real time in the lab; T+ from the job start):\n');
      process.stdout.write(r.timeline);
      process.stdout.write(`\n${labSummaryText(r.summary)}\nSummary:\n`);
    }
    process.stdout.write(`${JSON.stringify(r.summary, null, 2)}\n`);
    return r.passed ? 0 : 1;
  } catch (e) {
    if (!(e instanceof LabUnavailable)) throw e;
    process.stderr.write(`error ${e.code}: ${e.message}\n`);
    return 1;
  }
}
