import {
  ApiException,
  type ConfigurationOptions,
  CustomObjectsApi,
  type KubeConfig,
  type RequestContext,
} from "@kubernetes/client-node";
import {
  type CustomObjectList,
  type CustomObjectListRequest,
  type CustomObjectReader,
  KubernetesConnectionError,
} from "@vigil/core";
import { type KubernetesClientReaderOptions, toKubernetesApiError } from "./kubernetes-client-reader.js";

/**
 * Core's {@link CustomObjectReader} (what the Trivy Operator import reads with) over
 * `@kubernetes/client-node` 1.4's `CustomObjectsApi`, with the same per-call signal, timeout and
 * error mapping as `createKubernetesClientReader`: an error status becomes a
 * `KubernetesApiError` (its `status` is what the import tells 404 "not installed" and 403
 * "forbidden" by), no answer a {@link KubernetesConnectionError}.
 */

/** Options of {@link createCustomObjectReader}: those of the discovery reader. */
export type CustomObjectReaderOptions = KubernetesClientReaderOptions;

/** Create the reader for a kubeconfig whose context is already selected. */
export function createCustomObjectReader(
  kubeConfig: KubeConfig,
  options: CustomObjectReaderOptions = {},
): CustomObjectReader {
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const server = kubeConfig.getCurrentCluster()?.server ?? "(no server in the kubeconfig context)";
  const api = kubeConfig.makeApiClient(CustomObjectsApi);

  return {
    async listCustomObjects(request: CustomObjectListRequest): Promise<CustomObjectList> {
      const { group, version, plural, namespace, signal } = request;
      const resource = `${plural}.${group}`;
      const page = {
        group,
        version,
        plural,
        ...(request.limit !== undefined ? { limit: request.limit } : {}),
        ...(request.continue !== undefined ? { _continue: request.continue } : {}),
      };
      signal?.throwIfAborted();
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      // As in kubernetes-client-reader.ts: the generated client has no per-call signal, so it is
      // attached in the authentication hook, after the kubeconfig's own authentication.
      const authentication = {
        getName: () => "vigil-kubeconfig",
        applySecurityAuthentication: async (context: RequestContext) => {
          await kubeConfig.applySecurityAuthentication(context);
          context.setSignal(combined);
        },
      };
      const callOptions: ConfigurationOptions = { authMethods: { default: authentication } };
      let body: unknown;
      try {
        // listClusterCustomObject, not listCustomObjectForAllNamespaces: both GET
        // /apis/{group}/{version}/{plural}, but 1.4.0 generates the latter's path with a stray
        // `#` and U+200E appended.
        body = await (namespace !== undefined
          ? api.listNamespacedCustomObject({ ...page, namespace }, callOptions)
          : api.listClusterCustomObject(page, callOptions));
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (error instanceof ApiException) {
          throw toKubernetesApiError(error, {
            verb: "list",
            resource,
            ...(namespace !== undefined ? { namespace } : {}),
          });
        }
        const reason = timeout.aborted
          ? `no answer within ${timeoutMs / 1000} s`
          : error instanceof Error
            ? error.message
            : String(error);
        throw new KubernetesConnectionError(server, reason, { cause: error });
      }
      return toCustomObjectList(body, resource);
    },
  };
}

/** The list's items and continue token; an answer that is no list is a bug of the server or the client. */
function toCustomObjectList(body: unknown, resource: string): CustomObjectList {
  const list = body as { items?: unknown; metadata?: { continue?: unknown } } | null;
  if (typeof list !== "object" || list === null || !Array.isArray(list.items)) {
    throw new Error(`The API server's answer to list ${resource} is not a list (no items).`);
  }
  const token = list.metadata?.continue;
  return {
    items: list.items as unknown[],
    ...(typeof token === "string" && token !== "" ? { continue: token } : {}),
  };
}
