// System test: the BIRD 2 driver against real BIRD peering eBGP with real FRR in network namespaces.
// The upstream FRR is the oracle: what it holds is what BIRD exported.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../lab/exec.js';
import { type Lab, startLab } from '../lab/lab.js';
import { makeContent, seal } from '../snapshot/compile.js';
import { withWithdrawAllMark } from '../snapshot/compose.js';
import type { Announcement } from '../snapshot/model.js';
import { viewFor } from '../snapshot/view.js';
import { commandMissing, describeIfAvailable } from '../testing/env.js';
import { BIRD_MAX_INPUT_BYTES, BirdControl, BirdError } from './bird-control.js';
import { BirdSpeaker, type SessionState, sameSession } from './bird-speaker.js';

const missing =
  process.getuid?.() !== 0
    ? 'root (network namespaces)'
    : (commandMissing('bird') ?? commandMissing('vtysh') ?? (commandMissing('ip') as string | null));

const ann = (prefix: string, extra: Partial<Announcement> = {}): Announcement => ({
  prefix,
  account: 'acct-1',
  origin: 64600,
  prepends: 0,
  communities: [],
  locations: '*',
  ...extra,
});
let n = 0;
const snap = (a: Announcement[], mark = false) => {
  const c = makeContent(a, [], null);
  return seal(mark ? withWithdrawAllMark(c, { approvalId: 'ap-1', approvedBy: 'test', reason: 'test' }) : c, {
    number: ++n,
    parent: null,
    createdAt: '',
    origin: 'compile',
    reason: 'test',
  });
};

