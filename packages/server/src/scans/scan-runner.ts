import { randomUUID } from "node:crypto";
import {
  createDirectoryImageCache,
  createDirectoryLayerCache,
  createRegistryLimits,
  DEFAULT_IMAGE_SCAN_CONCURRENCY,
  type KubernetesReader,
} from "@vigil/core";
import { type Logger, pino } from "pino";
import type { VigilDatabase } from "../db/create-database.js";
import { ApiError } from "../http/route-definition.js";
import type { ScanEventSink } from "../notify/scan-event-sink.js";
import type { ClusterRecord } from "../store/cluster-repository.js";
import { type ScanRecord, withoutImages } from "../store/scan-repository.js";
import { abandonedAgentScanError, isAbandonedAgentScan } from "./abandoned-agent-scan.js";
import type { AgentScanIntake } from "./agent-scan-intake.js";
import { createAgentScanIntake } from "./agent-scan-intake-service.js";
import {
  createClusterScanExecutor,
  DEFAULT_SCAN_TIME_LIMIT_MS,
  messageOf,
  type ScanAttempt,
} from "./cluster-scan-executor.js";
import { createKeyedLock } from "./keyed-lock.js";
import { createRematchRunner } from "./rematch-runner.js";
import type { RematchOptions, RematchReport } from "./rematch-stored-images.js";
import type { ScanClock, ScanContext, ScanRegistryOptions } from "./scan-context.js";
import { newScanOf, type ScanService, type StartScanRequest } from "./scan-service.js";
import { createScanStores, type ScanStores } from "./scan-stores.js";

/** Options of {@link createScanRunner}. */
export interface ScanRunnerOptions {
  /** The server's open database (one per process on SQLite: share it). */
  readonly database: VigilDatabase;
  /** Repositories to use instead of the ones over `database` (tests inject failures). */
  readonly stores?: Partial<ScanStores>;
  /**
   * The Kubernetes reader of a cluster, called once per scan. Throwing fails that scan with
   * the error's message (an agent cluster, a kubeconfig context that is gone).
   */
  readonly kube: (cluster: ClusterRecord) => KubernetesReader | Promise<KubernetesReader>;
  /** Default: the system clock. */
  readonly clock?: ScanClock;
  /** New scan and finding ids; default random UUIDs. */
  readonly ids?: () => string;
  readonly concurrency?: {
    /** Cluster scans running at once in this process; default 1. */
    readonly scans?: number;
    /** Image scans in flight within one cluster scan; default 2. */
    readonly imagesPerScan?: number;
  };
  /**
   * How long a cluster scan may discover and scan before it is stopped and failed (it then
   * resolves nothing); default {@link DEFAULT_SCAN_TIME_LIMIT_MS}. Writing the results is not
   * limited: once they are complete they are stored.
   */
  readonly timeLimitMs?: number;
  /** Scans waiting at most; a start beyond it is refused with 503. Default 1,000. */
  readonly maxQueued?: number;
  /**
   * Directory of the layer cache (by layer digest) and the image cache (by image digest):
   * `<cacheDir>/layers`, `<cacheDir>/images`. Without it every scan reads every layer.
   */
  readonly cacheDir?: string;
  /** Registry trust and transport settings; the pods' pull secrets are always used. */
  readonly registry?: ScanRegistryOptions;
  readonly logger?: Logger;
  /**
   * Take over what a previous process left (see {@link ScanRunner.recovered}); default true.
   * Only one process may run scans against a database while this holds (single machine mode).
   */
  readonly recover?: boolean;
  /** Told what each finished scan and re-match committed (notifications); never waited for. */
  readonly events?: ScanEventSink;
}

/** What the runner found of a previous process when it started. */
export interface RecoveryReport {
  /** Scans left `running`, now `interrupted`. */
  readonly interrupted: readonly string[];
  /** The new scans queued in their place (same cluster, scope, trigger and policy). */
  readonly requeued: readonly ScanRecord[];
  /** Scans left `queued`: they never started, so they are run as they are, under their own id. */
  readonly adopted: readonly string[];
  /** An `advisory-update` re-match was interrupted, so one was started again. */
  readonly rematch: boolean;
  /** Why recovery failed part-way, when it did (the runner works regardless). */
  readonly error?: string;
}

