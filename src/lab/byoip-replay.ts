// `failsmall replay byoip-2026-02-20 --lab`: the 20 February 2026 cleanup job against the lab, in real
// time, with every figure measured outside the engine. The lab (three BIRD edges, an FRR upstream, a
// client) runs the real `serve` over the HTTP fleet and one real `failsmall agent` per edge; the
// incident's population (6,500 prefixes, 4,306 BYOIP over 700 accounts, 10,806 bindings) is written into
// serve's database before it starts and reaches the edges through compile → snapshot → rollout, confirmed
// at the upstream before the job starts. Then the job runs over HTTP as replay-byoip models it: the literal
// `?pending_delete` call (refused), then, as if it had got every BYOIP prefix anyway, withdraw, unbind and
// delete at its pace. When the breaker trips the job is stopped and a second person rejects what was held
// or halted (as the job replays do). Measured: at the upstream FRR, sampled continuously, BYOIP prefixes
// that lost their path from some edge and from every edge, and the time from the halt (the breaker's trip
// time, read from serve's API) to every prefix back from every edge; at every edge, good bindings missing
// from the agent's bindings.json; at the client, TCP connects to service addresses inside BYOIP prefixes.
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { DesiredState } from '../addressing/model.js';
import { edgeBindings, watchBindings, watchUpstream } from './byoip-watch.js';
import { type ReplayJobReport, runReplayJob } from './cleanup-job.js';
import type { LabErrorCode } from './errors.js';
import { sleep, waitFor } from './exec.js';
import { startLabFleet } from './fleet.js';
import { type Lab, startLab } from './lab.js';
import { startVantage } from './vantage.js';

export interface PopulationSpec {
  byoipPrefixes: number;
  byoipAccounts: number;
  totalPrefixes: number;
}

/** The incident's population, written into serve's database (its data directory) before serve starts. */
export interface LabPopulation {
  byoip: DesiredState;
  own: DesiredState;
  /** The cleanup job's token (kind job, operator scope; caps out of the way: the guard is what is measured). */
  jobToken: string;
  /** A second person (operator + approver): rejects what the guard held or halted. */
  approverToken: string;
}

export interface LabReplayOptions {
  /** Writes the population into serve's data directory (src/bin/replay-lab-seed.ts). */
  seed: (dataDir: string, spec: PopulationSpec) => Promise<LabPopulation>;
  /** Lab name (namespaces, /tmp/failsmall-lab-<name>); default fslr. */
  name?: string;
  /** serve's loopback port; default 18500. */
  port?: number;
  /** Real time between two prefixes the job deletes; default 2000 ms (replay-byoip's pace). */
  paceMs?: number;
  /** The job is stopped after this long if the breaker never trips; default 10 min. */
  maxJobMs?: number;
  byoipPrefixes?: number;
  byoipAccounts?: number;
  totalPrefixes?: number;
  /**
   * What the second person does once the job is stopped: `restore` (default) re-advertises and re-binds
   * everything the snapshot before the job held (`/v1/recovery/readvertise`, `/restore-bindings`, all
   * accounts), then rejects what was held or halted; `reject` only rejects, as the job replays do (desired
   * state goes back to the snapshot the breaker's restore deploys, or the last good one: `rejectTargetId`).
   */
  recovery?: 'restore' | 'reject';
  /** Upstream sampling period; default 500 ms. */
  sampleEveryMs?: number;
  log?: (line: string) => void;
}

export interface Goal {
  value: number | null;
  goal: number;
  pass: boolean;
}

export interface ProbeCounts {
  ok: number;
  total: number;
}

export interface LabReplaySummary {
  scenario: 'byoip-2026-02-20';
  lab: true;
  times_are_real: true;
  setup: Record<string, number | string>;
  job: Record<string, unknown>;
  upstream: Record<string, unknown>;
  edges: { bindings_removed_at_any_edge: number; per_edge: Record<string, number>; samples: number };
  client: {
    address: string;
    prefix: string;
    before: ProbeCounts;
    during: ProbeCounts;
    after: ProbeCounts;
    /** From the halt to the client's first connect after its last failed one (null: none failed after the halt). */
    reachable_again_after_halt_s: number | null;
  }[];
  times: Record<string, number | null>;
  guard: Record<string, unknown>;
  goals: {
    byoip_withdrawn_at_upstream: Goal;
    bindings_removed_at_any_edge: Goal;
    halt_to_every_prefix_back_s: Goal;
  };
  passed: boolean;
}

