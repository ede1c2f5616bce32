import type { Match } from "../model/match.js";
import { comparePackages } from "../model/package.js";
import type { RunningContainer } from "../model/running-container.js";
import type { ClusterScanResult } from "../scan/scan-cluster.js";
import { findingDetailsOfMatch } from "./finding-details-of-match.js";
import {
  compareWorkloadContainers,
  type FindingIdentity,
  findingKey,
  type WorkloadContainerRef,
  workloadContainerKey,
} from "./finding-identity.js";
import type { Detection } from "./reconcile-findings.js";
import type { CoverageScope, ScanCoverage } from "./scan-coverage.js";

/** Options of {@link detectionsOfClusterScan}. */
export interface DetectionsOfClusterScanOptions {
  /**
   * What the scan was asked to cover: the `namespaces`, `excludeNamespaces` and
   * `labelSelector` it ran with. A cluster scan result does not record them, and guessing
   * "all" for a narrower scan would resolve findings it never looked at, so it is required.
   */
  readonly scope: CoverageScope;
}

/** What one cluster scan says to the findings stage: spread into `reconcileFindings` with the previous findings, clock and scan id. */
export interface ClusterScanDetections {
  readonly clusterId: string;
  readonly coverage: ScanCoverage;
  /** One per identity, sorted by key. */
  readonly detections: readonly Detection[];
}

interface Occurrence {
  readonly container: RunningContainer;
  readonly match: Match;
}

/**
 * The detections and coverage of a {@link ClusterScanResult}. Each digest was scanned once; its
 * matches are fanned out to every workload container that runs it. Occurrences of one identity
 * (two copies of a package, or pods of one workload running two digests mid-rollout) become one
 * detection: details from the most recently started container (the newest rollout), then by
 * digest and package order; `runningSince` is the earliest start among them all.
 *
 * Matches of a partially read image count as detections (what was read is there), but its
 * containers are uncovered: what was not read may hold what is missing. Also uncovered:
 * containers of images that failed, containers skipped in live pods (waiting, crashed, or an
 * image that cannot be located: discovery's `skipped` entries with a `workload`), and namespaces
 * whose pods could not be listed. The status is the scan's own: only a `complete` scan (every
 * selected namespace listed, every digest read) resolves anything (see `ClusterScanResult`).
 */
export function detectionsOfClusterScan(
  result: ClusterScanResult,
  options: DetectionsOfClusterScanOptions,
): ClusterScanDetections {
  const { clusterId } = result;
  const groups = new Map<string, { identity: FindingIdentity; occurrences: Occurrence[] }>();
  const uncovered = new Map<string, WorkloadContainerRef>();
  const observed = new Map<string, WorkloadContainerRef>();

  for (const scan of result.images) {
    const matches = scan.result.matches?.matches ?? [];
    for (const container of scan.target.containers) {
      const ref = refOf(container.namespace, container.workload, container.containerName);
      if (scan.result.status !== "complete") uncovered.set(workloadContainerKey(ref), ref);
      for (const match of matches) {
        const identity: FindingIdentity = {
          clusterId,
          ...ref,
          packageName: match.package.name,
          advisoryId: match.id,
        };
        const key = findingKey(identity);
        const group = groups.get(key);
        if (group) group.occurrences.push({ container, match });
        else groups.set(key, { identity, occurrences: [{ container, match }] });
      }
    }
  }
  for (const container of result.discovery.containers) {
    const ref = refOf(container.namespace, container.workload, container.containerName);
    observed.set(workloadContainerKey(ref), ref);
  }
  for (const skipped of result.discovery.skipped) {
    if (!skipped.workload) continue;
    const ref = refOf(skipped.namespace, skipped.workload, skipped.container);
    uncovered.set(workloadContainerKey(ref), ref);
  }
  const uncoveredNamespaces = [
    ...new Set(
      result.discovery.failures.flatMap((f) => (f.scope === "namespace" && f.namespace ? [f.namespace] : [])),
    ),
  ].sort();

  const detections = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { identity, occurrences }]): Detection => {
      const primary = [...occurrences].sort(compareOccurrences)[0]!;
      const starts = occurrences.map((o) => startOf(o.container)).filter((t) => t !== undefined);
      const runningSince = starts.length > 0 ? new Date(Math.min(...starts)) : undefined;
      return {
        identity,
        details: findingDetailsOfMatch(primary.container, primary.match),
        ...(runningSince ? { runningSince } : {}),
      };
    });

  return {
    clusterId,
    coverage: {
      status: result.status,
      scope: options.scope,
      uncoveredNamespaces,
      uncovered: [...uncovered.values()].sort(compareWorkloadContainers),
      observed: [...observed.values()].sort(compareWorkloadContainers),
    },
    detections,
  };
}

function refOf(
  namespace: string,
  workload: RunningContainer["workload"],
  containerName: string,
): WorkloadContainerRef {
  return { namespace, workloadKind: workload.kind, workloadName: workload.name, containerName };
}

/** Milliseconds of a container's start, when it reported a valid one. */
function startOf(container: RunningContainer): number | undefined {
  if (!container.startedAt) return undefined;
  const ms = Date.parse(container.startedAt);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Newest start first (no start last), then digest, package, pod: independent of input order. */
function compareOccurrences(a: Occurrence, b: Occurrence): number {
  const sa = startOf(a.container) ?? Number.NEGATIVE_INFINITY;
  const sb = startOf(b.container) ?? Number.NEGATIVE_INFINITY;
  if (sa !== sb) return sb > sa ? 1 : -1;
  return (
    text(a.container.digest, b.container.digest) ||
    comparePackages(a.match.package, b.match.package) ||
    text(a.container.image, b.container.image) ||
    text(a.container.pod, b.container.pod)
  );
}

function text(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
