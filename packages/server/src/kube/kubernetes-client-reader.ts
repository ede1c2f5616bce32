import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  type ConfigurationOptions,
  CoreV1Api,
  type KubeConfig,
  type RequestContext,
} from "@kubernetes/client-node";
import {
  KubernetesApiError,
  KubernetesConnectionError,
  type KubernetesReader,
  type KubernetesVerb,
} from "@vigil/core";
import {
  toKubeJob,
  toKubeNamespace,
  toKubePod,
  toKubeReplicaSet,
  toKubeSecret,
  toKubeServiceAccount,
  toListMeta,
} from "./to-kube-objects.js";

/**
 * Core's {@link KubernetesReader} over `@kubernetes/client-node` 1.4 (the last major that
 * runs on Node 20). Each call carries the caller's AbortSignal and a timeout; the client's
 * `ApiException` becomes a {@link KubernetesApiError} with the `Status` the server sent, and
 * a request that got no answer a {@link KubernetesConnectionError}.
 */

/** Options of {@link createKubernetesClientReader}. */
export interface KubernetesClientReaderOptions {
  /** How long one request may take; default 30 s. */
  readonly requestTimeoutMs?: number;
}

/** What a request was, for its error. */
interface RequestInfo {
  readonly verb: KubernetesVerb;
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** The `Status` object of an error response (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/). */
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

/** Map a client `ApiException` to core's error, keeping the server's reason and message. */
export function toKubernetesApiError(error: ApiException<unknown>, request: RequestInfo): KubernetesApiError {
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

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}

/** Create the reader for a kubeconfig whose context is already selected. */
export function createKubernetesClientReader(
  kubeConfig: KubeConfig,
  options: KubernetesClientReaderOptions = {},
): KubernetesReader {
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const server = kubeConfig.getCurrentCluster()?.server ?? "(no server in the kubeconfig context)";
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const apps = kubeConfig.makeApiClient(AppsV1Api);
  const batch = kubeConfig.makeApiClient(BatchV1Api);

  async function call<T>(
    request: RequestInfo,
    signal: AbortSignal | undefined,
    send: (options: ConfigurationOptions) => Promise<T>,
  ): Promise<T> {
    signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    // The generated client has no per-call signal option; its authentication hook sees the
    // request context, so the signal is attached there, after the kubeconfig's own auth.
    const authentication = {
      getName: () => "vigil-kubeconfig",
      applySecurityAuthentication: async (context: RequestContext) => {
        await kubeConfig.applySecurityAuthentication(context);
        context.setSignal(combined);
      },
    };
    try {
      return await send({ authMethods: { default: authentication } });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof ApiException) throw toKubernetesApiError(error, request);
      if (timeout.aborted) {
        throw new KubernetesConnectionError(server, `no answer within ${timeoutMs / 1000} s`, {
          cause: error,
        });
      }
      throw new KubernetesConnectionError(server, describeCause(error), { cause: error });
    }
  }

  return {
    async listPods(o) {
      const page = {
        ...(o.labelSelector ? { labelSelector: o.labelSelector } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.continue !== undefined ? { _continue: o.continue } : {}),
      };
      const request = {
        verb: "list",
        resource: "pods",
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
      } as const;
      const list = await call(request, o.signal, (options) =>
        o.namespace !== undefined
          ? core.listNamespacedPod({ namespace: o.namespace, ...page }, options)
          : core.listPodForAllNamespaces(page, options),
      );
      return { metadata: toListMeta(list.metadata), items: list.items.map(toKubePod) };
    },
    async listNamespaces(o = {}) {
      const list = await call({ verb: "list", resource: "namespaces" }, o.signal, (options) =>
        core.listNamespace(
          {
            ...(o.limit !== undefined ? { limit: o.limit } : {}),
            ...(o.continue !== undefined ? { _continue: o.continue } : {}),
          },
          options,
        ),
      );
      return { metadata: toListMeta(list.metadata), items: list.items.map(toKubeNamespace) };
    },
    async getServiceAccount({ namespace, name, signal }) {
      const account = await call(
        { verb: "get", resource: "serviceaccounts", namespace, name },
        signal,
        (options) => core.readNamespacedServiceAccount({ namespace, name }, options),
      );
      return toKubeServiceAccount(account);
    },
    async getSecret({ namespace, name, signal }) {
      const secret = await call({ verb: "get", resource: "secrets", namespace, name }, signal, (options) =>
        core.readNamespacedSecret({ namespace, name }, options),
      );
      return toKubeSecret(secret);
    },
    async getReplicaSet({ namespace, name, signal }) {
      const replicaSet = await call(
        { verb: "get", resource: "replicasets.apps", namespace, name },
        signal,
        (options) => apps.readNamespacedReplicaSet({ namespace, name }, options),
      );
      return toKubeReplicaSet(replicaSet);
    },
    async getJob({ namespace, name, signal }) {
      const job = await call({ verb: "get", resource: "jobs.batch", namespace, name }, signal, (options) =>
        batch.readNamespacedJob({ namespace, name }, options),
      );
      return toKubeJob(job);
    },
  };
}
