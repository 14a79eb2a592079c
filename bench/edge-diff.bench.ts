// The time to apply a 1% diff to a 100k-announcement location (issue 13: goal <= 1 s, no session reset),
// BirdSpeaker.apply against BIRD 2 peering with FRR in the lab: render, `configure check`, `configure
// timeout`, read-back until BIRD exports the view, `configure confirm`. Several diffs of two kinds, in turn:
//   churn: 500 announcements withdrawn and 500 new ones added;
//   attr:  1,000 announcements change their attributes (community, or one more prepend).
// Each diff's wall time, and the CPU time of BIRD (/proc/<pid>/stat) and of this process (the agent) during
// it: the machine is shared, and CPU time says what a quiet machine would do where wall time cannot.
// After every diff the upstream must hold the view's count, and BIRD's session "since" and FRR's
// established-connection count must be unchanged (no session reset).
// FAILSMALL_EDGE_DIFF_ROUNDS (default 10), FAILSMALL_EDGE_DIFF_SIZE (default 100000),
// FAILSMALL_EDGE_BENCH_LAB (default fsl13f) pick the rounds, the location's size and the lab's name.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BirdSpeaker, type SessionState, sameSession } from '../src/agent/bird-speaker.js';
import { waitFor } from '../src/lab/exec.js';
import { startLab } from '../src/lab/lab.js';
import { makeContent, seal } from '../src/snapshot/compile.js';
import type { Announcement } from '../src/snapshot/model.js';
import { viewFor } from '../src/snapshot/view.js';
import { prefixList } from './edge.bench.js';
import type { Bench, BenchResult } from './harness.js';

