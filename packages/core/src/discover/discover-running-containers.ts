import type { ContainerType, RunningContainer, WorkloadRef } from "../model/running-container.js";
import { runPool } from "../scan/run-pool.js";
import { compareText as cmp } from "./compare-text.js";
import {
  compareDiscoveryIssues,
  containerIssue,
  type DiscoveryIssue,
  objectIssue,
} from "./discovery-issue.js";
import { parseImageId } from "./image-id.js";
import { isKubernetesApiError, isScopedApiError } from "./kubernetes-api-error.js";
import type { KubePod } from "./kubernetes-objects.js";
import type { KubernetesReader } from "./kubernetes-reader.js";
import { DEFAULT_LIST_PAGE_SIZE, ListExpiredError, listAllPages } from "./list-all-pages.js";
import { containerActivity, isPodFinished, podContainers, type SkipReason } from "./pod-containers.js";
import { createPodPullSecrets } from "./pod-pull-secrets.js";
import { choosePullReference } from "./pull-reference.js";
import { createWorkloadResolver } from "./workload-resolver.js";

export { DEFAULT_LIST_PAGE_SIZE } from "./list-all-pages.js";
export { DEFAULT_OWNER_LIST_THRESHOLD } from "./workload-resolver.js";

/** Options of {@link discoverRunningContainers}. */
export interface DiscoverOptions {
  readonly reader: KubernetesReader;
  /** Written into every {@link RunningContainer}; the server's id for this cluster. */
  readonly clusterId: string;
  /**
   * Namespaces to scan, each listed on its own (a 403 on one fails only that one). Absent or
   * empty: every namespace, with one cluster-wide list (needs `list pods` cluster-wide); when
   * that list is forbidden, namespace by namespace instead (needs `list namespaces`), where
   * a namespace whose pods are forbidden fails on its own.
   */
  readonly namespaces?: readonly string[];
  /** Namespaces left out, from the include list or from the whole cluster. */
  readonly excludeNamespaces?: readonly string[];
  /** A label selector on pods, e.g. `app.kubernetes.io/part-of=shop`. */
  readonly labelSelector?: string;
  /** Items per list page (`limit`); default {@link DEFAULT_LIST_PAGE_SIZE}, as kubectl uses. */
  readonly pageSize?: number;
  /**
   * How many distinct ReplicaSets (or Jobs) a namespace's running pods must name before that
   * namespace's are read with one list rather than a get each; default
   * {@link DEFAULT_OWNER_LIST_THRESHOLD}, `Infinity` never lists (see workload-resolver.ts).
   */
  readonly ownerListThreshold?: number;
  /** Lookups (ReplicaSets, Jobs, service accounts) and namespace lists in flight; default 8. */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
}

/** A container that was found but is not reported as running, and why. */
export interface SkippedContainer {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly containerType: ContainerType;
  /** The spec's image. */
  readonly image?: string;
  readonly imageId?: string;
  readonly reason: SkipReason;
  /** One sentence for people. */
  readonly message: string;
  /**
   * The pod's workload, for pods that have not finished: their containers exist but were
   * not scanned (waiting, or an image that cannot be pulled by digest), so a caller must
   * not treat their earlier findings as resolved.
   */
  readonly workload?: WorkloadRef;
}

/** A namespace, or the whole cluster, whose pods could not be listed. */
export interface DiscoveryFailure {
  readonly scope: "cluster" | "namespace";
  /** Set when `scope` is `namespace`. */
  readonly namespace?: string;
  /** What failed, why, and what to do. */
  readonly reason: string;
  /** The {@link KubernetesApiError} or {@link ListExpiredError} behind it. */
  readonly cause?: unknown;
}

/** Counts of one discovery run. */
export interface DiscoveryStats {
  /**
   * Namespaces whose pods were listed (with one cluster-wide list: namespaces with at least
   * one pod; namespace by namespace: every namespace listed, empty or not).
   */
  readonly namespaces: number;
  /** Pods listed, after the namespace filters. */
  readonly pods: number;
  /** Containers reported as running. */
  readonly containers: number;
  /** Containers skipped. */
  readonly skipped: number;
}

/**
 * The result of {@link discoverRunningContainers}, every list sorted. `status` is `complete`
 * when every selected namespace was listed; `partial` when some failed (their workloads are
 * unknown, so nothing about them may be concluded); `failed` when none could be listed.
 */
