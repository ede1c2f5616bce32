/**
 * Errors of a {@link KubernetesReader}. {@link KubernetesApiError} is an answer of the API
 * server with an error status, described by the `Status` object it sent
 * (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/);
 * {@link KubernetesConnectionError} means there was no answer at all.
 */

/** The API verbs discovery uses (RBAC verbs, as a ClusterRole names them). */
export type KubernetesVerb = "get" | "list";

/** What a {@link KubernetesApiError} is made of. */
export interface KubernetesApiErrorInit {
  /** HTTP status: 403 forbidden, 404 not found, 410 gone (expired continue token) ... */
  readonly status: number;
  /** The `Status.reason` (`Forbidden`, `NotFound`, `Expired`, `Unauthorized` ...), or the HTTP status text. */
  readonly reason: string;
  readonly verb: KubernetesVerb;
  /** The RBAC resource, with its group when not core: `pods`, `secrets`, `replicasets.apps`, `jobs.batch`. */
  readonly resource: string;
  /** Absent for cluster-scoped calls (namespaces, pods of all namespaces). */
  readonly namespace?: string;
  /** The object's name, for `get`. */
  readonly name?: string;
  /** The server's own words (`Status.message`); empty when it sent none. Never secret content. */
  readonly serverMessage: string;
  readonly cause?: unknown;
}

/** The API server answered a request with an error status. */
export class KubernetesApiError extends Error {
  /** HTTP status of the answer. */
  readonly status: number;
  /** `Status.reason`, e.g. `Forbidden`, `Expired`. */
  readonly reason: string;
  readonly verb: KubernetesVerb;
  /** RBAC resource with its group: `pods`, `replicasets.apps`. */
  readonly resource: string;
  /** Absent for cluster-scoped and all-namespaces calls. */
  readonly namespace?: string;
  /** The object a `get` asked for (`name` is taken by `Error`). */
  readonly objectName?: string;
  /** `Status.message` as the server wrote it. */
  readonly serverMessage: string;

  constructor(init: KubernetesApiErrorInit) {
    super(
      `Kubernetes API refused to ${describeRequest(init.verb, init.resource, init.namespace, init.name)} ` +
        `(${init.status} ${init.reason})${init.serverMessage ? `: ${init.serverMessage}` : ""}`,
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = "KubernetesApiError";
    this.status = init.status;
    this.reason = init.reason;
    this.verb = init.verb;
    this.resource = init.resource;
    if (init.namespace !== undefined) this.namespace = init.namespace;
    if (init.name !== undefined) this.objectName = init.name;
    this.serverMessage = init.serverMessage;
  }
}

/**
 * The API server could not be reached or did not answer in time (DNS, TLS, refused
 * connection, timeout). Fatal for a discovery run: nothing in the cluster can be read.
 */
export class KubernetesConnectionError extends Error {
  constructor(
    readonly server: string,
    reason: string,
    options?: { readonly cause?: unknown },
  ) {
    super(
      `Cannot reach the Kubernetes API server at ${server}: ${reason}. Check the kubeconfig context, ` +
        "the network path to the cluster and that the cluster is up.",
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "KubernetesConnectionError";
  }
}

/** `list pods cluster-wide`, `get secrets "regcred" in namespace "default"`, for messages. */
export function describeRequest(
  verb: KubernetesVerb,
  resource: string,
  namespace: string | undefined,
  name: string | undefined,
): string {
  return `${verb} ${resource}${name !== undefined ? ` "${name}"` : ""}${
    namespace !== undefined ? ` in namespace "${namespace}"` : " cluster-wide"
  }`;
}

/** True when `error` is a {@link KubernetesApiError}, with the given HTTP status if one is given. */
export function isKubernetesApiError(error: unknown, status?: number): error is KubernetesApiError {
  return error instanceof KubernetesApiError && (status === undefined || error.status === status);
}

/**
 * True for an API error that concerns one object or namespace (forbidden, not found, expired,
 * a server error), after which discovery records the problem and goes on. Everything else
 * ends the run: 401 (the credentials themselves are refused), a connection failure,
 * cancellation, or a bug.
 */
export function isScopedApiError(error: unknown): error is KubernetesApiError {
  return error instanceof KubernetesApiError && error.status !== 401;
}
