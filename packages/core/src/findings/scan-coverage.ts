import { type WorkloadContainerRef, workloadContainerKey, workloadKey } from "./finding-identity.js";

/**
 * The part of a cluster a scan was asked to look at, as the scan's options selected it. A
 * finding outside the scope says nothing about this scan.
 */
export interface CoverageScope {
  /**
   * Every namespace, or only these. An empty list covers nothing (discovery reads an empty
   * list as "every namespace": pass `"all"` for that, so a mistake here resolves nothing).
   */
  readonly namespaces: "all" | readonly string[];
  /** Namespaces left out of the scan. */
  readonly excludeNamespaces?: readonly string[];
  /**
   * A pod label selector narrows the scan to some workloads, and a workload that was not seen
   * may be unselected rather than gone: with a selector only the workload containers in
   * {@link ScanCoverage.observed} are covered.
   */
  readonly labelSelector?: string;
}

/**
 * A workload container the scan did not read even though it runs: its image failed or was
 * read partially, or the container was skipped in a live pod (waiting, image not locatable).
 * Without `containerName`, every container of the workload.
 */
export interface UncoveredWorkload extends Omit<WorkloadContainerRef, "containerName"> {
  readonly containerName?: string;
}

/**
 * What a scan can vouch for: a finding it did not detect is gone only inside this coverage
 * (ARCHITECTURE.md section 5: only a complete, successful scan of the scope that covers a
 * finding resolves it).
 */
export interface ScanCoverage {
  /** Only `complete` covers anything: a failed, partial or timed-out scan resolves nothing. */
  readonly status: "complete" | "partial" | "failed";
  readonly scope: CoverageScope;
  /** Namespaces inside the scope whose pods could not be listed. */
  readonly uncoveredNamespaces: readonly string[];
  readonly uncovered: readonly UncoveredWorkload[];
  /** Workload containers seen running and scanned; consulted only when the scope has a label selector. */
  readonly observed?: readonly WorkloadContainerRef[];
}

/**
 * Why a scan does not cover a workload container: `scan-not-complete` (status not `complete`),
 * `namespace-not-in-scope`, `namespace-failed` (its pods could not be listed),
 * `workload-uncovered` (listed in `uncovered`), `workload-not-selected` (a label-selected scan
 * did not see it).
 */
export type CoverageGap =
  | "scan-not-complete"
  | "namespace-not-in-scope"
  | "namespace-failed"
  | "workload-uncovered"
  | "workload-not-selected";

/**
 * A check of one coverage, built once: the gap that keeps the scan from covering a workload
 * container, or `undefined` when the scan covers it.
 */
export function createCoverageCheck(
  coverage: ScanCoverage,
): (ref: WorkloadContainerRef) => CoverageGap | undefined {
  const { status, scope } = coverage;
  const included = scope.namespaces === "all" ? undefined : new Set(scope.namespaces);
  const excluded = new Set(scope.excludeNamespaces ?? []);
  const failedNamespaces = new Set(coverage.uncoveredNamespaces);
  const uncoveredContainers = new Set<string>();
  const uncoveredWorkloads = new Set<string>();
  for (const u of coverage.uncovered) {
    if (u.containerName === undefined) uncoveredWorkloads.add(workloadKey(u));
    else uncoveredContainers.add(workloadContainerKey({ ...u, containerName: u.containerName }));
  }
  const observed = scope.labelSelector
    ? new Set((coverage.observed ?? []).map(workloadContainerKey))
    : undefined;
  return (ref) => {
    if (status !== "complete") return "scan-not-complete";
    if ((included && !included.has(ref.namespace)) || excluded.has(ref.namespace)) {
      return "namespace-not-in-scope";
    }
    if (failedNamespaces.has(ref.namespace)) return "namespace-failed";
    if (uncoveredWorkloads.has(workloadKey(ref)) || uncoveredContainers.has(workloadContainerKey(ref))) {
      return "workload-uncovered";
    }
    if (observed && !observed.has(workloadContainerKey(ref))) return "workload-not-selected";
    return undefined;
  };
}
