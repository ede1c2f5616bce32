/**
 * Counts failed sign-ins per key (an email, a client address) in a sliding window, so that
 * guessing passwords is slow: after `maxFailures` within `windowMs`, a key is refused until
 * its oldest failure leaves the window.
 *
 * In memory, per server process: several processes each count their own (an attacker gets
 * `maxFailures` per process), and a restart forgets. Good enough against online guessing with
 * scrypt behind it; a shared limit would need a table written on every failure.
 */
export interface LoginRateLimit {
  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string): number;
  /** Notes a failure of `key`. */
  fail(key: string): void;
  /** Forgets `key`'s failures (a successful sign-in of that email). */
  reset(key: string): void;
}

/** Options of {@link createLoginRateLimit}. */
export interface LoginRateLimitOptions {
  /** Default 5. */
  readonly maxFailures?: number;
  /** Default 15 minutes. */
  readonly windowMs?: number;
  readonly now: () => Date;
}

/** An in-memory sliding-window limit. */
export function createLoginRateLimit(options: LoginRateLimitOptions): LoginRateLimit {
  const maxFailures = options.maxFailures ?? 5;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const failures = new Map<string, number[]>();
  const recent = (key: string, at: number) => {
    const kept = (failures.get(key) ?? []).filter((t) => at - t < windowMs);
    if (kept.length === 0) failures.delete(key);
    else failures.set(key, kept);
    return kept;
  };
  return {
    retryAfter(key) {
      const at = options.now().getTime();
      const kept = recent(key, at);
      if (kept.length < maxFailures) return 0;
      return Math.max(1, Math.ceil((kept[kept.length - maxFailures]! + windowMs - at) / 1000));
    },
    fail(key) {
      const at = options.now().getTime();
      // made-up emails must not grow the map without end: sweep the stale keys now and then
      if (failures.size >= 10_000) for (const k of [...failures.keys()]) recent(k, at);
      failures.set(key, [...recent(key, at), at]);
    },
    reset(key) {
      failures.delete(key);
    },
  };
}