/** utime + stime of a process in seconds (fields 14 and 15 of /proc/<pid>/stat, in clock ticks of 1/100 s). */
function procCpuS(pid: number): number {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

const agentCpuS = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const ann = (prefix: string, tag: number, prepends = 0): Announcement => ({
  prefix,
  account: 'bench',
  origin: 64600,
  prepends,
  communities: [`65010:${tag}`],
  locations: '*',
});

interface DiffRun {
  kind: 'churn' | 'attr';
  wallS: number;
  birdCpuS: number;
  agentCpuS: number;
  /** BIRD's CPU time up to the end of `configure timeout` (parse twice, reconfigure), then in the rest. */
  birdConfigureCpuS: number;
  phases: Record<string, number>;
}

const bench: Bench = async (ctx) => {
  const size = Number(process.env.FAILSMALL_EDGE_DIFF_SIZE ?? 100_000);
  const rounds = Number(process.env.FAILSMALL_EDGE_DIFF_ROUNDS ?? 10);
  const lab = await startLab({
    name: process.env.FAILSMALL_EDGE_BENCH_LAB ?? 'fsl13f',
    locations: ['bench1'],
    fib: false,
  });
  const runs: DiffRun[] = [];
  let resets = 0;
  try {
    const e = lab.edges[0] as (typeof lab.edges)[number];
    const birdPid = Number(readFileSync(join(e.dir, 'bird.pid'), 'utf8').trim());
    let phases: Record<string, number> = {};
    let birdAtConfigured = 0;
    const speaker = new BirdSpeaker({
      socket: e.birdSocket,
      includePath: e.includePath,
      localAs: lab.edgeAs,
      upstreams: [e.session],
      confirmTimeoutS: 300,
      settleMs: 120_000,
      log: (event, detail) => {
        if (event === 'configured') birdAtConfigured = procCpuS(birdPid);
        if (event === 'confirmed') {
          phases = Object.fromEntries(Object.entries(detail).filter(([, v]) => typeof v === 'number')) as Record<
            string,
            number
          >;
          ctx.log(`  apply ${JSON.stringify(detail)}`);
        }
      },
    });
    let num = 0;
    const snap = (a: Announcement[]) =>
      seal(makeContent(a, [], null), {
        number: ++num,
        parent: null,
        createdAt: '',
        origin: 'compile',
        reason: 'bench',
      });
    const holds = (n: number) =>
      waitFor(
        `upstream to hold ${n} routes`,
        120_000,
        async () => ((await lab.upstreamPeers())[e.address]?.pfxRcd === n ? true : undefined),
        50,
      );
    // The location: `size` announcements; the pool beyond them feeds the churn diffs' new prefixes.
    const pool = prefixList(size + (rounds + 1) * (size / 200));
    let current = new Map(pool.slice(0, size).map((p) => [p, ann(p, 100)]));
    let fresh = size;
    await speaker.apply(viewFor(snap([...current.values()]), 'bench1'));
    await holds(size);
    ctx.log(`${size} announcements applied; ${rounds} diffs of 1% follow`);
    const step = 100; // 1% of the announcements: every 100th
    for (let r = 0; r < rounds; r++) {
      const kind: DiffRun['kind'] = r % 2 === 0 ? 'churn' : 'attr';
      const next = new Map(current);
      const keys = [...current.keys()];
      if (kind === 'churn') {
        // withdraw every 200th (offset by round), add as many never-seen prefixes
        for (let i = r % 200; i < keys.length; i += 200 * 1) next.delete(keys[i] as string);
        const add = size - next.size;
        for (let i = 0; i < add; i++) {
          const p = pool[fresh++] as string;
          next.set(p, ann(p, 100));
        }
      } else {
        // every 100th (offset by round): alternate between a new community and one more prepend
        for (let i = r % step; i < keys.length; i += step) {
          const a = current.get(keys[i] as string) as Announcement;
          next.set(
            a.prefix,
            r % 4 === 1 ? { ...a, communities: [`65010:${200 + r}`] } : { ...a, prepends: a.prepends ? 0 : 1 },
          );
        }
      }
      const view = viewFor(snap([...next.values()]), 'bench1');
      const session = (await speaker.sessions())[0] as SessionState;
      const conns = (await lab.upstreamPeers())[e.address]?.connectionsEstablished;
      const b0 = procCpuS(birdPid);
      const a0 = agentCpuS();
      const t0 = performance.now();
      await speaker.apply(view);
      const wallS = (performance.now() - t0) / 1000;
      const run: DiffRun = {
        kind,
        wallS,
        birdCpuS: procCpuS(birdPid) - b0,
        agentCpuS: agentCpuS() - a0,
        birdConfigureCpuS: birdAtConfigured - b0,
        phases,
      };
      runs.push(run);
      await holds(next.size);
      const sessionAfter = (await speaker.sessions())[0] as SessionState;
      const connsAfter = (await lab.upstreamPeers())[e.address]?.connectionsEstablished;
      // (BIRD's "since" of one session reads a few ms apart from one `show protocols` to the next: sameSession)
      const reset = !sessionAfter || !sameSession(session, sessionAfter) || connsAfter !== conns;
      if (reset) {
        resets++;
        ctx.log(
          `session reset: BIRD ${session.state} since ${session.since} -> ${sessionAfter?.state} since ${sessionAfter?.since}, FRR connections ${conns} -> ${connsAfter}`,
        );
        const birdLog = readFileSync(join(e.dir, 'bird.log'), 'utf8').split('\n');
        for (const l of birdLog.filter((x) => !/configur|Adding protocol|Removing protocol/i.test(x)).slice(-12))
          ctx.log(`  bird.log: ${l}`);
      }
      ctx.log(
        `diff ${r + 1} (${kind}): ${wallS.toFixed(3)} s wall, BIRD ${run.birdCpuS.toFixed(2)} s CPU (${run.birdConfigureCpuS.toFixed(2)} to configured), agent ${run.agentCpuS.toFixed(3)} s CPU; session reset: ${reset}`,
      );
      current = next;
    }
    speaker.close();
  } finally {
    await lab.stop();
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const of = (k: DiffRun['kind'] | null) => runs.filter((x) => k === null || x.kind === k);
  const phaseMedians = Object.fromEntries(
    ['renderMs', 'checkMs', 'configureMs', 'readBackMs'].map((k) => [k, median(runs.map((x) => x.phases[k] ?? 0))]),
  );
  const note = `median of ${runs.length} diffs at ${size} (churn: 500 withdrawn + 500 added; attr: 1,000 changed); load ${load}; session resets: ${resets}`;
  ctx.log(`phase medians (ms): ${JSON.stringify(phaseMedians)}`);
  const r3 = (s: number) => Math.round(s * 1000) / 1000;
  const results: BenchResult[] = [
    {
      name: 'edge.diff_1pct_100k_s',
      unit: 's',
      value: r3(median(of(null).map((x) => x.wallS))),
      goal: '<= 1',
      note: `${note}; phases (ms, medians): ${Object.entries(phaseMedians)
        .map(([k, v]) => `${k.replace('Ms', '')} ${Math.round(v)}`)
        .join(', ')}`,
    },
    {
      name: 'edge.diff_1pct_100k_churn_s',
      unit: 's',
      value: r3(median(of('churn').map((x) => x.wallS))),
      goal: '<= 1',
      note,
    },
    {
      name: 'edge.diff_1pct_100k_attr_s',
      unit: 's',
      value: r3(median(of('attr').map((x) => x.wallS))),
      goal: '<= 1',
      note,
    },
    {
      name: 'edge.diff_1pct_100k_bird_cpu_s',
      unit: 's',
      value: r3(median(of(null).map((x) => x.birdCpuS))),
      note: `BIRD's CPU time per diff (utime+stime, 10 ms ticks), of it up to configured: ${r3(median(of(null).map((x) => x.birdConfigureCpuS)))} s; ${note}`,
    },
    {
      name: 'edge.diff_1pct_100k_agent_cpu_s',
      unit: 's',
      value: r3(median(of(null).map((x) => x.agentCpuS))),
      note: `the agent's CPU time per diff (process.cpuUsage); ${note}`,
    },
  ];
  if (size !== 100_000) for (const r of results) r.name = r.name.replace('100k', String(size));
  return results;
};

export default bench;
