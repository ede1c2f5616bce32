/** How the dispatcher retries a delivery. */
export interface RetryPolicy {
  /** Attempts in all before a delivery is `failed`; default 8. */
  readonly maxAttempts: number;
  /** Delay after the first failed attempt; doubled after each further one. Default 10 s. */
  readonly baseDelayMs: number;
  /** Longest delay between attempts, `Retry-After` included. Default 1 hour. */
  readonly maxDelayMs: number;
}

/** Eight attempts over about 21 minutes (10 s, 20 s … 21 min, with jitter). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  baseDelayMs: 10_000,
  maxDelayMs: 3_600_000,
};

/**
 * The delay before attempt `attempts + 1` after `attempts` failed ones: exponential
 * (`base * 2^(attempts-1)`, at most `maxDelayMs`) with "equal jitter" (half fixed, half random,
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/), so the retries of
 * many deliveries to an endpoint that was down do not arrive together. A `Retry-After` the
 * endpoint asked for wins when it is longer (capped by `maxDelayMs` too).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempts: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.min(policy.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0)));
}

/**
 * A `Retry-After` header in milliseconds from `now`: delay-seconds or an HTTP date
 * (https://www.rfc-editor.org/rfc/rfc9110#field.retry-after); undefined when absent or invalid.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
