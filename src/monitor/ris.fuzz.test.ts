// Fuzzing the RIS Live reader (ris.ts): the decoder of the one feed that arrives as JSON text. Three targets
// over a seeded pool of well-formed RIS messages (UPDATEs with AS_SETs, withdrawals, RIS_PEER_STATE):
// character-level edits of the JSON text (tokens that matter to JSON: quotes, brackets, escapes, lone
// surrogates, huge numbers), structural edits (a field replaced by a value of another shape, nested
// deep), and arbitrary JSON values. Oracle: no exception escapes `line`; every line is counted as a
// message, as malformed, or is a type the reader does not take; and the well-formed messages fed between
// the mutants land in the monitor's RIB exactly as an independent reading of the JSON says (the path
// flattened, sets in place), so a mutant never poisons the state of what follows it.
// FAILSMALL_FUZZ_RUNS sets the inputs (default 1,000,000, the floor of issue 14), FAILSMALL_FUZZ_SEED the seed.
import { afterAll, describe, expect, it } from 'vitest';
import { parsePrefix } from '../lib/prefix.js';
import { fuzzBudget, fuzzTimeout, rng } from '../wire/bgp/fuzz.case.js';
import { parsePrefixesYml } from './config.js';
import { Monitor } from './monitor.js';
import { RisFeed } from './ris.js';

const BUDGET = fuzzBudget();
const SEED = Number(process.env.FAILSMALL_FUZZ_SEED ?? 0x715);
const counts: Record<string, number> = {};
afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(`RIS Live fuzz: ${total} inputs (FAILSMALL_FUZZ_RUNS=${BUDGET}): ${JSON.stringify(counts)}`);
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const WATCH = parsePrefixesYml('203.0.113.0/24:\n  asn: 64500\n  description: web\n  ignoreMorespecifics: false\n');

/** A well-formed RIS message: mostly UPDATEs for prefixes inside the watched /24 (they reach the RIB). */
function wellFormed(r: () => number, i: number): { [k: string]: Json } {
  const pick = (n: number) => Math.floor(r() * n);
  const peer = `192.0.2.${1 + pick(8)}`;
  const common = { timestamp: 1_700_000_000 + i, peer, peer_asn: String(64510 + pick(4)), host: `rrc0${pick(3)}` };
  if (pick(20) === 0) return { type: 'ris_message', data: { ...common, type: 'RIS_PEER_STATE', state: 'down' } };
  const prefix = () => {
    const len = 24 + pick(9);
    const host = pick(256) & ~((1 << (32 - len)) - 1) & 0xff;
    return pick(6) === 0 ? `198.51.${pick(256)}.0/24` : `203.0.113.${host}/${len}`;
  };
  const path: Json[] = [];
  for (let n = 1 + pick(5); n > 0; n--) path.push(64496 + pick(40));
  if (pick(8) === 0) path.push([64500, 64501 + pick(3)]);
  else path.push(pick(4) === 0 ? 64666 : 64500);
  const data: { [k: string]: Json } = { ...common, type: 'UPDATE', path };
  if (pick(3) === 0) data.withdrawals = [prefix()];
  if (pick(5) !== 0) data.announcements = [{ next_hop: peer, prefixes: [prefix(), prefix()] }];
  if (pick(10) === 0) data.otc = 64510;
  return { type: 'ris_message', data };
}

const TOKENS = [
  '"',
  '\\',
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  'null',
  'true',
  '-',
  '0',
  '1e400',
  '-0',
  '9007199254740993',
  '\\u0000',
  '\\ud800',
  '\\udfff',
  '\u0000',
  '\ud800',
  '💥',
  '\u202e',
  ' ',
  '""',
  '[]',
  '{}',
  '"__proto__"',
  '"constructor"',
  '[[[[[[[[',
  ']]]]]]]]',
];

/** 1-4 edits at random places of the text: flip a character, insert or replace a JSON token, cut, duplicate. */
function mutateText(s: string, r: () => number): string {
  let t = s;
  for (let e = 1 + Math.floor(r() * 4); e > 0; e--) {
    const at = Math.floor(r() * (t.length + 1));
    const tok = TOKENS[Math.floor(r() * TOKENS.length)]!;
    switch (Math.floor(r() * 6)) {
      case 0:
        t = t.slice(0, at) + String.fromCharCode(t.charCodeAt(at) ^ (1 << Math.floor(r() * 7))) + t.slice(at + 1);
        break;
      case 1:
        t = t.slice(0, at) + tok + t.slice(at);
        break;
      case 2:
        t = t.slice(0, at) + tok + t.slice(at + 1 + Math.floor(r() * 6));
        break;
      case 3:
        t = t.slice(0, at);
        break;
      case 4:
        t = t.slice(0, at) + t.slice(at, at + 1 + Math.floor(r() * 12)).repeat(2) + t.slice(at);
        break;
      default:
        t = t.slice(0, at) + t.slice(at + 1 + Math.floor(r() * 4));
    }
  }
  return t;
}

