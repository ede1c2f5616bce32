import {
  advisoryRevision,
  type ClusterScanResult,
  createDirectoryImageCache,
  createDirectoryLayerCache,
  type DigestLock,
  type KubernetesReader,
  scanCluster,
} from "@vigil/core";
import type { FindingNotice } from "../notify/notification-event.js";
import type { ScanEventSink } from "../notify/scan-event-sink.js";
import type { ClusterRecord } from "../store/cluster-repository.js";
import type { ScanRecord, ScanStatus } from "../store/scan-repository.js";
import type { ScanContext, ScanRegistryOptions } from "./scan-context.js";
import { storeClusterScan } from "./store-cluster-scan.js";

/**
 * Why an attempt stopped before its end: `cancelled` by a person, `interrupted` because its
 * process is stopping, `superseded` because another worker took the scan over (its job was
 * retried after it looked dead) or the scan was finished elsewhere.
 */
export type ScanAbortKind = "cancelled" | "interrupted" | "superseded";

/** One run of a scan in this process: what the executor and whoever drives it share. */
export interface ScanAttempt {
  readonly scan: ScanRecord;
  readonly controller: AbortController;
  abortedAs?: ScanAbortKind;
  phase: "queued" | "scanning" | "writing";
  /** The scan's attempt number, once this run has taken the scan. */
  attempt?: number;
}

/** Options of {@link createClusterScanExecutor}. */
export interface ClusterScanExecutorOptions {
  readonly context: ScanContext;
  /** The Kubernetes reader of a cluster; throwing fails the scan with the error's message. */
  readonly kube: (cluster: ClusterRecord) => KubernetesReader | Promise<KubernetesReader>;
  readonly registry?: ScanRegistryOptions;
  /** `<cacheDir>/layers` and `<cacheDir>/images`; without it every scan reads every layer. */
  readonly cacheDir?: string;
  /** Image scans in flight within one cluster scan. */
  readonly imagesPerScan: number;
  /** Around each digest's pull and extraction (see `ScanImageTargetsOptions.digestLock`). */
  readonly digestLock?: DigestLock;
  /**
   * The statuses a run may take a scan from: `queued` for the in-process runner; also
   * `running` for queue workers, whose retried job takes over the scan a dead worker left.
   */
  readonly takeOverFrom: readonly ScanStatus[];
  /**
   * How often a running scan reads its row, to stop when it was cancelled from another
   * process or taken over by another worker; default never (one process runs every scan).
   */
  readonly storePollMs?: number;
  /** The scan's error when it stopped with its process. */
  readonly interruptedError: string;
  /** Queues the work of an interrupted scan again (a new scan; the old one stays `interrupted`). */
  readonly requeue: (interrupted: ScanRecord) => Promise<void>;
  /**
   * How long an attempt may discover and scan before it is stopped and failed (it then
   * resolves nothing); default {@link DEFAULT_SCAN_TIME_LIMIT_MS}. Writing complete results
   * is not limited.
   */
  readonly timeLimitMs?: number;
  /** Told what each finished scan committed (notifications); called after its status is stored. */
  readonly events?: ScanEventSink;
}

/**
 * Two hours: far beyond a healthy scan of a large cluster (the cluster-scan bench's 10,000 pods
 * take minutes), short enough that a scan stuck on a registry that never answers does not hold
 * the cluster's one scan slot for days.
 */
export const DEFAULT_SCAN_TIME_LIMIT_MS = 2 * 60 * 60 * 1000;

/** How a scan ends, beyond its status. */
export interface ScanEnd {
  readonly result?: ClusterScanResult;
  readonly error?: string;
  /** What its findings transaction committed (created, reopened, newly KEV-listed). */
  readonly notices?: readonly FindingNotice[];
  /** The attempt that ends it: a later attempt's scan is left alone. */
  readonly attempt?: number;
}

/** Runs scan attempts: the one code path of the in-process runner and of `vigil worker`. */
export interface ClusterScanExecutor {
  /**
   * Takes the scan (a new attempt), runs `scanCluster`, stores its results
   * (`storeClusterScan`: the findings in one transaction) and finishes it `complete`, `partial`
   * or `failed`. An aborted attempt writes no results: a cancelled or interrupted one is
   * finished as such (an interrupted one queued again), a superseded one leaves the scan to
   * the attempt that took it. Never rejects for a scan's failure.
   */
  run(attempt: ScanAttempt): Promise<void>;
  /**
   * Records the end of a scan (status, summary, failures, error) unless it ended already, logs
   * it, and tells the events sink. Never rejects. Agents' results end their scans through it.
   */
  finish(scan: ScanRecord, status: ScanStatus, end?: ScanEnd): Promise<void>;
}

