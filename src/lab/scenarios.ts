// The lab's system tests, as functions that return their figures (and throw when a check fails).
// `failsmall lab test` runs them and prints a JSON summary; src/lab/lab.test.ts runs them under vitest.
// Every figure is measured outside the engine: at the upstream FRR (its BGP table) and at the client
// (TCP connects from its namespace).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContent, seal } from '../snapshot/compile.js';
import type { Announcement, SnapshotContent } from '../snapshot/model.js';
import { startLabControl } from './control.js';
import { sleep, waitFor } from './exec.js';
import { startLabFleet } from './fleet.js';
import type { Lab } from './lab.js';
import { startVantage } from './vantage.js';

export type Figures = Record<string, number | string | boolean>;

const ann = (prefix: string, locations: Announcement['locations'] = '*'): Announcement => ({
  prefix,
  account: 'lab-account',
  origin: 64600,
  prepends: 0,
  communities: ['65010:100'],
  locations,
});

/** Waits until the upstream holds `prefix` from exactly `paths` edges (0: not at all). */
export async function upstreamPaths(lab: Lab, prefix: string, paths: number, ms = 30_000): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    `upstream to hold ${prefix} from ${paths} edges`,
    ms,
    async () => {
      const n = (await lab.upstreamRoutes()).get(prefix)?.length ?? 0;
      return n === paths ? true : undefined;
    },
    50,
  );
  return Date.now() - t0;
}

/**
 * Done when #1: a snapshot withdraws a served prefix at the canary; the client's probe fails; the
 * rollout halts and rolls back; the prefix is reachable again. Figure: halt verdict → reachable (ms).
 */
export async function canaryHaltRollback(lab: Lab): Promise<Figures> {
  const control = await startLabControl(lab, { port: 18401, bakeMs: 4000 });
  const vantageTargets = lab.edges.map((e, i) => ({
    location: e.location,
    host: `198.18.${i + 1}.1`,
    port: lab.servicePort,
  }));
  for (const [i, e] of lab.edges.entries()) await lab.addServiceAddress(e.location, `198.18.${i + 1}.1`);
  const vantage = startVantage(lab, vantageTargets, 100, 300);
  try {
    for (const e of lab.edges) control.startAgent(e.location);
    const base: SnapshotContent = makeContent(
      [ann('198.18.0.0/24'), ...lab.edges.map((e, i) => ann(`198.18.${i + 1}.0/24`, [e.location]))],
      [],
      null,
    );
    const first = await control.engine.propose(base, { origin: 'compile', reason: 'lab: baseline', actor: 'lab' });
    await waitFor('the baseline rollout to complete', 90_000, async () =>
      control.engine.rollout(first.rollout.id).status === 'completed' ? true : undefined,
    );
    control.publishProbes(vantage);
    // Canary stages start with the smallest PoP: the highest tier number, the last edge here.
    const canary = lab.edges[lab.edges.length - 1]?.location as string;
    const ci = lab.edges.findIndex((e) => e.location === canary);
    const served = `198.18.${ci + 1}.0/24`;
    await waitFor('the client to reach the canary service', 10_000, async () =>
      vantage.since(canary, Date.now() - 500).some((r) => r.ok) ? true : undefined,
    );
    const bad = makeContent(
      base.announcements.filter((a) => a.prefix !== served),
      [],
      null,
    );
    const proposedAt = Date.now();
    const r = await control.engine.propose(bad, {
      origin: 'compile',
      reason: 'lab: withdraw the canary service prefix',
      actor: 'lab',
    });
    await waitFor(
      'the rollout to halt',
      60_000,
      async () => (control.engine.rollout(r.rollout.id).halt ? true : undefined),
      20,
    );
    const rolled = control.engine.rollout(r.rollout.id);
    const haltAt = rolled.halt?.at as number;
    // When the client first saw the canary's service fail (a probe's start time), and the fail verdict.
    const failedAt = vantage.since(canary, proposedAt).find((x) => !x.ok)?.at ?? null;
    const verdictAt =
      control.signals.verdicts(proposedAt).find((v) => v.location === canary && v.status === 'fail')?.at ?? null;
    const back = await waitFor(
      'the canary service to be reachable again',
      30_000,
      async () => vantage.since(canary, haltAt).find((x) => x.ok),
      20,
    );
    await upstreamPaths(lab, served, 1, 10_000);
    const others = lab.edges.filter((e) => e.location !== canary).map((e) => e.location);
    const untouched = others.every((l) => !rolled.touched.includes(l));
    if (!untouched) throw new Error(`the halted rollout touched ${rolled.touched.join(', ')}, not only the canary`);
    return {
      canary,
      withdrawn_prefix: served,
      status: rolled.status,
      probe_failed_after_propose_ms: failedAt === null ? 'none seen' : failedAt - proposedAt,
      fail_verdict_after_propose_ms: verdictAt === null ? 'none' : verdictAt - proposedAt,
      halt_after_fail_verdict_ms: verdictAt === null ? 'none' : haltAt - verdictAt,
      halt_to_reachable_ms: back.at - haltAt,
      goal_halt_to_reachable_ms: 5000,
      halt_reason: rolled.halt?.reason ?? '',
    };
  } finally {
    vantage.stop();
    await control.close();
    for (const e of lab.edges) await killTracked(lab, `agent-${e.location}`);
  }
}

