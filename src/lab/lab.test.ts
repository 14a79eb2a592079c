// System tests of the whole loop in the lab (real BIRD, FRR, agents, serve, client): the "Done when"
// checks of docs/agent.md. Each scenario runs on a fresh lab, removed afterwards whatever happened.
import { afterEach, expect, it } from 'vitest';
import { commandMissing, describeIfAvailable } from '../testing/env.js';
import { type Lab, startLab } from './lab.js';
import { canaryHaltRollback, killBetweenConfigureAndConfirm, restartAndKillServe } from './scenarios.js';

const missing =
  process.getuid?.() !== 0
    ? 'root (network namespaces)'
    : (commandMissing('bird') ?? commandMissing('vtysh') ?? commandMissing('ip'));

describeIfAvailable('lab system tests (BIRD edges, FRR upstream, agents, client)', missing, () => {
  let lab: Lab | null = null;
  afterEach(async () => {
    await lab?.stop();
    lab = null;
  });

  it('canary withdraws a served prefix: probe fails, rollout halts and rolls back, reachable again within 5 s', async () => {
    lab = await startLab({ name: 'fsl13s' });
    const f = await canaryHaltRollback(lab);
    process.stdout.write(`lab figures: ${JSON.stringify(f)}\n`);
    expect(f.status).toBe('rolled-back');
    expect(f.halt_to_reachable_ms as number).toBeLessThanOrEqual(5000);
  }, 180_000);

  it('an agent killed between configure timeout and confirm: BIRD undoes, the agent converges', async () => {
    lab = await startLab({ name: 'fsl13s' });
    const f = await killBetweenConfigureAndConfirm(lab);
    process.stdout.write(`lab figures: ${JSON.stringify(f)}\n`);
    expect(f.kill_to_undone_at_upstream_ms as number).toBeLessThan(15_000);
  }, 180_000);

  it('agent restart and kill -9 of serve during a rollout: the upstream never loses a good prefix', async () => {
    lab = await startLab({ name: 'fsl13s' });
    const f = await restartAndKillServe(lab);
    process.stdout.write(`lab figures: ${JSON.stringify(f)}\n`);
    expect(f.samples_missing_a_good_prefix).toBe(0);
    expect(f.samples as number).toBeGreaterThan(20);
  }, 300_000);
});
