import { describe, expect, it } from 'vitest';
import { MemoryBindingTable, MemorySpeaker } from '../sim/memory-speaker.js';
import { syntheticDesired } from '../sim/synthetic.js';
import { compile, makeContent, seal } from '../snapshot/compile.js';
import { withWithdrawAllMark } from '../snapshot/compose.js';
import type { LocationInfo, SnapshotContent } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';
import { EdgeAgent } from './agent.js';

const topo: LocationInfo[] = [{ id: 'ams', region: 'eu', tier: 1 }];
let n = 0;
const snap = (c: SnapshotContent) =>
  seal(c, { number: ++n, parent: null, createdAt: '', origin: 'compile', reason: '' });

function agent() {
  let t = 0;
  const clock = { now: () => t };
  const speaker = new MemorySpeaker();
  const bindings = new MemoryBindingTable();
  const a = new EdgeAgent({
    id: 'ams-1',
    location: 'ams',
    node: 'edge1.ams',
    speaker,
    bindings,
    clock,
    controlPlaneTimeoutMs: 10_000,
  });
  return { a, speaker, bindings, tick: (ms: number) => (t += ms) };
}

const s1 = snap(compile(syntheticDesired({ accounts: 2, prefixes: 10, bindingsPerPrefix: 2 }), { locations: topo }));

describe('edge agent', () => {
  it('applies a snapshot and reports what the speaker announces, read back', async () => {
    const { a, speaker } = agent();
    expect((await a.receive(s1)).outcome).toBe('applied');
    expect((await a.receive(s1)).outcome).toBe('unchanged');
    const r = await a.report();
    const v = viewFor(s1, 'ams');
    expect(r).toMatchObject({
      appliedSnapshot: s1.id,
      announceDigest: v.announceDigest,
      announceCount: 10,
      bindingCount: 20,
      state: 'ok',
    });
    speaker.fault = { kind: 'drop', keep: 3 };
    const bad = await a.report();
    expect(bad.announceCount).toBe(3);
    expect(bad.announceDigest).not.toBe(v.announceDigest);
  });

  it('fails static: without the control plane it keeps announcing its last snapshot', async () => {
    const { a, speaker, tick } = agent();
    await a.receive(s1);
    tick(60_000);
    const r = await a.report();
    expect(r.state).toBe('fail-static');
    expect(r.announceCount).toBe(10);
    expect(speaker.prefixes().size).toBe(10);
    a.contact();
    expect((await a.report()).state).toBe('ok');
  });

  it('refuses a snapshot that withdraws everything, unless it carries the withdraw-all mark', async () => {
    const { a, speaker } = agent();
    await a.receive(s1);
    const empty = snap(makeContent([], [], null));
    const res = await a.receive(empty);
    expect(res.outcome).toBe('refused');
    expect(speaker.prefixes().size).toBe(10);
    expect((await a.report()).state).toBe('refused');
    const marked = snap(
      withWithdrawAllMark(makeContent([], [], null), { approvalId: 'a1', approvedBy: 'ops', reason: 'decommission' }),
    );
    expect((await a.receive(marked)).outcome).toBe('applied');
    expect(speaker.prefixes().size).toBe(0);
  });

  it('reports a speaker that fails to apply and keeps the previous state', async () => {
    const { a, speaker } = agent();
    await a.receive(s1);
    speaker.fault = { kind: 'fail', message: 'bird: syntax error' };
    const s2 = snap(compile(syntheticDesired({ accounts: 1, prefixes: 4 }), { locations: topo }));
    const res = await a.receive(s2);
    expect(res).toMatchObject({ outcome: 'error' });
    const r = await a.report();
    expect(r.state).toBe('error');
    expect(r.appliedSnapshot).toBe(s1.id);
  });

  it('repairs drift toward the applied view, and after a restart checks the speaker before changing it', async () => {
    const { a, speaker } = agent();
    expect(await a.repair()).toBe('nothing-applied');
    await a.receive(s1);
    expect(await a.repair()).toBe('in-sync');
    // Someone (a hand edit, a restarted daemon) left the speaker announcing something else.
    const other = snap(compile(syntheticDesired({ accounts: 1, prefixes: 3 }), { locations: topo }));
    await speaker.apply(viewFor(other, 'ams'));
    expect(await a.repair()).toBe('repaired');
    expect((await a.report()).announceDigest).toBe(viewFor(s1, 'ams').announceDigest);
    // Restart: a new agent adopts the view from disk; the speaker already matches, so nothing is applied.
    const restarted = agent();
    await restarted.speaker.apply(viewFor(s1, 'ams'));
    await restarted.bindings.apply(viewFor(s1, 'ams'));
    const before = restarted.speaker.applies;
    restarted.a.adopt(viewFor(s1, 'ams'));
    expect(await restarted.a.repair()).toBe('in-sync');
    expect(restarted.speaker.applies).toBe(before);
    expect((await restarted.a.receive(s1)).outcome).toBe('unchanged');
  });
});
