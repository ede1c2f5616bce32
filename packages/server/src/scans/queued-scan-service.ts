import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { ADVISORY_LOCK_SPACES, createAdvisoryKeyedLock, lockInTransaction } from "../db/advisory-locks.js";
import type { VigilDatabase } from "../db/create-database.js";
import { ApiError } from "../http/route-definition.js";
import type { ScanEventSink } from "../notify/scan-event-sink.js";
import { createClusterRepository } from "../store/cluster-repository.js";
import { createScanRepository, type ScanRecord } from "../store/scan-repository.js";
import { abandonedAgentScanError, isAbandonedAgentScan } from "./abandoned-agent-scan.js";
import { DEFAULT_SCAN_TIME_LIMIT_MS } from "./cluster-scan-executor.js";
import { createRematchRunner } from "./rematch-runner.js";
import type { RematchOptions, RematchReport } from "./rematch-stored-images.js";
import type { ScanClock, ScanContext } from "./scan-context.js";
import type { ScanQueue } from "./scan-queue.js";
import { newScanOf, type ScanService, type StartScanRequest } from "./scan-service.js";
import { createScanStores, type ScanStores } from "./scan-stores.js";

/** Scans of these triggers go through the queue; others (`advisory-update`, `agent`) are not cluster scans workers run. */
export const QUEUED_SCAN_TRIGGERS: ReadonlySet<string> = new Set(["manual", "schedule"]);

/** Options of {@link createQueuedScanService}. */
export interface QueuedScanServiceOptions {
  /** PostgreSQL. */
  readonly database: VigilDatabase;
  readonly queue: ScanQueue;
  readonly clock?: ScanClock;
  readonly ids?: () => string;
  readonly logger: Logger;
  /** Told what each re-match committed (notifications). */
  readonly events?: ScanEventSink;
  /** How long a scan may run: an agent scan claimed longer ago is failed and replaced. */
  readonly timeLimitMs?: number;
}

/** {@link ScanService} over the queue, with what the server's advisory update needs. */
export interface QueuedScanService extends ScanService {
  /** What the executor and re-matches of this process share (the findings lock spans processes). */
  readonly context: ScanContext;
  /** Re-matches stored inventories (see `rematchStoredImages`); one at a time in this process. */
  rematch(options?: RematchOptions): Promise<RematchReport>;
  /** Aborts a re-match in progress and waits for it. */
  stop(): Promise<void>;
}

/**
 * The scan service of PostgreSQL mode (ARCHITECTURE.md section 6, past one machine): `start`
 * stores the scan `queued` and sends its job in the same transaction, under the cluster's
 * advisory lock, so that however many servers start scans a cluster has at most one queued
 * or running scan (starting another returns the one there is). `vigil worker`s (or the
 * server's in-process workers) take the jobs. `cancel` changes the scan row, which is the
 * truth: a worker that holds the scan reads it while it runs and stops, writing nothing.
 */
export function createQueuedScanService(options: QueuedScanServiceOptions): QueuedScanService {
  const { database, queue, logger } = options;
  const clock = options.clock ?? { now: () => new Date() };
  const newId = options.ids ?? (() => randomUUID());
  const stores: ScanStores = createScanStores(database.db);
  const context: ScanContext = {
    stores,
    clock,
    newId,
    logger,
    findingsLock: createAdvisoryKeyedLock(database.db, ADVISORY_LOCK_SPACES.findings),
  };
  const rematches = createRematchRunner(context, options.events);
  const iso = () => clock.now().toISOString();
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_SCAN_TIME_LIMIT_MS;

  return {
    context,

    async start(request: StartScanRequest): Promise<ScanRecord> {
      for (;;) {
        const outcome = await database.db.transaction().execute(async (trx) => {
          await lockInTransaction(trx, ADVISORY_LOCK_SPACES.clusterStart, request.clusterId);
          const cluster = await createClusterRepository(trx).get(request.clusterId);
          if (!cluster) throw new ApiError(404, `there is no cluster ${request.clusterId}`);
          const scans = createScanRepository(trx);
          const there = await scans.listByCluster(cluster.id, { statuses: ["queued", "running"], limit: 10 });
          const other = there.items.find((s) => QUEUED_SCAN_TRIGGERS.has(s.trigger));
          if (other && isAbandonedAgentScan(other, cluster, clock.now(), timeLimitMs)) {
            // its agent claimed it and died: failed below (it resolves nothing), then queued anew
            return { scan: other, created: false, alive: false, why: abandonedAgentScanError(timeLimitMs) };
          }
          if (other) {
            // an agent cluster's scan has no job: it lives until its agent claims and ends it
            const alive = cluster.connectionKind === "agent" || (await queue.alive(other.id));
            return { scan: other, created: false, alive };
          }
          const scan = await scans.create(newScanOf(request, newId(), iso()));
          // an agent cluster's scan waits for its agent to claim it: no worker can reach the cluster
          if (cluster.connectionKind === "agent") return { scan, created: true, alive: true };
          await queue.send(trx, scan.id);
          return { scan, created: true, alive: true };
        });
        const { scan } = outcome;
        if (outcome.created) {
          logger.info(
            { scanId: scan.id, clusterId: scan.clusterId, trigger: scan.trigger, scope: scan.scope },
            "scan queued",
          );
        }
        if (outcome.alive) return scan;
        // Its job ended without finishing it (its workers kept dying until the retries ran out),
        // or its agent claimed it and never delivered: it would block the cluster for ever.
        // Nothing it read was written; fail it and start anew.
        await stores.scans.updateStatus({
          id: scan.id,
          status: "failed",
          at: iso(),
          error:
            "why" in outcome
              ? outcome.why
              : "its job ended without finishing it (the workers that took it stopped); a new scan replaced it",
        });
        logger.warn(
          { scanId: scan.id, clusterId: scan.clusterId },
          "why" in outcome ? outcome.why : "a scan whose job had ended was failed and replaced",
        );
      }
    },

    cancel(scanId) {
      return stores.scans.updateStatus({ id: scanId, status: "cancelled", at: iso(), error: "cancelled" });
    },

    rematch: (rematchOptions) => rematches.rematch(rematchOptions),

    stop: () => rematches.stop(),
  };
}
