// How guessable a secret a person chose is (the bootstrap token is the one secret not drawn by us).
// Pure. The estimate is the string's length times the Shannon entropy of its own character frequencies:
// an upper bound for random strings (a 43-character base64url secret scores about 230 bits, 32 random hex
// characters about 120) and a hard floor for the secrets people type (32 times "a" scores 0, "abab…" 32).
export const MIN_SECRET_BITS = 100;

export function estimatedBits(secret: string): number {
  const counts = new Map<string, number>();
  const chars = [...secret];
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    h -= p * Math.log2(p);
  }
  return h * chars.length;
}

/** Why `secret` is too weak to be a token, or undefined when it is strong enough. */
export function weakSecret(secret: string): string | undefined {
  if (secret.length < 32) return `is ${secret.length} characters; at least 32 are needed`;
  const bits = estimatedBits(secret);
  if (bits < MIN_SECRET_BITS) {
    return `has about ${Math.floor(bits)} bits of entropy (repeated or few distinct characters); at least ${MIN_SECRET_BITS} are needed: use \`openssl rand -base64 32\``;
  }
  return undefined;
}
