import type {
  V1Container,
  V1ContainerState,
  V1ContainerStatus,
  V1EphemeralContainer,
  V1Job,
  V1ListMeta,
  V1LocalObjectReference,
  V1Namespace,
  V1ObjectMeta,
  V1Pod,
  V1ReplicaSet,
  V1Secret,
  V1ServiceAccount,
} from "@kubernetes/client-node";
import type {
  KubeContainer,
  KubeContainerState,
  KubeContainerStatus,
  KubeJob,
  KubeListMeta,
  KubeLocalObjectReference,
  KubeNamespace,
  KubeObjectMeta,
  KubePod,
  KubeReplicaSet,
  KubeSecret,
  KubeServiceAccount,
} from "@vigil/core";

/**
 * `@kubernetes/client-node` models to core's wire-shaped Kubernetes objects. The client
 * deserializes timestamps into `Date` and renames `continue` to `_continue`; core reads the
 * JSON the API serves. Only the fields discovery reads are copied, which also keeps the
 * thousands of pods of a cluster-wide list small in memory.
 */

/**
 * `metav1.Time` as the API writes it: RFC 3339 with second precision
 * (`2023-03-26T09:10:35Z`), fractional seconds kept only when present.
 */
export function toApiTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (Number.isNaN(value.getTime())) return undefined;
  return value.toISOString().replace(".000Z", "Z");
}

function defined<T extends object>(object: T): T {
  for (const key of Object.keys(object) as (keyof T)[]) if (object[key] === undefined) delete object[key];
  return object;
}

function meta(m: V1ObjectMeta | undefined): KubeObjectMeta {
  if (!m) return {};
  return defined({
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    creationTimestamp: toApiTime(m.creationTimestamp),
    labels: m.labels,
    ownerReferences: m.ownerReferences?.map((o) =>
      defined({ apiVersion: o.apiVersion, kind: o.kind, name: o.name, uid: o.uid, controller: o.controller }),
    ),
  });
}

/** `metadata` of a list, with `_continue` back to `continue`. */
export function toListMeta(m: V1ListMeta | undefined): KubeListMeta {
  return defined({ continue: m?._continue || undefined, resourceVersion: m?.resourceVersion });
}

function refs(list: V1LocalObjectReference[] | undefined): KubeLocalObjectReference[] | undefined {
  return list?.map((r) => defined({ name: r.name }));
}

function container(c: V1Container | V1EphemeralContainer): KubeContainer {
  return defined({ name: c.name, image: c.image, restartPolicy: c.restartPolicy });
}

function state(s: V1ContainerState | undefined): KubeContainerState | undefined {
  if (!s) return undefined;
  return defined({
    running: s.running ? defined({ startedAt: toApiTime(s.running.startedAt) }) : undefined,
    terminated: s.terminated
      ? defined({
          exitCode: s.terminated.exitCode,
          reason: s.terminated.reason,
          startedAt: toApiTime(s.terminated.startedAt),
          finishedAt: toApiTime(s.terminated.finishedAt),
        })
      : undefined,
    waiting: s.waiting ? defined({ reason: s.waiting.reason, message: s.waiting.message }) : undefined,
  });
}

function status(s: V1ContainerStatus): KubeContainerStatus {
  return defined({
    name: s.name,
    image: s.image,
    imageID: s.imageID,
    containerID: s.containerID,
    state: state(s.state),
  });
}

/** A Pod. */
export function toKubePod(pod: V1Pod): KubePod {
  return defined({
    metadata: meta(pod.metadata),
    spec: pod.spec
      ? defined({
          containers: pod.spec.containers?.map(container),
          initContainers: pod.spec.initContainers?.map(container),
          ephemeralContainers: pod.spec.ephemeralContainers?.map(container),
          imagePullSecrets: refs(pod.spec.imagePullSecrets),
          serviceAccountName: pod.spec.serviceAccountName,
          nodeName: pod.spec.nodeName,
        })
      : undefined,
    status: pod.status
      ? defined({
          phase: pod.status.phase,
          startTime: toApiTime(pod.status.startTime),
          containerStatuses: pod.status.containerStatuses?.map(status),
          initContainerStatuses: pod.status.initContainerStatuses?.map(status),
          ephemeralContainerStatuses: pod.status.ephemeralContainerStatuses?.map(status),
        })
      : undefined,
  });
}

/** A Namespace. */
export function toKubeNamespace(namespace: V1Namespace): KubeNamespace {
  return { metadata: meta(namespace.metadata) };
}

/** A ServiceAccount. */
export function toKubeServiceAccount(account: V1ServiceAccount): KubeServiceAccount {
  return defined({ metadata: meta(account.metadata), imagePullSecrets: refs(account.imagePullSecrets) });
}

/** A Secret: `data` stays base64, as served (the client does not decode it). */
export function toKubeSecret(secret: V1Secret): KubeSecret {
  return defined({ metadata: meta(secret.metadata), type: secret.type, data: secret.data });
}

/** A ReplicaSet (its metadata: owners). */
export function toKubeReplicaSet(replicaSet: V1ReplicaSet): KubeReplicaSet {
  return { metadata: meta(replicaSet.metadata) };
}

/** A Job (its metadata: owners). */
export function toKubeJob(job: V1Job): KubeJob {
  return { metadata: meta(job.metadata) };
}
