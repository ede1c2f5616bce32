import {
  advisoryRevision,
  type ClusterScanSummary,
  comparePackages,
  type Detection,
  FINDING_TRANSITION_KINDS,
  type FindingIdentity,
  type FindingTransitionKind,
  findingDetailsOfMatch,
  findingKey,
  type InventoryMatches,
  type Match,
  matchInventory,
  reconcileFindings,
  type ScanCoverage,
} from "@vigil/core";
import { findingNoticesOf } from "../notify/finding-notices.js";
import type { FindingNotice } from "../notify/notification-event.js";
import type { ClusterRecord } from "../store/cluster-repository.js";
import { toFinding } from "../store/finding-record.js";
import type { ImagePackageKey } from "../store/image-package-keys.js";
import type { ImageKey, ImageRecord } from "../store/image-repository.js";
import { retryWhenFindingsChange } from "../store/retry-when-findings-change.js";
import type { WorkloadContainerRecord } from "../store/workload-container-repository.js";
import { createEnrichmentIndex, findingChangesOf } from "./finding-changes.js";
import type { ScanContext } from "./scan-context.js";

/** Options of {@link rematchStoredImages}. */
export interface RematchOptions {
  /**
   * Packages (ecosystem base, normalized name) that changed advisories name: stored images
   * holding any of them are matched again even when their matches carry the current revision.
   */
  readonly packages?: readonly ImagePackageKey[];
  readonly signal?: AbortSignal;
  /** Images matched per batch (default 200): bounds what is held in memory at once. */
  readonly batchSize?: number;
  /**
   * Told, after each cluster's findings transaction committed, the findings it created,
   * reopened or newly saw KEV-listed (notifications), even when a later step fails.
   */
  readonly committed?: (notices: readonly FindingNotice[], revision: string) => void;
}

/** What one cluster's findings went through in a re-match. */
export interface RematchClusterReport {
  readonly clusterId: string;
  /** The `advisory-update` scan the findings' history points to. */
  readonly scanId: string;
  readonly counts: Readonly<Record<FindingTransitionKind, number>>;
}

/** What {@link rematchStoredImages} did. */
export interface RematchReport {
  /** The advisory revision the images were matched with. */
  readonly revision: string;
  /** Stored images matched again. */
  readonly images: number;
  /** Stored images whose matching failed; they keep their old revision, so the next run tries again. */
  readonly failedImages: number;
  /** Clusters whose findings changed, each with the scan that changed them. */
  readonly clusters: readonly RematchClusterReport[];
}

const REMATCH_REASON =
  "advisory update: stored inventories were matched again without reading the cluster; " +
  "it adds and updates findings and resolves none";

/**
 * Re-matching (ARCHITECTURE.md section 5): after advisories changed, every stored image whose
 * matches were made with another advisory revision (or that holds one of `packages`) is
 * matched again from its stored inventory, without pulling anything. For each cluster with
 * workload containers running one of those digests, the new matches become detections of
 * those containers and are reconciled with the cluster's findings, under an
 * `advisory-update` scan created for the purpose (so every history entry says what caused it).
 *
 * The coverage of that reconcile is `partial`, so it **never resolves** a finding: an advisory
 * update reads no cluster, so it cannot know that a vulnerability is gone from what runs, only
 * that stored inventories match differently. The stored containers are what the last scan saw,
 * not proof of what runs now, and a withdrawn or narrowed advisory is resolved by the next
 * complete scan of the cluster, which matches with the same advisories. So a re-match only
 * creates findings, reopens resolved ones detected again and updates the details (severity,
 * fixed version, KEV, EPSS) of detected ones; a finding detected again keeps its `lastSeen`,
 * since no scan saw it. An image's new matches are stored after its clusters' findings, so a
 * crash in between only repeats the work at the next run.
 */
