// Fuzzing machinery for the BGP codec: a seeded byte mutator, grammar-based generators of UPDATE and OPEN
// bytes whose lengths may lie, and the oracle every input is checked against. Test-only (*.case.ts).
import fc from 'fast-check';
import { ByteWriter } from '../../lib/bytes.js';
import { attrsArb, type CtxSettings, ctxOf, nlriArb } from './arbitraries.case.js';
import { encodePathAttributes } from './attributes.js';
import { decodeMessage, encodeMessage } from './messages.js';
import { writeNlri } from './nlri.js';
import type { DecodeContext, MessageResult, Rfc7606Action } from './types.js';
import { ACTION_RANK } from './types.js';

/**
 * Inputs each decoder's fuzz targets run in total (BGP, MRT, BMP, RIS Live each on their own):
 * FAILSMALL_FUZZ_RUNS, default 1,000,000, the floor issue 14 sets for every decoder in CI.
 */
export const FUZZ_INPUTS_PER_DECODER = 1_000_000;
/** A fuzz test's time limit for `inputs` inputs: 0.4 ms each (a loaded 2-core machine), at least 60 s. */
export function fuzzTimeout(inputs: number): number {
  return Math.max(60_000, Math.ceil(inputs * 0.4));
}

export function fuzzBudget(): number {
  const v = Number(process.env.FAILSMALL_FUZZ_RUNS ?? FUZZ_INPUTS_PER_DECODER);
  return Number.isFinite(v) && v > 0 ? Math.max(1000, Math.floor(v)) : FUZZ_INPUTS_PER_DECODER;
}

const ACTIONS = new Set<Rfc7606Action>([
  'none',
  'attribute-discard',
  'treat-as-withdraw',
  'af-disable',
  'session-reset',
]);

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * Decodes `buf` and checks what must hold for any input: no exception; the action is the worst of the
 * problems; every problem has a code and an offset inside the input; a message decoded without any problem
 * re-encodes to exactly its input bytes. Throws (failing the property) with the input in hex otherwise.
 */
export function checkDecode(buf: Uint8Array, ctx: DecodeContext, checkMarker = true): MessageResult {
  let r: MessageResult;
  try {
    r = decodeMessage(buf, ctx, 0, buf.length, { checkMarker });
  } catch (e) {
    throw new Error(`decodeMessage threw on ${hex(buf)}: ${(e as Error).stack}`);
  }
  if (!ACTIONS.has(r.action)) throw new Error(`bad action ${r.action} for ${hex(buf)}`);
  let worst: Rfc7606Action = 'none';
  for (const p of r.problems) {
    if (!ACTIONS.has(p.action) || !p.code.startsWith('E_BGP_') || !p.message) {
      throw new Error(`bad problem ${JSON.stringify(p)} for ${hex(buf)}`);
    }
    if (!(p.offset >= 0 && p.offset <= buf.length)) throw new Error(`offset ${p.offset} outside ${hex(buf)}`);
    if (ACTION_RANK[p.action] > ACTION_RANK[worst]) worst = p.action;
  }
  if (worst !== r.action) throw new Error(`action ${r.action} but worst problem ${worst} for ${hex(buf)}`);
  if (r.action === 'none' && r.message && checkMarker) {
    let again: Uint8Array;
    try {
      again = encodeMessage(r.message, ctx);
    } catch (e) {
      throw new Error(`re-encoding a clean decode threw for ${hex(buf)}: ${(e as Error).message}`);
    }
    if (Buffer.compare(again, buf.subarray(0, r.length)) !== 0) {
      throw new Error(`clean decode does not round-trip:\n in  ${hex(buf.subarray(0, r.length))}\n out ${hex(again)}`);
    }
  }
  return r;
}

