// Fuzz targets for UPDATE and OPEN: byte mutation of well-formed messages and grammar-based (structure-
// aware) generation with lying lengths. Every input goes through checkDecode (no exception; action = worst
// problem; clean decodes re-encode byte for byte). FAILSMALL_FUZZ_RUNS sets the total number of inputs.
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { ctxOf, ctxSettingsArb, openArb, updateArb } from './arbitraries.case.js';
import { checkDecode, fuzzBudget, fuzzTimeout, mutate, openGrammarArb, rng, updateGrammarArb } from './fuzz.case.js';
import { encodeMessage } from './messages.js';
import type { BgpMessage, MessageResult } from './types.js';

const budget = fuzzBudget();
// A fixed seed keeps CI reproducible: a failure there is the same failure on a laptop. For new ground,
// FAILSMALL_FUZZ_SEED=<n> (fast-check prints the seed and path of any counterexample).
const seed = Number(process.env.FAILSMALL_FUZZ_SEED ?? 0x5eed);
const MUTANTS = 100;
const VARIANTS = 100;
const counts: Record<string, number> = {};
const clean: Record<string, number> = {};

/** Counts an input of a target, and whether it decoded without problems (then it also round-tripped). */
function count(target: string, r: MessageResult): void {
  counts[target] = (counts[target] ?? 0) + 1;
  if (r.action === 'none') clean[target] = (clean[target] ?? 0) + 1;
}

afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = Object.entries(counts)
    .map(([k, v]) => `${k} ${v} (${clean[k] ?? 0} clean, round-tripped)`)
    .join(', ');
  console.log(`BGP fuzz: ${total} inputs (FAILSMALL_FUZZ_RUNS=${budget}, FAILSMALL_FUZZ_SEED=${seed}): ${parts}`);
});

function runMutation(name: string, share: number, seeds: fc.Arbitrary<[ReturnType<typeof ctxOf>, BgpMessage]>): void {
  it(`${name}: ${Math.round(budget * share)} mutants decode without an exception`, () => {
    fc.assert(
      fc.property(seeds, fc.integer(), ([ctx, m], seed) => {
        const bytes = encodeMessage(m, ctx);
        const rand = rng(seed);
        for (let i = 0; i < MUTANTS; i++) {
          count(name, checkDecode(mutate(bytes, rand), ctx));
        }
      }),
      { numRuns: Math.max(1, Math.round((budget * share) / MUTANTS)), seed },
    );
  });
}

describe('BGP fuzzing', { timeout: fuzzTimeout(budget) }, () => {
  runMutation(
    'UPDATE byte mutation',
    0.25,
    ctxSettingsArb.chain((s) => updateArb(s).map((m) => [ctxOf(s), m] as [ReturnType<typeof ctxOf>, BgpMessage])),
  );
  runMutation('OPEN byte mutation', 0.15, fc.tuple(ctxSettingsArb.map(ctxOf), openArb as fc.Arbitrary<BgpMessage>));

  it(`UPDATE structure-aware: ${Math.round(budget * 0.3)} grammar-built UPDATEs`, () => {
    fc.assert(
      fc.property(
        ctxSettingsArb.chain((s) => fc.tuple(fc.constant(s), updateGrammarArb(s))),
        fc.integer(),
        ([s, build], seed) => {
          const ctx = ctxOf(s);
          const rand = rng(seed);
          for (let i = 0; i < VARIANTS; i++) {
            count('UPDATE structure-aware', checkDecode(build(rand), ctx));
          }
        },
      ),
      { numRuns: Math.max(1, Math.round((budget * 0.3) / VARIANTS)), seed },
    );
  });

  it(`OPEN structure-aware: ${Math.round(budget * 0.15)} grammar-built OPENs`, () => {
    fc.assert(
      fc.property(ctxSettingsArb, openGrammarArb, fc.integer(), (s, build, seed) => {
        const ctx = ctxOf(s);
        const rand = rng(seed);
        for (let i = 0; i < VARIANTS; i++) {
          count('OPEN structure-aware', checkDecode(build(rand), ctx));
        }
      }),
      { numRuns: Math.max(1, Math.round((budget * 0.15) / VARIANTS)), seed },
    );
  });

  it(`random bodies: ${Math.round(budget * 0.15)} random bodies behind a valid header`, () => {
    fc.assert(
      fc.property(ctxSettingsArb, fc.integer(), (s, seed) => {
        const ctx = ctxOf(s);
        const rand = rng(seed);
        for (let i = 0; i < MUTANTS; i++) {
          const n = Math.floor(rand() * 80);
          const b = new Uint8Array(19 + n);
          b.fill(0xff, 0, 16);
          b[16] = (19 + n) >>> 8;
          b[17] = (19 + n) & 0xff;
          b[18] = 1 + Math.floor(rand() * 5);
          for (let k = 19; k < b.length; k++) b[k] = rand() < 0.3 ? 0 : Math.floor(rand() * 256);
          count('random bodies', checkDecode(b, ctx, rand() < 0.5));
        }
      }),
      { numRuns: Math.max(1, Math.round((budget * 0.15) / MUTANTS)), seed },
    );
  });
});
