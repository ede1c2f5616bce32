import type { WorkloadRef } from "../model/running-container.js";
import { type DiscoveryIssue, objectIssue } from "./discovery-issue.js";
import { isScopedApiError, type KubernetesApiError } from "./kubernetes-api-error.js";
import type { KubeObjectMeta, KubeOwnerReference, KubePod } from "./kubernetes-objects.js";
import type { KubernetesReader } from "./kubernetes-reader.js";

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
 * ReplicaSets and Jobs are read with `get`, once each (thousands of pods share a few).
 * When one cannot be read (forbidden, already deleted, a server error) the owner is inferred
 * only where the inference is certain enough, and an issue says so:
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
  /** Receives each owner-lookup issue once (per ReplicaSet or Job, not per pod). */
  readonly onIssue: (issue: DiscoveryIssue) => void;
}

/** Resolves pods to workloads, caching owner lookups for its lifetime (one discovery run). */
export interface WorkloadResolver {
  workloadOf(pod: KubePod): Promise<WorkloadRef>;
}

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
  const replicaSets = new Map<string, Promise<WorkloadRef>>();
  const jobs = new Map<string, Promise<WorkloadRef>>();

  async function viaReplicaSet(
    pod: KubePod,
    ref: KubeOwnerReference,
    namespace: string,
  ): Promise<WorkloadRef> {
    try {
      const rs = await reader.getReplicaSet({ namespace, name: ref.name, ...(signal ? { signal } : {}) });
      const owner = controllerOf(rs.metadata);
      return owner ? refToWorkload(owner, namespace) : refToWorkload(ref, namespace);
    } catch (error) {
      if (!isScopedApiError(error)) throw error;
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
  }

  async function viaJob(pod: KubePod, ref: KubeOwnerReference, namespace: string): Promise<WorkloadRef> {
    try {
      const job = await reader.getJob({ namespace, name: ref.name, ...(signal ? { signal } : {}) });
      const owner = controllerOf(job.metadata);
      return owner ? refToWorkload(owner, namespace) : refToWorkload(ref, namespace);
    } catch (error) {
      if (!isScopedApiError(error)) throw error;
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
  }

  function cached(
    cache: Map<string, Promise<WorkloadRef>>,
    key: string,
    load: () => Promise<WorkloadRef>,
  ): Promise<WorkloadRef> {
    let entry = cache.get(key);
    if (!entry) {
      entry = load();
      cache.set(key, entry);
    }
    return entry;
  }

  return {
    async workloadOf(pod) {
      const namespace = pod.metadata.namespace ?? "";
      const name = pod.metadata.name ?? "";
      const ref = controllerOf(pod.metadata);
      if (!ref || (ref.kind === "Node" && groupOf(ref.apiVersion) === "")) {
        return { kind: "Pod", name, namespace, apiVersion: "v1" };
      }
      const group = groupOf(ref.apiVersion);
      if (ref.kind === "ReplicaSet" && (group === "apps" || group === "extensions")) {
        return cached(replicaSets, `${namespace}/${ref.name}`, () => viaReplicaSet(pod, ref, namespace));
      }
      if (ref.kind === "Job" && group === "batch") {
        return cached(jobs, `${namespace}/${ref.name}`, () => viaJob(pod, ref, namespace));
      }
      return refToWorkload(ref, namespace);
    },
  };
}