/**
 * Done when #3: an agent killed between `configure timeout` and `confirm`: BIRD undoes the change by
 * itself, and the agent, restarted, converges. Also: a BIRD restarted with a stale include is drift the
 * agent repairs. Figures: kill → undone at the upstream, restart → converged, drift → repaired.
 */
export async function killBetweenConfigureAndConfirm(lab: Lab): Promise<Figures> {
  const control = await startLabControl(lab, { port: 18402 });
  const e = lab.edges[1] ?? (lab.edges[0] as Lab['edges'][number]);
  try {
    const confirmTimeoutS = 3;
    // The Fleet port straight: snapshots handed to the locations, no engine gates in between.
    let n = 0;
    const snap = (a: Announcement[]) =>
      seal(makeContent(a, [], null), { number: ++n, parent: null, createdAt: '', origin: 'compile', reason: 'lab' });
    const base = snap([ann('198.18.40.0/24')]);
    for (const x of lab.edges) control.startAgent(x.location, [], confirmTimeoutS);
    await control.fleet.deploy(
      base,
      lab.edges.map((x) => x.location),
    );
    await upstreamPaths(lab, '198.18.40.0/24', lab.edges.length, 60_000);
    await killTracked(lab, `agent-${e.location}`);
    control.startAgent(e.location, ['--hold-before-confirm-ms', '60000'], confirmTimeoutS);
    const change = '198.18.41.0/24';
    const next = snap([ann('198.18.40.0/24'), ann(change, [e.location])]);
    await control.fleet.deploy(
      next,
      lab.edges.map((x) => x.location),
    );
    const log = join(e.dir, 'agent.log');
    await waitFor('the agent to configure (timeout) the change', 30_000, async () =>
      readFileSync(log, 'utf8').includes(`"event":"configured","snapshot":${next.number}`) ? true : undefined,
    );
    await upstreamPaths(lab, change, 1, 10_000);
    const killedAt = Date.now();
    await killTracked(lab, `agent-${e.location}`);
    await upstreamPaths(lab, change, 0, (confirmTimeoutS + 10) * 1000);
    const undoneMs = Date.now() - killedAt;
    const restartAt = Date.now();
    control.startAgent(e.location, [], confirmTimeoutS);
    await upstreamPaths(lab, change, 1, 30_000);
    const convergedMs = Date.now() - restartAt;
    // BIRD restarted from a stale include (as after a crash mid-deploy): drift, repaired by the agent.
    await lab.killBird(e.location);
    const stale = readFileSync(e.includePath, 'utf8').replace(/^ {2}route 198\.18\.41\.0\/24 .*\n/m, '');
    writeFileSync(e.includePath, stale);
    const birdAt = Date.now();
    await lab.startBird(e.location);
    await upstreamPaths(lab, change, 1, 30_000).catch((err: Error) => {
      // The next run makes a new lab: keep what the agent and BIRD said in the failure itself.
      const tail = (f: string) => readFileSync(join(e.dir, f), 'utf8').split('\n').slice(-25).join('\n');
      throw new Error(
        `${err.message}\nagent.log (last lines):\n${tail('agent.log')}\nbird.log (last lines):\n${tail('bird.log')}`,
      );
    });
    const repairedMs = Date.now() - birdAt;
    return {
      location: e.location,
      confirm_timeout_s: confirmTimeoutS,
      kill_to_undone_at_upstream_ms: undoneMs,
      restart_to_converged_ms: convergedMs,
      bird_restart_to_repaired_ms: repairedMs,
    };
  } finally {
    await control.close();
    for (const x of lab.edges) await killTracked(lab, `agent-${x.location}`);
  }
}

/**
 * Done when #2: during a rollout, restart an agent and kill -9 the control plane (`failsmall serve`);
 * the upstream's BGP table, sampled every 100 ms throughout, never loses a prefix of the good snapshot.
 */
