import type { AdvisorySource, SourceFetch, SyncProblem, SyncResult, SyncSummary } from "@vigil/core";
import type { AdvisoryStore } from "./advisory-store.js";

/** Options of {@link syncAdvisorySource}. */
export interface SyncAdvisorySourceOptions {
  /** Where to read the source from (its default location, or a mirror or file). */
  readonly location: string;
  readonly now: Date;
  readonly signal?: AbortSignal;
  /** Default: the global `fetch`. */
  readonly fetch?: SourceFetch;
  /** Looks at the records as they stream into the store (the server collects touched packages). */
  readonly observe?: (result: SyncResult) => SyncResult;
}

/** What one source's sync did. */
export interface SourceSyncOutcome {
  readonly summary?: SyncSummary;
  /** Records the store refused, and why. */
  readonly problems: readonly SyncProblem[];
  /** Why the sync failed; the source's previous data is unchanged then. */
  readonly error?: string;
}

/**
 * Syncs one advisory source into the store from its stored cursor, in the store's own
 * transaction, so a failing source (a network error in the middle of an update) leaves its
 * previous data and the other sources untouched. A failing source is `error`; only a store
 * that cannot be read rejects.
 * Shared by `vigil db update` and the server's scheduled advisory update.
 */
export async function syncAdvisorySource(
  store: AdvisoryStore,
  source: AdvisorySource,
  options: SyncAdvisorySourceOptions,
): Promise<SourceSyncOutcome> {
  const { signal } = options;
  const problems: SyncProblem[] = [];
  const now = options.now.toISOString();
  // Outside the try: a store that cannot be read is the caller's failure, not the source's.
  const cursor = (await store.sources()).find((s) => s.name === source.name)?.cursor;
  try {
    const result = await source.sync({
      location: options.location,
      fetch: options.fetch ?? ((url, init) => fetch(url, init)),
      now,
      ...(cursor ? { cursor } : {}),
      ...(signal ? { signal } : {}),
    });
    const summary = await store.applySync({
      source: { name: source.name, version: source.version },
      result: options.observe ? options.observe(result) : result,
      now,
      onProblem: (p) => problems.push(p),
      ...(signal ? { signal } : {}),
    });
    return { summary, problems };
  } catch (error) {
    return { problems, error: error instanceof Error ? error.message : String(error) };
  }
}
