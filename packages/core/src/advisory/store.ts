import type { Advisory, CveEnrichment } from "./advisory.js";
import type { OsvAffected } from "./osv-record.js";
import type { SyncProblem, SyncResult } from "./source.js";

/** A lookup key: the ecosystem base (`Debian`, `PyPI`) and the package name as installed. */
export interface PackageQuery {
  readonly ecosystemBase: string;
  readonly name: string;
  /**
   * Only entries of this release (`12`, `v3.19`, as `ecosystemKey` splits it). OS packages
   * ask for their exact release, so the other releases' entries are never fetched.
   */
  readonly release?: string;
}

/** One affected entry of one advisory, as the store returns it for matching. */
export interface AffectedHit {
  readonly advisoryId: string;
  /** The full ecosystem of the entry (`Debian:12`); the caller filters the release. */
  readonly ecosystem: string;
  readonly name: string;
  readonly affected: OsvAffected;
}

/** Per-source bookkeeping, as `vigil db status` shows it. */
export interface SourceState {
  readonly name: string;
  readonly version: number;
  readonly cursor?: string;
  readonly lastSyncAt?: string;
  readonly lastSuccessAt?: string;
  readonly records: number;
  readonly lastError?: string;
}

/**
 * The read side of the advisory store that matching needs. Implementations keep
 * `(ecosystem base, name)` indexed so one package costs one indexed read, and answer a
 * batch of packages in as few round trips as they can.
 */
export interface AdvisoryReader {
  affectedBy(queries: readonly PackageQuery[]): Promise<ReadonlyMap<string, readonly AffectedHit[]>>;
  advisories(ids: readonly string[]): Promise<ReadonlyMap<string, Advisory>>;
  /** Advisory ids that list `alias` as an alias or upstream id, or are that id. */
  idsForAlias(alias: string): Promise<readonly string[]>;
  /** {@link idsForAlias} for many aliases in as few round trips as possible; every alias is a key. */
  idsForAliases(aliases: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
  enrichment(cves: readonly string[]): Promise<ReadonlyMap<string, CveEnrichment>>;
  sources(): Promise<readonly SourceState[]>;
}

/** Map key of {@link AdvisoryReader.affectedBy} results. */
export function packageQueryKey(query: PackageQuery): string {
  return `${query.ecosystemBase}\u0000${query.name}\u0000${query.release ?? ""}`;
}

/** What one applied sync changed. */
export interface SyncSummary {
  readonly source: string;
  readonly mode: "snapshot" | "incremental";
  /** Advisories written (inserted or replaced). */
  readonly advisories: number;
  /** Advisories of this source that a snapshot no longer contained, now deleted. */
  readonly removed: number;
  readonly kev: number;
  readonly epss: number;
  /** Records skipped as malformed (each also reported through `onProblem`). */
  readonly problems: number;
  /** Total advisories of this source after the sync. */
  readonly total: number;
}

/** The write side: applies one source's sync atomically. */
export interface AdvisoryWriter {
  /**
   * Consume `items` and write them in ONE transaction: either every item of the sync is
   * stored and the source's state advances to `cursor()`, or (the iteration threw, the
   * signal fired, the database failed) nothing changes and the previous data stays
   * usable; the failure is then recorded as the source's `lastError`.
   */
  applySync(input: {
    readonly source: { readonly name: string; readonly version: number };
    readonly result: SyncResult;
    readonly now: string;
    readonly onProblem?: (problem: SyncProblem) => void;
    readonly signal?: AbortSignal;
  }): Promise<SyncSummary>;
}
