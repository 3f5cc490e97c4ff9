/**
 * A deterministic uniform [0, 1) generator (mulberry32): the same seed always yields the same
 * sequence. The router uses it when a seed is configured, and tests use it so that every strategy
 * that draws random numbers picks reproducibly. Not for anything secret.
 * @example
 * const random = seededRandom(42);
 * const first = random(); // the same number on every run
 */
export function seededRandom(seed: number): () => number {
  // Non-integer or huge seeds are folded into 32 bits so every number is a usable seed.
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}