export async function restartAndKillServe(lab: Lab): Promise<Figures> {
  const fleet = await startLabFleet(lab, { port: 18403, bakeS: 2, confirmTimeoutS: 10 });
  await fleet.startServe();
  for (const e of lab.edges) await fleet.startAgent(e.location);
  const acct = await fleet.call<{ id: string }>(
    'POST',
    '/client/v4/admin/accounts',
    { name: 'Lab Customer' },
    fleet.adminToken,
  );
  const writer = await fleet.call<{ value: string }>(
    'POST',
    '/client/v4/admin/tokens',
    { account_id: acct.id, name: 'lab-writer', scopes: ['addressing:read', 'addressing:write'] },
    fleet.adminToken,
  );
  // The lab customer holds AS64600 (registered by the admin): the IRR route objects prove its prefixes.
  await fleet.call('POST', `/client/v4/admin/accounts/${acct.id}/asns`, { asns: [64600] }, fleet.adminToken);
  const admin = (m: string, p: string, b?: unknown) => fleet.call<{ id: string }>(m, p, b, writer.value);
  const base = `/client/v4/accounts/${acct.id}/addressing/prefixes`;
  const prefixes: { cidr: string; id: string; bgp: string }[] = [];
  for (let i = 0; i < 4; i++) {
    const cidr = `198.18.${20 + i}.0/24`;
    const p = await admin('POST', base, { cidr, asn: 64600, description: `lab ${i}` });
    await admin('POST', `${base}/${p.id}/validate`);
    const b = await admin('POST', `${base}/${p.id}/bgp/prefixes`, { cidr });
    prefixes.push({ cidr, id: p.id, bgp: b.id });
  }
  const advertise = (i: number) =>
    admin('PATCH', `${base}/${prefixes[i]?.id}/bgp/prefixes/${prefixes[i]?.bgp}`, { on_demand: { advertised: true } });
  await advertise(0);
  await advertise(1);
  const edges = lab.edges.length;
  const good = [prefixes[0]?.cidr as string, prefixes[1]?.cidr as string];
  for (const p of good) await upstreamPaths(lab, p, edges, 120_000);
  // Sample the upstream every 100 ms from here on.
  let samples = 0;
  let lost = 0;
  let minPaths = Number.POSITIVE_INFINITY;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const t = Date.now();
      const routes = await lab.upstreamRoutes();
      samples++;
      for (const p of good) {
        const n = routes.get(p)?.length ?? 0;
        minPaths = Math.min(minPaths, n);
        if (n === 0) lost++;
      }
      await sleep(Math.max(0, 100 - (Date.now() - t)));
    }
  })();
  try {
    await advertise(2);
    await sleep(300);
    await fleet.killAgent(lab.edges[0]?.location as string);
    await fleet.startAgent(lab.edges[0]?.location as string);
    await sleep(500);
    const killAt = Date.now();
    await fleet.killServe('SIGKILL');
    await sleep(2000);
    await fleet.startServe();
    const restartedMs = Date.now() - killAt;
    await advertise(3);
    const t0 = Date.now();
    for (const p of prefixes.map((x) => x.cidr)) await upstreamPaths(lab, p, edges, 120_000);
    const convergedMs = Date.now() - t0;
    sampling = false;
    await sampler;
    if (lost > 0) throw new Error(`the upstream lost a good prefix in ${lost} samples`);
    return {
      samples,
      good_prefixes: good.length,
      samples_missing_a_good_prefix: lost,
      min_paths_of_a_good_prefix: minPaths,
      serve_down_ms: restartedMs,
      converged_after_restart_ms: convergedMs,
    };
  } finally {
    sampling = false;
    await sampler.catch(() => undefined);
    await fleet.killServe('SIGTERM').catch(() => undefined);
    for (const e of lab.edges) await fleet.killAgent(e.location).catch(() => undefined);
  }
}

async function killTracked(lab: Lab, label: string): Promise<void> {
  const pid = lab.pid(label);
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await waitFor(
    `${label} to exit`,
    10_000,
    async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    },
    20,
  );
  lab.untrack(label);
}

export const SCENARIOS: readonly { name: string; run: (lab: Lab) => Promise<Figures> }[] = [
  { name: 'canary-halt-rollback', run: canaryHaltRollback },
  { name: 'kill-between-configure-and-confirm', run: killBetweenConfigureAndConfirm },
  { name: 'agent-restart-and-serve-kill', run: restartAndKillServe },
];
