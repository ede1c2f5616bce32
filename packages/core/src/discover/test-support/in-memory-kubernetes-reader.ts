import { KubernetesApiError, type KubernetesVerb } from "../kubernetes-api-error.js";
import type {
  KubeJob,
  KubeList,
  KubeNamespace,
  KubeObjectMeta,
  KubePod,
  KubeReplicaSet,
  KubeSecret,
  KubeServiceAccount,
} from "../kubernetes-objects.js";
import type {
  GetObjectOptions,
  KubernetesReader,
  ListNamespacedOptions,
  ListPageOptions,
  ListPodsOptions,
} from "../kubernetes-reader.js";

/**
 * A {@link KubernetesReader} over objects held in memory, for unit tests of discovery. It
 * pages like the API server (items in namespace/name order, `limit`, opaque `continue`
 * tokens), filters by equality-based label selectors, answers a missing object with the
 * server's 404, and lets a test inject any error (403, 410, 401 ...) into chosen calls. Every
 * call is recorded. It fakes our own interface, not the Kubernetes protocol: the adapter in
 * packages/server/src/kube is tested against a real-protocol server.
 */

/** One call made to the reader. */
export interface ReaderCall {
  readonly method:
    | "listPods"
    | "listNamespaces"
    | "getServiceAccount"
    | "getSecret"
    | "getReplicaSet"
    | "getJob"
    | "listReplicaSets"
    | "listJobs";
  readonly namespace?: string;
  readonly name?: string;
  readonly labelSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
}

/** Objects and error injection of {@link createInMemoryKubernetesReader}. */
export interface InMemoryKubernetesOptions {
  readonly pods?: readonly KubePod[];
  /** Namespace names; by default those of the pods. */
  readonly namespaces?: readonly string[];
  readonly serviceAccounts?: readonly KubeServiceAccount[];
  readonly secrets?: readonly KubeSecret[];
  readonly replicaSets?: readonly KubeReplicaSet[];
  readonly jobs?: readonly KubeJob[];
  /** Return an error to make the call fail with it (checked before the call is answered). */
  readonly fail?: (call: ReaderCall, index: number) => Error | undefined;
}

/** The reader and the calls it received. */
export interface InMemoryKubernetesReader extends KubernetesReader {
  readonly calls: ReaderCall[];
}

const RESOURCE: Readonly<Record<ReaderCall["method"], readonly [KubernetesVerb, string]>> = {
  listPods: ["list", "pods"],
  listNamespaces: ["list", "namespaces"],
  getServiceAccount: ["get", "serviceaccounts"],
  getSecret: ["get", "secrets"],
  getReplicaSet: ["get", "replicasets.apps"],
  getJob: ["get", "jobs.batch"],
  listReplicaSets: ["list", "replicasets.apps"],
  listJobs: ["list", "jobs.batch"],
};

/** The 403 the API server sends when RBAC denies a call (its real wording). */
export function forbidden(
  call: ReaderCall,
  user = "system:serviceaccount:vigil:vigil-agent",
): KubernetesApiError {
  const [verb, resource] = RESOURCE[call.method];
  const [plural, group = ""] = resource.split(/\.(.*)/);
  const where =
    call.namespace !== undefined ? ` in the namespace "${call.namespace}"` : " at the cluster scope";
  const serverMessage = `${resource}${call.name ? ` "${call.name}"` : ""} is forbidden: User "${user}" cannot ${verb} resource "${plural}" in API group "${group}"${where}`;
  return new KubernetesApiError({
    status: 403,
    reason: "Forbidden",
    verb,
    resource,
    ...(call.namespace !== undefined ? { namespace: call.namespace } : {}),
    ...(call.name !== undefined ? { name: call.name } : {}),
    serverMessage,
  });
}

/** The 410 the API server sends for an expired continue token (its real wording). */
export function expired(call: ReaderCall): KubernetesApiError {
  const [verb, resource] = RESOURCE[call.method];
  return new KubernetesApiError({
    status: 410,
    reason: "Expired",
    verb,
    resource,
    ...(call.namespace !== undefined ? { namespace: call.namespace } : {}),
    serverMessage:
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
  });
}

/** A 401, as for an expired token. */
export function unauthorized(call: ReaderCall): KubernetesApiError {
  const [verb, resource] = RESOURCE[call.method];
  return new KubernetesApiError({
    status: 401,
    reason: "Unauthorized",
    verb,
    resource,
    serverMessage: "Unauthorized",
  });
}

function notFound(call: ReaderCall): KubernetesApiError {
  const [verb, resource] = RESOURCE[call.method];
  return new KubernetesApiError({
    status: 404,
    reason: "NotFound",
    verb,
    resource,
    ...(call.namespace !== undefined ? { namespace: call.namespace } : {}),
    ...(call.name !== undefined ? { name: call.name } : {}),
    serverMessage: `${resource} "${call.name}" not found`,
  });
}

function key(meta: KubeObjectMeta): string {
  return `${meta.namespace ?? ""}/${meta.name ?? ""}`;
}

