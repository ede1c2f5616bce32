/**
 * Settings of the fuzz properties, from the environment so `npm test` runs a small, repeatable
 * sample and `npm run fuzz` (scripts/fuzz.mjs) a large one with a fresh seed.
 */

function positiveNumber(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name}=${text} is not a positive number`);
  return value;
}

/**
 * Inputs each property tries (`VIGIL_FUZZ_RUNS`). The default keeps the whole fuzz folder
 * under a minute on a 2-core machine, so it can run in every `npm test`.
 */
export const FUZZ_RUNS = Math.floor(positiveNumber("VIGIL_FUZZ_RUNS", 60));

/**
 * The seed (`VIGIL_FUZZ_SEED`). Fixed by default so CI is repeatable; fast-check prints the
 * seed and the path of a failing input, and the same seed and path replay it.
 */
export const FUZZ_SEED = Math.floor(positiveNumber("VIGIL_FUZZ_SEED", 20_250_901)) | 0;

/**
 * The path of one failing input (`VIGIL_FUZZ_PATH`, printed with the seed): replays just that
 * input. Run one property then (`vitest run -t <its name>`), since paths are per property.
 */
export const FUZZ_PATH = process.env.VIGIL_FUZZ_PATH || undefined;

/**
 * Longest one input may take (`VIGIL_FUZZ_TIME_BOUND_MS`). Far above what any fixture takes
 * (a few ms to a few hundred for the largest rpm databases); what it catches is a parser that
 * loops or backtracks on a hostile input. The machine is shared, so it is generous.
 */
export const FUZZ_TIME_BOUND_MS = positiveNumber("VIGIL_FUZZ_TIME_BOUND_MS", 10_000);

/**
 * Most memory one input may leave allocated when the parser returns (heap plus buffers),
 * `VIGIL_FUZZ_MEMORY_BOUND_MB`. Inputs are at most a few MB, so a parser that keeps far more
 * believed a length field it should have checked.
 */
export const FUZZ_MEMORY_BOUND_BYTES = positiveNumber("VIGIL_FUZZ_MEMORY_BOUND_MB", 256) * 1024 ** 2;

/** Where each property appends its counts (JSON lines), for the summary of `npm run fuzz`. */
export const FUZZ_REPORT_FILE = process.env.VIGIL_FUZZ_REPORT;

/** Inputs for a property that is `scale` times as costly or as interesting as the usual one. */
export function fuzzRuns(scale = 1): number {
  return Math.max(1, Math.round(FUZZ_RUNS * scale));
}
