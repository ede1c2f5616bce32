import type { ClusterRecord } from "../store/cluster-repository.js";
import type { ScanRecord } from "../store/scan-repository.js";

/**
 * Whether `scan` was claimed by its cluster's agent longer ago than a scan may run and never
 * delivered: the agent died or lost it. A cluster has one queued or running scan at a time, so
 * without this one agent crash would hold the cluster's scans for ever. A scan still queued
 * (its agent not claiming, say offline) is not abandoned: it waits for the agent.
 */
export function isAbandonedAgentScan(
  scan: ScanRecord,
  cluster: ClusterRecord,
  now: Date,
  timeLimitMs: number,
): boolean {
  if (cluster.connectionKind !== "agent" || scan.status !== "running" || !scan.startedAt) return false;
  return now.getTime() - Date.parse(scan.startedAt) > timeLimitMs;
}

/** The error an abandoned agent scan is failed with (it resolves nothing: nothing was delivered). */
export function abandonedAgentScanError(timeLimitMs: number): string {
  const minutes = Math.round(timeLimitMs / 60_000);
  return `the cluster's agent claimed the scan but delivered nothing within the scan time limit (${minutes} min); a new scan replaced it`;
}
