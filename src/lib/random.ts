// A small seeded PRNG for deterministic tests, fuzzers and benchmarks (not for anything secret).

/** xorshift32 (Marsaglia): returns a function yielding uint32s; the same seed gives the same sequence. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}
