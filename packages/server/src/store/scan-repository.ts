import type { ClusterScanFailure, ClusterScanSummary } from "@vigil/core";
import type { Kysely, Selectable } from "kysely";
import { rowsPerStatement } from "../db/advisory-writes.js";
import { chunks, dialectOf } from "../db/dialect.js";
import type { VigilSchema } from "../db/schema.js";
import { fromJson, orNull, present, toJson } from "./column-values.js";
import { keysetPage, newestFirst, type Page } from "./keyset.js";
import { conflictAs } from "./store-errors.js";
import { type ScanImagesTable, type ScansTable, storeDb } from "./store-schema.js";

/** What started a scan. */
export type ScanTrigger = "schedule" | "manual" | "advisory-update" | "agent";

/**
 * Where a scan is. `complete`: everything in scope was read (only such a scan resolves
 * findings); `partial`: some namespaces or images failed; `failed`: nothing usable;
 * `interrupted`: the process running it stopped; `cancelled`: a person stopped it.
 */
export type ScanStatus =
  | "queued"
  | "running"
  | "complete"
  | "partial"
  | "failed"
  | "interrupted"
  | "cancelled";

/** The statuses a scan ends in; a scan in one of them is never changed again by default. */
export const FINISHED_SCAN_STATUSES: readonly ScanStatus[] = [
  "complete",
  "partial",
  "failed",
  "interrupted",
  "cancelled",
];

/** What a scan covers. */
export interface ScanScope {
  /** Namespaces; empty: every namespace. */
  readonly namespaces: readonly string[];
}

/** A scan as stored. */
export interface ScanRecord {
  readonly id: string;
  readonly clusterId: string;
  /** The policy that scheduled it, while that policy exists. */
  readonly policyId?: string;
  readonly trigger: ScanTrigger;
  readonly scope: ScanScope;
  readonly status: ScanStatus;
  /** When it was queued: the order of a cluster's scans. */
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly summary?: ClusterScanSummary;
  /** What it could not cover, and why (containers left out: they can be many). */
  readonly failures?: readonly Omit<ClusterScanFailure, "containers">[];
  /** Why it failed as a whole. */
  readonly error?: string;
}

/** One image digest a scan looked at. */
export interface ScanImageRecord {
  readonly digest: string;
  /** The reference it was read by. */
  readonly reference: string;
  readonly status: "complete" | "partial" | "failed";
  readonly error?: string;
  /** `ImageTargetScan.fromCache`: nothing was pulled. */
  readonly fromCache?: "matches" | "inventory";
  readonly durationMs?: number;
}

/** A scan with its images, sorted by digest. */
export interface ScanWithImages extends ScanRecord {
  readonly images: readonly ScanImageRecord[];
}

/** A status change of {@link ScanRepository.updateStatus}. */
export interface ScanStatusUpdate {
  readonly id: string;
  readonly status: ScanStatus;
  /** When: `startedAt` for `running` (kept if already set), `finishedAt` for a finished status. */
  readonly at: string;
  readonly summary?: ClusterScanSummary;
  readonly failures?: readonly ClusterScanFailure[];
  readonly error?: string;
  /**
   * Change only a scan whose current status is one of these (default: `queued` or `running`:
   * a finished scan's outcome is final, so a worker finishing a cancelled scan changes nothing).
   */
  readonly from?: readonly ScanStatus[];
  /**
   * Change the scan only while this is its attempt ({@link ScanRepository.beginAttempt}): a
   * worker whose scan another worker has taken over changes nothing.
   */
  readonly attempt?: number;
}

/** Where a scan is and which attempt runs it. */
export interface ScanAttemptState {
  readonly status: ScanStatus;
  /** Times a worker has started it (0: never started). */
  readonly attempt: number;
}

/** A stored scan without the images it looked at (what the runners hand around). */
export function withoutImages(scan: ScanWithImages): ScanRecord {
  const { images: _, ...record } = scan;
  return record;
}

/** What {@link ScanRepository.create} takes. */
export type NewScan = Pick<
  ScanRecord,
  "id" | "clusterId" | "policyId" | "trigger" | "scope" | "createdAt"
