import { randomUUID } from "node:crypto";
import { DEFAULT_IMAGE_SCAN_CONCURRENCY, type DigestLock, type KubernetesReader } from "@vigil/core";
import type PgBoss from "pg-boss";
import type { Logger } from "pino";
import { ADVISORY_LOCK_SPACES, createAdvisoryKeyedLock } from "../db/advisory-locks.js";
import type { VigilDatabase } from "../db/create-database.js";
import type { ClusterRecord } from "../store/cluster-repository.js";
import {
  type ClusterScanExecutor,
  createClusterScanExecutor,
  type ScanAttempt,
} from "./cluster-scan-executor.js";
import type { QueuedScanService } from "./queued-scan-service.js";
import type { ScanRegistryOptions } from "./scan-context.js";
import { SCAN_QUEUE, type ScanJobData, type ScanQueue } from "./scan-queue.js";

/** Options of {@link startScanWorker}. */
export interface ScanWorkerOptions {
  readonly database: VigilDatabase;
  readonly queue: ScanQueue;
  /** Where interrupted scans are queued again, and the shared context (clock, ids, findings lock). */
  readonly service: QueuedScanService;
  readonly kube: (cluster: ClusterRecord) => KubernetesReader | Promise<KubernetesReader>;
  /** Cluster scans at once in this worker; default 1. */
  readonly concurrency?: number;
  /** Image scans in flight within one cluster scan; default 2. */
  readonly imagesPerScan?: number;
  /** `<cacheDir>/layers` and `<cacheDir>/images`; share it between workers of one machine. */
  readonly cacheDir?: string;
  readonly registry?: ScanRegistryOptions;
  /** How often a running scan reads its row (cancelled elsewhere, taken over); default 2 s. */
  readonly storePollMs?: number;
  /** Shown in logs and in {@link ScanWorker.taken}; default a random id. */
  readonly name?: string;
  readonly logger: Logger;
}

/** A running worker. */
export interface ScanWorker {
  readonly name: string;
  /** Scan jobs this worker has taken (each retry counts once more). */
  taken(): number;
  /** Scans this worker runs now. */
  running(): number;
  /**
   * Stops gracefully: takes no more jobs; running scans are aborted, marked `interrupted`
   * (nothing they read is written, so nothing is resolved) and queued again as new scans, and
   * their jobs complete. Resolves when they have.
   */
  stop(): Promise<void>;
}

/**
 * A scan worker (ARCHITECTURE.md section 6): takes scan jobs from the pg-boss queue,
 * `concurrency` at a time, and runs each with the in-process runner's code path
 * (`createClusterScanExecutor`). A job whose worker died is retried by pg-boss after its
 * expiry; the retry takes over the same scan row as a new attempt, and the dead attempt's
 * work, never written, resolves nothing. Each digest is pulled under a PostgreSQL advisory
 * lock, so two workers never pull one digest at once and the second reuses the first's
 * image cache entry when they share a cache directory.
 */
export async function startScanWorker(options: ScanWorkerOptions): Promise<ScanWorker> {
  const { database, queue, service, logger } = options;
  const name = options.name ?? `worker-${randomUUID().slice(0, 8)}`;
  const log = logger.child({ worker: name });
  const digestLocks = createAdvisoryKeyedLock(database.db, ADVISORY_LOCK_SPACES.digest);
  const digestLock: DigestLock = (digest, work) => digestLocks.run(digest, work);
  const executor: ClusterScanExecutor = createClusterScanExecutor({
    context: { ...service.context, logger: log },
    kube: options.kube,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    imagesPerScan: Math.max(1, Math.floor(options.imagesPerScan ?? DEFAULT_IMAGE_SCAN_CONCURRENCY)),
    digestLock,
    takeOverFrom: ["queued", "running"],
    storePollMs: Math.max(10, options.storePollMs ?? 2000),
    interruptedError: `worker ${name} stopped while the scan ran; it was queued again`,
    requeue: async (scan) => {
      const next = await service.start({
        clusterId: scan.clusterId,
        scope: scan.scope,
        trigger: scan.trigger,
        ...(scan.policyId ? { policyId: scan.policyId } : {}),
      });
      log.info({ scanId: scan.id, next: next.id }, "interrupted scan queued again");
    },
  });
  const attempts = new Set<ScanAttempt>();
  let taken = 0;
  let stopping = false;

  const handle = async (jobs: PgBoss.JobWithMetadata<ScanJobData>[]) => {
    for (const job of jobs) {
      taken++;
      const scan = await service.context.stores.scans.get(job.data.scanId);
      if (!scan) {
        log.warn({ scanId: job.data.scanId, job: job.id }, "a scan job names no stored scan; dropped");
        continue;
      }
      const { images: _, ...record } = scan;
      log.info(
        { scanId: scan.id, job: job.id, retry: job.retryCount, status: scan.status },
        "scan job taken",
      );
      const attempt: ScanAttempt = { scan: record, controller: new AbortController(), phase: "queued" };
      if (stopping) attempt.abortedAs = "interrupted";
      attempts.add(attempt);
      try {
        await executor.run(attempt);
      } finally {
        attempts.delete(attempt);
      }
    }
  };

  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  for (let i = 0; i < concurrency; i++) {
    await queue.boss.work<ScanJobData>(
      SCAN_QUEUE,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: queue.pollingIntervalSeconds },
      handle,
    );
  }
  log.info({ concurrency, queue: SCAN_QUEUE }, "scan worker started");

  let stopped: Promise<void> | undefined;
  return {
    name,
    taken: () => taken,
    running: () => attempts.size,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        for (const attempt of attempts) {
          if (attempt.phase === "writing" || attempt.abortedAs) continue;
          attempt.abortedAs = "interrupted";
          attempt.controller.abort(new Error("the worker is stopping"));
        }
        // stops polling, then waits for the handlers (which finish the aborted scans)
        await queue.boss.offWork(SCAN_QUEUE);
        while (attempts.size > 0) await new Promise((resolve) => setTimeout(resolve, 50));
        log.info({ taken }, "scan worker stopped");
      })();
      return stopped;
    },
  };
}