export interface DiscoveryResult {
  readonly status: "complete" | "partial" | "failed";
  readonly containers: readonly RunningContainer[];
  readonly skipped: readonly SkippedContainer[];
  readonly failures: readonly DiscoveryFailure[];
  readonly issues: readonly DiscoveryIssue[];
  readonly stats: DiscoveryStats;
}

const TYPE_ORDER: Readonly<Record<ContainerType, number>> = { init: 0, container: 1, ephemeral: 2 };

/**
 * Discovery, the first stage of a cluster scan: every container that runs in the selected
 * namespaces, with the image its spec names, the digest the node runs (from the container
 * status's `imageID`), the reference to pull that digest by, the owning workload and the pull
 * secrets that apply. Containers that do not run, or whose image cannot be located, are
 * listed in `skipped` with the reason; nothing is guessed.
 *
 * Errors are scoped: a namespace that cannot be listed (403, a server error, an expired list)
 * is a failure of that namespace and the others go on; an unreadable ReplicaSet, Job or
 * service account is an issue with a documented fallback. Only what concerns the whole run
 * is thrown: 401 (credentials refused), a {@link KubernetesConnectionError}, cancellation.
 *
 * Without named namespaces, pods are listed cluster-wide in one list. An identity that may
 * list pods only in some namespaces (RoleBindings per team) gets 403 there; discovery then
 * lists the namespaces and their pods one by one, with an info issue saying so, and the
 * namespaces it may not read become namespace failures (status `partial`). Only when the
 * namespaces cannot be listed either is the whole cluster a failure.
 */
