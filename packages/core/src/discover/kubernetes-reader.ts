import type {
  KubeJob,
  KubeList,
  KubeNamespace,
  KubePod,
  KubeReplicaSet,
  KubeSecret,
  KubeServiceAccount,
} from "./kubernetes-objects.js";

/**
 * The read-only slice of the Kubernetes API that discovery needs. Core never talks to a
 * cluster itself: the server passes an implementation over `@kubernetes/client-node`
 * (`packages/server/src/kube/`), tests an in-memory one. Every method rejects with a
 * {@link KubernetesApiError} when the API server answers with an error status, with a
 * {@link KubernetesConnectionError} when it cannot be reached, and with the signal's reason
 * when cancelled. RBAC needed: `list pods` (cluster-wide or per namespace), `list namespaces`
 * (optional), `get serviceaccounts`, `get secrets` (the pull secrets pods name),
 * `get replicasets.apps` and `get jobs.batch` (optional: owner chains have fallbacks), and
 * `list` on both (optional: one list per busy namespace instead of a get per object; without
 * it, gets).
 */
export interface KubernetesReader {
  /** One page of pods: of one namespace, or of all when `namespace` is absent. */
  listPods(options: ListPodsOptions): Promise<KubeList<KubePod>>;
  /** One page of namespaces. */
  listNamespaces(options?: ListPageOptions): Promise<KubeList<KubeNamespace>>;
  getServiceAccount(options: GetObjectOptions): Promise<KubeServiceAccount>;
  getSecret(options: GetObjectOptions): Promise<KubeSecret>;
  getReplicaSet(options: GetObjectOptions): Promise<KubeReplicaSet>;
  getJob(options: GetObjectOptions): Promise<KubeJob>;
  /** One page of a namespace's ReplicaSets, to read the owners of many at once. */
  listReplicaSets(options: ListNamespacedOptions): Promise<KubeList<KubeReplicaSet>>;
  /** One page of a namespace's Jobs, to read the owners of many at once. */
  listJobs(options: ListNamespacedOptions): Promise<KubeList<KubeJob>>;
}

/**
 * Paging of a list call (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks):
 * at most `limit` items; pass the previous page's `metadata.continue` as `continue` for the next.
 */
export interface ListPageOptions {
  readonly limit?: number;
  readonly continue?: string;
  readonly signal?: AbortSignal;
}

/** Options of {@link KubernetesReader.listPods}. */
export interface ListPodsOptions extends ListPageOptions {
  /** The namespace to list; absent lists every namespace (needs cluster-wide `list pods`). */
  readonly namespace?: string;
  /** A label selector as `kubectl -l` takes it, e.g. `app=web,tier!=cache`. */
  readonly labelSelector?: string;
}

/** Options of a list of one namespace's objects ({@link KubernetesReader.listReplicaSets}, ...). */
export interface ListNamespacedOptions extends ListPageOptions {
  readonly namespace: string;
}

/** Which namespaced object to get. */
export interface GetObjectOptions {
  readonly namespace: string;
  readonly name: string;
  readonly signal?: AbortSignal;
}
