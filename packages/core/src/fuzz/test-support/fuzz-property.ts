import { appendFileSync } from "node:fs";
import fc from "fast-check";
import { expect, it } from "vitest";
import {
  FUZZ_MEMORY_BOUND_BYTES,
  FUZZ_PATH,
  FUZZ_REPORT_FILE,
  FUZZ_SEED,
  FUZZ_TIME_BOUND_MS,
  fuzzRuns,
} from "./fuzz-settings.js";

/** One parser under fuzzing. */
export interface FuzzTarget<T> {
  /** Name in test titles and in the `npm run fuzz` summary, e.g. `extract os/dpkg`. */
  readonly parser: string;
  readonly inputs: fc.Arbitrary<T>;
  /**
   * Feeds one input to the parser's public entry point and checks what came back (issues
   * located, results well formed). Returning normally passes.
   */
  readonly run: (input: T) => unknown;
  /**
   * The project's own typed errors the entry point may reject with for bad input. Anything
   * else it throws (TypeError, RangeError, a plain Error) fails the property. Absent: the
   * entry point must never throw (extractors record issues instead).
   */
  readonly expected?: (error: unknown) => boolean;
  /** Runs relative to `VIGIL_FUZZ_RUNS`, for parsers whose inputs cost more or less. */
  readonly runsScale?: number;
}

/**
 * The fuzz property, as one vitest test: for every generated input the parser returns
 * normally (bad input becoming issues or located problems) or rejects with one of its own
 * typed errors; never another exception, never past the time bound, never leaving far more
 * memory allocated than the input could justify. fast-check shrinks a failure and prints its
 * seed and path; `VIGIL_FUZZ_SEED=<seed>` with the same `VIGIL_FUZZ_RUNS` replays it.
 */
export function fuzz<T>(target: FuzzTarget<T>): void {
  const numRuns = fuzzRuns(target.runsScale);
  it(
    `${target.parser}: returns or rejects with its own typed error (${numRuns} inputs)`,
    async () => {
      const started = performance.now();
      const property = fc.asyncProperty(target.inputs, async (input) => {
        const before = allocated();
        const t0 = performance.now();
        try {
          await target.run(input);
        } catch (error) {
          if (!target.expected?.(error)) throw error;
          expect((error as Error).message, "a typed error says what and where").not.toBe("");
        }
        const ms = performance.now() - t0;
        if (ms > FUZZ_TIME_BOUND_MS) {
          throw new Error(`took ${Math.round(ms)} ms, over the bound of ${FUZZ_TIME_BOUND_MS} ms`);
        }
        const grown = allocated() - before;
        if (grown > FUZZ_MEMORY_BOUND_BYTES) {
          throw new Error(`left ${Math.round(grown / 1024 ** 2)} MiB allocated, over the bound`);
        }
      });
      const details = await fc.check(property, {
        numRuns,
        seed: FUZZ_SEED,
        timeout: FUZZ_TIME_BOUND_MS * 2,
        ...(FUZZ_PATH ? { path: FUZZ_PATH } : {}),
      });
      if (FUZZ_REPORT_FILE) {
        appendFileSync(
          FUZZ_REPORT_FILE,
          `${JSON.stringify({
            parser: target.parser,
            inputs: details.numRuns,
            failures: details.failed ? 1 : 0,
            seed: details.seed,
            ms: Math.round(performance.now() - started),
            ...(details.failed ? { counterexample: details.counterexamplePath } : {}),
          })}\n`,
        );
      }
      if (details.failed) {
        const cause = details.errorInstance;
        const why = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
        throw new Error(`${target.parser}: ${why}\n${fc.defaultReportMessage(details)}`, { cause });
      }
    },
    // Shrinking a failure costs many more runs than finding it; the bound is per input anyway.
    Math.max(120_000, numRuns * FUZZ_TIME_BOUND_MS),
  );
}

/** Heap and buffer memory in use: what a parser that believed a length field would grow. */
function allocated(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