/** xorshift32: a tiny deterministic generator, so a failing mutant is reproduced from its seed. */
export function rng(seed: number): () => number {
  let x = seed | 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const INTERESTING = [0, 1, 2, 3, 4, 0x0f, 0x10, 0x1f, 0x20, 0x21, 0x40, 0x7f, 0x80, 0x81, 0x90, 0xc0, 0xfe, 0xff];

/** One mutant of `seed`: 1-4 byte-level edits; with probability 0.8 the header length is fixed up afterwards. */
export function mutate(seed: Uint8Array, rand: () => number): Uint8Array {
  let b = Array.from(seed);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * Math.max(1, b.length));
    switch (Math.floor(rand() * 8)) {
      case 0:
        if (b.length) b[at] = b[at]! ^ (1 << Math.floor(rand() * 8));
        break;
      case 1:
        if (b.length) b[at] = INTERESTING[Math.floor(rand() * INTERESTING.length)]!;
        break;
      case 2:
        b.splice(at, 0, Math.floor(rand() * 256));
        break;
      case 3:
        b.splice(at, 1 + Math.floor(rand() * 4));
        break;
      case 4:
        b = b.slice(0, at);
        break;
      case 5: {
        const n = 1 + Math.floor(rand() * 8);
        b.splice(at, 0, ...b.slice(at, at + n));
        break;
      }
      case 6:
        if (b.length) b[at] = Math.floor(rand() * 256);
        break;
      default:
        // Nudge a byte that is likely a length: small values are often lengths in BGP.
        if (b.length) b[at] = (b[at]! + (rand() < 0.5 ? 1 : -1)) & 0xff;
    }
  }
  if (b.length >= 19 && rand() < 0.8) {
    b[16] = (b.length >>> 8) & 0xff;
    b[17] = b.length & 0xff;
  }
  return Uint8Array.from(b);
}

function header(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(19 + body.length);
  out.fill(0xff, 0, 16);
  const len = Math.min(out.length, 0xffff);
  out[16] = len >>> 8;
  out[17] = len & 0xff;
  out[18] = type;
  out.set(body, 19);
  return out;
}

const KNOWN_TYPES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 35];

/** One path attribute as the grammar sees it: flags, type, value, and a lie about its length. */
const attrPieceArb = fc.record({
  flags: fc.oneof(fc.constantFrom(0x40, 0x80, 0xc0, 0xe0, 0x50, 0x90, 0xd0), fc.nat(255)),
  type: fc.oneof({ arbitrary: fc.constantFrom(...KNOWN_TYPES), weight: 4 }, fc.nat(255)),
  value: fc.uint8Array({ maxLength: 48 }),
  lenDelta: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, fc.integer({ min: -4, max: 4 })),
});

/** Splits an encoded attribute list back into pieces (it is well-formed: we encoded it). */
function piecesOf(bytes: Uint8Array): Piece[] {
  const out: Piece[] = [];
  let p = 0;
  while (p < bytes.length) {
    const flags = bytes[p]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? (bytes[p + 2]! << 8) | bytes[p + 3]! : bytes[p + 2]!;
    const v = p + (ext ? 4 : 3);
    out.push({ flags, type: bytes[p + 1]!, value: bytes.slice(v, v + len), lenDelta: 0 });
    p = v + len;
  }
  return out;
}

type Piece = { flags: number; type: number; value: Uint8Array; lenDelta: number };

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)]!;
}

function smallDelta(rand: () => number, p: number): number {
  return rand() < p ? pick(rand, [-3, -2, -1, 1, 2, 3]) : 0;
}

/**
 * UPDATE grammar: one fast-check draw fixes the material (withdrawn NLRI, well-formed attributes of the
 * session, random attributes with possibly lying lengths, NLRI); the returned builder then makes variants
 * from it with a seeded generator: attributes dropped, reordered, lengths off by a little. Most inputs get
 * deep into the attribute decoders, and one draw feeds many inputs (fast-check generation is the slow part).
 */
