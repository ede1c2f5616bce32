import {
  advisoryRevision,
  type ClusterScanResult,
  type CoverageScope,
  createBuiltinExtractors,
  DEFAULT_LAYER_LIMITS,
  detectionsOfClusterScan,
  type FindingTransitionKind,
  formatPlatform,
  imageCacheKey,
  matchInventory,
  type Platform,
  reconcileFindings,
} from "@vigil/core";
import { findingNoticesOf } from "../notify/finding-notices.js";
import type { FindingNotice } from "../notify/notification-event.js";
import { toFinding } from "../store/finding-record.js";
import type { ImageRecord } from "../store/image-repository.js";
import { retryWhenFindingsChange } from "../store/retry-when-findings-change.js";
import type { ScanImageRecord, ScanRecord, ScanScope } from "../store/scan-repository.js";
import type { WorkloadContainerRecord } from "../store/workload-container-repository.js";
import { createEnrichmentIndex, findingChangesOf } from "./finding-changes.js";
import type { ScanContext } from "./scan-context.js";

/** What storing one cluster scan wrote. */
export interface StoredClusterScan {
  /** Images whose inventory was stored or whose matches were replaced. */
  readonly images: number;
  readonly workloadContainers: number;
  /** Containers forgotten because a complete scan of their namespace no longer saw them. */
  readonly forgottenContainers: number;
  readonly findings: Readonly<Record<FindingTransitionKind, number>>;
  /** Findings created, reopened or newly KEV-listed, as written (what notifications report). */
  readonly notices: readonly FindingNotice[];
}

/** Options of {@link storeClusterScan}. */
export interface StoreClusterScanOptions {
  readonly scan: ScanRecord;
  readonly result: ClusterScanResult;
  /** The advisory revision the scan matched with (`advisoryRevision` before it started). */
  readonly revision: string;
  /** The platform the scan asked for (what `scanImageTargets` keys its image cache with). */
  readonly platform?: Platform | string;
  /**
   * Asked under the cluster's findings lock, before the findings are read: false leaves the
   * findings (and the containers) alone, because the scan is no longer this writer's (a queue
   * worker's scan taken over by a retry of its job). Default: always current.
   */
  readonly stillCurrent?: () => Promise<boolean>;
}

/**
 * Writes what one cluster scan found, in this order: images (inventory and matches, for
 * re-matching later without pulling), the scan's images, the workload containers and since when
 * they run, then the findings: `detectionsOfClusterScan` with the scope the scan was asked for,
 * reconciled against the cluster's stored findings and applied in ONE transaction. Findings
 * are resolved only when the scan is `complete` and covers them (core's reconcile decides; the
 * scope passed here is what makes "covers" right). Containers a complete scan no longer saw in
 * its namespaces are forgotten last. Undefined when `stillCurrent` said no: nothing after the
 * images and the scan's images was written.
 */
export async function storeClusterScan(
  context: ScanContext,
  options: StoreClusterScanOptions,
): Promise<StoredClusterScan | undefined> {
  const { stores, clock } = context;
  const { scan, result } = options;
  const clusterId = scan.clusterId;
  const at = clock.now();
  const scannedAt = at.toISOString();

  const images = await storeImages(context, options, scannedAt);
  await stores.scans.recordImages(scan.id, result.images.map(toScanImageRecord));

  const seenAt = result.startedAt.toISOString();
  const containers = workloadContainersOf(result, clusterId, seenAt);
  await stores.workloadContainers.upsert(containers);

  const written = await context.findingsLock.run(clusterId, async () => {
    if (options.stillCurrent && !(await options.stillCurrent())) return undefined;
    // Advisories may have changed since the images were matched (an advisory update during a
    // long scan), and its re-match may already have added findings for them: reconciling with
    // the older matches would resolve those. Inside the cluster's lock no re-match reconciles,
    // so matching again here (from the inventories, nothing pulled) makes this scan current.
    const current = await refreshMatches(context, options, scannedAt);
    const { coverage, detections } = detectionsOfClusterScan(current, { scope: coverageScopeOf(scan.scope) });
    const enrichmentOf = createEnrichmentIndex(
      current.images.map((s) => ({ digest: s.target.digest, matches: s.result.matches?.matches ?? [] })),
    );
    // A state change by hand between the read and the write makes the write fail without
    // writing anything; reconciling again from the new read keeps both.
    return retryWhenFindingsChange(async () => {
      const stored = await stores.findings.loadForReconcile(clusterId);
      const reconciled = reconcileFindings({
        clusterId,
        scanId: scan.id,
        now: at,
        coverage,
        detections,
        previous: stored.map(toFinding),
      });
      const changes = findingChangesOf({
        reconciled,
        stored,
        now: at,
        newId: context.newId,
        enrichmentOf,
        mode: "scan",
      });
      await stores.findings.applyChanges(changes);
      return { counts: reconciled.counts, notices: findingNoticesOf(reconciled, stored, changes.findings) };
    });
  });
  if (!written) return undefined;
  const { counts: findings, notices } = written;

  const forgottenContainers =
    result.status === "complete"
      ? await stores.workloadContainers.removeNotSeenSince(clusterId, seenAt, {
          ...(scan.scope.namespaces.length > 0 ? { namespaces: scan.scope.namespaces } : {}),
        })
      : 0;
  return { images, workloadContainers: containers.length, forgottenContainers, findings, notices };
}