export async function discoverRunningContainers(options: DiscoverOptions): Promise<DiscoveryResult> {
  const { reader, clusterId, labelSelector, signal } = options;
  const pageSize = options.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
  const concurrency = options.concurrency ?? 8;
  const exclude = new Set(options.excludeNamespaces ?? []);
  const include = [...new Set(options.namespaces ?? [])].filter((ns) => ns !== "");
  const withSignal = signal ? { signal } : {};

  const issues: DiscoveryIssue[] = [];
  const failures: DiscoveryFailure[] = [];
  const onIssue = (issue: DiscoveryIssue): void => {
    issues.push(issue);
  };

  const listPods = (namespace: string | undefined) =>
    listAllPages<KubePod>(
      namespace === undefined ? "pods of all namespaces" : `pods in namespace "${namespace}"`,
      (token) =>
        reader.listPods({
          ...(namespace !== undefined ? { namespace } : {}),
          ...(labelSelector ? { labelSelector } : {}),
          limit: pageSize,
          ...(token !== undefined ? { continue: token } : {}),
          ...withSignal,
        }),
      signal,
    );

  const pods: KubePod[] = [];
  let namespaceCount = 0;
  let scopes = 0;

  /** Each namespace in its own list, `concurrency` at a time; one that cannot be listed fails alone. */
  const listEachNamespace = async (targets: readonly string[]): Promise<void> => {
    const settled = await runPool(targets, concurrency, async (namespace) => {
      try {
        const listed = await listPods(namespace);
        return { namespace, pods: listed.items };
      } catch (error) {
        if (!isScopedApiError(error) && !(error instanceof ListExpiredError)) throw error;
        failures.push({
          scope: "namespace",
          namespace,
          reason: namespaceFailureReason(namespace, error),
          cause: error,
        });
        return undefined;
      }
    });
    for (const outcome of settled) {
      if (outcome.status === "rejected") throw outcome.reason;
      if (!outcome.value) continue;
      namespaceCount++;
      for (const pod of outcome.value.pods) pods.push(withNamespace(pod, outcome.value.namespace));
    }
  };

  if (include.length > 0) {
    const targets = include.filter((ns) => !exclude.has(ns)).sort();
    scopes = targets.length;
    if (targets.length > 0) await reportMissingNamespaces(reader, targets, pageSize, signal, onIssue);
    await listEachNamespace(targets);
  } else {
    scopes = 1;
    try {
      const listed = await listPods(undefined);
      for (const pod of listed.items) if (!exclude.has(pod.metadata.namespace ?? "")) pods.push(pod);
      namespaceCount = new Set(pods.map((pod) => pod.metadata.namespace ?? "")).size;
    } catch (error) {
      if (!isScopedApiError(error) && !(error instanceof ListExpiredError)) throw error;
      // Only a 403 is worth the fallback: the per-namespace lists would meet a server error
      // or an expired list just the same.
      let namespaces: string[] | undefined;
      let namespacesError: unknown;
      if (isKubernetesApiError(error, 403)) {
        try {
          namespaces = await listNamespaceNames(reader, pageSize, signal);
        } catch (listError) {
          if (!isScopedApiError(listError) && !(listError instanceof ListExpiredError)) throw listError;
          namespacesError = listError;
        }
      }
      if (namespaces) {
        onIssue(
          objectIssue(
            "info",
            "pods-listed-per-namespace",
            `Cannot list pods cluster-wide (${serverSaid(error)}); listed them namespace by namespace ` +
              "instead, and a namespace whose pods are forbidden is reported as a failure. Grant list on " +
              "pods cluster-wide (bind the ClusterRole in deploy/rbac.yaml) to read them in one list.",
            "Pod",
            undefined,
            "*",
          ),
        );
        const targets = namespaces.filter((ns) => !exclude.has(ns)).sort();
        scopes = targets.length;
        await listEachNamespace(targets);
      } else {
        failures.push({
          scope: "cluster",
          reason: clusterFailureReason(error, namespacesError),
          cause: error,
        });
      }
    }
  }

  const workloads = createWorkloadResolver({
    reader,
    onIssue,
    // Finished pods are not resolved, so their owners do not count towards a list.
    pods: pods.filter((pod) => !isPodFinished(pod)),
    pageSize,
    ...(options.ownerListThreshold !== undefined ? { listThreshold: options.ownerListThreshold } : {}),
    ...withSignal,
  });
  const pullSecrets = createPodPullSecrets({ reader, onIssue, ...withSignal });
  const containers: RunningContainer[] = [];
  const skipped: SkippedContainer[] = [];

  const settled = await runPool(pods, concurrency, async (pod) => {
    const namespace = pod.metadata.namespace ?? "";
    const podName = pod.metadata.name ?? "";
    const entries = podContainers(pod).map((container) => ({
      container,
      activity: containerActivity(pod, container),
    }));
    const finished = isPodFinished(pod);
    const workload = finished ? undefined : await workloads.workloadOf(pod);
    const secrets = entries.some((e) => e.activity.runs) ? await pullSecrets.pullSecretsOf(pod) : [];
    for (const { container, activity } of entries) {
      const where = {
        namespace,
        pod: podName,
        container: container.name,
        ...(container.image !== undefined ? { image: container.image } : {}),
      };
      const imageId = container.status?.imageID;
      const skip = (reason: SkipReason, message: string): void => {
        skipped.push({
          namespace,
          pod: podName,
          container: container.name,
          containerType: container.type,
          ...(container.image !== undefined ? { image: container.image } : {}),
          ...(imageId ? { imageId } : {}),
          reason,
          message,
          ...(workload ? { workload } : {}),
        });
      };
      if (!activity.runs) {
        skip(activity.reason, activity.message);
        continue;
      }
      const outcome = choosePullReference(container.image, parseImageId(imageId));
      if (!outcome.ok) {
        skip(outcome.code, outcome.message);
        if (outcome.severity !== "info")
          issues.push(containerIssue(outcome.severity, outcome.code, outcome.message, where));
        continue;
      }
      for (const note of outcome.notes)
        issues.push(containerIssue(note.severity, note.code, note.message, where));
      const startedAt = activity.startedAt ?? pod.status?.startTime;
      containers.push({
        clusterId,
        namespace,
        pod: podName,
        ...(pod.metadata.uid ? { podUid: pod.metadata.uid } : {}),
        workload: workload!,
        containerName: container.name,
        containerType: container.type,
        image: container.image ?? "",
        imageId: imageId ?? "",
        digest: outcome.digest,
        pullReference: outcome.pullReference,
        ...(startedAt ? { startedAt } : {}),
        ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
        pullSecrets: secrets,
      });
    }
  });
  for (const outcome of settled) if (outcome.status === "rejected") throw outcome.reason;

  containers.sort(compareRunningContainers);
  skipped.sort(compareSkipped);
  failures.sort((a, b) => cmp(a.scope, b.scope) || cmp(a.namespace, b.namespace));
  issues.sort(compareDiscoveryIssues);
  return {
    status: failures.length === 0 ? "complete" : failures.length >= scopes ? "failed" : "partial",
    containers,
    skipped,
    failures,
    issues,
    stats: {
      namespaces: namespaceCount,
      pods: pods.length,
      containers: containers.length,
      skipped: skipped.length,
    },
  };
}

