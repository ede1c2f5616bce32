import type { AdvisorySource, SyncProblem, SyncSummary } from "@vigil/core";
import type { AdvisoryStore } from "@vigil/server";

/** What one source's sync did, for the command's output. */
export interface SourceRun {
  readonly source: string;
  readonly location: string;
  readonly summary?: SyncSummary;
  readonly problems: readonly SyncProblem[];
  readonly error?: string;
  readonly seconds: number;
}

/**
 * Sync one source into the store: each source in its own transaction, so one failing
 * source (a network error in the middle of `db update`) leaves its previous data and the
 * other sources untouched.
 */
export async function runSync(
  store: AdvisoryStore,
  source: AdvisorySource,
  location: string,
  options: { readonly now: Date; readonly signal?: AbortSignal },
): Promise<SourceRun> {
  const started = performance.now();
  const problems: SyncProblem[] = [];
  const now = options.now.toISOString();
  const state = (await store.sources()).find((s) => s.name === source.name);
  try {
    const result = await source.sync({
      location,
      fetch: (url, init) => fetch(url, init),
      now,
      ...(state?.cursor ? { cursor: state.cursor } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const summary = await store.applySync({
      source: { name: source.name, version: source.version },
      result,
      now,
      onProblem: (p) => problems.push(p),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return {
      source: source.name,
      location,
      summary,
      problems,
      seconds: (performance.now() - started) / 1000,
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      source: source.name,
      location,
      problems,
      error: message,
      seconds: (performance.now() - started) / 1000,
    };
  }
}
