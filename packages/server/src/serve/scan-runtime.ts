import { join } from "node:path";
import {
  createDirectoryImageCache,
  createDirectoryLayerCache,
  createRegistryLimits,
  DEFAULT_IMAGE_SCAN_CONCURRENCY,
} from "@vigil/core";
import type { Logger } from "pino";
import { Gauge, type Registry } from "prom-client";
import { ADVISORY_LOCK_SPACES, createAdvisoryKeyedLock } from "../db/advisory-locks.js";
import type { VigilDatabase } from "../db/create-database.js";
import { createLeaderElection, type LeaderElection } from "../db/leader-election.js";
import { type KubeConfigError, loadKubeConfig } from "../kube/kube-config.js";
import { createKubernetesClientReader } from "../kube/kubernetes-client-reader.js";
import type { ScanEventSink } from "../notify/scan-event-sink.js";
import { type AdvisorySync, createAdvisorySourcesSync } from "../scans/advisory-sync.js";
import {
  type AdvisoryUpdateReport,
  advisoryUpdateJobState,
  createAdvisoryUpdate,
} from "../scans/advisory-update.js";
import type { AgentScanIntake } from "../scans/agent-scan-intake.js";
import { createAgentScanIntake } from "../scans/agent-scan-intake-service.js";
import { createScanFinisher } from "../scans/cluster-scan-executor.js";
import { createQueuedScanService, type QueuedScanService } from "../scans/queued-scan-service.js";
import { interruptLeftRematches } from "../scans/recover-rematches.js";
import type { ScanClock, ScanRegistryOptions } from "../scans/scan-context.js";
import { openScanQueue, type ScanQueue, type ScanQueueOptions } from "../scans/scan-queue.js";
import { createScanRunner, type ScanRunner, type ScanRunnerOptions } from "../scans/scan-runner.js";
import type { ScanService } from "../scans/scan-service.js";
import { createScanStores } from "../scans/scan-stores.js";
import { type ScanWorker, startScanWorker } from "../scans/scan-worker.js";
import { createStoredPolicySchedule } from "../scans/stored-policy-schedule.js";
import { DEFAULT_TIME_ZONE } from "../scheduler/scan-policy.js";
import { advisoryUpdateJob, DEFAULT_ADVISORY_UPDATE_CADENCE } from "../scheduler/scheduled-job.js";
import { createScheduler, type Scheduler, type SchedulerTimers } from "../scheduler/scheduler.js";
import type { ClusterRecord } from "../store/cluster-repository.js";

/** `startServer`'s `scans` option: the scan runner, the scheduler and the advisory update. */
export interface ServeScanOptions {
  /** Run scans in this process; without it the server serves the API only. */
  readonly enabled: boolean;
  /** The kubeconfig the server connects with; default kubectl's loading rules. */
  readonly kubeconfigPath?: string;
  /** Layer and image caches; default `<dataDir>/cache` (none without a data directory). */
  readonly cacheDir?: string;
  readonly advisoryUpdate?: {
    /** Cron cadence; default every six hours ({@link DEFAULT_ADVISORY_UPDATE_CADENCE}). */
    readonly cadence?: string;
    /** IANA time zone of the cadence; default UTC. */
    readonly timezone?: string;
    /** Default true; false for air-gapped installs that import advisories by hand. */
    readonly enabled?: boolean;
    /** Default: every built-in source from upstream. Tests inject one that stays offline. */
    readonly sync?: AdvisorySync;
  };
  /**
   * When no cluster is stored, register the kubeconfig's current context (default true).
   * Tests that must not see the machine's kubeconfig turn it off.
   */
  readonly registerCurrentContext?: boolean;
  /** Kubernetes reader per cluster; default: the cluster's context in the kubeconfig. */
  readonly kube?: ScanRunnerOptions["kube"];
  readonly registry?: ScanRegistryOptions;
  readonly concurrency?: ScanRunnerOptions["concurrency"];
  /** How long one cluster scan may run; default two hours (`DEFAULT_SCAN_TIME_LIMIT_MS`). */
  readonly timeLimitMs?: number;
  readonly clock?: ScanClock;
  readonly ids?: () => string;
  readonly scheduler?: {
    /** Default 30 s. */
    readonly tickMs?: number;
    /** Injected timers (tests drive ticks with `scheduler.tick()`). */
    readonly timers?: SchedulerTimers;
  };
  /**
   * PostgreSQL only: scans go through the pg-boss queue (the default on PostgreSQL), taken by
   * `vigil worker`s and this server's own workers, and the scheduler runs only in the server
   * that leads; `false`: the in-process runner, for a single server process.
   */
  readonly queue?: false | ServeQueueOptions;
}