export interface LabReplayResult {
  summary: LabReplaySummary;
  timeline: string;
  passed: boolean;
}

/** A stable code for what keeps the lab from running (the CLI prints it and exits 1). */
export class LabUnavailable extends Error {
  constructor(
    readonly code: LabErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const TOOLS = ['ip', 'bird', 'birdc', 'vtysh'];
const FRR = ['/usr/lib/frr/zebra', '/usr/lib/frr/bgpd'];

/** Why the lab cannot run here, or null: root (namespaces) and BIRD 2, FRR and iproute2 installed. */
export function labUnavailable(): LabUnavailable | null {
  if (process.getuid?.() !== 0)
    return new LabUnavailable('E_LAB_NOT_ROOT', 'the lab needs root (network namespaces); run it with sudo');
  const path = (process.env.PATH ?? '').split(delimiter);
  const missing = [
    ...TOOLS.filter((t) => !path.some((d) => d && existsSync(join(d, t)))),
    ...FRR.filter((f) => !existsSync(f)),
  ];
  if (missing.length)
    return new LabUnavailable(
      'E_LAB_TOOL_MISSING',
      `the lab needs BIRD 2, FRR and iproute2; missing: ${missing.join(', ')}`,
    );
  return null;
}

interface ApiRollout {
  id: string;
  snapshotNumber: number;
  status: string;
  createdAt: number;
  halt: { at: number; reason: string } | null;
  events: { at: number; event: string; detail: string }[];
}
interface ApiStatus {
  baseline: { id: string; number: number } | null;
  breaker: { tripped: boolean; since: number | null; reason: string | null; trippedBy: string | null };
}

export async function replayByoipLab(o: LabReplayOptions): Promise<LabReplayResult> {
  const why = labUnavailable();
  if (why) throw why;
  const log = o.log ?? (() => {});
  const spec = {
    byoipPrefixes: o.byoipPrefixes ?? 4306,
    byoipAccounts: o.byoipAccounts ?? 700,
    totalPrefixes: o.totalPrefixes ?? 6500,
  };
  const paceMs = o.paceMs ?? 2000;
  const port = o.port ?? 18500;
  const bakeS = 2;
  const timeline: { at: number; what: string }[] = [];
  const note = (what: string, at = Date.now()) => {
    timeline.push({ at, what });
    log(what);
  };
  log(`building lab ${o.name ?? 'fslr'} (3 BIRD edges, FRR upstream, client)`);
  const lab = await startLab({ name: o.name ?? 'fslr' });
  try {
    return await replayIn(lab, { ...o, spec, paceMs, port, bakeS, note, log, timeline });
  } finally {
    await lab.stop();
  }
}

async function replayIn(
  lab: Lab,
  c: LabReplayOptions & {
    spec: { byoipPrefixes: number; byoipAccounts: number; totalPrefixes: number };
    paceMs: number;
    port: number;
    bakeS: number;
    note: (what: string, at?: number) => void;
    log: (line: string) => void;
    timeline: { at: number; what: string }[];
  },
): Promise<LabReplayResult> {
  const { note, log } = c;
  const fleet = await startLabFleet(lab, { port: c.port, bakeS: c.bakeS });
  log(`seeding ${c.spec.totalPrefixes} prefixes (${c.spec.byoipPrefixes} BYOIP) into serve's database`);
  const pop = await c.seed(join(lab.dir, 'pglite'), c.spec);
  const byoipCidrs = pop.byoip.prefixes.map((p) => p.cidr);
  const byoip = new Set(byoipCidrs);
  const all = [...byoipCidrs, ...pop.own.prefixes.map((p) => p.cidr)];
  const bindingCount = pop.byoip.bindings.length + pop.own.bindings.length;
  // Services inside BYOIP prefixes, anycast at every edge: two the job deletes first, two it reaches late.
  const picks = [0, 1, Math.floor(byoipCidrs.length / 2), byoipCidrs.length - 1];
  const services = picks.map((i, n) => {
    const prefix = byoipCidrs[i] as string;
    return { label: `svc${n}`, prefix, address: prefix.replace(/\.0\/24$/, '.1') };
  });
  for (const e of lab.edges) for (const s of services) await lab.addServiceAddress(e.location, s.address);

  const t0 = Date.now();
  await fleet.startServe();
  for (const e of lab.edges) await fleet.startAgent(e.location);
  const upstream = watchUpstream(lab, all, c.sampleEveryMs ?? 500);
  const bgpdCpu0 = cpuSeconds(lab.pid('bgpd'));
  try {
    const convergedAt = await upstream.waitFull(t0, 600_000);
    if (convergedAt === null) throw new Error('the lab never converged: the upstream lacks prefixes from some edge');
    // The good state at each edge: the agent's binding table once it holds every binding.
    const good: Record<string, Set<string>> = {};
    for (const e of lab.edges)
      good[e.location] = await waitFor(
        `${e.location}'s binding table to hold ${bindingCount} bindings`,
        120_000,
        async () => {
          const b = await edgeBindings(lab, e.location);
          return b && b.size === bindingCount ? b : undefined;
        },
        250,
      );
    note(
      `network converged: the upstream holds all ${all.length} prefixes from each of ${lab.edges.length} edges, every agent holds ${bindingCount} bindings (${((convergedAt - t0) / 1000).toFixed(1)} s after serve started)`,
      convergedAt,
    );
    const vantage = startVantage(
      lab,
      services.map((s) => ({ location: s.label, host: s.address, port: lab.servicePort })),
      250,
      500,
    );
    const bindings = watchBindings(lab, good, 1000);
    try {
      await waitFor(
        'the client to reach every service',
        30_000,
        async () =>
          services.every((s) => vantage.since(s.label, Date.now() - 1000).some((r) => r.ok)) ? true : undefined,
        200,
      );
      return await runJob(lab, fleet.url, pop, c, {
        upstream,
        bindings,
        vantage,
        services,
        byoip,
        all,
        bindingCount,
        convergeS: (convergedAt - t0) / 1000,
        bgpdCpu: () => cpuSeconds(lab.pid('bgpd')) - bgpdCpu0,
      });
    } finally {
      vantage.stop();
      await bindings.stop();
    }
  } finally {
    await upstream.stop();
    await fleet.killServe('SIGTERM').catch(() => undefined);
    for (const e of lab.edges) await fleet.killAgent(e.location).catch(() => undefined);
  }
}

async function runJob(
  lab: Lab,
  url: string,
  pop: LabPopulation,
  c: Parameters<typeof replayIn>[1],
  w: {
    upstream: ReturnType<typeof watchUpstream>;
    bindings: ReturnType<typeof watchBindings>;
    vantage: ReturnType<typeof startVantage>;
    services: { label: string; prefix: string; address: string }[];
    byoip: Set<string>;
    all: string[];
    bindingCount: number;
    convergeS: number;
    /** bgpd's CPU seconds since sampling began (its share of serving the samples, and the updates). */
    bgpdCpu: () => number;
  },
): Promise<LabReplayResult> {
  const { note } = c;
  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; result: T }> => {
    const r = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${pop.approverToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, result: ((await r.json()) as { result: T }).result };
  };
  const goodBefore = (await api<ApiStatus>('GET', '/v1/rollouts/status')).result.baseline;
  const abort = new AbortController();
  let jobStart = 0;
  // Before the job's first deletion nothing changes at the upstream: bgpd's CPU then is the reads' cost.
  const quiet = { cpu: w.bgpdCpu(), samples: w.upstream.samples(), at: Date.now() };
  const quietCost: { reads: number; cpuMsPerRead: number | null } = { reads: 0, cpuMsPerRead: null };
  w.upstream.arm();
  const job: Promise<ReplayJobReport> = runReplayJob({
    base: url,
    token: pop.jobToken,
    paceMs: c.paceMs,
    accountPrefix: 'byoip',
    signal: abort.signal,
    onStart: (n) => {
      jobStart = Date.now();
      const reads = w.upstream.samples() - quiet.samples;
      quietCost.reads = reads;
      if (reads > 0) quietCost.cpuMsPerRead = Math.round(((w.bgpdCpu() - quiet.cpu) * 1000) / reads);
      note(
        `job: treats all ${n} BYOIP prefixes as pending deletion; withdraw, unbind, delete one every ${c.paceMs / 1000} s`,
      );
    },
  });
  // The breaker's trip, read from serve's API (the halt verdict); the job runs until then.
  const deadline = Date.now() + (c.maxJobMs ?? 600_000);
  let status: ApiStatus | null = null;
  let jobDone = false;
  void job.finally(() => {
    jobDone = true;
  });
  while (Date.now() < deadline && !jobDone) {
    status = (await api<ApiStatus>('GET', '/v1/rollouts/status')).result;
    if (status.breaker.tripped) break;
    await sleep(250);
  }
  abort.abort();
  const report = await job;
  const stoppedAt = Date.now();
  note(
    `job: GET …/prefixes?pending_delete → ${report.literalCall.status} ${report.literalCall.error_code ?? ''} (its literal call, refused)`,
    jobStart,
  );
  const haltAt = status?.breaker.tripped ? (status.breaker.since ?? stoppedAt) : null;
  if (haltAt !== null)
    note(`serve: breaker tripped (${status?.breaker.reason ?? ''}) by ${status?.breaker.trippedBy ?? '-'}`, haltAt);
  note(`job stopped by the operator after deleting ${report.deleted} prefixes (${report.calls} API calls)`, stoppedAt);

  // The operator stopped the job; its last deletions may make one more (held) change: a few loop rounds.
  await waitFor(
    "the job's last deletions to be compiled",
    5000,
    async () =>
      (await api<ApiRollout[]>('GET', '/v1/rollouts')).result.some((r) => r.createdAt >= stoppedAt) ? true : undefined,
    250,
  ).catch(() => undefined);
  // The second person rejects the change the breaker names (its delta against the last good snapshot holds
  // every deletion since), then every held or halted change since the job began, as the job replays do.
  const rejected: string[] = [];
  const refused: string[] = [];
  const tried = new Set<string>();
  const recovered: Record<string, string> = {};
  let restoredAt: number | null = null;
  if ((c.recovery ?? 'restore') === 'restore' && goodBefore) {
    // Desired state back to the snapshot before the job, for every account: what the guard admitted too.
    for (const what of ['readvertise', 'restore-bindings']) {
      const r = await api<{ restore: { changed: number; unchanged: number } }>('POST', `/v1/recovery/${what}`, {
        all: true,
        from: String(goodBefore.number),
        reason: 'operator: put back what the rogue cleanup job deleted',
      });
      recovered[what] =
        r.status < 300
          ? `${r.result.restore.changed} changed, ${r.result.restore.unchanged} unchanged`
          : `HTTP ${r.status}`;
    }
    restoredAt = Date.now();
    note(
      `approver: desired state back to snapshot #${goodBefore.number} (re-advertise: ${recovered.readvertise}; bindings: ${recovered['restore-bindings']})`,
    );
  }
  const reject = async (id: string) => {
    tried.add(id);
    const r = await api('POST', `/v1/rollouts/${id}/reject`, { reason: 'operator: reject the rogue cleanup job' });
    if (r.status < 300) rejected.push(id);
    else refused.push(`${id}: HTTP ${r.status}`);
  };
  for (let round = 0; round < 3; round++) {
    const st = (await api<ApiStatus>('GET', '/v1/rollouts/status')).result;
    if (st.breaker.tripped && st.breaker.trippedBy && !tried.has(st.breaker.trippedBy))
      await reject(st.breaker.trippedBy);
    const open = (await api<ApiRollout[]>('GET', '/v1/rollouts')).result.filter(
      (r) => r.createdAt >= jobStart && !tried.has(r.id) && ['held', 'rolled-back', 'halted'].includes(r.status),
    );
    for (const r of open.reverse()) await reject(r.id);
    if (!st.breaker.tripped && open.length === 0) break;
    await sleep(2000);
  }
  if (rejected.length) note(`approver: rejected ${rejected.join(', ')}`);
  // Nothing held any more and the breaker still open (a reject after the restore names the approver among
  // the change's authors, and is refused): the approver closes it, as the last step of the recovery.
  let reset: string | null = null;
  await waitFor(
    'the restoring rollouts to finish',
    60_000,
    async () => {
      const st = (await api<ApiStatus & { active: unknown; pending: unknown[] }>('GET', '/v1/rollouts/status')).result;
      return st.active === null ? st : undefined;
    },
    250,
  ).catch(() => undefined);
  const still = (await api<ApiStatus & { pending: { status: string }[] }>('GET', '/v1/rollouts/status')).result;
  if (still.breaker.tripped && !still.pending.some((r) => r.status === 'held')) {
    const r = await api('POST', '/v1/breaker/reset', { reason: 'operator: job stopped, desired state restored' });
    reset = r.status < 300 ? 'reset' : `HTTP ${r.status}`;
    note(`approver: breaker reset (${reset})`);
  }

  // Every prefix back at the upstream from every edge, and staying there (5 s more, also for the probes).
  if (haltAt !== null) await w.upstream.waitFull(Date.now(), 120_000);
  await sleep(5000);
  const backAt = haltAt === null ? null : w.upstream.fullSince(haltAt);
  if (backAt !== null) note('upstream: every prefix back from every edge (and from then on)', backAt);
  const end = Date.now();
  const after = (await api<ApiRollout[]>('GET', '/v1/rollouts')).result.filter((x) => x.createdAt >= jobStart);
  const final = (await api<ApiStatus>('GET', '/v1/rollouts/status')).result;
  for (const r of after)
    for (const e of r.events)
      if (e.event !== 'superseded')
        c.timeline.push({ at: e.at, what: `${r.id} (#${r.snapshotNumber}) ${e.event}: ${e.detail}` });

  const counts = (addr: string, from: number, to: number): ProbeCounts => {
    const rs = w.vantage.since(addr, from).filter((r) => r.at < to);
    return { ok: rs.filter((r) => r.ok).length, total: rs.length };
  };
  const reachableAgain = (label: string): number | null => {
    if (haltAt === null) return null;
    const rs = w.vantage.since(label, haltAt);
    const lastFail = rs.findLast((r) => !r.ok);
    const ok = lastFail ? rs.find((r) => r.ok && r.at > lastFail.at) : undefined;
    return ok ? (ok.at - haltAt) / 1000 : null;
  };
  const withdrawnByoip = w.upstream.lostAPath((p) => w.byoip.has(p));
  const bindingsRemoved = Object.values(w.bindings.removed()).reduce((a, b) => a + b, 0);
  const haltToBack = haltAt !== null && backAt !== null ? (backAt - haltAt) / 1000 : null;
  const limit = Math.floor(w.byoip.size / 100);
  const goals = {
    byoip_withdrawn_at_upstream: {
      value: withdrawnByoip,
      goal: limit,
      pass: haltAt !== null && withdrawnByoip <= limit,
    },
    bindings_removed_at_any_edge: { value: bindingsRemoved, goal: 0, pass: bindingsRemoved === 0 },
    halt_to_every_prefix_back_s: { value: haltToBack, goal: 60, pass: haltToBack !== null && haltToBack <= 60 },
  };
  const sampled = w.upstream.sampleMs();
  const summary: LabReplaySummary = {
    scenario: 'byoip-2026-02-20',
    lab: true,
    times_are_real: true,
    setup: {
      edges: lab.edges.length,
      agents: lab.edges.length,
      prefixes_announced: w.all.length,
      byoip_prefixes: w.byoip.size,
      byoip_accounts: pop.byoip.accounts.length,
      bindings: w.bindingCount,
      job_pace_ms: c.paceMs,
      stage_bake_s: c.bakeS,
      converge_after_serve_start_s: w.convergeS,
      upstream_sample_every_ms: c.sampleEveryMs ?? 500,
      upstream_sample_median_ms: sampled.median,
      upstream_sample_max_ms: sampled.max,
    },
    job: {
      literal_call: `${report.literalCall.status} ${report.literalCall.error_code ?? ''}`,
      prefixes_deleted_from_desired_state: report.deleted,
      api_calls: report.calls,
      failures: report.failures.length,
      first_failures: report.failures.slice(0, 3),
      stopped_at_halt: haltAt !== null,
    },
    upstream: {
      samples: w.upstream.samples(),
      bgpd_cpu_s_while_sampled: Number(w.bgpdCpu().toFixed(2)),
      bgpd_cpu_ms_per_read_before_the_job: quietCost.cpuMsPerRead,
      reads_before_the_job: quietCost.reads,
      failed_samples: sampled.errors,
      byoip_prefixes_that_lost_a_path_from_some_edge: withdrawnByoip,
      byoip_prefixes_with_no_path_at_all: w.upstream.lostEveryPath((p) => w.byoip.has(p)),
      prefixes_that_lost_a_path_from_some_edge: w.upstream.lostAPath(),
      edges_that_lost_a_path: w.upstream.edgesTouched(),
    },
    edges: {
      bindings_removed_at_any_edge: bindingsRemoved,
      per_edge: w.bindings.removed(),
      samples: w.bindings.samples(),
    },
    client: w.services.map((s) => ({
      address: s.address,
      prefix: s.prefix,
      before: counts(s.label, 0, jobStart),
      during: counts(s.label, jobStart, backAt ?? end),
      after: counts(s.label, backAt ?? end, end),
      reachable_again_after_halt_s: reachableAgain(s.label),
    })),
    times: {
      job_start_to_halt_s: haltAt === null ? null : (haltAt - jobStart) / 1000,
      halt_to_job_stopped_s: haltAt === null ? null : (stoppedAt - haltAt) / 1000,
      halt_to_every_prefix_back_s: haltToBack,
      halt_to_desired_state_restored_s: haltAt === null || restoredAt === null ? null : (restoredAt - haltAt) / 1000,
    },
    guard: {
      tripped_by: status?.breaker.trippedBy ?? null,
      reason: status?.breaker.reason ?? null,
      rejected,
      reject_refused: refused,
      recovery: c.recovery ?? 'restore',
      desired_state_restored_from: goodBefore?.number ?? null,
      restored: recovered,
      breaker_reset: reset,
      breaker_tripped_at_end: final.breaker.tripped,
      held_at_end: after.filter((r) => r.status === 'held').map((r) => r.id),
    },
    goals,
    passed: Object.values(goals).every((g) => g.pass),
  };
  const lines = [...c.timeline]
    .filter((e) => e.at >= jobStart - 60_000)
    .sort((a, b) => a.at - b.at)
    .map(
      (e) =>
        `  T${e.at >= jobStart ? '+' : '-'}${(Math.abs(e.at - jobStart) / 1000).toFixed(1).padStart(6)} s  ${e.what}`,
    );
  return { summary, timeline: `${lines.join('\n')}\n`, passed: summary.passed };
}

/** The human summary: goals first, then the figures, as the other replays print them. */
export function labSummaryText(s: LabReplaySummary): string {
  const g = s.goals;
  const row = (name: string, x: Goal, unit = '') =>
    `  ${x.pass ? 'PASS' : 'FAIL'}  ${name}: ${x.value ?? 'never'}${unit} (goal ≤ ${x.goal}${unit})`;
  return [
    'Goals (measured at the upstream FRR, the edges and the client, not in the engine):',
    row('BYOIP prefixes that lost a path from some edge at the upstream', g.byoip_withdrawn_at_upstream),
    row('bindings removed at any edge', g.bindings_removed_at_any_edge).replace('goal ≤ 0', 'goal 0'),
    row('time from halt to every prefix back at the upstream from every edge', g.halt_to_every_prefix_back_s, ' s'),
    `  BYOIP prefixes with no path at all at the upstream: ${String(s.upstream.byoip_prefixes_with_no_path_at_all)}`,
    ...s.client.map(
      (c) =>
        `  client → ${c.address}:80 (${c.prefix}): before ${c.before.ok}/${c.before.total}, during ${c.during.ok}/${c.during.total}, after ${c.after.ok}/${c.after.total} connects${c.reachable_again_after_halt_s === null ? '' : `; reachable again ${c.reachable_again_after_halt_s} s after the halt`}`,
    ),
    '',
  ].join('\n');
}

/** User + system CPU seconds of a process (from /proc; 0 when unknown). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return 0;
  }
}