/**
 * What a scan of `scope` covers. An empty namespace list in a stored scope means every
 * namespace; core spells that `"all"` (its empty list covers nothing, so that a mistake
 * resolves nothing).
 */
export function coverageScopeOf(scope: ScanScope): CoverageScope {
  return { namespaces: scope.namespaces.length === 0 ? "all" : [...scope.namespaces] };
}

async function storeImages(
  context: ScanContext,
  options: StoreClusterScanOptions,
  scannedAt: string,
): Promise<number> {
  const { images } = context.stores;
  const extractors = createBuiltinExtractors();
  const requested =
    typeof options.platform === "string"
      ? options.platform
      : options.platform
        ? formatPlatform(options.platform)
        : "linux/amd64";
  let written = 0;
  for (const scan of options.result.images) {
    const { status, image, inventory, matches } = scan.result;
    // Only a complete inventory may be matched again later: a partial one would make an
    // advisory update miss what the unread layers hold.
    if (status !== "complete" || !image || !inventory) continue;
    const key = { digest: scan.target.digest, platform: formatPlatform(image.platform) };
    const inventoryKey = imageCacheKey(
      scan.target.digest,
      requested,
      extractors,
      DEFAULT_LAYER_LIMITS.maxFileSize,
    );
    const stored = await images.get(key);
    if (stored && stored.inventoryKey === inventoryKey) {
      // The same inventory is stored: only matches made with other advisories are news.
      if (matches && stored.matchedWith !== options.revision) {
        await images.updateMatches({ ...key, matches, matchedWith: options.revision, matchedAt: scannedAt });
        written++;
      }
      continue;
    }
    const record: ImageRecord = {
      ...key,
      reference: scan.reference,
      manifestDigest: image.manifestDigest,
      image,
      inventory,
      inventoryKey,
      ...(matches ? { matches, matchedWith: options.revision, matchedAt: scannedAt } : {}),
      scannedAt,
    };
    await images.upsert(record);
    written++;
  }
  return written;
}

/**
 * `result` with every complete image matched again from its inventory when the advisory
 * revision is no longer the one the scan matched with, and those matches stored.
 */
async function refreshMatches(
  context: ScanContext,
  options: StoreClusterScanOptions,
  matchedAt: string,
): Promise<ClusterScanResult> {
  const { advisories, images } = context.stores;
  const revision = await advisoryRevision(advisories);
  if (revision === options.revision) return options.result;
  context.logger.info(
    { scanId: options.scan.id, from: options.revision, to: revision },
    "the advisories changed during the scan: matching its images again",
  );
  const refreshed = [];
  for (const scan of options.result.images) {
    const { status, image, inventory } = scan.result;
    if (status !== "complete" || !image || !inventory) {
      refreshed.push(scan);
      continue;
    }
    const matches = await matchInventory({ inventory, reader: advisories });
    await images.updateMatches({
      digest: scan.target.digest,
      platform: formatPlatform(image.platform),
      matches,
      matchedWith: revision,
      matchedAt,
    });
    refreshed.push({ ...scan, result: { ...scan.result, matches } });
  }
  return { ...options.result, images: refreshed };
}

function toScanImageRecord(scan: ClusterScanResult["images"][number]): ScanImageRecord {
  const { stages } = scan.result;
  return {
    digest: scan.target.digest,
    reference: scan.reference,
    status: scan.result.status,
    ...(scan.result.error !== undefined ? { error: scan.result.error } : {}),
    ...(scan.fromCache ? { fromCache: scan.fromCache } : {}),
    durationMs: stages.inventory.durationMs + stages.match.durationMs,
  };
}

/**
 * One record per running container. Entries are ordered by start so that, for a workload
 * whose pods run two digests mid-rollout, the newest digest is the one stored (the repository
 * keeps the last entry's digest and the earliest start among that digest's entries).
 */
function workloadContainersOf(
  result: ClusterScanResult,
  clusterId: string,
  seenAt: string,
): WorkloadContainerRecord[] {
  const records = result.discovery.containers.map((c): WorkloadContainerRecord => {
    const started = c.startedAt ? Date.parse(c.startedAt) : Number.NaN;
    return {
      clusterId,
      namespace: c.namespace,
      workloadKind: c.workload.kind,
      workloadName: c.workload.name,
      containerName: c.containerName,
      digest: c.digest,
      image: c.image,
      ...(Number.isNaN(started) ? {} : { runningSince: new Date(started).toISOString() }),
      lastSeenAt: seenAt,
    };
  });
  return records.sort((a, b) => {
    const x = a.runningSince ?? "";
    const y = b.runningSince ?? "";
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