/** How a server on PostgreSQL uses the scan queue. */
export interface ServeQueueOptions extends ScanQueueOptions {
  /** Scans this server runs at once; default 1; 0: API and scheduler only, scans left to `vigil worker`s. */
  readonly workers?: number;
  /** How often a server that does not lead tries to take over the scheduler; default 5 s. */
  readonly leaderRetryMs?: number;
  /** How often a running scan reads its row (cancelled elsewhere); default 2 s. */
  readonly storePollMs?: number;
}

/** The running scan runtime of a server. */
export interface ScanRuntime {
  /** What the routes and the scheduler start and cancel scans through. */
  readonly service: ScanService;
  /** Takes in in-cluster agents' results (the runner, or in queue mode an intake of its own). */
  readonly agentScans: AgentScanIntake;
  /** The in-process runner (SQLite, or `queue: false`); absent in queue mode. */
  readonly runner?: ScanRunner;
  /** This server's scan workers (queue mode with `workers` above 0). */
  readonly worker?: ScanWorker;
  readonly scheduler: Scheduler;
  /**
   * Whether this process runs the scheduler now: always without the queue; in queue mode only
   * the process holding the leader lock (also the `vigil_scheduler_leader` gauge).
   */
  isLeader(): boolean;
  /** Sync the advisory sources (when enabled) and re-match stored images now. */
  updateAdvisories(): Promise<AdvisoryUpdateReport>;
  /** The cluster registered from the current kubeconfig context at this start, if one was. */
  readonly registeredCluster?: ClusterRecord;
  /** Stops the scheduler, then the runner or workers (running scans become `interrupted`). */
  stop(): Promise<void>;
}

/**
 * Wires the scan runtime: the runner (which takes over what a previous process left), the
 * current kubeconfig context as the first cluster when none is stored, and the scheduler over
 * the stored policies with the advisory update as a built-in job.
 */
