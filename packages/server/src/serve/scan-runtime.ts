import { join } from "node:path";
import type { Logger } from "pino";
import type { VigilDatabase } from "../db/create-database.js";
import { type KubeConfigError, loadKubeConfig } from "../kube/kube-config.js";
import { createKubernetesClientReader } from "../kube/kubernetes-client-reader.js";
import type { ScanEventSink } from "../notify/scan-event-sink.js";
import { type AdvisorySync, createAdvisorySourcesSync } from "../scans/advisory-sync.js";
import {
  type AdvisoryUpdateReport,
  advisoryUpdateJobState,
  createAdvisoryUpdate,
} from "../scans/advisory-update.js";
import type { ScanClock, ScanRegistryOptions } from "../scans/scan-context.js";
import { createScanRunner, type ScanRunner, type ScanRunnerOptions } from "../scans/scan-runner.js";
import { createScanStores } from "../scans/scan-stores.js";
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
}

/** The running scan runtime of a server. */
export interface ScanRuntime {
  readonly runner: ScanRunner;
  readonly scheduler: Scheduler;
  /** Sync the advisory sources (when enabled) and re-match stored images now. */
  updateAdvisories(): Promise<AdvisoryUpdateReport>;
  /** The cluster registered from the current kubeconfig context at this start, if one was. */
  readonly registeredCluster?: ClusterRecord;
  /** Stops the scheduler, then the runner (running scans become `interrupted`). */
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
  context: { readonly dataDir?: string; readonly logger: Logger; readonly events?: ScanEventSink },
): Promise<ScanRuntime> {
  const logger = context.logger.child({ component: "scans" });
  const clock = options.clock ?? { now: () => new Date() };
  const stores = createScanStores(database.db);
  const cacheDir = options.cacheDir ?? (context.dataDir ? join(context.dataDir, "cache") : undefined);
  if (!cacheDir) {
    logger.warn("no cache directory (no data directory): every scan reads every layer; set scans.cacheDir");
  }
  const kubeconfigPath = options.kubeconfigPath;
  const runner = createScanRunner({
    database,
    kube: options.kube ?? defaultKube(kubeconfigPath),
    clock,
    logger,
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
    ...(cacheDir ? { cacheDir } : {}),
    ...(options.registry ? { registry: options.registry } : {}),
    ...(context.events ? { events: context.events } : {}),
  });
  await runner.recovered;

  const registeredCluster =
    options.registerCurrentContext === false
      ? undefined
      : await registerCurrentContext(stores.clusters, kubeconfigPath, clock, logger);

  const update = options.advisoryUpdate ?? {};
  const cadence = update.cadence ?? DEFAULT_ADVISORY_UPDATE_CADENCE;
  const timezone = update.timezone ?? DEFAULT_TIME_ZONE;
  const updateAdvisories = createAdvisoryUpdate({
    advisories: stores.advisories,
    runner,
    sync: update.sync ?? createAdvisorySourcesSync(),
    clock,
    logger,
  });
  const scheduler = createScheduler({
    clock,
    ...createStoredPolicySchedule({ stores, scans: runner, logger }),
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
  scheduler.start();

  let stopping: Promise<void> | undefined;
  return {
    runner,
    scheduler,
    updateAdvisories: () => updateAdvisories(),
    ...(registeredCluster ? { registeredCluster } : {}),
    stop() {
      stopping ??= (async () => {
        await scheduler.stop();
        await runner.stop();
      })();
      return stopping;
    },
  };
}

function defaultKube(kubeconfigPath: string | undefined): ScanRunnerOptions["kube"] {
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
