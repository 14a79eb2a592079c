// Fuzzing the BMP decoder, the BMP stream framer and the labeled/VPN NLRI decoder: byte mutation of
// well-formed sessions (Initiation, Peer Up with OPENs from the BGP arbitraries, Route Monitoring of
// generated UPDATEs, Statistics, Peer Down, Termination) and random chunkings of them. Oracle: no exception,
// every problem has an E_BMP_/E_BGP_ code, an action and an offset inside the input; the action is the
// worst problem's; the framer reports the same messages whatever the chunking of a clean stream.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ctxOf, ctxSettingsArb, openArb, updateArb } from '../bgp/arbitraries.case.js';
import { fuzzBudget, fuzzTimeout, mutate, rng } from '../bgp/fuzz.case.js';
import { decodeLabeledNlri } from '../bgp/labeled.js';
import { encodeMessage } from '../bgp/messages.js';
import { ACTION_RANK, type Rfc7606Action } from '../bgp/types.js';
import { BmpDecoder } from './decoder.js';
import {
  encodeInitiation,
  encodePeerDown,
  encodePeerUp,
  encodeRouteMonitoring,
  encodeStatistics,
  encodeTermination,
  textTlv,
} from './encode.js';
import { BmpStreamReader } from './stream.js';

const BUDGET = fuzzBudget();
const seed = Number(process.env.FAILSMALL_FUZZ_SEED ?? 0x5eed);
const counts: Record<string, number> = {};
afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`BMP fuzz: ${total} inputs: ${JSON.stringify(counts)}`);
});

const peerArb = fc.record({
  type: fc.constantFrom(0, 1, 2, 3),
  flags: fc.constantFrom(0, 0x40, 0x20, 0x10, 0x80, 0xc0),
  address: fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })),
  asn: fc.nat(),
  bgpId: fc.uint8Array({ minLength: 4, maxLength: 4 }),
});

/** A whole session as one byte string, plus its messages' count. */
const sessionArb = fc
  .tuple(ctxSettingsArb, peerArb, openArb, openArb)
  .chain(([s, peer, o1, o2]) =>
    fc.tuple(
      fc.constant(peer),
      fc.constant(o1),
      fc.constant(o2),
      fc.array(updateArb(s), { maxLength: 3 }),
      fc.constant(s),
    ),
  )
  .map(([peer, o1, o2, updates, s]) => {
    const ctx = ctxOf(s);
    const msgs = [
      encodeInitiation([textTlv(1, 'fuzz router'), textTlv(2, 'r1')]),
      encodePeerUp(
        peer,
        { address: new Uint8Array(4), port: 179, remotePort: 50000 },
        encodeMessage(o1, ctx),
        encodeMessage(o2, ctx),
      ),
      ...updates.map((u) => encodeRouteMonitoring(peer, encodeMessage(u, ctx))),
      encodeStatistics(peer, [{ type: 7, value: Uint8Array.of(0, 0, 0, 0, 0, 0, 1, 0) }]),
      encodePeerDown(peer, 4),
      encodeTermination([{ type: 1, value: Uint8Array.of(0, 1) }]),
    ];
    return msgs;
  });

function check(buf: Uint8Array, dec: BmpDecoder): void {
  let p = 0;
  while (p < buf.length) {
    const r = dec.decode(buf, p);
    let worst: Rfc7606Action = 'none';
    for (const x of r.problems) {
      if (!/^E_(BMP|BGP)_/.test(x.code) || !x.message || !(x.offset >= 0 && x.offset <= buf.length)) {
        throw new Error(`bad problem ${JSON.stringify(x)} for ${Buffer.from(buf).toString('hex')}`);
      }
      if (ACTION_RANK[x.action] > ACTION_RANK[worst]) worst = x.action;
    }
    if (worst !== r.action) throw new Error(`action ${r.action}, worst ${worst}`);
    if (r.length === 0 || p + r.length > buf.length) break;
    p += r.length;
  }
}

describe('BMP fuzzing', { timeout: fuzzTimeout(BUDGET) }, () => {
  it(`${Math.round(BUDGET * 0.8)} mutated sessions decode without an exception`, () => {
    const per = 50;
    fc.assert(
      fc.property(sessionArb, fc.integer(), (msgs, s) => {
        const rand = rng(s);
        for (let i = 0; i < per; i++) {
          const dec = new BmpDecoder();
          for (const m of msgs) {
            const x = mutate(m, rand);
            // mutate() fixes BGP header lengths at bytes 16-17; BMP lengths sit at 1-4: fix them up likewise.
            if (x.length >= 6 && rand() < 0.8) new DataView(x.buffer, x.byteOffset).setUint32(1, x.length);
            check(x, dec);
            counts.message = (counts.message ?? 0) + 1;
          }
        }
      }),
      { numRuns: Math.max(1, Math.round((BUDGET * 0.8) / per / 6.3)), seed },
    );
  });

  it('the framer yields the same messages for any chunking of a clean stream, and survives garbage', () => {
    fc.assert(
      fc.property(
        sessionArb,
        fc.array(fc.nat(400), { maxLength: 8 }),
        fc.uint8Array({ maxLength: 64 }),
        (msgs, cuts, junk) => {
          const whole = Buffer.concat(msgs);
          const seen: number[] = [];
          const reader = new BmpStreamReader();
          let at = 0;
          for (const c of [...cuts, whole.length]) {
            const end = Math.min(whole.length, at + c);
            reader.push(whole.subarray(at, end), { message: (_b, s, e) => seen.push(e - s) });
            at = end;
          }
          expect(seen).toEqual(msgs.map((m) => m.length));
          const r2 = new BmpStreamReader();
          r2.push(Buffer.concat([junk, whole]), {
            message: () => (counts.framed = (counts.framed ?? 0) + 1),
            problem: () => {},
          });
          r2.end({ message: () => {}, problem: () => {} });
        },
      ),
      { numRuns: 300, seed },
    );
  });

  it(`${Math.round(BUDGET * 0.2)} random labeled/VPN NLRI fields decode without an exception`, () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.constantFrom(1, 2),
        fc.constantFrom(4, 128),
        fc.boolean(),
        fc.boolean(),
        (b, afi, safi, ap, wd) => {
          const r = decodeLabeledNlri(b, afi, safi, ap, wd);
          for (const x of r.problems) if (x.code !== 'E_BGP_LABELED_NLRI') throw new Error(x.code);
          counts.labeled = (counts.labeled ?? 0) + 1;
        },
      ),
      { numRuns: Math.round(BUDGET * 0.2), seed },
    );
  });
});
