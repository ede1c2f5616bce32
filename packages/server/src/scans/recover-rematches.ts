import type { Logger } from "pino";
import type { ScanClock } from "./scan-context.js";
import type { ScanStores } from "./scan-stores.js";

/**
 * Queue mode's take-over of advisory-update re-matches a previous leader left `running` (it
 * stopped or lost its database connection mid-way): they are marked `interrupted`, and the
 * caller re-matches again, which finishes the work (images still on their old advisory
 * revision are matched; a re-match never resolves anything, so doing part of it twice is
 * harmless). Returns whether any was left.
 */
export async function interruptLeftRematches(
  stores: Pick<ScanStores, "clusters" | "scans">,
  clock: ScanClock,
  logger: Logger,
): Promise<boolean> {
  let left = false;
  for (const cluster of await stores.clusters.list()) {
    const running = await stores.scans.listByCluster(cluster.id, { statuses: ["running"], limit: 1000 });
    for (const scan of running.items) {
      if (scan.trigger !== "advisory-update") continue;
      const marked = await stores.scans.updateStatus({
        id: scan.id,
        status: "interrupted",
        at: clock.now().toISOString(),
        error: "the server re-matching stopped before it finished; the new leader re-matches again",
        from: ["running"],
      });
      if (marked) {
        left = true;
        logger.info(
          { scanId: scan.id, clusterId: cluster.id },
          "took over an interrupted advisory-update re-match",
        );
      }
    }
  }
  return left;
}
