import type { AdvisorySource, SyncProblem, SyncSummary } from "@vigil/core";
import { type AdvisoryStore, syncAdvisorySource } from "@vigil/server";

/** What one source's sync did, for the command's output. */
export interface SourceRun {
  readonly source: string;
  readonly location: string;
  readonly summary?: SyncSummary;
  readonly problems: readonly SyncProblem[];
  readonly error?: string;
  readonly seconds: number;
}

/** Sync one source into the store (see `syncAdvisorySource`), timed for the command's output. */
export async function runSync(
  store: AdvisoryStore,
  source: AdvisorySource,
  location: string,
  options: { readonly now: Date; readonly signal?: AbortSignal },
): Promise<SourceRun> {
  const started = performance.now();
  const outcome = await syncAdvisorySource(store, source, { location, ...options });
  return { source: source.name, location, ...outcome, seconds: (performance.now() - started) / 1000 };
}
