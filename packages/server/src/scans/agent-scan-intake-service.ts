import {
  advisoryRevision,
  type ClusterScanResult,
  type ImageCache,
  type LayerCache,
  matchInventory,
  scanDiscoveredCluster,
} from "@vigil/core";
import { ApiError } from "../http/route-definition.js";
import { type ScanRecord, type ScanStatus, withoutImages } from "../store/scan-repository.js";
import type { AgentIntakeOutcome, AgentScanIntake } from "./agent-scan-intake.js";
import { messageOf, type ScanEnd } from "./cluster-scan-executor.js";
import { createKeyedLock, type KeyedLock } from "./keyed-lock.js";
import type { ScanContext, ScanRegistryOptions } from "./scan-context.js";
import { storeClusterScan } from "./store-cluster-scan.js";

/** Options of {@link createAgentScanIntake}. */
export interface AgentScanIntakeOptions {
  readonly context: ScanContext;
  /** Ends a scan (`createScanFinisher`): status, summary, events. */
  readonly finish: (scan: ScanRecord, status: ScanStatus, end?: ScanEnd) => Promise<void>;
  /** Registry trust, transport and limits for scanning agents' discoveries centrally. */
  readonly registry?: ScanRegistryOptions;
  readonly caches: { readonly cache?: LayerCache; readonly imageCache?: ImageCache };
  readonly imagesPerScan: number;
  /** Aborted when the process stops: a central scan of a discovery in progress stops with it. */
  readonly signal: AbortSignal;
  /**
   * One delivery per scan at a time: in-process by default; across servers on PostgreSQL (an
   * advisory lock), so a result sent again to another server is not stored twice.
   */
  readonly lock?: KeyedLock;
}

/**
 * Takes in in-cluster agents' deliveries, the same way in one process or among queue workers:
 * an agent's own scan (inventories read in the cluster, matched here with the server's
 * advisories) or its discovery (scanned here with the pods' pull credentials). Each is stored
 * like a server's scan (`storeClusterScan`: the same reconcile, the same rule that only a
 * complete scan resolves) and ends the scan.
 */
export function createAgentScanIntake(options: AgentScanIntakeOptions): AgentScanIntake {
  const { context } = options;
  const { stores, clock, logger } = context;
  const intakeLock = options.lock ?? createKeyedLock();

  async function stored(scanId: string): Promise<ScanRecord | undefined> {
    const scan = await stores.scans.get(scanId);
    return scan ? withoutImages(scan) : undefined;
  }

  /**
   * An agent's result matched here: agents read inventories without advisories, and their own
   * matches are never trusted (the intake drops them), so every complete inventory is matched
   * with the server's advisories, and the summary counts those matches.
   */
  async function matchAgentResult(
    result: ClusterScanResult,
  ): Promise<{ result: ClusterScanResult; revision: string }> {
    const revision = await advisoryRevision(stores.advisories);
    const images = [];
    for (const scan of result.images) {
      const { status, image, inventory } = scan.result;
      if (status !== "complete" || !image || !inventory) {
        images.push(scan);
        continue;
      }
      const matches = await matchInventory({ inventory, reader: stores.advisories });
      images.push({ ...scan, result: { ...scan.result, matches } });
    }
    const vulnerabilities = images.reduce((n, s) => n + (s.result.matches?.matches.length ?? 0), 0);
    return { result: { ...result, images, summary: { ...result.summary, vulnerabilities } }, revision };
  }

  /**
   * Takes in one agent delivery for `scan`: once per scan id (under a lock per scan, then by
   * the scan's status: only a `running` scan, i.e. claimed and not yet finished, takes a
   * result). A failure to store leaves the scan `running` and rethrows, so the agent keeps its
   * result and sends it again; a discovery whose central scan fails finishes the scan `failed`.
   */
  function intake(
    scan: ScanRecord,
    produce: () => Promise<{ result: ClusterScanResult; revision: string }>,
  ): Promise<AgentIntakeOutcome> {
    return intakeLock.run(scan.id, async () => {
      const before = await stored(scan.id);
      if (!before) throw new ApiError(404, `there is no scan ${scan.id}`);
      if (before.status !== "running") return { stored: false, scan: before };
      let produced: { result: ClusterScanResult; revision: string };
      try {
        produced = await produce();
      } catch (error) {
        await options.finish(before, "failed", { error: messageOf(error) });
        return { stored: true, scan: (await stored(scan.id)) ?? before };
      }
      const { result, revision } = produced;
      const current = await stored(scan.id);
      if (current?.status !== "running") {
        logger.info(
          { scanId: scan.id, status: current?.status },
          "scan stopped elsewhere; the agent's results are dropped",
        );
        return { stored: false, scan: current ?? before };
      }
      const written = await storeClusterScan(context, {
        scan,
        result,
        revision,
        ...(options.registry?.platform ? { platform: options.registry.platform } : {}),
      });
      logger.debug(
        { scanId: scan.id, written: written ? { ...written, notices: written.notices.length } : undefined },
        "agent scan results stored",
      );
      await options.finish(scan, result.status, { result, ...(written ? { notices: written.notices } : {}) });
      return { stored: true, scan: (await stored(scan.id)) ?? before };
    });
  }

  return {
    receiveResult({ scan, result }) {
      return intake(scan, () => matchAgentResult(result));
    },

    scanDiscovery({ scan, agentId, discovery, startedAt, credentialsFor }) {
      return intake(scan, async () => {
        const revision = await advisoryRevision(stores.advisories);
        const result = await scanDiscoveredCluster({
          ...options.registry,
          ...options.caches,
          clusterId: scan.clusterId,
          agentId,
          discovery,
          startedAt,
          credentialsFor,
          advisories: stores.advisories,
          advisoryRevision: revision,
          concurrency: options.imagesPerScan,
          signal: options.signal,
          now: () => clock.now(),
        });
        return { result, revision };
      });
    },
  };
}
