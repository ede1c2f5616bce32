import type { ClusterScanResult } from "../../scan/scan-cluster.js";

/** Version of the `vigil scan cluster --format json` document. */
export const CLUSTER_SCAN_JSON_SCHEMA_VERSION = "1";

/**
 * `vigil scan cluster --format json`: per cluster the summary, every failure and skipped
 * container with its reason, and per scanned digest the containers that run it and its
 * matches. Pull-secret content never appears (it is not in the result).
 */
export function renderClusterScanJson(results: readonly ClusterScanResult[], toolVersion: string): string {
  const doc = {
    schemaVersion: CLUSTER_SCAN_JSON_SCHEMA_VERSION,
    tool: { name: "vigil", version: toolVersion },
    clusters: results.map((r) => ({
      clusterId: r.clusterId,
      ...(r.agentId ? { agentId: r.agentId } : {}),
      status: r.status,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt.toISOString(),
      summary: r.summary,
      failures: r.failures.map((f) => ({ scope: f.scope, subject: f.subject, reason: f.reason })),
      skippedContainers: r.discovery.skipped,
      images: r.images.map((scan) => ({
        digest: scan.target.digest,
        reference: scan.reference,
        status: scan.result.status,
        ...(scan.result.error ? { error: scan.result.error } : {}),
        ...(scan.fromCache ? { fromCache: scan.fromCache } : {}),
        ...(scan.result.image
          ? { manifestDigest: scan.result.image.manifestDigest, platform: scan.result.image.platform }
          : {}),
        ...(scan.result.inventory?.os ? { os: scan.result.inventory.os } : {}),
        containers: scan.target.containers.map((c) => ({
          namespace: c.namespace,
          pod: c.pod,
          container: c.containerName,
          type: c.containerType,
          workload: c.workload,
          image: c.image,
          ...(c.startedAt ? { startedAt: c.startedAt } : {}),
        })),
        matches: scan.result.matches?.matches ?? [],
      })),
      issues: r.issues,
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
