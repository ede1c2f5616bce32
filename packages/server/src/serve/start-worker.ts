import type { Logger } from "pino";
import { createDatabase, DatabaseConfigError, type VigilDatabase } from "../db/create-database.js";
import { migrateToLatest } from "../db/migrations/migrate.js";
import { createQueuedScanService, type QueuedScanService } from "../scans/queued-scan-service.js";
import type { ScanRegistryOptions } from "../scans/scan-context.js";
import { openScanQueue, type ScanQueue, type ScanQueueOptions } from "../scans/scan-queue.js";
import { type ScanWorker, startScanWorker } from "../scans/scan-worker.js";
import { defaultKube } from "./scan-runtime.js";
import { createServiceLogger } from "./service-logger.js";

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** `postgres://…`: the database (and queue) the servers use. */
  readonly databaseUrl: string | undefined;
  /** Cluster scans at once; default 1. */
  readonly concurrency?: number;
  /** Image scans in flight within one cluster scan; default 2. */
  readonly imagesPerScan?: number;
  /** Layer and image caches; share one directory between the workers of a machine. */
  readonly cacheDir?: string;
  /** The kubeconfig with the clusters' contexts; default kubectl's loading rules. */
  readonly kubeconfigPath?: string;
  readonly registry?: ScanRegistryOptions;
  readonly queue?: ScanQueueOptions;
  /** How often a running scan reads its row (cancelled elsewhere); default 2 s. */
  readonly storePollMs?: number;
  /** Shown in logs; default a random id. */
  readonly name?: string;
  readonly logger?: Logger;
}

/** A running `vigil worker`. */
export interface RunningWorker {
  readonly worker: ScanWorker;
  readonly database: VigilDatabase;
  /**
   * Stops gracefully: running scans become `interrupted` and are queued again (nothing they
   * read is written); then the queue and the database close.
   */
  close(): Promise<void>;
}

/**
 * `vigil worker`: opens the PostgreSQL database (a clear error for anything else), applies
 * migrations if needed, and takes scan jobs from the queue the servers fill.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const logger = options.logger ?? createServiceLogger("vigil-worker");
  const url = options.databaseUrl?.trim();
  if (!url || !/^postgres(ql)?:\/\//i.test(url)) {
    throw new DatabaseConfigError(
      "vigil worker needs PostgreSQL: set DATABASE_URL to the postgres:// URL the servers use " +
        "(with the embedded SQLite database, `vigil serve` runs the scans itself)",
    );
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const imagesPerScan = Math.max(1, Math.floor(options.imagesPerScan ?? 2));
  // every image scan in flight may hold one connection for its digest lock, every scan one
  // for its findings lock; the rest serve queries and the queue's polling
  const database = createDatabase({ url, poolSize: 6 + concurrency * (imagesPerScan + 1) });
  let queue: ScanQueue | undefined;
  let service: QueuedScanService | undefined;
  try {
    await migrateToLatest(database.db);
    queue = await openScanQueue(database, { ...options.queue, logger });
    service = createQueuedScanService({ database, queue, logger });
    const worker = await startScanWorker({
      database,
      queue,
      service,
      kube: defaultKube(options.kubeconfigPath),
      concurrency,
      imagesPerScan,
      logger,
      ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.storePollMs ? { storePollMs: options.storePollMs } : {}),
      ...(options.name ? { name: options.name } : {}),
    });
    let closing: Promise<void> | undefined;
    const opened = { queue, service };
    return {
      worker,
      database,
      close() {
        closing ??= (async () => {
          await worker.stop();
          await opened.service.stop();
          await opened.queue.close();
          await database.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await queue?.close().catch(() => undefined);
    await database.close();
    throw error;
  }
}
