import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AgentReport } from '../snapshot/agent-report.js';
import { AnnounceHistory, type AnnounceSample, announceSample } from './announce-history.js';

const report = (location: string, node: string, announceCount: number): AgentReport => ({
  agentId: `${location}-${node}`,
  location,
  node,
  appliedSnapshot: 's1',
  announceDigest: null,
  announceCount,
  bindingDigest: null,
  bindingCount: 0,
  state: 'ok',
  detail: null,
  reportedAt: 0,
});
const sample = (at: number, n = at): AnnounceSample => ({ at, configured: n, announced: n, locations: { a: [n, n] } });

describe('announceSample', () => {
  it("a location's announced count is its worst agent's; a silent location counts 0; nothing configured without a snapshot", () => {
    const s = announceSample(5, ['ams', 'cdg', 'sjc'], null, [
      report('ams', '1', 318),
      report('ams', '2', 314),
      report('cdg', '1', 318),
    ]);
    expect(s.locations).toEqual({ ams: [0, 314], cdg: [0, 318], sjc: [0, 0] });
    expect(s.announced).toBe(632);
    expect(s.configured).toBe(0);
  });
});

describe('AnnounceHistory', () => {
  it('keeps the newest `capacity` samples in time order, whatever is added', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 80 }),
        (cap, times) => {
          const h = new AnnounceHistory(cap);
          const kept: number[] = [];
          for (const t of times) {
            h.add(sample(t));
            if (kept.length === 0 || t > (kept.at(-1) as number)) kept.push(t);
          }
          const want = kept.slice(-cap);
          expect(h.samples().map((s) => s.at)).toEqual(want);
          expect(h.series().at).toEqual(want);
          expect(h.size).toBe(want.length);
        },
      ),
    );
  });

  it('series(): columns aligned with time, `since` and a location filter', () => {
    const h = new AnnounceHistory(10);
    h.add({ at: 1, configured: 2, announced: 2, locations: { ams: [1, 1], cdg: [1, 1] } });
    h.add({ at: 2, configured: 2, announced: 1, locations: { ams: [1, 1], cdg: [1, 0] } });
    expect(h.series(2, ['cdg'])).toEqual({
      at: [2],
      configured: [2],
      announced: [1],
      locations: { cdg: { configured: [1], announced: [0] } },
    });
    expect(() => new AnnounceHistory(0)).toThrow(RangeError);
  });
});
