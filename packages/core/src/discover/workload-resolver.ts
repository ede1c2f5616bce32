import type { WorkloadRef } from "../model/running-container.js";
import { type DiscoveryIssue, objectIssue } from "./discovery-issue.js";
import { isKubernetesApiError, isScopedApiError, type KubernetesApiError } from "./kubernetes-api-error.js";
import type { KubeList, KubeObjectMeta, KubeOwnerReference, KubePod } from "./kubernetes-objects.js";
import type { GetObjectOptions, KubernetesReader, ListNamespacedOptions } from "./kubernetes-reader.js";
import { DEFAULT_LIST_PAGE_SIZE, ListExpiredError, listAllPages } from "./list-all-pages.js";

/**
 * The workload a pod belongs to, by its controller `ownerReferences`
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/):
 *
 * - Pod → ReplicaSet → its controller (a Deployment; an Argo Rollout is reported as itself);
 *   a ReplicaSet without a controller is the workload.
 * - Pod → Job → its controller (a CronJob); a Job without one is the workload.
 * - Pod → StatefulSet, DaemonSet, ReplicationController or any other controller: that controller.
 * - A pod with no controller, or a static pod's mirror (controlled by its Node): the Pod itself.
 *
 * ReplicaSets and Jobs are read once each (thousands of pods share a few). Given the pods in
 * advance, the resolver reads those of a namespace whose pods name at least
 * {@link DEFAULT_OWNER_LIST_THRESHOLD} distinct ones with one paginated `list` of the
 * namespace's ReplicaSets (or Jobs): a cluster of 2,000 Deployments costs a few lists instead
 * of 2,000 gets. Below the threshold a `get` each is cheaper: the list also returns the old
 * ReplicaSets every Deployment keeps (`revisionHistoryLimit`, 10 by default). A list that
 * cannot be read (forbidden where only `get` is granted, a server error, expired twice) is an
 * issue of the namespace (`owner-list-failed`), and its objects are read with `get` as without
 * a list. An object missing from the list (deleted since the pods were listed) is read with
 * `get` too, which meets the 404 and the fallbacks below.
 *
 * When one cannot be read with `get` either (forbidden, already deleted, a server error) the
 * owner is inferred only where the inference is certain enough, and an issue says so:
 *
 * - ReplicaSet: the Deployment controller names its ReplicaSets `<deployment>-<pod-template-hash>`
 *   and labels the pods with that hash, so a ReplicaSet name ending in `-<the pod's
 *   pod-template-hash>` gives the Deployment's name. Without the label the ReplicaSet is reported.
 * - Job: the pod's labels (`batch.kubernetes.io/job-name`, `controller-uid`) name only the Job.
 *   The CronJob controller names its Jobs `<cronjob>-<scheduled time>`, in minutes since the
 *   epoch (`getJobName` in pkg/controller/cronjob/cronjob_controllerv2.go; the controller
 *   before Kubernetes 1.21 used seconds), so a Job name whose numeric suffix, read as that
 *   time, lies at most seven days before the pod was created is taken as `<cronjob>`'s
 *   (seven days covers retries and late starts). A hand-named Job would have to carry its
 *   pod's creation time to be mistaken; anything else is reported as the Job itself.
 */

/** Options of {@link createWorkloadResolver}. */
export interface WorkloadResolverOptions {
  readonly reader: KubernetesReader;
  readonly signal?: AbortSignal;
  /**
   * Receives each owner-lookup issue once (per ReplicaSet or Job, not per pod), and each
   * failed list once (per namespace and kind).
   */
  readonly onIssue: (issue: DiscoveryIssue) => void;
  /**
   * The pods {@link WorkloadResolver.workloadOf} will be asked about, when known in advance:
   * they decide which namespaces' ReplicaSets and Jobs are listed. Absent: a get each.
   */
  readonly pods?: readonly KubePod[];
  /**
   * How many distinct ReplicaSets (or Jobs) the pods of a namespace must name before they are
   * read with one list; default {@link DEFAULT_OWNER_LIST_THRESHOLD}. `Infinity` never lists.
   */
  readonly listThreshold?: number;
  /** Items per list page (`limit`); default {@link DEFAULT_LIST_PAGE_SIZE}. */
  readonly pageSize?: number;
}