/** The server's scan worker pool: {@link ScanService} plus what the server and tests need. */
export interface ScanRunner extends ScanService, AgentScanIntake {
  /** Resolves when recovery of a previous process's scans is done; never rejects. */
  readonly recovered: Promise<RecoveryReport>;
  /**
   * Matches stored inventories again with the current advisories and reconciles the clusters
   * running them (see `rematchStoredImages`): what the advisory update does after a sync.
   * One re-match at a time; a second call waits for the first.
   */
  rematch(options?: RematchOptions): Promise<RematchReport>;
  /** The scan's record once it has finished (or as stored, when this runner does not run it). */
  finished(scanId: string): Promise<ScanRecord | undefined>;
  /** Resolves when nothing is queued or running. */
  idle(): Promise<void>;
  /**
   * Stops gracefully: no new scans; queued ones stay `queued` in the store (the next start runs
   * them); running ones are aborted, marked `interrupted` and queued again as new scans for the
   * next start; a re-match in progress is aborted. Resolves when everything has stopped.
   */
  stop(): Promise<void>;
}

interface Entry extends ScanAttempt {
  readonly done: Promise<ScanRecord | undefined>;
  readonly settle: (record: ScanRecord | undefined) => void;
}

/** Scans of these triggers are run by the runner; others (`advisory-update`, `agent`) are not cluster scans it runs. */
const RUNNABLE_TRIGGERS = new Set(["manual", "schedule"]);

/**
 * The in-process scan runner (ARCHITECTURE.md section 6, one machine): a bounded queue that
 * runs cluster scans `concurrency.scans` at a time.
 *
 * `start` stores the scan `queued` and returns it; the queue then moves it to `running`, runs
 * `scanCluster` (discovery, one scan per digest with the pods' pull secrets, the layer and
 * image caches, the advisory store), stores images, the scan's images, workload containers and
 * findings (`storeClusterScan`: one transaction for the findings), and finishes it `complete`,
 * `partial` or `failed` with its summary and failures. Only one scan per cluster is queued or
 * running at a time: starting another returns the one there is.
 *
 * `cancel` aborts a scan through its AbortSignal; a cancelled scan writes nothing, so it
 * resolves nothing. Once a scan writes its results it can no longer be cancelled.
 */
