// Fuzz targets for MRT records: byte mutation of real and written records, and structure-aware generation
// (fast-check) of records whose fields are plausible but whose lengths, counts and attribute bytes lie.
// Every input goes through the whole read path: the streaming reader (cut into random chunks), the strict
// decoder (MrtDecoder), the stats (which run the BGP codec on BGP4MP messages) and the bgpdump formatter in
// -m and -M. No exception may escape; a record the reader hands out is either decoded or reported as damage.
// FAILSMALL_FUZZ_RUNS sets the number of inputs (default 1,000,000; the BGP codec's fuzzers run their own).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { xorshift32 } from '../../lib/random.js';
import { corpusPath } from '../../testing/env.js';
import { fuzzBudget, fuzzTimeout } from '../bgp/fuzz.case.js';
import { BgpdumpFormatter } from './bgpdump-format.js';
import { type MrtDamage, type MrtRawRecord, MrtStreamReader } from './reader.js';
import { MrtDecoder } from './records.js';
import { attr, cat, nlri, readAll, sampleDump, update, variantsDump } from './sample.case.js';
import { MrtStats } from './stats.js';
import { frameRecord } from './writer.js';

const BUDGET = fuzzBudget();
const counts: Record<string, number> = {};

afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = Object.entries(counts)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  console.log(`MRT fuzz: ${total} inputs (FAILSMALL_FUZZ_RUNS=${BUDGET}): ${parts}`);
});

// Consumers that keep no per-input state worth resetting are shared by all inputs (they are built once:
// allocating output buffers per input would dominate the run time).
const stats = new MrtStats();
const fmtM = new BgpdumpFormatter(() => {}, { chunkSize: 4096, warn: () => {} });
const fmtH = new BgpdumpFormatter(() => {}, { chunkSize: 4096, human: true });

/** One input through every consumer (a fresh reader and decoder); returns records + damage seen. */
function exercise(bytes: Uint8Array, rand: () => number): number {
  const reader = new MrtStreamReader({ maxRecordLength: 1 << 20 });
  const decoder = new MrtDecoder();
  let seen = 0;
  const sink = {
    record: (r: MrtRawRecord) => {
      seen++;
      const d = decoder.decode(r);
      if (!d.ok && !d.damage.code.startsWith('E_MRT_')) throw new Error(`unexpected code ${d.damage.code}`);
      stats.record(r);
      fmtM.record(r);
      fmtH.record(r);
    },
    damage: (d: MrtDamage) => {
      seen++;
      stats.damage(d);
      if (!d.code.startsWith('E_MRT_')) throw new Error(`unexpected code ${d.code}`);
    },
  };
  // one, two or three chunks
  const cut1 = rand() % (bytes.length + 1);
  const cut2 = cut1 + (rand() % (bytes.length - cut1 + 1));
  reader.push(bytes.subarray(0, cut1), sink);
  reader.push(bytes.subarray(cut1, cut2), sink);
  reader.push(bytes.subarray(cut2), sink);
  reader.end(sink);
  fmtM.flush();
  fmtH.flush();
  return seen;
}

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  let b: Uint8Array = src.slice();
  const edits = 1 + (rand() % 4);
  for (let i = 0; i < edits; i++) {
    const op = rand() % 6;
    const at = b.length ? rand() % b.length : 0;
    if (op <= 1 && b.length) b[at] = rand() & 255;
    else if (op === 2 && b.length) b[at] = b[at]! ^ (1 << (rand() % 8));
    else if (op === 3) b = b.subarray(0, at);
    else if (op === 4) {
      const ins = new Uint8Array(1 + (rand() % 8)).map(() => rand() & 255);
      b = cat(b.subarray(0, at), ins, b.subarray(at));
    } else if (b.length > 1) {
      // a length-ish field: a 16-bit value at a random even offset set to an extreme
      const v = [0, 1, 0xff, 0xffff, rand() & 0xffff][rand() % 5]!;
      b[at] = v >> 8;
      if (at + 1 < b.length) b[at + 1] = v & 255;
    }
  }
  return b;
}