/** Resolves pods to workloads, caching owner lookups for its lifetime (one discovery run). */
export interface WorkloadResolver {
  workloadOf(pod: KubePod): Promise<WorkloadRef>;
}

/**
 * Distinct ReplicaSets (or Jobs) from which a namespace's are listed rather than read one by
 * one: one request instead of three or more, while a list for one or two would carry every old
 * revision of their Deployments for nothing.
 */
export const DEFAULT_OWNER_LIST_THRESHOLD = 3;

/** Labels and name pattern the Deployment controller gives a ReplicaSet's pods. */
export const POD_TEMPLATE_HASH_LABEL = "pod-template-hash";
/** How far a CronJob-named Job's scheduled time may lie before its pod's creation. */
const CRONJOB_INFERENCE_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** The owner reference marked `controller: true`, if any. */
export function controllerOf(meta: KubeObjectMeta): KubeOwnerReference | undefined {
  return meta.ownerReferences?.find((ref) => ref.controller === true);
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function refToWorkload(ref: KubeOwnerReference, namespace: string): WorkloadRef {
  return {
    kind: ref.kind,
    name: ref.name,
    namespace,
    ...(ref.apiVersion ? { apiVersion: ref.apiVersion } : {}),
  };
}

function describeLookupError(error: KubernetesApiError): string {
  return `${error.status} ${error.reason}${error.serverMessage ? `: ${error.serverMessage}` : ""}`;
}

/** The kinds whose own controller names the workload. */
type OwnedKind = "ReplicaSet" | "Job";

/** Which {@link OwnedKind} a controller reference names, if any. */
function ownedKindOf(ref: KubeOwnerReference): OwnedKind | undefined {
  const group = groupOf(ref.apiVersion);
  if (ref.kind === "ReplicaSet" && (group === "apps" || group === "extensions")) return "ReplicaSet";
  if (ref.kind === "Job" && group === "batch") return "Job";
  return undefined;
}

/** How a kind is read, and what RBAC calls it. */
interface OwnedKindAccess {
  /** Plural for people: `ReplicaSets`. */
  readonly plural: string;
  /** RBAC resource with its group: `replicasets.apps`. */
  readonly resource: string;
  get(reader: KubernetesReader, options: GetObjectOptions): Promise<{ readonly metadata: KubeObjectMeta }>;
  list(
    reader: KubernetesReader,
    options: ListNamespacedOptions,
  ): Promise<KubeList<{ readonly metadata: KubeObjectMeta }>>;
}

const ACCESS: Readonly<Record<OwnedKind, OwnedKindAccess>> = {
  ReplicaSet: {
    plural: "ReplicaSets",
    resource: "replicasets.apps",
    get: (reader, options) => reader.getReplicaSet(options),
    list: (reader, options) => reader.listReplicaSets(options),
  },
  Job: {
    plural: "Jobs",
    resource: "jobs.batch",
    get: (reader, options) => reader.getJob(options),
    list: (reader, options) => reader.listJobs(options),
  },
};

/** The controller of each listed object by name; `undefined` for one without a controller. */
type ControllersByName = ReadonlyMap<string, KubeOwnerReference | undefined>;

/**
 * Per kind, the namespaces whose `pods` name at least `threshold` distinct objects of it,
 * with that number.
 */
function namespacesToList(
  pods: readonly KubePod[],
  threshold: number,
): Readonly<Record<OwnedKind, ReadonlyMap<string, number>>> {
  const named: Record<OwnedKind, Map<string, Set<string>>> = { ReplicaSet: new Map(), Job: new Map() };
  for (const pod of pods) {
    const ref = controllerOf(pod.metadata);
    const kind = ref && ownedKindOf(ref);
    if (!ref || !kind) continue;
    const namespace = pod.metadata.namespace ?? "";
    let names = named[kind].get(namespace);
    if (!names) {
      names = new Set();
      named[kind].set(namespace, names);
    }
    names.add(ref.name);
  }
  const busy = (byNamespace: Map<string, Set<string>>) =>
    new Map(
      [...byNamespace]
        .filter(([, names]) => names.size >= threshold)
        .map(([namespace, names]) => [namespace, names.size] as const),
    );
  return { ReplicaSet: busy(named.ReplicaSet), Job: busy(named.Job) };
}

/**
 * The CronJob a Job was created by, from the Job's name and its pod's creation time
 * (see the module comment), or undefined when the name does not fit.
 */
export function inferCronJobName(jobName: string, podCreated: string | undefined): string | undefined {
  const match = /^(.+)-(\d{1,12})$/.exec(jobName);
  if (!match || podCreated === undefined) return undefined;
  const created = Date.parse(podCreated);
  if (!Number.isFinite(created)) return undefined;
  const suffix = Number(match[2]);
  // Minutes (the current controller), then seconds (the controller before 1.21).
  for (const unitMs of [60_000, 1_000]) {
    const lag = created - suffix * unitMs;
    if (lag >= 0 && lag <= CRONJOB_INFERENCE_WINDOW_MS) return match[1];
  }
  return undefined;
}

/** Create a resolver; its caches live as long as it does. */
export function createWorkloadResolver(options: WorkloadResolverOptions): WorkloadResolver {
  const { reader, signal, onIssue } = options;
  const withSignal = signal ? { signal } : {};
  const pageSize = options.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
  const toList = namespacesToList(options.pods ?? [], options.listThreshold ?? DEFAULT_OWNER_LIST_THRESHOLD);
  const resolved = new Map<string, Promise<WorkloadRef>>();
  const lists = new Map<string, Promise<ControllersByName | undefined>>();

  /** The namespace's objects of `kind` in one list; undefined when it was not listed or could not be. */
  function listed(kind: OwnedKind, namespace: string): Promise<ControllersByName | undefined> {
    const expected = toList[kind].get(namespace);
    if (expected === undefined) return Promise.resolve(undefined);
    const key = `${kind} ${namespace}`;
    let entry = lists.get(key);
    if (!entry) {
      entry = listControllers(kind, namespace, expected);
      lists.set(key, entry);
    }
    return entry;
  }

  async function listControllers(
    kind: OwnedKind,
    namespace: string,
    expected: number,
  ): Promise<ControllersByName | undefined> {
    const access = ACCESS[kind];
    try {
      const { items } = await listAllPages(
        `${access.plural} in namespace "${namespace}"`,
        (token) =>
          access.list(reader, {
            namespace,
            limit: pageSize,
            ...(token !== undefined ? { continue: token } : {}),
            ...withSignal,
          }),
        signal,
      );
      return new Map(items.map((item) => [item.metadata.name ?? "", controllerOf(item.metadata)]));
    } catch (error) {
      if (!isScopedApiError(error) && !(error instanceof ListExpiredError)) throw error;
      const forbidden = isKubernetesApiError(error, 403);
      onIssue(
        objectIssue(
          forbidden ? "info" : "warning",
          "owner-list-failed",
          `Cannot list ${access.plural} in namespace "${namespace}" (${
            error instanceof ListExpiredError
              ? "the list expired twice while its pages were read"
              : describeLookupError(error)
          }); read the ${expected} its pods name one by one instead.` +
            (forbidden
              ? ` Grant list on ${access.resource} (the ClusterRole in deploy/rbac.yaml) to read them with one list.`
              : ""),
          kind,
          namespace,
          "*",
        ),
      );
      return undefined;
    }
  }

  /** The owner of a ReplicaSet or Job: from its namespace's list, else by `get`, else inferred. */
  async function viaOwned(
    kind: OwnedKind,
    pod: KubePod,
    ref: KubeOwnerReference,
    namespace: string,
  ): Promise<WorkloadRef> {
    const controllers = await listed(kind, namespace);
    let owner: KubeOwnerReference | undefined;
    if (controllers?.has(ref.name)) {
      owner = controllers.get(ref.name);
    } else {
      try {
        const object = await ACCESS[kind].get(reader, { namespace, name: ref.name, ...withSignal });
        owner = controllerOf(object.metadata);
      } catch (error) {
        if (!isScopedApiError(error)) throw error;
        return kind === "ReplicaSet"
          ? replicaSetUnreadable(pod, ref, namespace, error)
          : jobUnreadable(pod, ref, namespace, error);
      }
    }
    return owner ? refToWorkload(owner, namespace) : refToWorkload(ref, namespace);
  }

  function replicaSetUnreadable(
    pod: KubePod,
    ref: KubeOwnerReference,
    namespace: string,
    error: KubernetesApiError,
  ): WorkloadRef {
    const hash = pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
    const suffix = `-${hash}`;
    const inferred =
      hash && ref.name.endsWith(suffix) && ref.name.length > suffix.length
        ? ref.name.slice(0, -suffix.length)
        : undefined;
    onIssue(
      objectIssue(
        error.status === 403 || error.status === 404 ? "info" : "warning",
        "owner-lookup-failed",
        `Cannot get ReplicaSet ${namespace}/${ref.name} (${describeLookupError(error)}); ` +
          (inferred
            ? `its pods are reported under Deployment "${inferred}", the name the ${POD_TEMPLATE_HASH_LABEL} label implies.`
            : "its pods are reported under the ReplicaSet itself.") +
          (error.status === 403
            ? " Grant get on replicasets.apps (the ClusterRole in deploy/rbac.yaml) to read owners exactly."
            : ""),
        "ReplicaSet",
        namespace,
        ref.name,
      ),
    );
    return inferred
      ? { kind: "Deployment", name: inferred, namespace, apiVersion: "apps/v1" }
      : refToWorkload(ref, namespace);
  }

  function jobUnreadable(
    pod: KubePod,
    ref: KubeOwnerReference,
    namespace: string,
    error: KubernetesApiError,
  ): WorkloadRef {
    const inferred = inferCronJobName(ref.name, pod.metadata.creationTimestamp ?? pod.status?.startTime);
    onIssue(
      objectIssue(
        error.status === 403 || error.status === 404 ? "info" : "warning",
        "owner-lookup-failed",
        `Cannot get Job ${namespace}/${ref.name} (${describeLookupError(error)}); ` +
          (inferred
            ? `its pods are reported under CronJob "${inferred}": the Job's name ends in the minute its pod was scheduled, as the CronJob controller names Jobs.`
            : "its pods are reported under the Job itself.") +
          (error.status === 403
            ? " Grant get on jobs.batch (the ClusterRole in deploy/rbac.yaml) to read owners exactly."
            : ""),
        "Job",
        namespace,
        ref.name,
      ),
    );
    return inferred
      ? { kind: "CronJob", name: inferred, namespace, apiVersion: "batch/v1" }
      : refToWorkload(ref, namespace);
  }

  return {
    async workloadOf(pod) {
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name ?? "";
      const ref = controllerOf(pod.metadata);
      if (!ref || (ref.kind === "Node" && groupOf(ref.apiVersion) === "")) {
        return { kind: "Pod", name, namespace, apiVersion: "v1" };
      }
      const kind = ownedKindOf(ref);
      if (!kind) return refToWorkload(ref, namespace);
      const key = `${kind} ${namespace}/${ref.name}`;
      let entry = resolved.get(key);
      if (!entry) {
        entry = viaOwned(kind, pod, ref, namespace);
        resolved.set(key, entry);
      }
      return entry;
    },
  };
}