/** Equality-based selectors only: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated. */
export function matchesLabelSelector(
  labels: Readonly<Record<string, string>> | undefined,
  selector: string,
): boolean {
  const have = labels ?? {};
  return selector
    .split(",")
    .map((term) => term.trim())
    .filter((term) => term !== "")
    .every((term) => {
      if (/\s(not)?in\s*\(/.test(term))
        throw new Error(`set-based selector not supported by the fake: ${term}`);
      const ne = /^([^!=]+)!=(.*)$/.exec(term);
      if (ne) return have[ne[1]!.trim()] !== ne[2]!.trim();
      const eq = /^([^!=]+)==?(.*)$/.exec(term);
      if (eq) return have[eq[1]!.trim()] === eq[2]!.trim();
      if (term.startsWith("!")) return !(term.slice(1).trim() in have);
      return term in have;
    });
}

/** Create the reader. */
export function createInMemoryKubernetesReader(options: InMemoryKubernetesOptions): InMemoryKubernetesReader {
  const calls: ReaderCall[] = [];
  const byKey = <T extends { readonly metadata: KubeObjectMeta }>(items: readonly T[] | undefined): T[] =>
    [...(items ?? [])].sort((a, b) => (key(a.metadata) < key(b.metadata) ? -1 : 1));
  const pods = byKey(options.pods);
  const namespaceNames = [
    ...new Set(options.namespaces ?? pods.map((pod) => pod.metadata.namespace ?? "")),
  ].sort();
  const index = <T extends { readonly metadata: KubeObjectMeta }>(items: readonly T[] | undefined) =>
    new Map((items ?? []).map((item) => [key(item.metadata), item]));
  const accounts = index(options.serviceAccounts);
  const secrets = index(options.secrets);
  // Sorted, so that lists come in the server's namespace/name order.
  const replicaSets = index(byKey(options.replicaSets));
  const jobs = index(byKey(options.jobs));

  function begin(call: ReaderCall, signal: AbortSignal | undefined): void {
    signal?.throwIfAborted();
    calls.push(call);
    const error = options.fail?.(call, calls.length - 1);
    if (error) throw error;
  }

  function page<T>(items: readonly T[], call: ReaderCall): KubeList<T> {
    let start = 0;
    if (call.continue !== undefined) {
      const match = /^offset:(\d+)$/.exec(call.continue);
      if (!match) {
        const [verb, resource] = RESOURCE[call.method];
        throw new KubernetesApiError({
          status: 400,
          reason: "BadRequest",
          verb,
          resource,
          serverMessage: "continue key is not valid",
        });
      }
      start = Number(match[1]);
    }
    const end = call.limit ? Math.min(items.length, start + call.limit) : items.length;
    return {
      metadata: { resourceVersion: "1", ...(end < items.length ? { continue: `offset:${end}` } : {}) },
      items: items.slice(start, end),
    };
  }

  function listIn<T extends { readonly metadata: KubeObjectMeta }>(
    items: readonly T[],
    method: ReaderCall["method"],
    o: ListNamespacedOptions,
  ): KubeList<T> {
    const call: ReaderCall = {
      method,
      namespace: o.namespace,
      ...(o.limit !== undefined ? { limit: o.limit } : {}),
      ...(o.continue !== undefined ? { continue: o.continue } : {}),
    };
    begin(call, o.signal);
    const selected = items.filter((item) => item.metadata.namespace === o.namespace);
    return structuredClone(page(selected, call));
  }

  function get<T>(store: Map<string, T>, method: ReaderCall["method"], options: GetObjectOptions): T {
    const call: ReaderCall = { method, namespace: options.namespace, name: options.name };
    begin(call, options.signal);
    const found = store.get(`${options.namespace}/${options.name}`);
    if (!found) throw notFound(call);
    return structuredClone(found);
  }

  return {
    calls,
    async listPods(o: ListPodsOptions) {
      const call: ReaderCall = {
        method: "listPods",
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        ...(o.labelSelector !== undefined ? { labelSelector: o.labelSelector } : {}),
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.continue !== undefined ? { continue: o.continue } : {}),
      };
      begin(call, o.signal);
      const selected = pods.filter(
        (pod) =>
          (o.namespace === undefined || pod.metadata.namespace === o.namespace) &&
          (!o.labelSelector || matchesLabelSelector(pod.metadata.labels, o.labelSelector)),
      );
      return structuredClone(page(selected, call));
    },
    async listNamespaces(o: ListPageOptions = {}) {
      const call: ReaderCall = {
        method: "listNamespaces",
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(o.continue !== undefined ? { continue: o.continue } : {}),
      };
      begin(call, o.signal);
      const items: KubeNamespace[] = namespaceNames.map((name) => ({ metadata: { name } }));
      return page(items, call);
    },
    async getServiceAccount(o) {
      return get(accounts, "getServiceAccount", o);
    },
    async getSecret(o) {
      return get(secrets, "getSecret", o);
    },
    async getReplicaSet(o) {
      return get(replicaSets, "getReplicaSet", o);
    },
    async getJob(o) {
      return get(jobs, "getJob", o);
    },
    async listReplicaSets(o) {
      return listIn([...replicaSets.values()], "listReplicaSets", o);
    },
    async listJobs(o) {
      return listIn([...jobs.values()], "listJobs", o);
    },
  };
}
