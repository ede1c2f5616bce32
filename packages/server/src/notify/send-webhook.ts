import { SIGNATURE_HEADER, signWebhookBody } from "./webhook-signature.js";

/** One delivery attempt's request. */
export interface WebhookRequest {
  readonly url: string;
  readonly secret: string;
  readonly body: string;
  readonly eventType: string;
  readonly deliveryId: string;
  /** The attempt's time: signed with the body. */
  readonly now: Date;
  readonly timeoutMs: number;
  /** Aborts the attempt (the server stops). */
  readonly signal?: AbortSignal;
  /** Sent as `User-Agent`. */
  readonly userAgent: string;
}

/** What one attempt came to, classified for the retry decision. */
export type WebhookResponse =
  | { readonly kind: "delivered"; readonly status: number }
  /** Worth another attempt: network error, timeout, 408, 429, 5xx. */
  | { readonly kind: "retry"; readonly status?: number; readonly error: string; readonly retryAfter?: string }
  /** Another attempt would be refused the same way: other 4xx, a redirect. */
  | { readonly kind: "refused"; readonly status: number; readonly error: string }
  /** Stopped from outside (`signal`); not an attempt of the endpoint's making. */
  | { readonly kind: "aborted" };

/**
 * Sends one signed delivery: POST of the body as `application/json` with `X-Vigil-Event`,
 * `X-Vigil-Delivery` (the delivery's id: receivers de-duplicate retries by it) and
 * `X-Vigil-Signature`, within `timeoutMs` for the whole exchange. Redirects are not followed
 * (see `webhook-url.ts`) and the response body is discarded unread.
 */
export async function sendWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  const timestamp = Math.floor(request.now.getTime() / 1000);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: "POST",
      body: request.body,
      redirect: "manual",
      signal,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": request.userAgent,
        "X-Vigil-Event": request.eventType,
        "X-Vigil-Delivery": request.deliveryId,
        [SIGNATURE_HEADER]: signWebhookBody(request.secret, timestamp, request.body),
      },
    });
    await response.body?.cancel().catch(() => {});
  } catch (error) {
    if (request.signal?.aborted) return { kind: "aborted" };
    if (timeout.aborted) return { kind: "retry", error: `no answer within ${request.timeoutMs} ms` };
    return { kind: "retry", error: `the request failed: ${networkMessage(error)}` };
  }
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: "delivered", status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfter = response.headers.get("retry-after");
    return { kind: "retry", status, error: `HTTP ${status}`, ...(retryAfter ? { retryAfter } : {}) };
  }
  if (status >= 300 && status < 400) {
    return {
      kind: "refused",
      status,
      error: `HTTP ${status}: redirects are not followed; use the final URL`,
    };
  }
  return { kind: "refused", status, error: `HTTP ${status}` };
}

/** fetch's "fetch failed" hides the reason in `cause` (ECONNREFUSED, ENOTFOUND …). */
function networkMessage(error: unknown): string {
  const cause = (error as { cause?: unknown } | null)?.cause;
  const inner = cause instanceof Error ? cause.message : undefined;
  const outer = error instanceof Error ? error.message : String(error);
  return inner ? `${outer} (${inner})` : outer;
}