/** Seed records: our written ones, and the first records of corpus dumps when the corpus is there. */
function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const dump of [sampleDump(), variantsDump()]) {
    for (const r of readAll(dump).records)
      out.push(dump.slice(r.offset, r.offset + (r.extended ? 16 : 12) + r.end - r.start));
  }
  const files = [
    ['bgpdump', 'test_data', 'updates.20160811.1600.gz'],
    ['bgpdump', 'test_data', 'bview.ipv6_unicast_add_path.gz'],
    ['bgpdump', 'test_data', 'bview.64k_stream_overflow.gz'],
    ['bgpdump', 'test_data', 'updates.20020722.2238.gz'],
    ['mrtparse', 'samples', 'openbgpd_rib_table-v2'],
    ['mrtparse', 'samples', 'bird6_bgp'],
  ];
  for (const f of files) {
    const p = corpusPath('mrt', ...f);
    if (!p) continue;
    const raw = readFileSync(p);
    const bytes = p.endsWith('.gz') ? gunzipSync(raw) : raw;
    const { records } = readAll(bytes);
    // a PEER_INDEX_TABLE first so that RIB records have peers, then up to 60 records
    for (const r of records.slice(0, 60)) {
      out.push(bytes.slice(r.offset, r.offset + (r.extended ? 16 : 12) + r.end - r.start));
    }
  }
  return out;
}

