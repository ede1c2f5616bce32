import type { Fault } from "./fault.js";

/** Options of {@link statusAnswer}. */
export interface StatusAnswerOptions {
  /** Extra headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The body; a JSON value is sent as `application/json`. Default: none. */
  readonly body?: string | object;
}

/**
 * Answers with `status` instead of the upstream server, which never sees the request: a
 * registry's 401/404/429/5xx, or an API server's Status error when `body` is its `Status`.
 */
export function statusAnswer(status: number, options: StatusAnswerOptions = {}): Fault {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? { text: options.body, type: "text/plain; charset=utf-8" }
        : { text: JSON.stringify(options.body), type: "application/json" };
  const retryAfter = options.headers?.["Retry-After"] ?? options.headers?.["retry-after"];
  return {
    kind: `${status}${retryAfter !== undefined ? ` Retry-After ${retryAfter}` : ""}`,
    async apply({ request, response }) {
      // drain what the client sends so its socket stays usable
      request.resume();
      response.writeHead(status, {
        ...options.headers,
        ...(body
          ? { "Content-Type": body.type, "Content-Length": String(Buffer.byteLength(body.text)) }
          : {}),
      });
      response.end(body?.text);
    },
  };
}

/** 429 Too Many Requests with `Retry-After: <seconds>` (RFC 6585 §4). */
export function tooManyRequests(retryAfterSeconds: number): Fault {
  return statusAnswer(429, { headers: { "Retry-After": String(retryAfterSeconds) } });
}

/**
 * A Kubernetes API error: the HTTP status with the `Status` object a real API server sends
 * (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/).
 */
export function kubeStatus(code: number, reason: string, message: string): Fault {
  return statusAnswer(code, {
    body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code },
  });
}