/** A value of some shape, sometimes nested deep (a long path of arrays, a huge number, an odd string). */
function hostile(r: () => number, depth = 0): Json {
  switch (Math.floor(r() * 11)) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return [0, -1, 4294967296, 1.5, Number.MAX_SAFE_INTEGER, -0, 1e308][Math.floor(r() * 7)]!;
    case 3:
      return ['', '203.0.113.0/33', '::/0', '0.0.0.0/0', '203.0.113.0', 'x'.repeat(5000), '\ud800', '1.2.3.4/-1'][
        Math.floor(r() * 8)
      ]!;
    case 4: {
      let v: Json = [64500];
      for (let d = Math.floor(r() * 300); d > 0; d--) v = [v];
      return v;
    }
    case 5:
      return depth > 3 ? [] : Array.from({ length: Math.floor(r() * 4) }, () => hostile(r, depth + 1));
    case 6:
      return depth > 3 ? {} : { prefixes: hostile(r, depth + 1), next_hop: hostile(r, depth + 1) };
    case 7:
      return [[64500, 'x'], [], [[1]]];
    case 8:
      return Array.from({ length: 300 }, (_, i) => `203.0.113.${i & 255}/32`);
    default:
      return { __proto__: { polluted: true }, toString: 'no' } as unknown as Json;
  }
}

/** The object with one field (at any depth) replaced by a hostile value, or removed. */
function mutateShape(o: { [k: string]: Json }, r: () => number): Json {
  const copy = structuredClone(o) as Json;
  let at: Json = copy;
  for (let d = 0; d < 4; d++) {
    if (at === null || typeof at !== 'object') break;
    const keys = Object.keys(at);
    if (keys.length === 0) break;
    const k = keys[Math.floor(r() * keys.length)]!;
    const child: Json = (at as Record<string, Json>)[k]!;
    if (r() < 0.4 || child === null || typeof child !== 'object') {
      if (r() < 0.15) delete (at as Record<string, Json>)[k];
      else (at as Record<string, Json>)[k] = HOSTILE[Math.floor(r() * HOSTILE.length)]!;
      return copy;
    }
    at = child;
  }
  return r() < 0.5 ? HOSTILE[Math.floor(r() * HOSTILE.length)]! : copy;
}

/** A pool of hostile values, made once (the deep and the long ones are costly to build per input). */
const HOSTILE: Json[] = (() => {
  const r = rng(SEED ^ 0x5a5a);
  return Array.from({ length: 256 }, () => hostile(r));
})();

/** Independent reading of a clean UPDATE: the RIB entries it must leave (watched space only), by prefix. */
function expectedRoutes(o: { [k: string]: Json }): Map<string, { peer: string; path: number[] }> {
  const d = o.data as { [k: string]: Json };
  const out = new Map<string, { peer: string; path: number[] }>();
  if (d.type !== 'UPDATE') return out;
  const peer = `ris:${d.host} ${d.peer} AS${d.peer_asn}`;
  const path = (d.path as Json[]).flatMap((x) => (Array.isArray(x) ? (x as number[]) : [x as number]));
  for (const a of (d.announcements as { prefixes: string[] }[] | undefined) ?? [])
    for (const p of a.prefixes) if (p.startsWith('203.0.113.')) out.set(p, { peer, path });
  return out;
}

describe('RIS Live reader fuzz', { timeout: fuzzTimeout(BUDGET) }, () => {
  const r = rng(SEED);
  const pool = Array.from({ length: 2000 }, (_, i) => wellFormed(r, i));
  const texts = pool.map((o) => JSON.stringify(o));

  /** Feeds `n` mutants from `make`, a clean message every 50th, and checks the oracle on each. */
  function run(name: string, n: number, make: (i: number) => string | Json, asText: boolean): void {
    const m = new Monitor({
      asns: [64500],
      watch: WATCH,
      visibility: { min_peers_fraction: 0.8, fade_off_s: 0 },
      onAlert: () => {},
    });
    const feed = new RisFeed(m);
    let taken = 0;
    let checkedClean = 0;
    for (let i = 0; i < n; i++) {
      const before = feed.counters.messages + feed.counters.malformed;
      const input = make(i);
      try {
        if (asText) feed.line(input as string);
        else feed.message(input);
      } catch (e) {
        throw new Error(`${name} #${i} threw ${(e as Error).stack}\ninput: ${String(input).slice(0, 500)}`);
      }
      if (feed.counters.messages + feed.counters.malformed > before) taken++;
      if (i % 50 === 49) {
        // a clean message after the mutants: read as an independent reading of its JSON says
        const clean = pool[Math.floor(r() * pool.length)]!;
        const malformed = feed.counters.malformed;
        feed.line(JSON.stringify(clean));
        expect(feed.counters.malformed, `${name}: a clean message counted malformed`).toBe(malformed);
        for (const [p, want] of expectedRoutes(clean)) {
          const got = m.routesFor(parsePrefix(p)).find((x) => x.peer === want.peer);
          expect(got?.path, `${name}: ${p} from ${want.peer}`).toEqual(want.path);
        }
        checkedClean++;
      }
    }
    counts[name] = n;
    expect(taken).toBeGreaterThan(0);
    expect(checkedClean).toBe(Math.floor(n / 50));
  }

  it(`${Math.round(BUDGET * 0.6)} mutated JSON texts read without an exception`, () => {
    const n = Math.round(BUDGET * 0.6);
    run('text', n, () => mutateText(texts[Math.floor(r() * texts.length)]!, r), true);
  });

  it(`${Math.round(BUDGET * 0.3)} shape-mutated messages read without an exception`, () => {
    const n = Math.round(BUDGET * 0.3);
    run('shape', n, (i) => JSON.stringify(mutateShape(pool[i % pool.length]!, r)), true);
  });

  it(`${Math.round(BUDGET * 0.1)} arbitrary values handed to message() without an exception`, () => {
    const n = Math.round(BUDGET * 0.1);
    run('value', n, () => mutateShape(pool[Math.floor(r() * pool.length)]!, r), false);
  });
});
