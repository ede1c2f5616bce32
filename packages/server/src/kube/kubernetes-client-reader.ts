import type { KubeConfig } from "@kubernetes/client-node";
import type {
  KubeJob,
  KubeList,
  KubeNamespace,
  KubePod,
  KubeReplicaSet,
  KubernetesReader,
  KubeSecret,
  KubeServiceAccount,
} from "@vigil/core";
import { createKubeGetJson } from "./kube-get-json.js";
import {
  trimListMeta,
  trimNamespace,
  trimOwned,
  trimPod,
  trimSecret,
  trimServiceAccount,
} from "./trim-kube-objects.js";

export { toKubernetesApiError } from "./to-kubernetes-api-error.js";

/**
 * Core's {@link KubernetesReader} for a kubeconfig loaded by `@kubernetes/client-node` 1.4 (the
 * last major that runs on Node 20), reading the API paths the generated client would, with
 * plain GETs over one keep-alive connection pool (kube-get-json.ts). Each call carries the
 * caller's AbortSignal and a timeout; an error status becomes a `KubernetesApiError` with the
 * `Status` the server sent, and a request that got no answer a `KubernetesConnectionError`.
 */

/** Options of {@link createKubernetesClientReader}. */
export interface KubernetesClientReaderOptions {
  /** How long one request may take; default 30 s. */
  readonly requestTimeoutMs?: number;
}

const segment = encodeURIComponent;

/** Create the reader for a kubeconfig whose context is already selected. */
export function createKubernetesClientReader(
  kubeConfig: KubeConfig,
  options: KubernetesClientReaderOptions = {},
): KubernetesReader {
  const getJson = createKubeGetJson(kubeConfig, {
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
  });
  const inNamespace = (namespace: string) => `/namespaces/${segment(namespace)}`;

  return {
    async listPods(o) {
      const path = o.namespace !== undefined ? `/api/v1${inNamespace(o.namespace)}/pods` : "/api/v1/pods";
      const list = await getJson<KubeList<KubePod>>(
        path,
        { labelSelector: o.labelSelector || undefined, limit: o.limit, continue: o.continue },
        {
          verb: "list",
          resource: "pods",
          ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
          ...(o.signal ? { signal: o.signal } : {}),
        },
      );
      return { metadata: trimListMeta(list.metadata), items: (list.items ?? []).map(trimPod) };
    },
    async listNamespaces(o = {}) {
      const list = await getJson<KubeList<KubeNamespace>>(
        "/api/v1/namespaces",
        { limit: o.limit, continue: o.continue },
        { verb: "list", resource: "namespaces", ...(o.signal ? { signal: o.signal } : {}) },
      );
      return { metadata: trimListMeta(list.metadata), items: (list.items ?? []).map(trimNamespace) };
    },
    async getServiceAccount({ namespace, name, signal }) {
      const account = await getJson<KubeServiceAccount>(
        `/api/v1${inNamespace(namespace)}/serviceaccounts/${segment(name)}`,
        {},
        { verb: "get", resource: "serviceaccounts", namespace, name, ...(signal ? { signal } : {}) },
      );
      return trimServiceAccount(account);
    },
    async getSecret({ namespace, name, signal }) {
      const secret = await getJson<KubeSecret>(
        `/api/v1${inNamespace(namespace)}/secrets/${segment(name)}`,
        {},
        { verb: "get", resource: "secrets", namespace, name, ...(signal ? { signal } : {}) },
      );
      return trimSecret(secret);
    },
    async getReplicaSet({ namespace, name, signal }) {
      const replicaSet = await getJson<KubeReplicaSet>(
        `/apis/apps/v1${inNamespace(namespace)}/replicasets/${segment(name)}`,
        {},
        { verb: "get", resource: "replicasets.apps", namespace, name, ...(signal ? { signal } : {}) },
      );
      return trimOwned(replicaSet);
    },
    async getJob({ namespace, name, signal }) {
      const job = await getJson<KubeJob>(
        `/apis/batch/v1${inNamespace(namespace)}/jobs/${segment(name)}`,
        {},
        { verb: "get", resource: "jobs.batch", namespace, name, ...(signal ? { signal } : {}) },
      );
      return trimOwned(job);
    },
    async listReplicaSets({ namespace, limit, continue: token, signal }) {
      const list = await getJson<KubeList<KubeReplicaSet>>(
        `/apis/apps/v1${inNamespace(namespace)}/replicasets`,
        { limit, continue: token },
        { verb: "list", resource: "replicasets.apps", namespace, ...(signal ? { signal } : {}) },
      );
      return { metadata: trimListMeta(list.metadata), items: (list.items ?? []).map(trimOwned) };
    },
    async listJobs({ namespace, limit, continue: token, signal }) {
      const list = await getJson<KubeList<KubeJob>>(
        `/apis/batch/v1${inNamespace(namespace)}/jobs`,
        { limit, continue: token },
        { verb: "list", resource: "jobs.batch", namespace, ...(signal ? { signal } : {}) },
      );
      return { metadata: trimListMeta(list.metadata), items: (list.items ?? []).map(trimOwned) };
    },
  };
}
