// The 22 January 2026 leak, seen from outside, replayed through `failsmall monitor --replay`: an MRT update
// stream of our ASN (AS13335) re-advertising foreign IPv6 /48s of AS32934 toward a transit provider
// (AS3356: learned from a peer, RFC 7908 type 4) and toward a peer (AS6939: learned from a provider,
// type 3), amid 15 minutes of real background churn (RouteViews updates of 11 August 2016 from the corpus,
// moved to the incident's evening). The revert at 20:50 withdraws them. Expected: exactly two own-leak
// alerts with types 4 and 3, each resolved once ("leak over"), and nothing on the background.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { parseAddress } from '../lib/prefix.js';
import { announce, withdraw } from '../monitor/routes.case.js';
import { runCli } from '../testing/cli.js';
import { describeCorpus } from '../testing/env.js';
import { MrtStreamReader } from '../wire/mrt/reader.js';
import { concatRecords, encodeBgp4mpMessage } from '../wire/mrt/writer.js';
import { register } from './cli-monitor.js';

const INCIDENT_START = Date.UTC(2026, 0, 22, 20, 20) / 1000; // background starts five minutes before the leak
const LEAK_AT = Date.UTC(2026, 0, 22, 20, 25) / 1000;
const REVERT_AT = Date.UTC(2026, 0, 22, 20, 50) / 1000;

const PREFIXES_YML = `
2606:4700::/32:
  description: our anycast space
  asn: 13335
  ignoreMorespecifics: false
104.16.0.0/13:
  description: our anycast space (IPv4)
  asn: 13335
  ignoreMorespecifics: false
`;

// AS3356 and AS174 are transit providers of AS13335; AS6939 and AS32934 are its peers; AS32934 peers with AS174.
const AS_REL = '3356|13335|-1\n174|13335|-1\n13335|6939|0\n13335|32934|0\n174|32934|0\n';

function leakRecord(peerAs: number, peerIp: string, msg: Uint8Array, t: number): Uint8Array {
  return encodeBgp4mpMessage(
    {
      peerAs,
      localAs: 6447,
      ifIndex: 0,
      afi: 2,
      peerAddress: parseAddress(peerIp).addr,
      localAddress: parseAddress('2001:db8:ffff::1').addr,
      as4: true,
      local: false,
      addPath: false,
      message: msg,
    },
    { timestamp: t },
  );
}

describeCorpus(
  'replay: the 22 January 2026 leak',
  ['mrt', 'bgpdump', 'test_data', 'updates.20160811.1600.gz'],
  (file) => {
    it('raises own-leak types 4 and 3 for the leaked /48s, resolves them at the revert, and nothing else', async () => {
      // Background: every record of the corpus file, its timestamps moved to the incident's evening.
      const background: Uint8Array[] = [];
      let first = -1;
      new MrtStreamReader().push(gunzipSync(readFileSync(file)), {
        record: (r) => {
          const rec = r.buf.slice(r.start - (r.extended ? 16 : 12), r.end);
          if (first < 0) first = r.timestamp;
          new DataView(rec.buffer).setUint32(0, r.timestamp - first + INCIDENT_START);
          background.push(rec);
        },
        damage: () => {},
      });
      expect(background.length).toBeGreaterThan(15_000);
      const leakToProvider = leakRecord(
        3356,
        '2001:db8:3356::1',
        announce(['2a03:2880:f10c::/48'], [3356, 13335, 32934]),
        LEAK_AT,
      );
      const leakToPeer = leakRecord(
        6939,
        '2001:db8:6939::1',
        announce(['2a03:2880:f20c::/48'], [6939, 13335, 174, 32934]),
        LEAK_AT + 30,
      );
      const revert1 = leakRecord(3356, '2001:db8:3356::1', withdraw(['2a03:2880:f10c::/48']), REVERT_AT);
      const revert2 = leakRecord(6939, '2001:db8:6939::1', withdraw(['2a03:2880:f20c::/48']), REVERT_AT);
      // Interleave: the leak lands in the middle of the churn, in time order.
      const at = (t: number) => background.findIndex((b) => new DataView(b.buffer).getUint32(0) >= t);
      const i1 = at(LEAK_AT) < 0 ? background.length : at(LEAK_AT);
      const stream = [
        ...background.slice(0, i1),
        leakToProvider,
        leakToPeer,
        ...background.slice(i1),
        revert1,
        revert2,
      ];
      const dir = mkdtempSync(join(tmpdir(), 'fsm-22jan-'));
      writeFileSync(join(dir, 'leak.mrt'), concatRecords(stream));
      writeFileSync(join(dir, 'prefixes.yml'), PREFIXES_YML);
      writeFileSync(join(dir, 'as-rel.txt'), AS_REL);
      writeFileSync(
        join(dir, 'monitor.yml'),
        'asns: [13335]\nprefixes: prefixes.yml\nrelationships: as-rel.txt\nvisibility: { min_peers_fraction: 0.8, fade_off_s: 60 }\n',
      );
      const run = await runCli(register, [
        'monitor',
        '--config',
        join(dir, 'monitor.yml'),
        '--replay',
        join(dir, 'leak.mrt'),
        '--alerts',
        join(dir, 'alerts.jsonl'),
      ]);
      expect(run.err).toBe('');
      expect(run.code).toBe(0);
      const lines = run.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(readFileSync(join(dir, 'alerts.jsonl'), 'utf8')).toBe(run.out);
      rmSync(dir, { recursive: true, force: true });
      expect(lines.map((l) => [l.rule, l.prefix, l.rfc7908_type, l.resolved ?? false])).toEqual([
        ['own-leak', '2a03:2880:f10c::/48', 4, false],
        ['own-leak', '2a03:2880:f20c::/48', 3, false],
        ['own-leak', '2a03:2880:f10c::/48', 4, true],
        ['own-leak', '2a03:2880:f20c::/48', 3, true],
      ]);
      expect(lines[0]).toMatchObject({
        time: '2026-01-22T20:25:00.000Z',
        origin_as: 32934,
        peers: ['mrt:2001:db8:3356::1 AS3356'],
        paths: [[3356, 13335, 32934]],
      });
      expect(lines[1].paths).toEqual([[6939, 13335, 174, 32934]]);
      expect(lines[2].time).toBe('2026-01-22T20:50:00.000Z');
      for (const l of lines)
        expect(Object.keys(l)).toEqual(
          expect.arrayContaining(['time', 'rule', 'prefix', 'origin_as', 'peers', 'paths', 'message']),
        );
    });
  },
);
