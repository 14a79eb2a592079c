import { describe, expect, it } from 'vitest';
import type { Announcement, Binding } from '../snapshot/model.js';
import { EdgeDeviationTracker } from './edge-deviation.js';

const ann = (prefix: string, prepends = 0): Announcement => ({
  prefix,
  account: 'a',
  origin: 64600,
  prepends,
  communities: [],
  locations: '*',
});
const bind = (id: string): Binding => ({ id, account: 'a', prefix: '192.0.2.0/24', service: 's', locations: '*' });

describe('EdgeDeviationTracker', () => {
  const baseline = { announcements: [ann('192.0.2.0/24'), ann('198.51.100.0/24')], bindings: [bind('b1'), bind('b2')] };

  it('counts each prefix once per location over the run, whatever happened to it, and names the worst location', () => {
    const t = new EdgeDeviationTracker(baseline, (p) => p === '8.8.8.0/24');
    t.observe({ location: 'ams', announcements: [ann('192.0.2.0/24')], bindings: [bind('b1')] });
    t.observe({ location: 'ams', announcements: [ann('192.0.2.0/24', 3), ann('198.51.100.0/24')], bindings: [] });
    t.observe({
      location: 'fra',
      announcements: [...baseline.announcements, ann('8.8.8.0/24'), ann('203.0.113.0/24')],
      bindings: baseline.bindings,
    });
    const s = t.summary(new Set(['fra']));
    expect(s.locations.find((l) => l.location === 'ams')).toEqual({
      location: 'ams',
      withdrawn: 1,
      modified: 1,
      announced: 0,
      bindingsRemoved: 2,
      foreign: 0,
      changed: 2,
    });
    expect(s.worstOutsideCanary).toEqual({ location: 'ams', changed: 2 });
    expect(s.worstCanary).toEqual({ location: 'fra', changed: 2 });
    expect([s.bindingsRemovedAnywhere, s.foreignAnywhere]).toEqual([2, 1]);
  });

  it('an edge that holds the baseline exactly deviates by nothing', () => {
    const t = new EdgeDeviationTracker(baseline, () => true);
    t.observe({ location: 'ams', ...baseline });
    expect(t.summary(new Set()).worstOutsideCanary).toEqual({ location: null, changed: 0 });
  });
});
