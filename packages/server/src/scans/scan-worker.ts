import { randomUUID } from "node:crypto";
import { DEFAULT_IMAGE_SCAN_CONCURRENCY, type DigestLock, type KubernetesReader } from "@vigil/core";
import type PgBoss from "pg-boss";
import type { Logger } from "pino";
import { ADVISORY_LOCK_SPACES, createAdvisoryKeyedLock } from "../db/advisory-locks.js";
import type { VigilDatabase } from "../db/create-database.js";
import type { ScanEventSink } from "../notify/scan-event-sink.js";
import type { ClusterRecord } from "../store/cluster-repository.js";
import {
  type ClusterScanExecutor,
  createClusterScanExecutor,
  messageOf,
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
  /** How long a scan may run (`ClusterScanExecutorOptions.timeLimitMs`); default two hours. */
  readonly timeLimitMs?: number;
  /** Told what each finished scan committed (notifications). */
  readonly events?: ScanEventSink;
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
    ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
    ...(options.events ? { events: options.events } : {}),
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

  const stopController = new AbortController();
  const pollMs = queue.pollingIntervalSeconds * 1000;

  const handle = async (job: PgBoss.JobWithMetadata<ScanJobData>) => {
    taken++;
    const scan = await service.context.stores.scans.get(job.data.scanId);
    if (!scan) {
      log.warn({ scanId: job.data.scanId, job: job.id }, "a scan job names no stored scan; dropped");
      return;
    }
    const { images: _, ...record } = scan;
    log.info({ scanId: scan.id, job: job.id, retry: job.retryCount, status: scan.status }, "scan job taken");
    const attempt: ScanAttempt = { scan: record, controller: new AbortController(), phase: "queued" };
    if (stopping) attempt.abortedAs = "interrupted";
    attempts.add(attempt);
    try {
      await executor.run(attempt);
    } finally {
      attempts.delete(attempt);
    }
  };

  // Our own fetch loop rather than pg-boss's `work`: that one waits a whole polling interval
  // after every job, however short (an empty scan would cost 0.5 s or more), and gives up on a
  // handler at the job's expiry while the handler runs on; here the next job is fetched at once,
  // only an empty queue waits, and a job is completed before its slot takes another.
  const slot = async () => {
    while (!stopping) {
      let job: PgBoss.JobWithMetadata<ScanJobData> | undefined;
      try {
        [job] = await queue.boss.fetch<ScanJobData>(SCAN_QUEUE, { batchSize: 1, includeMetadata: true });
      } catch (error) {
        log.warn({ err: error }, "could not fetch scan jobs");
      }
      if (!job) {
        await sleep(pollMs, stopController.signal);
        continue;
      }
      try {
        await handle(job);
        await queue.boss.complete(SCAN_QUEUE, job.id);
      } catch (error) {
        // retried by pg-boss (its retry limit and delay); the scan row decides what a retry does
        log.error({ err: error, job: job.id, scanId: job.data.scanId }, "scan job failed");
        await queue.boss
          .fail(SCAN_QUEUE, job.id, { message: messageOf(error) })
          .catch((failure: unknown) => log.error({ err: failure, job: job.id }, "could not fail a scan job"));
      }
    }
  };

  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const slots = Array.from({ length: concurrency }, () => slot());
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
        stopController.abort();
        // the slots finish their scans (aborted ones are marked and queued again) and stop
        await Promise.all(slots);
        log.info({ taken }, "scan worker stopped");
      })();
      return stopped;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
