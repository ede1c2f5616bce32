/**
 * The parts of Kubernetes API objects that discovery reads, typed as the API serves them
 * in JSON (https://kubernetes.io/docs/reference/kubernetes-api/): `core/v1` Pod, Namespace,
 * ServiceAccount and Secret, `apps/v1` ReplicaSet and `batch/v1` Job. Timestamps are RFC 3339
 * strings and Secret `data` values are base64, exactly as on the wire, so objects read from a
 * file (`kubectl get -o json`) and objects from a client library fit the same types. Fields
 * discovery does not read are left out; extra fields are harmless.
 */

/** `metav1.OwnerReference`: who controls an object (`controller: true` marks the one owner that does). */
export interface KubeOwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid?: string;
  readonly controller?: boolean;
}

/** `metav1.ObjectMeta`, the fields discovery reads. */
export interface KubeObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly creationTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly KubeOwnerReference[];
}

/** `metav1.ListMeta`: `continue` is the token of the next page when a list was asked with `limit`. */
export interface KubeListMeta {
  readonly continue?: string;
  readonly resourceVersion?: string;
}

/** A list response (`PodList`, `NamespaceList` ...), one page of it when paginated. */
export interface KubeList<T> {
  readonly metadata?: KubeListMeta;
  readonly items: readonly T[];
}

/** `core/v1` LocalObjectReference as used by `imagePullSecrets`. */
export interface KubeLocalObjectReference {
  readonly name?: string;
}

/** A container of the pod spec (regular, init or ephemeral), the fields discovery reads. */
export interface KubeContainer {
  readonly name: string;
  readonly image?: string;
  /** `Always` on an init container makes it a sidecar (KEP-753). */
  readonly restartPolicy?: string;
}

/** `core/v1` ContainerState: exactly one of the three is set by the kubelet. */
export interface KubeContainerState {
  readonly running?: { readonly startedAt?: string };
  readonly terminated?: {
    readonly exitCode?: number;
    readonly reason?: string;
    readonly startedAt?: string;
    readonly finishedAt?: string;
  };
  readonly waiting?: { readonly reason?: string; readonly message?: string };
}

/** `core/v1` ContainerStatus: what the node runs for one container of the spec. */
export interface KubeContainerStatus {
  readonly name: string;
  /** The image as the runtime names it (may differ in form from the spec's). */
  readonly image?: string;
  /** The runtime's image reference: a repository digest, a `docker-pullable://` one, or a local image id. */
  readonly imageID?: string;
  readonly containerID?: string;
  readonly state?: KubeContainerState;
}

/** `core/v1` PodSpec, the fields discovery reads. */
export interface KubePodSpec {
  readonly containers?: readonly KubeContainer[];
  readonly initContainers?: readonly KubeContainer[];
  readonly ephemeralContainers?: readonly KubeContainer[];
  readonly imagePullSecrets?: readonly KubeLocalObjectReference[];
  readonly serviceAccountName?: string;
  readonly nodeName?: string;
}

/** `core/v1` PodStatus, the fields discovery reads. */
export interface KubePodStatus {
  /** `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
  readonly phase?: string;
  readonly startTime?: string;
  readonly containerStatuses?: readonly KubeContainerStatus[];
  readonly initContainerStatuses?: readonly KubeContainerStatus[];
  readonly ephemeralContainerStatuses?: readonly KubeContainerStatus[];
}

/** `core/v1` Pod. */
export interface KubePod {
  readonly metadata: KubeObjectMeta;
  readonly spec?: KubePodSpec;
  readonly status?: KubePodStatus;
}

/** `core/v1` Namespace. */
export interface KubeNamespace {
  readonly metadata: KubeObjectMeta;
}

/** `core/v1` ServiceAccount: its `imagePullSecrets` apply to every pod that runs as it. */
export interface KubeServiceAccount {
  readonly metadata: KubeObjectMeta;
  readonly imagePullSecrets?: readonly KubeLocalObjectReference[];
}

/** `core/v1` Secret: `data` values are base64 as the API serves them. */
export interface KubeSecret {
  readonly metadata: KubeObjectMeta;
  /** `kubernetes.io/dockerconfigjson`, `kubernetes.io/dockercfg`, `Opaque` ... */
  readonly type?: string;
  readonly data?: Readonly<Record<string, string>>;
}

/** `apps/v1` ReplicaSet: only its owner (a Deployment, usually) matters here. */
export interface KubeReplicaSet {
  readonly metadata: KubeObjectMeta;
}

/** `batch/v1` Job: only its owner (a CronJob, when scheduled) matters here. */
export interface KubeJob {
  readonly metadata: KubeObjectMeta;
}
