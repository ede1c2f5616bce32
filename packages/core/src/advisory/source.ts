import type { OsvRecord } from "./osv-record.js";

/** How a source reaches the network: an injected fetch so tests and air-gapped installs control it. */
export type SourceFetch = (
  url: string,
  init?: { readonly signal?: AbortSignal; readonly headers?: Record<string, string> },
) => Promise<Response>;

/** The one readonly argument of {@link AdvisorySource.sync}. */
export interface SyncInput {
  /** What the previous successful sync of this source returned as `cursor`, if any. */
  readonly cursor?: string;
  /**
   * Where to read from: a URL (fetched with `fetch`) or a local file or directory. Each
   * source documents what it accepts; its configured default is used when absent.
   */
  readonly location?: string;
  readonly fetch: SourceFetch;
  readonly signal?: AbortSignal;
  /** Time to stamp records with (RFC 3339); injected for reproducible tests. */
  readonly now: string;
}

/** A record that could not be used, with where it was and why. Imports go on past it. */
export interface SyncProblem {
  readonly id?: string;
  /** File inside the archive or directory, or URL. */
  readonly location: string;
  readonly reason: string;
}

/** One thing a sync yields. */
export type SyncItem =
  | { readonly kind: "advisory"; readonly record: OsvRecord; readonly upstreamUrl?: string }
  | {
      readonly kind: "kev";
      readonly cve: string;
      readonly dateAdded: string;
      readonly dueDate?: string;
      readonly ransomware?: boolean;
    }
  | {
      readonly kind: "epss";
      readonly cve: string;
      readonly score: number;
      readonly percentile: number;
      readonly date: string;
    }
  | { readonly kind: "problem"; readonly problem: SyncProblem };

/**
 * The result of a sync. In `snapshot` mode the items are everything the source holds: the
 * store replaces all of this source's data with them in one transaction. In `incremental`
 * mode the items are changes since `cursor` and are upserted. Either way nothing is
 * written unless the whole iteration ends without throwing.
 */
export interface SyncResult {
  readonly mode: "snapshot" | "incremental";
  readonly items: AsyncIterable<SyncItem>;
  /** Resolves, after the items were consumed, to the cursor to pass next time. */
  readonly cursor: () => string | undefined;
}

/**
 * An advisory source plugin (ARCHITECTURE.md section 3): a name, a version (bump when its
 * output changes for the same input), the ecosystems it covers, and `sync`.
 */
export interface AdvisorySource {
  readonly name: string;
  readonly version: number;
  /** OSV ecosystem bases it produces (`Debian`, `Alpine`, `PyPI`); empty for enrichment sources. */
  readonly ecosystems: readonly string[];
  /** The upstream location used when the user gives none. */
  readonly defaultLocation: string;
  sync(input: SyncInput): Promise<SyncResult>;
}