export async function startScanRuntime(
  database: VigilDatabase,
  options: ServeScanOptions,
  context: {
    readonly dataDir?: string;
    readonly logger: Logger;
    readonly events?: ScanEventSink;
    readonly metrics?: Registry;
  },
): Promise<ScanRuntime> {
  const logger = context.logger.child({ component: "scans" });
  const clock = options.clock ?? { now: () => new Date() };
  const stores = createScanStores(database.db);
  const cacheDir = options.cacheDir ?? (context.dataDir ? join(context.dataDir, "cache") : undefined);
  if (!cacheDir) {
    logger.warn("no cache directory (no data directory): every scan reads every layer; set scans.cacheDir");
  }
  const kubeconfigPath = options.kubeconfigPath;
  const kube = options.kube ?? defaultKube(kubeconfigPath);
  const queueOptions =
    database.dialect === "postgres" && options.queue !== false ? (options.queue ?? {}) : undefined;

  // one set of per-registry-host limits for everything this process pulls
  const registry = {
    ...options.registry,
    registryLimits: options.registry?.registryLimits ?? createRegistryLimits(),
  };
  const stopIntake = new AbortController();
  let agentIntake: AgentScanIntake;
  let runner: ScanRunner | undefined;
  let queue: ScanQueue | undefined;
  let queued: QueuedScanService | undefined;
  let worker: ScanWorker | undefined;
  if (queueOptions) {
    queue = await openScanQueue(database, { ...queueOptions, logger });
    queued = createQueuedScanService({
      database,
      queue,
      clock,
      logger,
      ...(context.events ? { events: context.events } : {}),
      ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
      ...(options.ids ? { ids: options.ids } : {}),
    });
    const workers = Math.max(0, Math.floor(queueOptions.workers ?? 1));
    if (workers > 0) {
      worker = await startScanWorker({
        database,
        queue,
        service: queued,
        kube,
        concurrency: workers,
        logger,
        ...(options.concurrency?.imagesPerScan ? { imagesPerScan: options.concurrency.imagesPerScan } : {}),
        ...(cacheDir ? { cacheDir } : {}),
        registry,
        ...(queueOptions.storePollMs ? { storePollMs: queueOptions.storePollMs } : {}),
        ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
        ...(context.events ? { events: context.events } : {}),
      });
    }
    // agents' results come to whichever server they reach, with no runner: the same intake
    agentIntake = createAgentScanIntake({
      context: queued.context,
      finish: createScanFinisher(queued.context, context.events),
      registry,
      caches: createScanCaches(cacheDir),
      imagesPerScan: Math.max(
        1,
        Math.floor(options.concurrency?.imagesPerScan ?? DEFAULT_IMAGE_SCAN_CONCURRENCY),
      ),
      signal: stopIntake.signal,
      lock: createAdvisoryKeyedLock(database.db, ADVISORY_LOCK_SPACES.agentIntake),
    });
  } else {
    runner = createScanRunner({
      database,
      kube,
      clock,
      logger,
      ...(options.ids ? { ids: options.ids } : {}),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
      ...(cacheDir ? { cacheDir } : {}),
      registry,
      ...(context.events ? { events: context.events } : {}),
    });
    await runner.recovered;
    agentIntake = runner;
  }
  const service: ScanService = runner ?? queued!;
  const rematcher = runner ?? queued!;

  const registeredCluster =
    options.registerCurrentContext === false
      ? undefined
      : await registerCurrentContext(stores.clusters, kubeconfigPath, clock, logger);

  const update = options.advisoryUpdate ?? {};
  const cadence = update.cadence ?? DEFAULT_ADVISORY_UPDATE_CADENCE;
  const timezone = update.timezone ?? DEFAULT_TIME_ZONE;
  const updateAdvisories = createAdvisoryUpdate({
    advisories: stores.advisories,
    runner: rematcher,
    sync: update.sync ?? createAdvisorySourcesSync(),
    clock,
    logger,
  });
  const scheduler = createScheduler({
    clock,
    ...createStoredPolicySchedule({ stores, scans: service, logger }),
    jobs: [
      advisoryUpdateJob(async () => void (await updateAdvisories()), {
        cadence,
        timezone,
        enabled: update.enabled ?? true,
      }),
    ],
    // the advisory update is the only job
    jobStore: advisoryUpdateJobState(stores.advisories, cadence, timezone),
    onError: (error) =>
      logger.error(
        {
          err: error,
          phase: error.phase,
          ...(error.policyName ? { policy: error.policyName } : {}),
          ...(error.cluster ? { cluster: error.cluster } : {}),
          ...(error.job ? { job: error.job } : {}),
        },
        error.message,
      ),
    ...(options.scheduler?.tickMs ? { tickMs: options.scheduler.tickMs } : {}),
    ...(options.scheduler?.timers ? { timers: options.scheduler.timers } : {}),
  });

  const leaderGauge = context.metrics
    ? new Gauge({
        name: "vigil_scheduler_leader",
        help: "1 when this process runs the scheduler (policies and the advisory update), else 0.",
        registers: [context.metrics],
      })
    : undefined;
  let election: LeaderElection | undefined;
  let leading = false;
  const lead = async (value: boolean) => {
    leading = value;
    leaderGauge?.set(value ? 1 : 0);
    if (!value) return scheduler.stop();
    scheduler.start();
    // the queue's leader finishes what a previous leader's re-match left (the in-process
    // runner does this in its own recovery)
    if (queued && (await interruptLeftRematches(stores, clock, logger).catch(() => false))) {
      void queued.rematch().catch((error: unknown) => {
        logger.error({ err: error }, "re-matching after an interrupted advisory update failed");
      });
    }
  };
  if (queueOptions) {
    // Several servers may share the database: only the one holding the lock schedules.
    leaderGauge?.set(0);
    election = createLeaderElection({
      db: database.db,
      name: "scheduler",
      logger,
      onChange: lead,
      ...(queueOptions.leaderRetryMs ? { retryMs: queueOptions.leaderRetryMs } : {}),
    });
    await election.firstTry;
  } else {
    await lead(true);
  }

  let stopping: Promise<void> | undefined;
  return {
    service,
    agentScans: agentIntake,
    ...(runner ? { runner } : {}),
    ...(worker ? { worker } : {}),
    scheduler,
    isLeader: () => leading,
    updateAdvisories: () => updateAdvisories(),
    ...(registeredCluster ? { registeredCluster } : {}),
    stop() {
      stopping ??= (async () => {
        stopIntake.abort(new Error("the server is stopping"));
        if (election) await election.stop();
        await scheduler.stop();
        await runner?.stop();
        await worker?.stop();
        await queued?.stop();
        await queue?.close();
      })();
      return stopping;
    },
  };
}