describe('MRT fuzzing', { timeout: fuzzTimeout(BUDGET) }, () => {
  const seedList = seeds();
  const table = seedList[0]!; // sampleDump's PEER_INDEX_TABLE

  it(`byte mutation: ${Math.round(BUDGET * 0.7)} mutated records read without an exception`, () => {
    const n = Math.round(BUDGET * 0.7);
    const rand = xorshift32(0x5eed);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const s = seedList[rand() % seedList.length]!;
      // half the time behind a valid peer table, so RIB mutants reach the entry parsing
      const input = rand() & 1 ? cat(table, mutate(s, rand)) : mutate(s, rand);
      total += exercise(input, rand);
    }
    counts['byte-mutation'] = n;
    expect(total).toBeGreaterThan(n / 2);
  });

  const attrArb = fc
    .tuple(
      fc.constantFrom(0x40, 0x50, 0x80, 0xc0, 0xe0, 0x00),
      fc.integer({ min: 0, max: 40 }),
      fc.uint8Array({ maxLength: 24 }),
    )
    .map(([flags, type, v]) => attr(type, v, flags));
  const pathArb = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.array(fc.nat({ max: 0xffffffff }), { maxLength: 6 })), {
      maxLength: 3,
    })
    .map((segs) => {
      const bytes: number[] = [];
      for (const [t, asns] of segs) {
        bytes.push(t, asns.length);
        for (const a of asns) bytes.push(a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255);
      }
      return attr(2, Uint8Array.from(bytes));
    });
  const prefixesArb = fc.array(
    fc
      .tuple(fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 17 }))
      .map(([len, b]) => cat(Uint8Array.of(len), b)),
    { maxLength: 4 },
  );
  const attrsArb = fc.array(fc.oneof(attrArb, pathArb), { maxLength: 8 }).map((a) => cat(...a));
  const lie = fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined });
  const updateArb = fc.tuple(prefixesArb, attrsArb, prefixesArb, lie).map(([w, a, n, len]) => {
    const u = update(cat(...w), a, cat(...n));
    if (len !== undefined) {
      u[16] = len >> 8;
      u[17] = len & 255;
    }
    return u;
  });
  const header = (afi: number) => (afi === 2 ? new Uint8Array(32).fill(0x20) : Uint8Array.of(10, 0, 0, 1, 10, 0, 0, 2));
  const bgp4mpArb = fc
    .tuple(
      fc.constantFrom(16, 17),
      fc.integer({ min: 0, max: 12 }),
      fc.constantFrom(1, 2, 0xffff, 7),
      updateArb,
      fc.boolean(),
    )
    .map(([type, subtype, afi, msg, as4]) => {
      const as = as4 ? Uint8Array.of(0, 0, 0xfd, 0xe8, 0, 1, 0, 0) : Uint8Array.of(0xfd, 0xe8, 0xfd, 0xe9);
      return frameRecord(
        type,
        subtype,
        { timestamp: 1, microseconds: 5 },
        cat(as, Uint8Array.of(0, 0, afi >> 8, afi & 255), header(afi), msg),
      );
    });
  const ribArb = fc
    .tuple(
      fc.integer({ min: 1, max: 12 }),
      fc.integer({ min: 0, max: 255 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), attrsArb, lie), { maxLength: 4 }),
      lie,
    )
    .map(([subtype, plen, entries, count]) => {
      const body: Uint8Array[] = [Uint8Array.of(0, 0, 0, 1, plen), new Uint8Array((plen + 7) >> 3).fill(0x11)];
      const n = count ?? entries.length;
      body.push(Uint8Array.of(n >> 8, n & 255));
      for (const [peer, a, alen] of entries) {
        const l = alen ?? a.length;
        body.push(Uint8Array.of(0, peer, 0, 0, 0, 1));
        if (subtype >= 8) body.push(Uint8Array.of(0, 0, 0, 9));
        body.push(Uint8Array.of(l >> 8, l & 255), a);
      }
      return cat(table, frameRecord(13, subtype, { timestamp: 2 }, cat(...body)));
    });
  const tableDumpArb = fc
    .tuple(fc.integer({ min: 0, max: 5 }), attrsArb, fc.integer({ min: 0, max: 255 }))
    .map(([subtype, a, mask]) => {
      const v6 = subtype === 2 || subtype === 4;
      const addr = new Uint8Array(v6 ? 16 : 4).fill(3);
      const as = subtype >= 3 ? Uint8Array.of(0, 1, 0, 0) : Uint8Array.of(1, 0);
      return frameRecord(
        12,
        subtype,
        { timestamp: 3 },
        cat(
          Uint8Array.of(0, 0, 0, 1),
          addr,
          Uint8Array.of(mask, 1, 0, 0, 0, 4),
          addr,
          as,
          Uint8Array.of(a.length >> 8, a.length & 255),
          a,
        ),
      );
    });
  const stateArb = fc
    .tuple(fc.constantFrom(16, 17), fc.constantFrom(0, 5), fc.uint8Array({ maxLength: 60 }))
    .map(([type, subtype, body]) => frameRecord(type, subtype, { timestamp: 4, microseconds: 1 }, body));
  const recordArb = fc.oneof(bgp4mpArb, ribArb, tableDumpArb, stateArb, nlriOnly());

  function nlriOnly() {
    return fc
      .tuple(fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }))
      .map(() =>
        cat(
          table,
          frameRecord(
            16,
            4,
            { timestamp: 9 },
            cat(
              Uint8Array.of(0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1),
              header(1),
              update(nlri(['10.0.0.0/8']), new Uint8Array(0), new Uint8Array(0)),
            ),
          ),
        ),
      );
  }

  // Each generated input is read as is and in VARIANTS - 1 variants (cut short, or one byte changed), which
  // costs far less than generating a new one.
  const VARIANTS = 10;
  it(`structure-aware: ${Math.round(BUDGET * 0.3)} generated records read without an exception`, () => {
    const n = Math.round((BUDGET * 0.3) / VARIANTS);
    const rand = xorshift32(0xc0ffee);
    let runs = 0;
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 3 }), (recs) => {
        const input = cat(...recs);
        exercise(input, rand);
        runs++;
        for (let v = 1; v < VARIANTS; v++) {
          const variant = rand() & 1 ? input.subarray(0, rand() % (input.length + 1)) : input.slice();
          if (variant.length && variant.buffer !== input.buffer) variant[rand() % variant.length] = rand() & 255;
          exercise(variant, rand);
          runs++;
        }
      }),
      { numRuns: n, seed: 42 },
    );
    counts['structure-aware'] = runs;
    expect(runs).toBe(n * VARIANTS);
  });
});