export async function rematchStoredImages(
  context: ScanContext,
  options: RematchOptions = {},
): Promise<RematchReport> {
  const { stores, logger } = context;
  const revision = await advisoryRevision(stores.advisories);
  const keys = uniqueKeys([
    ...(await stores.images.listNotMatchedWith(revision)),
    ...(options.packages?.length ? await stores.images.listByPackages(options.packages) : []),
  ]);
  if (keys.length === 0) return { revision, images: 0, failedImages: 0, clusters: [] };

  const clusters = await stores.clusters.list();
  const containers = new Map<string, WorkloadContainerRecord[]>();
  for (const cluster of clusters) {
    containers.set(cluster.id, await stores.workloadContainers.list(cluster.id));
  }
  const runs = new Map<string, ClusterRematch>();
  let images = 0;
  let failedImages = 0;
  let failure: unknown;
  try {
    const batchSize = Math.max(1, Math.floor(options.batchSize ?? 200));
    for (let start = 0; start < keys.length; start += batchSize) {
      options.signal?.throwIfAborted();
      const batch: { record: ImageRecord; matches: InventoryMatches }[] = [];
      for (const key of keys.slice(start, start + batchSize)) {
        const record = await stores.images.get(key);
        if (!record) continue;
        try {
          batch.push({
            record,
            matches: await matchInventory({ inventory: record.inventory, reader: stores.advisories }),
          });
        } catch (error) {
          failedImages++;
          logger.warn(
            { err: error, digest: key.digest, platform: key.platform },
            "re-matching an image failed",
          );
        }
      }
      // One set of matches per digest: workload containers know the digest, not the platform.
      const byDigest = new Map<string, { record: ImageRecord; matches: InventoryMatches }>();
      for (const entry of batch)
        if (!byDigest.has(entry.record.digest)) byDigest.set(entry.record.digest, entry);
      for (const cluster of clusters) {
        const running = (containers.get(cluster.id) ?? []).filter((c) => byDigest.has(c.digest));
        if (running.length === 0) continue;
        const notices = await rematchCluster(context, cluster, running, byDigest, runs);
        if (notices.length > 0) options.committed?.(notices, revision);
      }
      const matchedAt = context.clock.now().toISOString();
      for (const { record, matches } of batch) {
        await stores.images.updateMatches({
          digest: record.digest,
          platform: record.platform,
          matches,
          matchedWith: revision,
          matchedAt,
        });
        images++;
      }
    }
  } catch (error) {
    failure = error;
  }
  for (const run of runs.values()) await finishScan(context, run, failure);
  if (failure !== undefined) throw failure;
  return {
    revision,
    images,
    failedImages,
    clusters: [...runs.values()].map((r) => ({ clusterId: r.clusterId, scanId: r.scanId, counts: r.counts })),
  };
}

/** One cluster's `advisory-update` scan while a re-match runs. */
interface ClusterRematch {
  readonly clusterId: string;
  readonly scanId: string;
  readonly counts: Record<FindingTransitionKind, number>;
  readonly namespaces: Set<string>;
  readonly containers: Set<string>;
  readonly images: Map<string, { reference: string }>;
  detections: number;
}

async function rematchCluster(
  context: ScanContext,
  cluster: ClusterRecord,
  running: readonly WorkloadContainerRecord[],
  byDigest: ReadonlyMap<string, { record: ImageRecord; matches: InventoryMatches }>,
  runs: Map<string, ClusterRematch>,
): Promise<FindingNotice[]> {
  const { stores } = context;
  const detections = detectionsOfStoredContainers(cluster.id, running, byDigest);
  const enrichmentOf = createEnrichmentIndex(
    [...byDigest].map(([digest, { matches }]) => ({ digest, matches: matches.matches })),
  );
  // retried from the read when a state change by hand landed between the read and the write
  return context.findingsLock.run(cluster.id, () =>
    retryWhenFindingsChange(async () => {
      const now = context.clock.now();
      const existing = runs.get(cluster.id);
      const scanId = existing?.scanId ?? context.newId();
      const stored = await stores.findings.loadForReconcile(cluster.id);
      const reconciled = reconcileFindings({
        clusterId: cluster.id,
        scanId,
        now,
        coverage: NEVER_RESOLVES,
        detections,
        previous: stored.map(toFinding),
      });
      const changes = findingChangesOf({
        reconciled,
        stored,
        now,
        newId: context.newId,
        enrichmentOf,
        mode: "rematch",
      });
      if (changes.findings.length === 0 && changes.history.length === 0) return [];
      let run = existing;
      if (!run) {
        const createdAt = now.toISOString();
        await stores.scans.create({
          id: scanId,
          clusterId: cluster.id,
          trigger: "advisory-update",
          scope: { namespaces: [] },
          createdAt,
        });
        await stores.scans.updateStatus({ id: scanId, status: "running", at: createdAt });
        run = {
          clusterId: cluster.id,
          scanId,
          counts: Object.fromEntries(FINDING_TRANSITION_KINDS.map((k) => [k, 0])) as Record<
            FindingTransitionKind,
            number
          >,
          namespaces: new Set(),
          containers: new Set(),
          images: new Map(),
          detections: 0,
        };
        runs.set(cluster.id, run);
      }
      await stores.findings.applyChanges(changes);
      const written = new Set(changes.findings.map((f) => findingKey(f.identity)));
      for (const t of reconciled.transitions) {
        if (t.kind === "unchanged-not-covered" || !written.has(t.key)) continue;
        run.counts[t.kind]++;
      }
      run.detections += detections.length;
      for (const c of running) {
        run.namespaces.add(c.namespace);
        run.containers.add(JSON.stringify([c.namespace, c.workloadKind, c.workloadName, c.containerName]));
        run.images.set(c.digest, { reference: byDigest.get(c.digest)!.record.reference });
      }
      return findingNoticesOf(reconciled, stored, changes.findings);
    }),
  );
}