/** The Kubernetes reader of a kubeconfig cluster: its context in `kubeconfigPath` (or kubectl's defaults). */
export function defaultKube(kubeconfigPath: string | undefined): ScanRunnerOptions["kube"] {
  return (cluster) => {
    if (cluster.connectionKind !== "kubeconfig") {
      throw new Error(
        `cluster ${cluster.id} is reached through its agent (vigil agent), which sends its own scans; the server does not connect to it`,
      );
    }
    const { kubeConfig } = loadKubeConfig({
      ...(kubeconfigPath ? { kubeconfigPath } : {}),
      ...(cluster.kubeconfigContext ? { context: cluster.kubeconfigContext } : {}),
    });
    return createKubernetesClientReader(kubeConfig);
  };
}

/**
 * First start: with no cluster stored, the kubeconfig's current context (kubectl's loading
 * rules, or `kubeconfigPath`) becomes the first cluster, under its default cluster id. Only the
 * kubeconfig is read, not the API server: a cluster that is down at this moment is still the
 * one the user meant, and its first scan says what is wrong.
 */
async function registerCurrentContext(
  clusters: ReturnType<typeof createScanStores>["clusters"],
  kubeconfigPath: string | undefined,
  clock: ScanClock,
  logger: Logger,
): Promise<ClusterRecord | undefined> {
  if ((await clusters.list()).length > 0) return undefined;
  let loaded: ReturnType<typeof loadKubeConfig>;
  try {
    loaded = loadKubeConfig(kubeconfigPath ? { kubeconfigPath } : {});
  } catch (error) {
    logger.info(
      { reason: (error as KubeConfigError).message },
      "no cluster is registered and no kubeconfig context was found: start `vigil serve` with a kubeconfig " +
        "(KUBECONFIG or ~/.kube/config) to register its current context, or add a cluster through the API",
    );
    return undefined;
  }
  const cluster = await clusters.upsert({
    id: loaded.clusterId,
    name: loaded.context,
    connectionKind: "kubeconfig",
    kubeconfigContext: loaded.context,
    createdAt: clock.now().toISOString(),
  });
  logger.info(
    { clusterId: cluster.id, context: loaded.context, server: loaded.server, kubeconfig: loaded.source },
    "registered the current kubeconfig context as the first cluster",
  );
  return cluster;
}

/** The layer and image caches under `cacheDir`, or none. */
function createScanCaches(cacheDir: string | undefined) {
  return cacheDir
    ? { cache: createDirectoryLayerCache(cacheDir), imageCache: createDirectoryImageCache(cacheDir) }
    : {};
}
