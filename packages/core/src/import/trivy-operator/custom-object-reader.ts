/** One page request of a custom resource list (`GET /apis/{group}/{version}[/namespaces/{namespace}]/{plural}`). */
export interface CustomObjectListRequest {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** Absent: across all namespaces (or a cluster-scoped resource). */
  readonly namespace?: string;
  /** Page size (`?limit=`). */
  readonly limit?: number;
  /** The token of the previous page (`?continue=`). */
  readonly continue?: string;
  readonly signal?: AbortSignal;
}

/** One page of a custom resource list. */
export interface CustomObjectList {
  /** The objects as the API returns them (JSON). */
  readonly items: readonly unknown[];
  /** Set when there is a next page (`metadata.continue`); absent or empty on the last. */
  readonly continue?: string;
}

/**
 * What the Trivy import needs of a Kubernetes client: list a custom resource, page by page.
 * Kept this small so core needs no Kubernetes client; the server and agent adapt theirs.
 *
 * A failed request rejects with an error that carries the HTTP status as `status`, `statusCode`
 * or `code` (as `@kubernetes/client-node`'s `ApiException` does), so that 404 (the resource
 * type is not installed) and 403 (not allowed) can be told apart from other failures.
 */
export interface CustomObjectReader {
  listCustomObjects(request: CustomObjectListRequest): Promise<CustomObjectList>;
}

/** The HTTP status of a failed request, when the error carries one (see {@link CustomObjectReader}). */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as Record<string, unknown>;
  for (const key of ["status", "statusCode", "code"]) {
    const value = e[key];
    if (typeof value === "number" && value >= 100 && value < 600) return value;
  }
  const response = e.response;
  if (typeof response === "object" && response !== null) return httpStatusOf(response);
  return undefined;
}
