import { type DiscoveryResult, discoverRunningContainers } from "../discover/discover-running-containers.js";
import type { KubernetesReader } from "../discover/kubernetes-reader.js";
import { createPullSecretCredentials } from "../discover/pull-secret-credentials.js";
import type { LocatedIssue } from "../model/issue.js";
import type { RunningContainer } from "../model/running-container.js";
import { type DockerConfig, findCredentials } from "../registry/docker-config.js";
import { parseImageReference } from "../registry/image-reference.js";
import {
  groupByDigest,
  type ImageScanTarget,
  type ImageTargetScan,
  type ScanImageTargetsOptions,
  scanImageTargets,
} from "./scan-cluster-images.js";

/** Options of {@link scanCluster}. */
export interface ScanClusterOptions extends Omit<ScanImageTargetsOptions, "targets" | "credentialsFor"> {
  readonly reader: KubernetesReader;
  /** The cluster's id, written into every finding (`--cluster-id`, default the context name). */
  readonly clusterId: string;
  /** The agent that ran the scan, when one did. */
  readonly agentId?: string;
  readonly namespaces?: readonly string[];
  readonly excludeNamespaces?: readonly string[];
  readonly labelSelector?: string;
  /** Called once discovery is done, before any image is pulled. */
  readonly onDiscovered?: (discovery: DiscoveryResult, targets: readonly ImageScanTarget[]) => void;
  /** Injected clock. */
  readonly now?: () => Date;
}

/** Something a cluster scan could not cover, with its reason. */
export interface ClusterScanFailure {
  /** `cluster`/`namespace`: pods could not be listed; `image`: a digest could not be scanned (fully). */
  readonly scope: "cluster" | "namespace" | "image" | "container";
  /** The namespace, the image reference, or `namespace/pod/container`. */
  readonly subject: string;
  readonly reason: string;
  /** Containers the failure leaves unscanned (for images: every container running it). */
  readonly containers?: readonly RunningContainer[];
}

/** The counts users ask for first. */
export interface ClusterScanSummary {
  readonly clusterId: string;
  readonly status: ClusterScanResult["status"];
  readonly namespaces: number;
  readonly pods: number;
  /** Containers found running (init and ephemeral included). */
  readonly containers: number;
  /** Containers found but not running, so not scanned (waiting, finished pods …). */
  readonly skippedContainers: number;
  /** Distinct digests: the number of image scans. */
  readonly uniqueImages: number;
  readonly scanned: number;
  readonly failed: number;
  readonly vulnerabilities: number;
}

/**
 * One cluster scan. `complete` only when every selected namespace was listed and every
 * running digest was read completely: only such a scan may resolve a finding
 * (ARCHITECTURE.md section 5). `partial` lists every failure with its reason.
 */
export interface ClusterScanResult {
  readonly clusterId: string;
  readonly agentId?: string;
  readonly status: "complete" | "partial" | "failed";
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly discovery: DiscoveryResult;
  readonly images: readonly ImageTargetScan[];
  readonly failures: readonly ClusterScanFailure[];
  readonly issues: readonly LocatedIssue[];
  readonly summary: ClusterScanSummary;
}

/**
 * Scans what runs in one cluster: discovers running containers (with the pods' own pull
 * secrets), scans each distinct digest once in a bounded pool, and reports per cluster.
 * Pull-secret credentials live in memory for this call only.
 */
