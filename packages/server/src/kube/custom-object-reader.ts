import type { KubeConfig } from "@kubernetes/client-node";
import type { CustomObjectList, CustomObjectListRequest, CustomObjectReader } from "@vigil/core";
import { createKubeGetJson } from "./kube-get-json.js";
import type { KubernetesClientReaderOptions } from "./kubernetes-client-reader.js";

/**
 * Core's {@link CustomObjectReader} (what the Trivy Operator import reads with) over the same
 * transport as `createKubernetesClientReader` (plain GETs through one keep-alive agent, per-call
 * signal and timeout): an error status becomes a `KubernetesApiError` (its `status` is what
 * the import tells 404 "not installed" and 403 "forbidden" by), no answer a
 * `KubernetesConnectionError`.
 */

/** Options of {@link createCustomObjectReader}: those of the discovery reader. */
export type CustomObjectReaderOptions = KubernetesClientReaderOptions;

/** Create the reader for a kubeconfig whose context is already selected. */
export function createCustomObjectReader(
  kubeConfig: KubeConfig,
  options: CustomObjectReaderOptions = {},
): CustomObjectReader {
  const getJson = createKubeGetJson(kubeConfig, {
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const segment = encodeURIComponent;

  return {
    async listCustomObjects(request: CustomObjectListRequest): Promise<CustomObjectList> {
      const { group, version, plural, namespace, signal } = request;
      const resource = `${plural}.${group}`;
      const scope = namespace !== undefined ? `/namespaces/${segment(namespace)}` : "";
      const body = await getJson<unknown>(
        `/apis/${segment(group)}/${segment(version)}${scope}/${segment(plural)}`,
        { limit: request.limit, continue: request.continue },
        {
          verb: "list",
          resource,
          ...(namespace !== undefined ? { namespace } : {}),
          ...(signal ? { signal } : {}),
        },
      );
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
