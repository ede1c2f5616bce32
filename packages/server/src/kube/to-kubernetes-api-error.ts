import type { ApiException } from "@kubernetes/client-node";
import { KubernetesApiError, type KubernetesVerb } from "@vigil/core";

/**
 * An error answer of the API server as core's {@link KubernetesApiError}, with the reason and
 * message of the `Status` object it sent
 * (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/).
 */

/** What a request was, for its error. */
export interface KubernetesRequestInfo {
  readonly verb: KubernetesVerb;
  /** The RBAC resource, with its group when not core: `pods`, `replicasets.apps`. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** The `Status` object of an error response. */
interface ApiStatus {
  readonly kind?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
}

function parseStatus(body: unknown): ApiStatus | undefined {
  let value = body;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return value !== null && typeof value === "object" ? (value as ApiStatus) : undefined;
}

const HTTP_REASON: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  410: "Gone",
  429: "TooManyRequests",
  500: "InternalError",
  503: "ServiceUnavailable",
  504: "Timeout",
};

/**
 * Map an error answer (an `ApiException` of the generated client, or one the transport in
 * kube-get-json.ts makes from the status and body it received) to core's error, keeping the
 * server's reason and message. A body that is no `Status` (a proxy's HTML page) is kept as the
 * message, cut to 500 characters.
 */
export function toKubernetesApiError(
  error: Pick<ApiException<unknown>, "code" | "body">,
  request: KubernetesRequestInfo,
): KubernetesApiError {
  const status = parseStatus(error.body);
  const text = typeof error.body === "string" && !status ? error.body.trim().slice(0, 500) : "";
  return new KubernetesApiError({
    status: error.code,
    reason: status?.reason || HTTP_REASON[error.code] || `HTTP ${error.code}`,
    verb: request.verb,
    resource: request.resource,
    ...(request.namespace !== undefined ? { namespace: request.namespace } : {}),
    ...(request.name !== undefined ? { name: request.name } : {}),
    serverMessage: status?.message ?? text,
    cause: error,
  });
}