/** The scan execution shared by the in-process runner and the queue workers. */
export function createClusterScanExecutor(options: ClusterScanExecutorOptions): ClusterScanExecutor {
  const { context } = options;
  const { stores, clock, logger } = context;
  const caches = options.cacheDir
    ? {
        cache: createDirectoryLayerCache(options.cacheDir),
        imageCache: createDirectoryImageCache(options.cacheDir),
      }
    : {};
  const iso = () => clock.now().toISOString();
  const timeLimitMs = Math.max(1, options.timeLimitMs ?? DEFAULT_SCAN_TIME_LIMIT_MS);

  function finish(entry: ScanAttempt, status: ScanStatus, fields: ScanEnd = {}): Promise<void> {
    return finishScan(entry.scan, status, {
      ...fields,
      ...(entry.attempt !== undefined ? { attempt: entry.attempt } : {}),
    });
  }

  const finishScan = createScanFinisher(context, options.events);

  async function aborted(entry: ScanAttempt): Promise<void> {
    const kind = entry.abortedAs!;
    if (kind === "superseded") {
      logger.info(
        { scanId: entry.scan.id, attempt: entry.attempt },
        "scan taken over or finished elsewhere; this attempt's results are dropped",
      );
      return;
    }
    await finish(entry, kind, { error: kind === "cancelled" ? "cancelled" : options.interruptedError });
    if (kind === "interrupted") {
      try {
        await options.requeue(entry.scan);
      } catch (error) {
        logger.error({ err: error, scanId: entry.scan.id }, "could not queue an interrupted scan again");
      }
    }
  }

  /** Aborts `entry` when its row says it was cancelled or taken over; stop with the returned function. */
  function watchStore(entry: ScanAttempt): () => void {
    if (!options.storePollMs) return () => {};
    const timer = setInterval(() => {
      if (entry.phase !== "scanning" || entry.abortedAs) return;
      void stores.scans.attemptState(entry.scan.id).then(
        (state) => {
          if (entry.phase !== "scanning" || entry.abortedAs || !state) return;
          if (state.status === "running" && state.attempt === entry.attempt) return;
          entry.abortedAs = state.status === "cancelled" ? "cancelled" : "superseded";
          entry.controller.abort(new Error(`the scan was ${entry.abortedAs} elsewhere`));
        },
        (error: unknown) =>
          logger.warn({ err: error, scanId: entry.scan.id }, "could not read a running scan"),
      );
    }, options.storePollMs);
    timer.unref?.();
    return () => clearInterval(timer);
  }

  async function run(entry: ScanAttempt): Promise<void> {
    const { scan } = entry;
    entry.phase = "scanning";
    const attempt = await stores.scans.beginAttempt({ id: scan.id, at: iso(), from: options.takeOverFrom });
    if (attempt === undefined) return; // cancelled (or finished) elsewhere before it started
    entry.attempt = attempt;
    if (entry.abortedAs) return aborted(entry);
    logger.info(
      { scanId: scan.id, clusterId: scan.clusterId, scope: scan.scope, attempt },
      attempt > 1 ? "scan taken over from an earlier attempt" : "scan started",
    );
    const unwatch = watchStore(entry);
    let result: ClusterScanResult;
    let revision: string;
    const timeLimit = AbortSignal.timeout(timeLimitMs);
    try {
      const cluster = await stores.clusters.get(scan.clusterId);
      if (!cluster) throw new Error(`the cluster ${scan.clusterId} no longer exists`);
      const reader = await options.kube(cluster);
      revision = await advisoryRevision(stores.advisories);
      result = await scanCluster({
        ...options.registry,
        ...caches,
        reader,
        clusterId: cluster.id,
        namespaces: scan.scope.namespaces,
        advisories: stores.advisories,
        advisoryRevision: revision,
        concurrency: options.imagesPerScan,
        ...(options.digestLock ? { digestLock: options.digestLock } : {}),
        signal: AbortSignal.any([entry.controller.signal, timeLimit]),
        now: () => clock.now(),
      });
    } catch (error) {
      if (entry.abortedAs) return aborted(entry);
      if (timeLimit.aborted) return finish(entry, "failed", { error: timeLimitError(timeLimitMs) });
      return finish(entry, "failed", { error: messageOf(error) });
    } finally {
      unwatch();
    }
    if (entry.abortedAs) return aborted(entry);
    // a scan that noticed the limit late still ran past it: its results would be partial
    if (timeLimit.aborted) return finish(entry, "failed", { error: timeLimitError(timeLimitMs) });
    // Another process may have cancelled the scan, or taken it over, through the store.
    const current = await stores.scans.attemptState(scan.id);
    if (current?.status !== "running" || current.attempt !== attempt) {
      logger.info(
        { scanId: scan.id, status: current?.status, attempt, current: current?.attempt },
        "scan stopped or taken over elsewhere; its results are dropped",
      );
      return;
    }
    entry.phase = "writing";
    let notices: readonly FindingNotice[];
    try {
      const written = await storeClusterScan(context, {
        scan,
        result,
        revision,
        ...(options.registry?.platform ? { platform: options.registry.platform } : {}),
        stillCurrent: async () => {
          const state = await stores.scans.attemptState(scan.id);
          return state?.status === "running" && state.attempt === attempt;
        },
      });
      if (!written) {
        logger.info(
          { scanId: scan.id, attempt },
          "scan taken over while it wrote; its findings were left alone",
        );
        return;
      }
      logger.debug(
        { scanId: scan.id, written: { ...written, notices: written.notices.length } },
        "scan results stored",
      );
      notices = written.notices;
    } catch (error) {
      return finish(entry, "failed", {
        result,
        error: `the scan ran but its results could not be stored: ${messageOf(error)}`,
      });
    }
    return finish(entry, result.status, { result, notices });
  }

  return { run, finish: finishScan };
}

