import {
  type AdvisorySource,
  createBuiltinSources,
  ecosystemKey,
  normalizePackageName,
  type SourceFetch,
  type SyncItem,
  type SyncResult,
  type SyncSummary,
} from "@vigil/core";
import type { Logger } from "pino";
import type { AdvisoryStore } from "../db/advisory-store.js";
import { syncAdvisorySource } from "../db/sync-advisory-source.js";
import type { ImagePackageKey } from "../store/image-package-keys.js";

/** What an advisory sync is given. */
export interface AdvisorySyncInput {
  readonly advisories: AdvisoryStore;
  readonly now: Date;
  readonly signal?: AbortSignal;
  readonly logger: Logger;
}

/** What one source's sync did. */
export interface AdvisorySourceRun {
  readonly source: string;
  readonly location: string;
  readonly summary?: SyncSummary;
  /** Why it failed; its previous data is unchanged then. */
  readonly error?: string;
  readonly problems: number;
}

/** What an advisory sync did. */
export interface AdvisorySyncReport {
  readonly sources: readonly AdvisorySourceRun[];
  /**
   * Packages (ecosystem base, normalized name) the written advisories name: stored images
   * holding them are matched again even if the advisory revision did not change.
   */
  readonly packages?: readonly ImagePackageKey[];
}

/**
 * Brings the advisory store up to date: by default every built-in source from its upstream
 * (`vigil db update`); injected in tests so that nothing goes to the network.
 */
export type AdvisorySync = (input: AdvisorySyncInput) => Promise<AdvisorySyncReport | undefined>;

/** Options of {@link createAdvisorySourcesSync}. */
export interface AdvisorySourcesSyncOptions {
  /** Default: every built-in source. */
  readonly sources?: readonly AdvisorySource[];
  /** Where to read a source from instead of its default location, by source name. */
  readonly locations?: Readonly<Record<string, string>>;
  /** Default: the global `fetch`. */
  readonly fetch?: SourceFetch;
}

/**
 * The advisory update as `vigil db update` runs it (one `syncAdvisorySource` per source): each
 * source in turn, each applied in its own transaction, so a failing source keeps its previous
 * data and the others go on. Collects the packages the written advisories name.
 */
export function createAdvisorySourcesSync(options: AdvisorySourcesSyncOptions = {}): AdvisorySync {
  return async ({ advisories, now, signal, logger }) => {
    const sources = options.sources ?? createBuiltinSources();
    const fetchFn: SourceFetch = options.fetch ?? ((url, init) => fetch(url, init));
    const runs: AdvisorySourceRun[] = [];
    const packages = new Map<string, ImagePackageKey>();
    for (const source of sources) {
      signal?.throwIfAborted();
      const location = options.locations?.[source.name] ?? source.defaultLocation;
      const touched = new Map<string, ImagePackageKey>();
      const outcome = await syncAdvisorySource(advisories, source, {
        location,
        now,
        fetch: fetchFn,
        observe: (result) => collectingPackages(result, touched),
        ...(signal ? { signal } : {}),
      });
      const problems = outcome.problems.length;
      if (outcome.error !== undefined) {
        runs.push({ source: source.name, location, error: outcome.error, problems });
        logger.warn({ source: source.name, location, err: outcome.error }, "advisory source sync failed");
        continue;
      }
      // Only a sync that was written changes what matching sees.
      for (const [key, value] of touched) packages.set(key, value);
      runs.push({
        source: source.name,
        location,
        ...(outcome.summary ? { summary: outcome.summary } : {}),
        problems,
      });
      logger.info({ source: source.name, summary: outcome.summary }, "advisory source synced");
    }
    return { sources: runs, packages: [...packages.values()] };
  };
}

/** `result` with the affected packages of its advisories recorded in `into` as they stream by. */
function collectingPackages(result: SyncResult, into: Map<string, ImagePackageKey>): SyncResult {
  return {
    mode: result.mode,
    cursor: result.cursor,
    items: (async function* (): AsyncIterable<SyncItem> {
      for await (const item of result.items) {
        if (item.kind === "advisory") {
          for (const affected of item.record.affected ?? []) {
            const pkg = affected.package;
            if (!pkg?.ecosystem || !pkg.name) continue;
            const ecosystem = ecosystemKey(pkg.ecosystem).base;
            const name = normalizePackageName(ecosystem, pkg.name);
            into.set(`${ecosystem}\u0000${name}`, { ecosystem, name });
          }
        }
        yield item;
      }
    })(),
  };
}
