// The monitor inside serve follows the Addressing API's desired state while it runs: a BGP prefix created
// and advertised is watched from the next read on (its hijack raises an alert), one withdrawn is no longer
// watched (its open alerts resolve), and an unchanged state changes nothing. Real AddressingService over
// in-memory PGlite; the monitor's routes are fed as a session would feed them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../addressing/model.js';
import { type Fixture, makeFixture } from '../api/fixture.case.js';
import { parsePrefix } from '../lib/prefix.js';
import type { AlertRecord } from '../monitor/alerts.js';
import { attachMonitor } from './monitor-serve.js';

let f: Fixture;
let dir: string;
beforeAll(async () => {
  f = await makeFixture();
  dir = mkdtempSync(join(tmpdir(), 'fs-monitor-serve-'));
}, 120_000);
afterAll(async () => {
  await f.close();
  rmSync(dir, { recursive: true, force: true });
});

const seq = (...asns: number[]) => [{ type: 2 as const, asns }];

describe('serve: the watch list follows the desired state', () => {
  it('created → watched, withdrawn → no longer watched, unchanged → nothing', async () => {
    const writer: Actor = {
      kind: 'cli',
      id: 'cli:monitor-serve-test',
      account_id: f.accountA,
      scopes: ['addressing:write'],
      request_id: 'monitor-serve-test',
    };
    const advertise = async (cidr: string, asn: number) => {
      const p = await f.service.prefixes.create(writer, f.accountA, { cidr, asn });
      await f.service.prefixes.validate(writer, f.accountA, p.id);
      const b = await f.service.bgp.create(writer, f.accountA, p.id, cidr);
      await f.service.bgp.edit(writer, f.accountA, p.id, b.id, { on_demand: { advertised: true } });
      return { prefixId: p.id, bgpId: b.id };
    };
    const first = await advertise('198.51.100.0/24', 64500);
    const config = join(dir, 'monitor.yml');
    writeFileSync(config, 'asns: [64500]\nvisibility: { min_peers_fraction: 0.8, fade_off_s: 0 }\n');
    const alerts: AlertRecord[] = [];
    const cp = {
      service: f.service,
      app: { log: { info: (o: { alert?: AlertRecord }) => void (o.alert && alerts.push(o.alert)) } },
    };
    const am = await attachMonitor(cp, config, { registry: new Registry(), watchEveryMs: 3_600_000 });
    try {
      const m = am.service.monitor;
      const t = Date.parse('2026-12-01T12:00:00Z');
      expect(m.visibility(parsePrefix('198.51.100.0/24'))).toEqual({ now: 0, seen: 0 });
      expect(m.visibility(parsePrefix('203.0.113.0/24'))).toBeUndefined();
      const peer = m.peer('bgp:192.0.2.1 AS64510', 64510);
      m.announce(peer, parsePrefix('198.51.100.0/24'), seq(64510, 64500), undefined, t);
      m.announce(peer, parsePrefix('203.0.113.0/24'), seq(64510, 64666), undefined, t);
      expect(alerts).toEqual([]); // 203.0.113.0/24 is nobody's yet
      expect(await am.refreshWatch()).toBe(false);

      // Created and advertised in the API: watched from the next read on.
      await advertise('203.0.113.0/24', 64501);
      expect(await am.refreshWatch()).toBe(true);
      expect(m.visibility(parsePrefix('203.0.113.0/24'))).toEqual({ now: 0, seen: 0 });
      m.announce(peer, parsePrefix('203.0.113.0/24'), seq(64510, 64666), undefined, t + 1000);
      expect(alerts.map((a) => [a.rule, a.prefix, a.origin_as, a.resolved ?? false])).toEqual([
        ['origin-hijack', '203.0.113.0/24', 64666, false],
      ]);
      // The first prefix was visible and then lost: its visibility alert is open.
      m.withdraw(peer, parsePrefix('198.51.100.0/24'), t + 2000);
      expect(alerts.at(-1)).toMatchObject({ rule: 'visibility-loss', prefix: '198.51.100.0/24' });

      // Withdrawn in the API (advertised off): no longer watched; its open alert resolves and says why.
      await f.service.bgp.edit(writer, f.accountA, first.prefixId, first.bgpId, { on_demand: { advertised: false } });
      expect(await am.refreshWatch()).toBe(true);
      expect(m.visibility(parsePrefix('198.51.100.0/24'))).toBeUndefined();
      expect(alerts.at(-1)).toMatchObject({
        rule: 'visibility-loss',
        prefix: '198.51.100.0/24',
        resolved: true,
        message: '198.51.100.0/24: no longer watched',
      });
      // The hijack of the prefix still watched stays open, and a route of the other is judged no more.
      expect(m.alerts.isOpen('origin-hijack|203.0.113.0/24|64666')).toBe(true);
      const before = alerts.length;
      m.announce(peer, parsePrefix('198.51.100.0/24'), seq(64510, 64666), undefined, t + 3000);
      expect(alerts.length).toBe(before);
      expect(await am.refreshWatch()).toBe(false);
    } finally {
      await am.stop();
    }
  }, 120_000);
});