> & {
  readonly status?: ScanStatus;
};

/** Scans and the images they looked at. */
export interface ScanRepository {
  /**
   * Adds a scan, `queued` unless `status` says otherwise.
   * @throws StoreConflictError when the id is taken.
   */
  create(scan: NewScan): Promise<ScanRecord>;
  /**
   * Moves a scan to `status`; when that is a finished status, also records it as its
   * cluster's last scan, in the same transaction. False (and nothing written) when the scan
   * does not exist or its status is not one of `from`.
   */
  updateStatus(update: ScanStatusUpdate): Promise<boolean>;
  /**
   * Starts a new attempt of a scan whose status is one of `from`: `running` (`startedAt` kept
   * when set) with its attempt counter one up. Returns the new attempt, or undefined (and
   * nothing written) when the scan does not exist or is in another status.
   */
  beginAttempt(begin: {
    readonly id: string;
    readonly at: string;
    readonly from: readonly ScanStatus[];
  }): Promise<number | undefined>;
  /** The scan's status and attempt, read alone (what a worker polls while it runs the scan). */
  attemptState(id: string): Promise<ScanAttemptState | undefined>;
  /** Adds or replaces (by digest) the images of a scan. */
  recordImages(scanId: string, images: readonly ScanImageRecord[]): Promise<void>;
  get(id: string): Promise<ScanWithImages | undefined>;
  /** A cluster's scans, newest first (by queue time, then id), one page at a time. */
  listByCluster(
    clusterId: string,
    options?: {
      readonly limit?: number;
      readonly cursor?: string;
      readonly statuses?: readonly ScanStatus[];
    },
  ): Promise<Page<ScanRecord>>;
}

const PAGE_ORDER = newestFirst("scans:created_at-desc");

