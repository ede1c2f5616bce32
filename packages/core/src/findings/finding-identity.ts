/**
 * One container of one workload: the place a finding lives in a cluster, and the unit a
 * scan covers or leaves uncovered.
 */
export interface WorkloadContainerRef {
  readonly namespace: string;
  /** Workload kind as the API names it: `Deployment`, `StatefulSet`, `DaemonSet`, `CronJob`, `Pod` ... */
  readonly workloadKind: string;
  readonly workloadName: string;
  readonly containerName: string;
}

/**
 * What makes a finding the same finding from one scan to the next (ARCHITECTURE.md section 5,
 * GitLab's vulnerability identity): where it runs and what is vulnerable. The image digest,
 * installed and fixed version, severity and file path are details of the latest detection,
 * so a CVE that survives an image upgrade stays one finding with its triage and history.
 */
export interface FindingIdentity extends WorkloadContainerRef {
  readonly clusterId: string;
  /** The installed (binary) package name, as `Match.package.name`. */
  readonly packageName: string;
  /** The match's primary id (`Match.id`): the CVE when any matching advisory names one, else the advisory id. */
  readonly advisoryId: string;
}

const IDENTITY_FIELDS = [
  "clusterId",
  "namespace",
  "workloadKind",
  "workloadName",
  "containerName",
  "packageName",
  "advisoryId",
] as const satisfies readonly (keyof FindingIdentity)[];

/**
 * The identity as one string, for maps and storage: a JSON array of the fields in a fixed
 * order, so no separator inside a name can make two identities collide.
 */
export function findingKey(identity: FindingIdentity): string {
  return JSON.stringify(IDENTITY_FIELDS.map((field) => identity[field]));
}

/** The workload container of an identity (or of anything shaped like one) as a map key. */
export function workloadContainerKey(ref: WorkloadContainerRef): string {
  return JSON.stringify([ref.namespace, ref.workloadKind, ref.workloadName, ref.containerName]);
}

/** The workload (without container) as a map key. */
export function workloadKey(ref: Omit<WorkloadContainerRef, "containerName">): string {
  return JSON.stringify([ref.namespace, ref.workloadKind, ref.workloadName]);
}

/** Deterministic order of identities: field by field in {@link findingKey}'s order, by code unit. */
export function compareFindingIdentities(a: FindingIdentity, b: FindingIdentity): number {
  for (const field of IDENTITY_FIELDS) {
    const x = a[field];
    const y = b[field];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Deterministic order of workload containers: namespace, kind, name, container, by code unit. */
export function compareWorkloadContainers(a: WorkloadContainerRef, b: WorkloadContainerRef): number {
  const x = workloadContainerKey(a);
  const y = workloadContainerKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