/** Covers nothing, so reconcile resolves nothing (see {@link rematchStoredImages}). */
const NEVER_RESOLVES: ScanCoverage = {
  status: "partial",
  scope: { namespaces: "all" },
  uncoveredNamespaces: [],
  uncovered: [],
};

async function finishScan(context: ScanContext, run: ClusterRematch, failure: unknown): Promise<void> {
  const { scans } = context.stores;
  const at = context.clock.now().toISOString();
  try {
    await scans.recordImages(
      run.scanId,
      [...run.images].map(([digest, { reference }]) => ({
        digest,
        reference,
        status: "complete" as const,
        fromCache: "inventory" as const,
      })),
    );
    const summary: ClusterScanSummary = {
      clusterId: run.clusterId,
      status: failure === undefined ? "partial" : "failed",
      namespaces: run.namespaces.size,
      pods: 0,
      containers: run.containers.size,
      skippedContainers: 0,
      uniqueImages: run.images.size,
      scanned: run.images.size,
      failed: 0,
      vulnerabilities: run.detections,
    };
    await scans.updateStatus({
      id: run.scanId,
      status: failure === undefined ? "partial" : "failed",
      at,
      summary,
      failures: [{ scope: "cluster", subject: run.clusterId, reason: REMATCH_REASON }],
      ...(failure !== undefined
        ? { error: `the re-match stopped: ${failure instanceof Error ? failure.message : String(failure)}` }
        : {}),
    });
  } catch (error) {
    context.logger.error({ err: error, scanId: run.scanId }, "could not finish an advisory-update scan");
  }
}

/**
 * Detections of stored workload containers from the new matches of the digests they run: one
 * per identity, details from the first package in package order when a package is installed
 * twice (as `detectionsOfClusterScan` orders occurrences of one container).
 */
function detectionsOfStoredContainers(
  clusterId: string,
  containers: readonly WorkloadContainerRecord[],
  byDigest: ReadonlyMap<string, { matches: InventoryMatches }>,
): Detection[] {
  const groups = new Map<
    string,
    { identity: FindingIdentity; container: WorkloadContainerRecord; match: Match }
  >();
  for (const container of containers) {
    for (const match of byDigest.get(container.digest)?.matches.matches ?? []) {
      const identity: FindingIdentity = {
        clusterId,
        namespace: container.namespace,
        workloadKind: container.workloadKind,
        workloadName: container.workloadName,
        containerName: container.containerName,
        packageName: match.package.name,
        advisoryId: match.id,
      };
      const key = findingKey(identity);
      const known = groups.get(key);
      if (!known || comparePackages(match.package, known.match.package) < 0) {
        groups.set(key, { identity, container, match });
      }
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { identity, container, match }]) => ({
      identity,
      details: findingDetailsOfMatch(container, match),
      ...(container.runningSince ? { runningSince: new Date(container.runningSince) } : {}),
    }));
}

function uniqueKeys(keys: readonly ImageKey[]): ImageKey[] {
  const unique = new Map(keys.map((k) => [`${k.digest}\u0000${k.platform}`, k]));
  return [...unique.values()].sort((a, b) =>
    a.digest !== b.digest ? (a.digest < b.digest ? -1 : 1) : a.platform < b.platform ? -1 : 1,
  );
}
