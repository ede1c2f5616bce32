// The benches' seeded randomness and the weights their findings are drawn with, shared so that
// every seeded world is drawn the same way (scripts/bench/seeded-findings.mjs,
// scripts/bench/finding-open-counts.mjs).

/** A fixed-seed PRNG (mulberry32). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The value whose cumulative weight first exceeds a uniform draw. */
export function pick(random, weighted) {
  let r = random();
  for (const [value, weight] of weighted) {
    r -= weight;
    if (r < 0) return value;
  }
  return weighted[weighted.length - 1][0];
}

/** `n` random lower-case hex digits. */
export function hex(random, n) {
  let s = "";
  while (s.length < n)
    s += Math.floor(random() * 2 ** 32)
      .toString(16)
      .padStart(8, "0");
  return s.slice(0, n);
}

/** How severe seeded findings are: a few critical, mostly medium and low. */
export const SEVERITY_WEIGHTS = [
  ["critical", 0.03],
  ["high", 0.17],
  ["medium", 0.4],
  ["low", 0.3],
  ["unknown", 0.1],
];

/** What state seeded findings are in: mostly open. */
export const STATE_WEIGHTS = [
  ["detected", 0.7],
  ["confirmed", 0.1],
  ["dismissed", 0.1],
  ["resolved", 0.1],
];
