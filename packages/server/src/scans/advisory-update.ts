import type { Logger } from "pino";
import type { AdvisoryStore } from "../db/advisory-store.js";
import { nextRun } from "../scheduler/cadence.js";
import type { JobStateStore } from "../scheduler/scheduled-job.js";
import type { AdvisorySync, AdvisorySyncReport } from "./advisory-sync.js";
import type { RematchReport } from "./rematch-stored-images.js";
import type { ScanClock } from "./scan-context.js";
import type { ScanRunner } from "./scan-runner.js";

/** What one advisory update did. */
export interface AdvisoryUpdateReport {
  /** Absent when the sync is turned off. */
  readonly sync?: AdvisorySyncReport;
  readonly rematch: RematchReport;
}

/** Options of {@link createAdvisoryUpdate}. */
export interface AdvisoryUpdateOptions {
  readonly advisories: AdvisoryStore;
  readonly runner: Pick<ScanRunner, "rematch">;
  /** Undefined: only re-match (advisories arrive some other way, e.g. `vigil db import`). */
  readonly sync?: AdvisorySync;
  readonly clock: ScanClock;
  readonly logger: Logger;
}

/**
 * The advisory update: sync the advisory sources into the store, then re-match every stored
 * inventory the new advisories may match differently (`ScanRunner.rematch`), without pulling.
 * A re-match runs even when a source failed: the sources that worked changed the advisories.
 * Calls while one runs share it.
 */
export function createAdvisoryUpdate(
  options: AdvisoryUpdateOptions,
): (signal?: AbortSignal) => Promise<AdvisoryUpdateReport> {
  let inFlight: Promise<AdvisoryUpdateReport> | undefined;
  const run = async (signal?: AbortSignal): Promise<AdvisoryUpdateReport> => {
    const sync = options.sync
      ? await options.sync({
          advisories: options.advisories,
          now: options.clock.now(),
          ...(signal ? { signal } : {}),
          logger: options.logger,
        })
      : undefined;
    const rematch = await options.runner.rematch({
      ...(sync?.packages ? { packages: sync.packages } : {}),
      ...(signal ? { signal } : {}),
    });
    options.logger.info(
      {
        revision: rematch.revision,
        images: rematch.images,
        failedImages: rematch.failedImages,
        clusters: rematch.clusters,
        ...(sync ? { failedSources: sync.sources.filter((s) => s.error).map((s) => s.source) } : {}),
      },
      "advisory update done",
    );
    return { ...(sync ? { sync } : {}), rematch };
  };
  return (signal) => {
    inFlight ??= run(signal).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

/**
 * Run times of the advisory update job derived from the advisory store itself: the last run is
 * the latest sync of any source, the next is the cadence's next occurrence after it. So a server
 * restarted more often than the cadence still updates on time, a fresh install (never synced)
 * updates at its first tick, and nothing more has to be stored. Saving is a no-op: a sync
 * records its own time.
 */
export function advisoryUpdateJobState(
  advisories: Pick<AdvisoryStore, "sources">,
  cadence: string,
  timezone: string,
): JobStateStore {
  return {
    async load() {
      let last: number | undefined;
      for (const source of await advisories.sources()) {
        const at = source.lastSyncAt ? Date.parse(source.lastSyncAt) : Number.NaN;
        if (!Number.isNaN(at) && (last === undefined || at > last)) last = at;
      }
      if (last === undefined) return { nextRunAt: new Date(0) };
      const lastRunAt = new Date(last);
      const nextRunAt = nextRun(cadence, timezone, lastRunAt);
      return { lastRunAt, ...(nextRunAt ? { nextRunAt } : {}) };
    },
    async save() {},
  };
}