describeIfAvailable('BIRD 2 driver against FRR (system)', missing, () => {
  let lab: Lab;
  let speaker: BirdSpeaker;
  beforeAll(async () => {
    // FAILSMALL_AGENT_TEST_LAB: another lab name, for a run beside another one of this test
    lab = await startLab({ name: process.env.FAILSMALL_AGENT_TEST_LAB ?? 'fsl13d', locations: ['lab1'], fib: false });
    const e = lab.edges[0] as Lab['edges'][number];
    speaker = new BirdSpeaker({
      socket: e.birdSocket,
      includePath: e.includePath,
      localAs: lab.edgeAs,
      upstreams: [e.session],
      confirmTimeoutS: 5,
    });
  }, 90_000);
  afterAll(async () => {
    speaker?.close();
    await lab?.stop();
  });

  const upstreamHolds = (want: string[]) =>
    waitFor(`upstream to hold ${want.join(' ')}`, 10_000, async () => {
      const got = [...(await lab.upstreamRoutes()).keys()].sort();
      return JSON.stringify(got) === JSON.stringify(want) ? got : undefined;
    });

  const s1 = snap([
    ann('198.18.1.0/24', { communities: ['65010:100', '65010:7:1'] }),
    ann('198.18.2.0/24', { prepends: 2 }),
    ann('198.18.3.0/24', { origin: 65010, prepends: 1 }),
  ]);

  it('applies a view: the upstream holds exactly its routes, with prepends and (large) communities', async () => {
    const v = viewFor(s1, 'lab1');
    await speaker.apply(v);
    expect(await speaker.announced()).toEqual({ digest: v.announceDigest, count: 3 });
    await upstreamHolds(['198.18.1.0/24', '198.18.2.0/24', '198.18.3.0/24']);
    const j = JSON.parse(await lab.vtysh('show bgp ipv4 unicast 198.18.2.0/24 json')) as {
      paths: { aspath: { string: string } }[];
    };
    expect(j.paths[0]?.aspath.string).toBe('65010 64600 64600 64600');
    const c = JSON.parse(await lab.vtysh('show bgp ipv4 unicast 198.18.1.0/24 json')) as {
      paths: { community?: { string: string }; largeCommunity?: { string: string } }[];
    };
    expect(c.paths[0]?.community?.string).toBe('65010:100');
    expect(c.paths[0]?.largeCommunity?.string).toBe('65010:7:1');
    const own = JSON.parse(await lab.vtysh('show bgp ipv4 unicast 198.18.3.0/24 json')) as {
      paths: { aspath: { string: string } }[];
    };
    expect(own.paths[0]?.aspath.string).toBe('65010 65010');
  });

  it('applies a diff without resetting the BGP session (uptimes on both sides)', async () => {
    const before = await speaker.sessions();
    const peersBefore = await lab.upstreamPeers();
    const s2 = snap([ann('198.18.1.0/24', { communities: ['65010:200'] }), ann('198.18.4.0/24')]);
    await speaker.apply(viewFor(s2, 'lab1'));
    await upstreamHolds(['198.18.1.0/24', '198.18.4.0/24']);
    const unchanged = (now: SessionState[]) =>
      now.length === before.length && now.every((x, i) => sameSession(x, before[i] as SessionState));
    expect(unchanged(await speaker.sessions())).toBe(true);
    const peersAfter = await lab.upstreamPeers();
    const a = lab.edges[0]?.address as string;
    expect(peersAfter[a]?.connectionsEstablished).toBe(peersBefore[a]?.connectionsEstablished);
    expect(peersAfter[a]?.peerUptimeMsec).toBeGreaterThanOrEqual(peersBefore[a]?.peerUptimeMsec ?? 0);
    // Idempotent: applying the same view again changes nothing.
    await speaker.apply(viewFor(s2, 'lab1'));
    expect(unchanged(await speaker.sessions())).toBe(true);
  });

  it('detects a hand edit (drift) through the read-back and repairs it', async () => {
    const s3 = snap([ann('198.18.5.0/24'), ann('198.18.6.0/24')]);
    const v = viewFor(s3, 'lab1');
    await speaker.apply(v);
    const e = lab.edges[0] as Lab['edges'][number];
    appendFileSync(e.includePath, 'protocol static handedit { ipv4; route 198.18.99.0/24 unreachable; }\n');
    await lab.exec(e.ns, 'birdc', ['-s', e.birdSocket, 'configure']);
    // The hand-added protocol is not exported (the filter takes only ours); a hand-added route in ours is.
    const text = readFileSync(e.includePath, 'utf8');
    writeFileSync(e.includePath, text.replace('route 198.18.6.0/24 ', 'route 198.18.7.0/24 '));
    await lab.exec(e.ns, 'birdc', ['-s', e.birdSocket, 'configure']);
    await waitFor('drift to show in the read-back', 5000, async () =>
      (await speaker.announced()).digest !== v.announceDigest ? true : undefined,
    );
    await speaker.apply(v);
    expect((await speaker.announced()).digest).toBe(v.announceDigest);
    await upstreamHolds(['198.18.5.0/24', '198.18.6.0/24']);
  });

  it('refuses an unmarked withdraw-all and applies a marked one', async () => {
    await expect(speaker.apply(viewFor(snap([]), 'lab1'))).rejects.toThrow(/withdraw-all mark/);
    expect((await speaker.announced()).count).toBe(2);
    await speaker.apply(viewFor(snap([], true), 'lab1'));
    expect((await speaker.announced()).count).toBe(0);
    await upstreamHolds([]);
  });

  it('a batch of pipelined queries is answered in order, errors in place; an over-long batch is refused unsent', async () => {
    const c = new BirdControl((lab.edges[0] as Lab['edges'][number]).birdSocket);
    try {
      const cmds = Array.from({ length: 30 }, (_, i) =>
        i % 3 === 2 ? 'show route 203.0.113.0/24 all' : 'show status',
      );
      expect(cmds.join('\n').length).toBeLessThan(BIRD_MAX_INPUT_BYTES);
      const replies = await c.batch(cmds);
      expect(replies.map((r) => r instanceof BirdError)).toEqual(cmds.map((_, i) => i % 3 === 2));
      for (const r of replies.filter((x) => !(x instanceof BirdError)))
        expect((r as { lines: { text: string }[] }).lines.some((l) => /^BIRD /.test(l.text))).toBe(true);
      await expect(c.batch(Array.from({ length: 100 }, () => 'show status'))).rejects.toThrow(/more than BIRD reads/);
      // the connection is still good after the refused batch (nothing was written)
      expect((await c.command('show status')).code).toBe(13);
    } finally {
      c.close();
    }
  });

  it('a diff of many routes is read back incrementally, in batches, and confirmed', async () => {
    // 300 routes (240/4 never leaves the lab's namespaces); then half of them change their community
    const at = (i: number) => `240.${1 + (i >> 8)}.${i & 255}.0/24`;
    const base = snap(Array.from({ length: 300 }, (_, i) => ann(at(i))));
    await speaker.apply(viewFor(base, 'lab1'));
    const next = snap(Array.from({ length: 300 }, (_, i) => ann(at(i), { communities: i % 2 ? ['65010:300'] : [] })));
    const logged: Record<string, unknown>[] = [];
    const probe = new BirdSpeaker({
      socket: (lab.edges[0] as Lab['edges'][number]).birdSocket,
      includePath: (lab.edges[0] as Lab['edges'][number]).includePath,
      localAs: lab.edgeAs,
      upstreams: [(lab.edges[0] as Lab['edges'][number]).session],
      confirmTimeoutS: 5,
      log: (event, d) => event === 'confirmed' && logged.push(d),
    });
    try {
      await probe.apply(viewFor(base, 'lab1')); // confirmed: the next apply may read back incrementally
      await probe.apply(viewFor(next, 'lab1'));
      expect(logged.at(-1)?.readBack).toBe('incremental (150 changed)');
      await waitFor('upstream to hold the 300 routes', 10_000, async () => (await lab.upstreamRoutes()).size === 300);
    } finally {
      probe.close();
    }
  });

  it('a configuration BIRD refuses is put back and reported', async () => {
    const bad = snap([ann('198.18.8.0/24', { communities: ['65010:99999999'] })]);
    await expect(speaker.apply(viewFor(bad, 'lab1'))).rejects.toThrow(/bird: configure check/);
  });
});

describe('sameSession (pure)', () => {
  const s = (since: string, state = 'up'): SessionState => ({ name: 'up1', state, since, info: 'Established' });
  it('takes "since" a few ms apart as the same session, a second or more apart (or another state) as a reset', () => {
    expect(sameSession(s('03:41:37.631'), s('03:41:37.614'))).toBe(true);
    expect(sameSession(s('03:41:37.631'), s('03:41:38.700'))).toBe(false);
    expect(sameSession(s('03:41:37.631'), s('03:41:37.631', 'start'))).toBe(false);
    expect(sameSession(s('03:41:37'), s('03:41:37.400'))).toBe(true);
    // a form that is not a time of day (BIRD prints a date for older changes) must match exactly
    expect(sameSession(s('2026-12-01'), s('2026-12-01'))).toBe(true);
    expect(sameSession(s('2026-12-01'), s('2026-12-02'))).toBe(false);
  });
});
