/**
 * The workload that owns a pod, found through `ownerReferences` (Pod → ReplicaSet →
 * Deployment, Job → CronJob, StatefulSet, DaemonSet; a bare Pod owns itself), so that
 * findings name the Deployment a team knows, not a ReplicaSet hash.
 */
export interface WorkloadRef {
  /** Kind as the API names it: `Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Job`, `Pod` ... */
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** API version of the owner, e.g. `apps/v1`, when known. */
  readonly apiVersion?: string;
}

/** Which list of the pod spec a container comes from. */
export type ContainerType = "container" | "init" | "ephemeral";

/** A secret named by a pod or its service account as `imagePullSecrets`. */
export interface PullSecretRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * One container that runs (or ran, for init containers) in a cluster, with the image as
 * the spec writes it and the digest the node actually started it from
 * (`status.containerStatuses[].imageID`). Produced by discovery; one per container
 * status, so the same image in many pods appears many times (scans dedupe by digest).
 */
export interface RunningContainer {
  readonly clusterId: string;
  readonly namespace: string;
  readonly pod: string;
  readonly podUid?: string;
  readonly workload: WorkloadRef;
  readonly containerName: string;
  readonly containerType: ContainerType;
  /** The image as written in the pod spec, e.g. `nginx:1.25` or `registry.local/app@sha256:…`. */
  readonly image: string;
  /** `status.imageID` exactly as the runtime wrote it. */
  readonly imageId: string;
  /**
   * Manifest (or index) digest the container runs, `sha256:…`, parsed from `imageId`; when the
   * runtime reports only a local image id (`docker://sha256:…`) and the spec pins a digest, the
   * spec's (what the kubelet pulled). Containers with neither are skipped by discovery.
   */
  readonly digest: string;
  /**
   * The reference to pull the running image by: repository from the spec image (or from
   * the imageID when the spec names none) pinned to `digest`, e.g. `registry.local/app@sha256:…`.
   */
  readonly pullReference: string;
  /**
   * When the container started (`state.running` or, for init and ephemeral containers that
   * ran, `state.terminated`), else the pod's `status.startTime`; RFC 3339 as the API writes it.
   */
  readonly startedAt?: string;
  readonly nodeName?: string;
  /**
   * The pod's own `imagePullSecrets` first, then its service account's, without repeats
   * (names only; discovery's `createPullSecretCredentials` reads them).
   */
  readonly pullSecrets: readonly PullSecretRef[];
}
