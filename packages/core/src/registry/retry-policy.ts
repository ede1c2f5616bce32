import { HTTP_TIMEOUT_CODES } from "./http-client.js";

/**
 * When and how long to wait before retrying a registry request: 429, 408 and 5xx (except
 * 501/505) and dropped or refused connections are retried with exponential backoff and
 * jitter; a `Retry-After` header (seconds or an HTTP date, RFC 9110 §10.2.3) replaces the
 * backoff. The sleep function is injectable so tests stay fast.
 */

/** Retry settings. */
export interface RetryPolicy {
  /** Attempts in all, including the first; default 4. */
  readonly maxAttempts: number;
  /** First backoff delay; default 250 ms (doubled each retry). */
  readonly baseDelayMs: number;
  /** Longest backoff delay; default 8 s. */
  readonly maxDelayMs: number;
  /** A Retry-After longer than this fails at once instead of waiting; default 60 s. */
  readonly maxRetryAfterMs: number;
  /** Waits; rejects when the signal aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random number in [0, 1) for jitter. */
  readonly random: () => number;
  /** Current time in ms (for Retry-After dates). */
  readonly now: () => number;
}

/** A sleep that rejects with the signal's reason when aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The defaults, with a real sleep and clock. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  sleep: abortableSleep,
  random: Math.random,
  now: Date.now,
};

/** Merge partial settings over the defaults. */
export function createRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  return { ...DEFAULT_RETRY_POLICY, ...overrides };
}

/** True for statuses worth retrying: 408, 429 and 5xx except 501 and 505. */
export function isRetryableStatus(status: number): boolean {
  return (
    status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505)
  );
}

const RETRYABLE_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_RES_CONTENT_LENGTH_MISMATCH",
  // The node:http client's connect, headers and body-idle timeouts (node-http-client.ts).
  ...Object.values(HTTP_TIMEOUT_CODES),
]);

/** The `code` of an error or of any error in its cause chain. */
export function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    e = (e as { cause?: unknown }).cause;
  }
  return codes;
}

/** True for network failures worth retrying (reset, refused, timeouts, a closed socket). */
export function isRetryableNetworkError(error: unknown): boolean {
  return errorCodes(error).some((c) => RETRYABLE_CODES.has(c));
}

/** True when a TLS handshake failed because the server does not speak TLS on that port. */
export function isTlsProtocolMismatch(error: unknown): boolean {
  const text = `${errorCodes(error).join(" ")} ${String((error as { message?: unknown })?.message ?? "")}`;
  return /ERR_SSL_WRONG_VERSION_NUMBER|ERR_SSL_PACKET_LENGTH_TOO_LONG|wrong version number|packet length too long|http request/i.test(
    text,
  );
}

/** Parse `Retry-After` (delta-seconds or HTTP date) into milliseconds from now. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Backoff before retry number `retry` (1 = first retry): exponential, capped, with full jitter above half. */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(exp / 2 + (exp / 2) * policy.random());
}