/** The scan repository over Vigil's database. */
export function createScanRepository(database: Kysely<VigilSchema>): ScanRepository {
  const db = storeDb(database);
  const dialect = dialectOf(database);
  const getScan = async (id: string) => {
    const row = await db.selectFrom("scans").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? toScan(row) : undefined;
  };
  return {
    async create(scan) {
      await conflictAs(`a scan with the id ${scan.id} exists already`, () =>
        db
          .insertInto("scans")
          .values({
            id: scan.id,
            cluster_id: scan.clusterId,
            policy_id: orNull(scan.policyId),
            trigger: scan.trigger,
            scope_json: toJson({ namespaces: scan.scope.namespaces }),
            status: scan.status ?? "queued",
            created_at: scan.createdAt,
            started_at: null,
            finished_at: null,
            summary_json: null,
            failures_json: null,
            error: null,
          })
          .execute(),
      );
      return (await getScan(scan.id))!;
    },

    async updateStatus(update) {
      const from = update.from ?? ["queued", "running"];
      if (from.length === 0) return false;
      const finished = FINISHED_SCAN_STATUSES.includes(update.status);
      return db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable("scans")
          .set((eb) => ({
            status: update.status,
            ...(update.status === "running"
              ? { started_at: eb.fn.coalesce("started_at", eb.val(update.at)) }
              : {}),
            ...(finished ? { finished_at: update.at } : {}),
            ...(update.summary !== undefined ? { summary_json: toJson(update.summary) } : {}),
            ...(update.failures !== undefined
              ? { failures_json: toJson(update.failures.map(({ containers: _, ...failure }) => failure)) }
              : {}),
            ...(update.error !== undefined ? { error: update.error } : {}),
          }))
          .where("id", "=", update.id)
          .where("status", "in", from)
          .$if(update.attempt !== undefined, (qb) => qb.where("attempt", "=", update.attempt!))
          .executeTakeFirst();
        if (result.numUpdatedRows === 0n) return false;
        if (finished) {
          // An advisory-update re-match is stored as a `partial` scan so that it resolves
          // nothing; it did not look at the cluster, so the cluster's last scan stays the last
          // real one (it said `partial` after every advisory update before).
          await trx
            .updateTable("clusters")
            .set({ last_scan_at: update.at, last_scan_status: update.status })
            .where("id", "=", (eb) =>
              eb
                .selectFrom("scans")
                .select("cluster_id")
                .where("id", "=", update.id)
                .where("trigger", "!=", "advisory-update"),
            )
            .execute();
        }
        return true;
      });
    },

    async beginAttempt(begin) {
      if (begin.from.length === 0) return undefined;
      const row = await db
        .updateTable("scans")
        .set((eb) => ({
          status: "running",
          started_at: eb.fn.coalesce("started_at", eb.val(begin.at)),
          attempt: eb("attempt", "+", 1),
        }))
        .where("id", "=", begin.id)
        .where("status", "in", begin.from)
        .returning("attempt")
        .executeTakeFirst();
      return row?.attempt;
    },

    async attemptState(id) {
      const row = await db
        .selectFrom("scans")
        .select(["status", "attempt"])
        .where("id", "=", id)
        .executeTakeFirst();
      return row ? { status: row.status as ScanStatus, attempt: row.attempt } : undefined;
    },

    async recordImages(scanId, images) {
      const rows = dedupe(images).map(
        (image): ScanImagesTable => ({
          scan_id: scanId,
          digest: image.digest,
          reference: image.reference,
          status: image.status,
          error: orNull(image.error),
          from_cache: orNull(image.fromCache),
          duration_ms: orNull(image.durationMs),
        }),
      );
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        for (const part of chunks(rows, rowsPerStatement(dialect, 7))) {
          await trx
            .insertInto("scan_images")
            .values(part)
            .onConflict((oc) =>
              oc.columns(["scan_id", "digest"]).doUpdateSet((eb) => ({
                reference: eb.ref("excluded.reference"),
                status: eb.ref("excluded.status"),
                error: eb.ref("excluded.error"),
                from_cache: eb.ref("excluded.from_cache"),
                duration_ms: eb.ref("excluded.duration_ms"),
              })),
            )
            .execute();
        }
      });
    },

    async get(id) {
      const scan = await getScan(id);
      if (!scan) return undefined;
      const rows = await db
        .selectFrom("scan_images")
        .selectAll()
        .where("scan_id", "=", id)
        .orderBy("digest")
        .execute();
      return { ...scan, images: rows.map(toScanImage) };
    },

    async listByCluster(clusterId, options = {}) {
      let query = db.selectFrom("scans").selectAll().where("cluster_id", "=", clusterId);
      if (options.statuses) {
        if (options.statuses.length === 0) return { items: [] };
        query = query.where("status", "in", options.statuses);
      }
      return keysetPage(query, PAGE_ORDER, options, toScan);
    },
  };
}

/** The last record per digest wins (one statement may not touch a row twice on PostgreSQL). */
function dedupe(images: readonly ScanImageRecord[]): ScanImageRecord[] {
  return [...new Map(images.map((image) => [image.digest, image])).values()];
}

function toScan(row: Selectable<ScansTable>): ScanRecord {
  return {
    id: row.id,
    clusterId: row.cluster_id,
    ...present("policyId", row.policy_id),
    trigger: row.trigger as ScanTrigger,
    scope: fromJson<ScanScope>(row.scope_json),
    status: row.status as ScanStatus,
    createdAt: row.created_at,
    ...present("startedAt", row.started_at),
    ...present("finishedAt", row.finished_at),
    ...(row.summary_json !== null ? { summary: fromJson<ClusterScanSummary>(row.summary_json) } : {}),
    ...(row.failures_json !== null
      ? { failures: fromJson<Omit<ClusterScanFailure, "containers">[]>(row.failures_json) }
      : {}),
    ...present("error", row.error),
  };
}

function toScanImage(row: Selectable<ScanImagesTable>): ScanImageRecord {
  return {
    digest: row.digest,
    reference: row.reference,
    status: row.status as ScanImageRecord["status"],
    ...present("error", row.error),
    ...present("fromCache", row.from_cache as ScanImageRecord["fromCache"] | null),
    ...present("durationMs", row.duration_ms),
  };
}
