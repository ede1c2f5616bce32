/**
 * Waiting between attempts to reach the server: exponential with full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), so that the
 * agents of many clusters do not all come back at the same moment after an outage.
 */
export interface Backoff {
  /** The next wait: a random time up to `min(cap, base × 2^attempt)`. */
  next(): number;
  /** The server answered: start again from `base`. */
  reset(): void;
}

/** Options of {@link createBackoff}. */
export interface BackoffOptions {
  /** The first ceiling; default 1 s. */
  readonly baseMs?: number;
  /** The largest wait; default 60 s. */
  readonly capMs?: number;
  /** Default `Math.random`. */
  readonly random?: () => number;
}

/** A new {@link Backoff}. */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const base = options.baseMs ?? 1000;
  const cap = options.capMs ?? 60_000;
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next() {
      const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 30));
      attempt++;
      // at least a tenth of the ceiling, so a run of small random numbers does not hammer the server
      return Math.round(ceiling * (0.1 + 0.9 * random()));
    },
    reset() {
      attempt = 0;
    },
  };
}

/** `ms` with ±20 % jitter (the poll interval, so agents started together drift apart). */
export function jittered(ms: number, random: () => number = Math.random): number {
  return Math.round(ms * (0.8 + 0.4 * random()));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