/** Pods listed in a namespace always carry it; fill it in for sources that leave it out. */
function withNamespace(pod: KubePod, namespace: string): KubePod {
  return pod.metadata.namespace ? pod : { ...pod, metadata: { ...pod.metadata, namespace } };
}

function serverSaid(error: unknown): string {
  if (error instanceof ListExpiredError) return error.message;
  if (isKubernetesApiError(error)) {
    return error.serverMessage || `${error.status} ${error.reason}`;
  }
  return String(error);
}

function namespaceFailureReason(namespace: string, error: unknown): string {
  if (error instanceof ListExpiredError)
    return `cannot list pods in namespace "${namespace}": ${error.message}`;
  const base = `cannot list pods in namespace "${namespace}": ${serverSaid(error)}`;
  return isKubernetesApiError(error, 403)
    ? `${base}. Grant list on pods in this namespace (bind the ClusterRole in deploy/rbac.yaml)`
    : base;
}

/** `namespacesError`: why the per-namespace fallback (tried after a 403 only) could not list namespaces. */
function clusterFailureReason(error: unknown, namespacesError: unknown): string {
  if (error instanceof ListExpiredError) return `cannot list pods cluster-wide: ${error.message}`;
  const base = `cannot list pods cluster-wide: ${serverSaid(error)}`;
  if (!isKubernetesApiError(error, 403)) return base;
  const fallback = `cannot list namespaces either, to list pods namespace by namespace: ${serverSaid(namespacesError)}`;
  return isKubernetesApiError(namespacesError, 403)
    ? `${base}; ${fallback}. Grant list on pods and list on namespaces cluster-wide (bind the ClusterRole in deploy/rbac.yaml)`
    : `${base}; ${fallback}. Grant list on pods cluster-wide (bind the ClusterRole in deploy/rbac.yaml)`;
}

/** Every namespace's name, page by page. */
async function listNamespaceNames(
  reader: KubernetesReader,
  pageSize: number,
  signal: AbortSignal | undefined,
): Promise<string[]> {
  const listed = await listAllPages(
    "namespaces",
    (token) =>
      reader.listNamespaces({
        limit: pageSize,
        ...(token !== undefined ? { continue: token } : {}),
        ...(signal ? { signal } : {}),
      }),
    signal,
  );
  return [...new Set(listed.items.map((ns) => ns.metadata.name ?? ""))].filter((name) => name !== "");
}

/**
 * Named namespaces that do not exist are worth a warning (a typo scans nothing), but not a
 * failure: a deleted namespace really has no workloads left. Needs `list namespaces`; without
 * it the check is skipped with an info issue.
 */
async function reportMissingNamespaces(
  reader: KubernetesReader,
  targets: readonly string[],
  pageSize: number,
  signal: AbortSignal | undefined,
  onIssue: (issue: DiscoveryIssue) => void,
): Promise<void> {
  let existing: Set<string>;
  try {
    existing = new Set(await listNamespaceNames(reader, pageSize, signal));
  } catch (error) {
    if (!isScopedApiError(error) && !(error instanceof ListExpiredError)) throw error;
    onIssue(
      objectIssue(
        isKubernetesApiError(error, 403) ? "info" : "warning",
        "namespaces-unverified",
        `Cannot list namespaces to check that the selected ones exist: ${serverSaid(error)}.`,
        "Namespace",
        undefined,
        "*",
      ),
    );
    return;
  }
  for (const namespace of targets) {
    if (existing.has(namespace)) continue;
    onIssue(
      objectIssue(
        "warning",
        "namespace-not-found",
        `Namespace "${namespace}" does not exist, so nothing runs in it; check the name if workloads were expected there.`,
        "Namespace",
        undefined,
        namespace,
      ),
    );
  }
}

/** Namespace, pod, pod uid, container type (init, container, ephemeral), container name. */
export function compareRunningContainers(a: RunningContainer, b: RunningContainer): number {
  return (
    cmp(a.namespace, b.namespace) ||
    cmp(a.pod, b.pod) ||
    cmp(a.podUid, b.podUid) ||
    TYPE_ORDER[a.containerType] - TYPE_ORDER[b.containerType] ||
    cmp(a.containerName, b.containerName)
  );
}

function compareSkipped(a: SkippedContainer, b: SkippedContainer): number {
  return (
    cmp(a.namespace, b.namespace) ||
    cmp(a.pod, b.pod) ||
    TYPE_ORDER[a.containerType] - TYPE_ORDER[b.containerType] ||
    cmp(a.container, b.container) ||
    cmp(a.reason, b.reason)
  );
}