export function createScanRunner(options: ScanRunnerOptions): ScanRunner {
  const stores = createScanStores(options.database.db, options.stores);
  const clock = options.clock ?? { now: () => new Date() };
  const newId = options.ids ?? (() => randomUUID());
  const logger = options.logger ?? pino({ name: "vigil-scans" });
  const context: ScanContext = { stores, clock, newId, logger, findingsLock: createKeyedLock() };
  const rematches = createRematchRunner(context, options.events);
  const maxRunning = Math.max(1, Math.floor(options.concurrency?.scans ?? 1));
  const imagesPerScan = Math.max(
    1,
    Math.floor(options.concurrency?.imagesPerScan ?? DEFAULT_IMAGE_SCAN_CONCURRENCY),
  );
  const maxQueued = Math.max(0, Math.floor(options.maxQueued ?? 1000));
  // One set of per-host limits for every scan this process runs at once: N scans of the same
  // registry share its N requests in flight, they do not get N each.
  const registryLimits = options.registry?.registryLimits ?? createRegistryLimits();
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_SCAN_TIME_LIMIT_MS;
  const registry = { ...options.registry, registryLimits };
  const caches = options.cacheDir
    ? {
        cache: createDirectoryLayerCache(options.cacheDir),
        imageCache: createDirectoryImageCache(options.cacheDir),
      }
    : {};
  const executor = createClusterScanExecutor({
    context,
    kube: options.kube,
    registry,
    timeLimitMs,
    ...(options.events ? { events: options.events } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    imagesPerScan,
    takeOverFrom: ["queued"],
    interruptedError: "the server stopped while the scan ran; it runs again at the next start",
    // queued for the next start, which adopts queued scans (see recovery)
    requeue: async (scan) => {
      await stores.scans.create(againOf(scan));
    },
  });

  const entries = new Map<string, Entry>();
  const byCluster = new Map<string, Entry>();
  const queue: Entry[] = [];
  let running = 0;
  let stopping = false;
  const stopController = new AbortController();
  const startLock = createKeyedLock();
  let idleWaiters: (() => void)[] = [];

  const iso = () => clock.now().toISOString();
  /** A new scan doing `scan`'s work again (same cluster, scope, trigger and policy). */
  const againOf = (scan: ScanRecord) => ({
    id: newId(),
    clusterId: scan.clusterId,
    ...(scan.policyId ? { policyId: scan.policyId } : {}),
    trigger: scan.trigger,
    scope: scan.scope,
    createdAt: iso(),
  });

  function track(scan: ScanRecord): Entry {
    let settle!: (record: ScanRecord | undefined) => void;
    const done = new Promise<ScanRecord | undefined>((resolve) => {
      settle = resolve;
    });
    const entry: Entry = { scan, controller: new AbortController(), phase: "queued", done, settle };
    entries.set(scan.id, entry);
    byCluster.set(scan.clusterId, entry);
    return entry;
  }

  function enqueue(scan: ScanRecord): Entry {
    const entry = track(scan);
    queue.push(entry);
    pump();
    return entry;
  }

  function release(entry: Entry, record: ScanRecord | undefined): void {
    entries.delete(entry.scan.id);
    if (byCluster.get(entry.scan.clusterId) === entry) byCluster.delete(entry.scan.clusterId);
    entry.settle(record);
  }

  function pump(): void {
    while (!stopping && running < maxRunning && queue.length > 0) {
      const entry = queue.shift()!;
      running++;
      void executor
        .run(entry)
        .catch((error: unknown) => {
          logger.error({ err: error, scanId: entry.scan.id }, "scan runner failed");
        })
        .finally(async () => {
          const record = await stored(entry.scan.id).catch(() => undefined);
          running--;
          release(entry, record);
          pump();
          notifyIdle();
        });
    }
    notifyIdle();
  }

  function notifyIdle(): void {
    if (running > 0 || (queue.length > 0 && !stopping)) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async function stored(scanId: string): Promise<ScanRecord | undefined> {
    const scan = await stores.scans.get(scanId);
    return scan ? withoutImages(scan) : undefined;
  }

  async function recover(): Promise<RecoveryReport> {
    const interrupted: string[] = [];
    const requeued: ScanRecord[] = [];
    const adopted: string[] = [];
    let rematch = false;
    try {
      for (const cluster of await stores.clusters.list()) {
        // An agent cluster's queued and claimed scans belong to its agent, which may still be
        // scanning or holding a result to send: the agent claims them again, not this process.
        if (cluster.connectionKind === "agent") continue;
        const left: ScanRecord[] = [];
        let cursor: string | undefined;
        do {
          const page = await stores.scans.listByCluster(cluster.id, {
            statuses: ["queued", "running"],
            limit: 1000,
            ...(cursor ? { cursor } : {}),
          });
          left.push(...page.items);
          cursor = page.nextCursor;
        } while (cursor);
        for (const scan of left.reverse()) {
          const runnable = RUNNABLE_TRIGGERS.has(scan.trigger);
          if (scan.status === "queued" && runnable && !byCluster.has(cluster.id)) {
            enqueue(scan);
            adopted.push(scan.id);
            continue;
          }
          const replaced = runnable && !byCluster.has(cluster.id);
          const next = replaced ? await stores.scans.create(againOf(scan)) : undefined;
          const marked = await stores.scans.updateStatus({
            id: scan.id,
            status: "interrupted",
            at: iso(),
            error: next
              ? `the server stopped while the scan was ${scan.status}; queued again as scan ${next.id}`
              : runnable
                ? `the server stopped while the scan was ${scan.status}; another scan of the cluster was queued instead`
                : `the server stopped while the scan was ${scan.status}`,
          });
          if (marked) interrupted.push(scan.id);
          if (scan.trigger === "advisory-update") rematch = true;
          if (next) {
            enqueue(next);
            requeued.push(next);
          }
        }
      }
    } catch (error) {
      logger.error({ err: error }, "could not take over the scans of a previous process");
      return { interrupted, requeued, adopted, rematch, error: messageOf(error) };
    }
    if (interrupted.length > 0 || adopted.length > 0) {
      logger.info(
        { interrupted, requeued: requeued.map((s) => s.id), adopted },
        "took over the scans a previous process left",
      );
    }
    if (rematch) {
      // An interrupted re-match left some images with their old revision: finish the work.
      void runner.rematch().catch((error: unknown) => {
        logger.error({ err: error }, "re-matching after an interrupted advisory update failed");
      });
    }
    return { interrupted, requeued, adopted, rematch };
  }

  const agentIntake = createAgentScanIntake({
    context,
    finish: executor.finish,
    registry,
    caches,
    imagesPerScan,
    signal: stopController.signal,
  });

  let recovered: Promise<RecoveryReport> = Promise.resolve({
    interrupted: [],
    requeued: [],
    adopted: [],
    rematch: false,
  });
  const runner: ScanRunner = {
    get recovered() {
      return recovered;
    },

    async start(request: StartScanRequest): Promise<ScanRecord> {
      await recovered;
      if (stopping) throw new ApiError(503, "the server is stopping; start the scan again when it is back");
      return startLock.run(request.clusterId, async () => {
        const cluster = await stores.clusters.get(request.clusterId);
        if (!cluster) throw new ApiError(404, `there is no cluster ${request.clusterId}`);
        const current = byCluster.get(cluster.id);
        if (current) return (await stored(current.scan.id)) ?? current.scan;
        const agentCluster = cluster.connectionKind === "agent";
        const elsewhere = await stores.scans.listByCluster(cluster.id, {
          statuses: ["queued", "running"],
          limit: 10,
        });
        const other = elsewhere.items.find((s) => RUNNABLE_TRIGGERS.has(s.trigger));
        if (other && isAbandonedAgentScan(other, cluster, clock.now(), timeLimitMs)) {
          await executor.finish(other, "failed", { error: abandonedAgentScanError(timeLimitMs) });
        } else if (other) {
          return other;
        }
        if (!agentCluster && queue.length >= maxQueued) {
          throw new ApiError(503, `${queue.length} scans are waiting already; start this one later`);
        }
        const scan = await stores.scans.create(newScanOf(request, newId(), iso()));
        logger.info(
          { scanId: scan.id, clusterId: cluster.id, trigger: scan.trigger, scope: scan.scope },
          agentCluster ? "scan queued for the cluster's agent" : "scan queued",
        );
        // The cluster's agent claims it (it runs in the cluster; this process cannot reach it).
        if (!agentCluster) enqueue(scan);
        return scan;
      });
    },

    async cancel(scanId) {
      const entry = entries.get(scanId);
      if (entry) {
        if (entry.phase === "writing" || entry.abortedAs) return false;
        entry.abortedAs = "cancelled";
        if (entry.phase === "queued") {
          const index = queue.indexOf(entry);
          if (index >= 0) queue.splice(index, 1);
          try {
            return await stores.scans.updateStatus({
              id: scanId,
              status: "cancelled",
              at: iso(),
              error: "cancelled",
            });
          } finally {
            release(entry, await stored(scanId).catch(() => entry.scan));
            notifyIdle();
          }
        }
        entry.controller.abort(new Error("the scan was cancelled"));
        return true;
      }
      // Not run here: a scan of another process, or one left behind. The store decides; a
      // process running it sees the status before it writes anything.
      return stores.scans.updateStatus({ id: scanId, status: "cancelled", at: iso(), error: "cancelled" });
    },

    receiveResult: agentIntake.receiveResult,
    scanDiscovery: agentIntake.scanDiscovery,

    rematch: (rematchOptions) => rematches.rematch(rematchOptions),

    async finished(scanId) {
      const entry = entries.get(scanId);
      if (entry) return entry.done;
      return stored(scanId);
    },

    idle() {
      if (running === 0 && (queue.length === 0 || stopping)) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },

    async stop() {
      if (!stopping) {
        stopping = true;
        stopController.abort(new Error("the server is stopping"));
        for (const entry of queue.splice(0)) release(entry, entry.scan);
        for (const entry of entries.values()) {
          if (entry.phase !== "scanning" || entry.abortedAs) continue;
          entry.abortedAs = "interrupted";
          entry.controller.abort(new Error("the server is stopping"));
        }
        notifyIdle();
      }
      await runner.idle();
      await rematches.stop();
    },
  };
  if (options.recover ?? true) recovered = recover();
  return runner;
}
