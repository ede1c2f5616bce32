import { compareText } from "../../discover/compare-text.js";
import type { KubePod } from "../../discover/kubernetes-objects.js";
import type { KubernetesReader } from "../../discover/kubernetes-reader.js";
import { createWorkloadResolver } from "../../discover/workload-resolver.js";
import { compareIssues, type LocatedIssue } from "../../model/issue.js";
import type { WorkloadRef } from "../../model/running-container.js";
import type { TrivyImageReport } from "./trivy-report.js";

/** Options of {@link resolveTrivyWorkloads}. */
export interface ResolveTrivyWorkloadsOptions {
  /**
   * Only ReplicaSets and Jobs are read: with `get`, and with `list` in a namespace whose reports
   * name several (RBAC: `get`, and optionally `list`, on `replicasets.apps` and `jobs.batch`).
   */
  readonly reader: KubernetesReader;
  readonly signal?: AbortSignal;
}

/** A converted report whose workload is the one Vigil's discovery names. */
export interface ResolvedTrivyImageReport extends TrivyImageReport {
  /**
   * The workload as the report's labels name it (a ReplicaSet, a Job), present only when
   * `workload` is a different one: its owner.
   */
  readonly labelledWorkload?: WorkloadRef;
}

/** What {@link resolveTrivyWorkloads} returns. */
export interface ResolvedTrivyReports {
  /** Sorted by workload (namespace, kind, name) and container, then as the converter sorted them. */
  readonly reports: readonly ResolvedTrivyImageReport[];
  /** Owner lookups that failed, once per ReplicaSet or Job (discovery's `owner-lookup-failed`); sorted. */
  readonly issues: readonly LocatedIssue[];
}

/**
 * Give each converted report the workload Vigil's own scans name for the same containers.
 * Trivy Operator labels a report with the ReplicaSet of a Deployment or the Job of a CronJob;
 * discovery reports the Deployment and the CronJob. So a report about a ReplicaSet or Job is
 * resolved with discovery's workload resolver, as if it were a pod of it: the ReplicaSet or Job
 * is read once (with `get`, or with one list of a namespace whose reports name several, as
 * discovery does) and its controller taken; one without a controller stays.
 *
 * When it cannot be read (forbidden, already deleted) the resolver's fallbacks apply, with its
 * issue: a Job whose name ends in its schedule minute becomes its CronJob, the report's
 * `updatedAt` standing in for the pod's creation time (Trivy Operator scans a workload after its
 * pods were created, so it lies after the scheduled time as a pod's does). A ReplicaSet stays a
 * ReplicaSet: the pod's `pod-template-hash` label that would confirm its Deployment is not in
 * the report. Other kinds (DaemonSet, StatefulSet, CronJob ...) and cluster components are kept.
 *
 * Rejects like the resolver: on 401, when the API server cannot be reached, and on cancellation.
 */
export async function resolveTrivyWorkloads(
  reports: readonly TrivyImageReport[],
  options: ResolveTrivyWorkloadsOptions,
): Promise<ResolvedTrivyReports> {
  const issues: LocatedIssue[] = [];
  const pods = reports.map(podOf);
  const resolver = createWorkloadResolver({
    reader: options.reader,
    ...(options.signal ? { signal: options.signal } : {}),
    onIssue: (issue) => issues.push(issue),
    pods: pods.filter((pod) => pod !== undefined),
  });
  const resolved: ResolvedTrivyImageReport[] = [];
  // One at a time: reports of one ReplicaSet share a lookup, and a cluster's thousands of
  // reports must not become thousands of concurrent requests.
  for (const [index, report] of reports.entries()) {
    const pod = pods[index];
    if (!pod) {
      resolved.push(report);
      continue;
    }
    const workload = await resolver.workloadOf(pod);
    const same =
      workload.kind === report.workload.kind &&
      workload.name === report.workload.name &&
      workload.namespace === report.workload.namespace;
    resolved.push(same ? report : { ...report, workload, labelledWorkload: report.workload });
  }
  // A stable sort on the new workload keeps the converter's order among a workload's reports.
  resolved.sort(
    (a, b) =>
      compareText(a.workload.namespace, b.workload.namespace) ||
      compareText(a.workload.kind, b.workload.kind) ||
      compareText(a.workload.name, b.workload.name) ||
      compareText(a.containerName, b.containerName),
  );
  return { reports: resolved, issues: issues.sort(compareIssues) };
}

/** The API versions Trivy Operator's ReplicaSet and Job labels mean when no owner reference says. */
const DEFAULT_API_VERSION: ReadonlyMap<string, string> = new Map([
  ["ReplicaSet", "apps/v1"],
  ["Job", "batch/v1"],
]);

/**
 * A stand-in pod controlled by the report's ReplicaSet or Job, which is all the resolver reads
 * of a pod; undefined for any other workload.
 */
function podOf(report: TrivyImageReport): KubePod | undefined {
  const { workload } = report;
  const defaultApiVersion = DEFAULT_API_VERSION.get(workload.kind);
  if (!defaultApiVersion || !workload.namespace) return undefined;
  const apiVersion = workload.apiVersion ?? defaultApiVersion;
  return {
    metadata: {
      namespace: workload.namespace,
      name: report.report.name,
      ...(report.updatedAt ? { creationTimestamp: report.updatedAt } : {}),
      ownerReferences: [{ apiVersion, kind: workload.kind, name: workload.name, controller: true }],
    },
  };
}
