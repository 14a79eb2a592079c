// System test: our RFC 6811 answers equal rtrlib's (Debian rtr-tools, `rpki-rov`) on the 424,223 VRPs of
// the rpki-client file, fed to it over RPKI-to-Router by the PDUs of rtr.ts.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { type PeerRoute, rpkiRovPeer } from '../../bench/rtrlib-peer.js';
import { prefix4, prefixFromBytes } from '../lib/prefix.js';
import { commandMissing, corpusPath, describeIfAvailable } from '../testing/env.js';
import { VrpIndex } from './rov.js';
import { parseRpki } from './rpki-load.js';

const file = corpusPath('rpki', 'rpki-client', 'tests', 'inputs', 'outputs', 'json.gz');
const missing =
  commandMissing('rpki-rov') ?? (file ? null : 'corpus rpki/rpki-client/tests/inputs/outputs/json.gz is absent');

describeIfAvailable('ROV agrees with rtrlib (rpki-rov over RTR)', missing, () => {
  it('gives the same state for routes valid, invalid (wrong origin, too specific) and not found', async () => {
    const data = parseRpki(gunzipSync(readFileSync(file!)));
    const index = new VrpIndex(data.vrps);
    const routes: PeerRoute[] = [];
    // Every 8th VRP: its own prefix with its AS and with another AS, and a more specific prefix.
    for (let i = 0; i < index.vrps.length; i += 8) {
      const v = index.vrps[i]!;
      routes.push({ prefix: v.prefix, origin: v.asn || 64496 }, { prefix: v.prefix, origin: v.asn + 1 });
      const max = v.prefix.family === 4 ? 32 : 128;
      if (v.prefix.len < max) {
        routes.push({
          prefix: prefixFromBytes(v.prefix.family, v.prefix.addr, v.prefix.len + 1),
          origin: v.asn || 64496,
        });
      }
    }
    // Random IPv4 routes with origins drawn from the VRPs (mostly not found, some covered).
    const asns = index.vrps.slice(0, 1000).map((v) => v.asn);
    for (const [addr, len, k] of fc.sample(
      fc.tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 8, max: 32 }), fc.nat({ max: 999 })),
      { numRuns: 20000, seed: 6811 },
    )) {
      routes.push({ prefix: prefix4(addr, len), origin: asns[k]! || 64496 });
    }
    const peer = await rpkiRovPeer(index.vrps, routes);
    const ours = routes.map((r) => index.validate(r.prefix, r.origin));
    // All three states occur, so the comparison means something.
    expect([...new Set(ours)].sort()).toEqual(['invalid', 'not-found', 'valid']);
    const disagree = routes.flatMap((r, i) =>
      peer.states[i] !== ours[i] ? [{ r, ours: ours[i], rtrlib: peer.states[i] }] : [],
    );
    expect(disagree.slice(0, 5)).toEqual([]);
    expect(peer.states.length).toBe(routes.length);
  }, 180_000);
});