export async function scanCluster(options: ScanClusterOptions): Promise<ClusterScanResult> {
  const now = options.now ?? (() => new Date());
  const startedAt = now();
  const { reader, clusterId, namespaces, excludeNamespaces, labelSelector, onDiscovered, ...scanOptions } =
    options;
  const discovery = await discoverRunningContainers({
    reader,
    clusterId,
    ...(namespaces?.length ? { namespaces } : {}),
    ...(excludeNamespaces?.length ? { excludeNamespaces } : {}),
    ...(labelSelector ? { labelSelector } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  onDiscovered?.(discovery, groupByDigest(discovery.containers));

  const secrets = createPullSecretCredentials({
    reader,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const secretIssues = new Map<string, LocatedIssue>();
  const credentialsFor = async (
    target: ImageScanTarget,
    reference: string,
  ): Promise<DockerConfig | undefined> => {
    const { registry, repository } = parseImageReference(reference);
    let fallback: DockerConfig | undefined;
    // The kubelet uses the pulling pod's secrets; any pod running this digest may hold the
    // ones that unlock it, so the first whose secrets name this registry wins.
    for (const container of target.containers) {
      const found = await secrets.credentialsFor(container);
      for (const issue of found.issues) secretIssues.set(`${issue.code} ${issue.message}`, issue);
      if (!found.config) continue;
      if (findCredentials(found.config, registry, repository)) return found.config;
      fallback ??= found.config;
    }
    return fallback;
  };
  return scanDiscoveredCluster({
    ...scanOptions,
    clusterId,
    discovery,
    startedAt,
    credentialsFor,
    credentialIssues: () => secretIssues.values(),
  });
}

/** Options of {@link scanDiscoveredCluster}. */
export interface ScanDiscoveredClusterOptions extends Omit<ScanImageTargetsOptions, "targets"> {
  readonly clusterId: string;
  /** The agent that discovered the cluster, when one did. */
  readonly agentId?: string;
  /** What discovery found (here, or in the cluster by an agent that shipped it). */
  readonly discovery: DiscoveryResult;
  /** When the cluster scan started (discovery's start); default now. */
  readonly startedAt?: Date;
  /** Issues met while reading credentials, asked for once every image is scanned. */
  readonly credentialIssues?: () => Iterable<LocatedIssue>;
  /** Injected clock. */
  readonly now?: () => Date;
}

/**
 * The image half of a cluster scan: scans each distinct digest of a discovery once and
 * reports per cluster. {@link scanCluster} runs it after its own discovery; the server runs it
 * on a discovery an in-cluster agent shipped (with the pull-secret credentials the agent read),
 * so a scan is the same whichever side discovered.
 */
export async function scanDiscoveredCluster(
  options: ScanDiscoveredClusterOptions,
): Promise<ClusterScanResult> {
  const now = options.now ?? (() => new Date());
  const {
    clusterId,
    agentId,
    discovery,
    startedAt = now(),
    credentialIssues,
    now: _now,
    ...scanOptions
  } = options;
  const targets = groupByDigest(discovery.containers);
  const images = discovery.status === "failed" ? [] : await scanImageTargets({ ...scanOptions, targets });

  const failures: ClusterScanFailure[] = [];
  for (const failure of discovery.failures) {
    failures.push({
      scope: failure.scope,
      subject: failure.scope === "namespace" ? failure.namespace! : clusterId,
      reason: failure.reason,
    });
  }
  for (const skipped of discovery.skipped) {
    // A container that runs an image Vigil cannot locate is a gap in coverage, not an idle container.
    if (
      skipped.reason === "image-id-not-pullable" ||
      skipped.reason === "image-id-unrecognized" ||
      skipped.reason === "no-pullable-reference"
    ) {
      failures.push({
        scope: "container",
        subject: `${skipped.namespace}/${skipped.pod}/${skipped.container}`,
        reason: skipped.message,
      });
    }
  }
  for (const scan of images) {
    if (scan.result.status === "complete") continue;
    const tried = scan.failedAttempts.map((a) => `${a.reference}: ${a.error}; `).join("");
    failures.push({
      scope: "image",
      subject: scan.reference,
      // an image none of whose layers could be read was not scanned, whatever its status says
      reason: `${scan.result.status === "partial" && scan.result.layers.some((l) => l.status !== "failed") ? "read partially" : "not scanned"}: ${tried}${scan.result.error ?? "unknown error"}`,
      containers: scan.target.containers,
    });
  }

  const scanned = images.filter((s) => s.result.status === "complete").length;
  const status: ClusterScanResult["status"] =
    discovery.status === "failed" || (images.length > 0 && scanned === 0 && failures.length > 0)
      ? "failed"
      : failures.length > 0 || discovery.status === "partial"
        ? "partial"
        : "complete";
  const issues: LocatedIssue[] = [...discovery.issues, ...(credentialIssues?.() ?? [])];
  for (const scan of images) {
    issues.push(...(scan.result.inventory?.issues ?? []), ...(scan.result.matches?.issues ?? []));
  }
  return {
    clusterId,
    ...(agentId ? { agentId } : {}),
    status,
    startedAt,
    finishedAt: now(),
    discovery,
    images,
    failures,
    issues,
    summary: {
      clusterId,
      status,
      namespaces: discovery.stats.namespaces,
      pods: discovery.stats.pods,
      containers: discovery.stats.containers,
      skippedContainers: discovery.stats.skipped,
      uniqueImages: targets.length,
      scanned,
      failed: images.length - scanned,
      vulnerabilities: images.reduce((n, s) => n + (s.result.matches?.matches.length ?? 0), 0),
    },
  };
}
