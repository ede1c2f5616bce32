import type { ClusterScanResult } from "../../scan/scan-cluster.js";
import type {
  GitlabClusterImage,
  GitlabKubernetesResource,
  GitlabScanInfo,
  GitlabScanMessage,
} from "./gitlab-report-input.js";

/**
 * The images of cluster scans as the GitLab cluster report takes them: each digest scanned
 * once, its matches fanned out to every workload container that runs it (many pods of one
 * Deployment are one workload). Images that could not be read have no findings to give.
 */
export function gitlabImagesOfClusterScans(results: readonly ClusterScanResult[]): GitlabClusterImage[] {
  const images: GitlabClusterImage[] = [];
  for (const result of results) {
    for (const scan of result.images) {
      const { image, inventory, matches } = scan.result;
      if (!image || !inventory || !matches) continue;
      const workloads = new Map<string, GitlabKubernetesResource>();
      for (const c of scan.target.containers) {
        const resource: GitlabKubernetesResource = {
          namespace: c.workload.namespace,
          kind: c.workload.kind,
          name: c.workload.name,
          containerName: c.containerName,
          clusterId: result.clusterId,
          ...(result.agentId ? { agentId: result.agentId } : {}),
        };
        workloads.set(JSON.stringify(resource), resource);
      }
      images.push({ image, inventory, matches: matches.matches, kubernetes: [...workloads.values()] });
    }
  }
  return images;
}

/**
 * `scan` of a GitLab report for cluster scans: `failure` unless every scan was complete, so
 * that GitLab (and anyone reading the file) does not take a missing finding as fixed; one
 * message per failure, with its reason.
 */
export function gitlabScanInfoOfClusterScans(results: readonly ClusterScanResult[]): GitlabScanInfo {
  const messages: GitlabScanMessage[] = [];
  for (const result of results) {
    for (const failure of result.failures) {
      messages.push({
        level: "warn",
        value: `cluster ${result.clusterId}: ${failure.scope} ${failure.subject}: ${failure.reason}`,
      });
    }
  }
  const times = results.flatMap((r) => [r.startedAt.getTime(), r.finishedAt.getTime()]);
  return {
    startTime: new Date(Math.min(...times)),
    endTime: new Date(Math.max(...times)),
    status: results.every((r) => r.status === "complete") ? "success" : "failure",
    ...(messages.length > 0 ? { messages } : {}),
  };
}