export function updateGrammarArb(s: CtxSettings): fc.Arbitrary<(rand: () => number) => Uint8Array> {
  return fc
    .record({
      withdrawn: fc.array(nlriArb(4, s.addPath), { maxLength: 4 }),
      good: attrsArb(s),
      random: fc.array(attrPieceArb, { maxLength: 4 }),
      nlri: fc.array(nlriArb(4, s.addPath), { maxLength: 4 }),
    })
    .map((g) => {
      const ctx = ctxOf(s);
      const all: Piece[] = [...piecesOf(encodePathAttributes(g.good, ctx)), ...g.random];
      const w0 = new ByteWriter(64);
      writeNlri(w0, g.withdrawn, s.addPath);
      const withdrawn = w0.finish();
      const w1 = new ByteWriter(64);
      writeNlri(w1, g.nlri, s.addPath);
      const nlri = w1.finish();
      return (rand: () => number) => {
        const pieces = all.filter(() => rand() < 0.85);
        if (rand() < 0.3) pieces.sort(() => rand() - 0.5);
        if (rand() < 0.2 && pieces.length) pieces.push(pick(rand, pieces)); // a duplicate
        const w = new ByteWriter(256);
        w.u16(Math.max(0, withdrawn.length + smallDelta(rand, 0.05))).bytes(withdrawn);
        const aAt = w.reserve(2);
        const as = w.length;
        for (const p of pieces) {
          const ext = (p.flags & 0x10) !== 0;
          const d = p.lenDelta + smallDelta(rand, 0.04);
          const len = Math.max(0, Math.min(ext ? 0xffff : 0xff, p.value.length + d));
          w.u8(p.flags).u8(p.type);
          if (ext) w.u16(len);
          else w.u8(len);
          w.bytes(p.value);
        }
        w.setU16(aAt, Math.max(0, w.length - as + smallDelta(rand, 0.05)));
        w.bytes(nlri);
        if (rand() < 0.1) w.u8(Math.floor(rand() * 256));
        return header(2, w.finish());
      };
    });
}

const capPieceArb = fc.record({
  code: fc.oneof(fc.constantFrom(1, 2, 6, 9, 64, 65, 69, 70, 128), fc.nat(255)),
  value: fc.oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc.constantFrom(
      Uint8Array.of(0, 1, 0, 1),
      Uint8Array.of(0, 0, 0xfd, 0xe8),
      Uint8Array.of(0, 1, 1, 3),
      Uint8Array.of(0x80, 0x78, 0, 1, 1, 0x80),
      Uint8Array.of(3),
    ),
  ),
  lenDelta: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, fc.integer({ min: -2, max: 2 })),
});

/**
 * OPEN grammar: one draw fixes the material (version, AS, hold time, parameters of capabilities, some with
 * lying lengths); the builder makes variants: parameters or capabilities dropped, lengths nudged, RFC 9072
 * extended parameter lengths on or off.
 */
export const openGrammarArb: fc.Arbitrary<(rand: () => number) => Uint8Array> = fc
  .record({
    version: fc.oneof({ arbitrary: fc.constant(4), weight: 8 }, fc.nat(255)),
    myAs: fc.nat(0xffff),
    hold: fc.oneof(fc.constantFrom(0, 1, 2, 3, 90, 180), fc.nat(0xffff)),
    id: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    params: fc.array(
      fc.record({
        type: fc.oneof({ arbitrary: fc.constant(2), weight: 6 }, fc.nat(255)),
        caps: fc.array(capPieceArb, { maxLength: 5 }),
        lenDelta: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, fc.integer({ min: -2, max: 2 })),
      }),
      { maxLength: 3 },
    ),
  })
  .map((g) => (rand: () => number) => {
    const extended = rand() < 0.2;
    const params = new ByteWriter(64);
    for (const prm of g.params) {
      if (rand() < 0.1) continue;
      const body = new ByteWriter(32);
      for (const c of prm.caps) {
        if (rand() < 0.1) continue;
        const len = Math.max(0, Math.min(255, c.value.length + c.lenDelta + smallDelta(rand, 0.03)));
        body.u8(c.code).u8(len).bytes(c.value);
      }
      const bb = body.finish();
      params.u8(prm.type);
      const len = Math.max(0, bb.length + prm.lenDelta + smallDelta(rand, 0.03));
      if (extended) params.u16(Math.min(0xffff, len));
      else params.u8(Math.min(255, len));
      params.bytes(bb);
    }
    const pb = params.finish();
    const w = new ByteWriter(64);
    w.u8(rand() < 0.02 ? Math.floor(rand() * 256) : g.version)
      .u16(g.myAs)
      .u16(g.hold)
      .bytes(g.id);
    const optLen = Math.max(0, pb.length + smallDelta(rand, 0.05));
    if (extended) w.u8(255).u8(255).u16(Math.min(0xffff, optLen));
    else w.u8(Math.min(255, optLen));
    w.bytes(pb);
    return header(1, w.finish());
  });