/**
 * Records the end of a scan (status, summary, failures, error) unless it ended already, logs
 * it, and then tells `events` what it committed. Never rejects: a failure to record is logged.
 */
export function createScanFinisher(
  context: ScanContext,
  events?: ScanEventSink,
): (scan: ScanRecord, status: ScanStatus, end?: ScanEnd) => Promise<void> {
  const { stores, clock, logger } = context;
  const iso = () => clock.now().toISOString();
  return async (scan: ScanRecord, status: ScanStatus, fields: ScanEnd = {}): Promise<void> => {
    try {
      const changed = await stores.scans.updateStatus({
        id: scan.id,
        status,
        at: iso(),
        ...(fields.attempt !== undefined ? { attempt: fields.attempt } : {}),
        ...(fields.result ? { summary: fields.result.summary, failures: fields.result.failures } : {}),
        ...(fields.error !== undefined ? { error: fields.error } : {}),
      });
      const log = status === "complete" || status === "partial" ? logger.info : logger.warn;
      log.call(
        logger,
        {
          scanId: scan.id,
          clusterId: scan.clusterId,
          status,
          attempt: fields.attempt,
          ...(fields.result ? { summary: fields.result.summary } : {}),
          ...(fields.error ? { error: fields.error } : {}),
          ...(changed
            ? {}
            : { note: "the scan had been finished or taken over elsewhere; its status was kept" }),
        },
        "scan finished",
      );
      if (changed) {
        events?.scanFinished({
          scanId: scan.id,
          clusterId: scan.clusterId,
          status,
          ...(fields.error !== undefined ? { error: fields.error } : {}),
          ...(fields.result ? { failures: fields.result.failures } : {}),
          notices: fields.notices ?? [],
        });
      }
    } catch (error) {
      logger.error({ err: error, scanId: scan.id, status }, "could not record the end of a scan");
    }
  };
}

/** Why a scan stopped by its time limit failed. */
function timeLimitError(limitMs: number): string {
  const limit = limitMs >= 60_000 ? `${Math.round(limitMs / 60_000)} min` : `${Math.round(limitMs / 1000)} s`;
  return `the scan ran longer than its time limit (${limit}) and was stopped; nothing was resolved (raise the limit with --scan-time-limit if the cluster is this large)`;
}

/** An error's message, for a scan's `error`. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
