import { SEVERITY_LEVELS, type SeverityLevel } from "@vigil/core";
import { type Kysely, type RawBuilder, sql, type Transaction } from "kysely";
import { idsPerStatement, rowsPerStatement } from "../db/advisory-writes.js";
import { chunks, dialectOf } from "../db/dialect.js";
import type { VigilSchema } from "../db/schema.js";
import {
  type FindingFilter,
  type FindingSort,
  findingFilterCondition,
  findingSortKeys,
  searchedSubstring,
} from "./finding-filter.js";
import { addOpenCounts, type CountedFinding, openCountDeltas } from "./finding-open-counts.js";
import type { FindingHistoryInput, FindingRecord } from "./finding-record.js";
import { FINDING_COLUMNS, findingRow, HISTORY_COLUMNS, historyRow, rowToFinding } from "./finding-rows.js";
import { findingTextValues } from "./finding-text-search.js";
import { type Keyset, keysetPage, type Page } from "./keyset.js";
import { openCountsNow, openCountsQueryOf } from "./open-counts-now.js";
import { conflictAs, FindingChangedError } from "./store-errors.js";
import type { FindingsTable, StoreDb } from "./store-schema.js";
import { storeDb } from "./store-schema.js";

/**
 * What one reconcile (or one change by hand) writes: findings to insert or update, by id,
 * and history entries to append. Maps one to one from the findings stage's transitions: each
 * transition's finding (with the stored id, or a new one for `created`) and its history.
 */
export interface FindingChanges {
  /** Full records; an existing id is updated (identity excepted), a new id inserted. */
  readonly findings: readonly FindingRecord[];
  /** Appended after the findings, so they may refer to findings inserted here. */
  readonly history: readonly FindingHistoryInput[];
  /**
   * When the changes are made: the UTC day whose open counts (the findings trend) they move.
   * Default: the system clock; writers with an injected clock pass theirs.
   */
  readonly at?: Date;
}

/** What {@link FindingRepository.applyChanges} wrote. */
export interface AppliedFindingChanges {
  readonly inserted: number;
  readonly updated: number;
  readonly history: number;
}

/** A page request for {@link FindingRepository.query}. */
export interface FindingQuery extends FindingFilter {
  /** Default `severity`. */
  readonly sort?: FindingSort;
  /** Default `desc`: most severe, most recent first. */
  readonly direction?: "asc" | "desc";
  /** Rows per page, 1 … 1,000 (default 50). */
  readonly limit?: number;
  /** `nextCursor` of the previous page, with the same sort and direction. */
  readonly cursor?: string;
}

/** Findings per severity under a filter. */
export interface FindingCounts {
  readonly total: number;
  readonly bySeverity: Readonly<Record<SeverityLevel, number>>;
}

/** Findings: reconcile's previous state and its output, and the UI's lists. */
export interface FindingRepository {
  /**
   * Writes a reconcile's output in ONE transaction: every finding and history entry, and the
   * open counts of the day (`changes.at`) that they move (`finding_open_counts`, the findings
   * trend), or (any row fails: a broken constraint, an unknown finding id in history, the
   * connection) nothing at all. Chunked to the dialect's parameter limit.
   * @throws StoreConflictError when a new finding repeats a stored identity (or one in the batch).
   */
  applyChanges(changes: FindingChanges): Promise<AppliedFindingChanges>;
  /**
   * Every operational finding of a cluster in any state (open, dismissed, resolved): the
   * `previous` of the next reconcile. Sorted by id.
   */
  loadForReconcile(clusterId: string): Promise<FindingRecord[]>;
  get(id: string): Promise<FindingRecord | undefined>;
  /** One page of the findings under a filter, in a stable keyset order. */
  query(query: FindingQuery): Promise<Page<FindingRecord>>;
  /** How many findings per severity a filter covers. */
  counts(filter: FindingFilter): Promise<FindingCounts>;
}

/** Columns an update may change: everything but the id and the identity. */
const UPDATABLE: readonly (keyof FindingsTable)[] = [
  "report_type",
  "state",
  "dismissal_reason",
  "dismissal_comment",
  "severity",
  "severity_rank",
  "severity_score",
  "kev",
  "epss",
  "fixable",
  "fixed_version",
  "installed_version",
  "package_type",
  "image_digest",
  "image_reference",
  "details_json",
  "first_seen",
  "last_seen",
  "running_since",
  "resolved_at",
  "no_longer_detected",
];

/** Options of {@link createFindingRepository}. */
export interface FindingRepositoryOptions {
  /**
   * Most rows one INSERT writes (default: as many as the dialect's parameter limit allows).
   * Tests set it low to make a small batch span several statements.
   */
  readonly maxRowsPerStatement?: number;
  /**
   * Most findings the values of a search may hold for SQLite's search index to drive it
   * (default `MAX_INDEXED_FINDINGS`). Tests set it low to take the other way with a few findings.
   */
  readonly maxIndexedFindings?: number;
}

/** The finding repository over Vigil's database. */
export function createFindingRepository(
  database: Kysely<VigilSchema>,
  options: FindingRepositoryOptions = {},
): FindingRepository {
  const db = storeDb(database);
  const dialect = dialectOf(database);
  const rowsPer = (columns: number) =>
    Math.min(rowsPerStatement(dialect, columns), options.maxRowsPerStatement ?? Number.POSITIVE_INFINITY);
  const textValues = async (filter: FindingFilter) => {
    const text = searchedSubstring(filter);
    return text === undefined
      ? undefined
      : findingTextValues(database, dialect, text, options.maxIndexedFindings);
  };
  return {
    async applyChanges(changes) {
      // one row per id, the last one given (a statement may not touch a row twice on PostgreSQL)
      const records = [...new Map(changes.findings.map((f) => [f.id, f])).values()];
      const rows = records.map(findingRow);
      // records read from the store carry their row version and are written only over it;
      // records without one (fixtures, imports) are written whatever the row holds
      const checked = rows.filter((_, i) => records[i]!.rowVersion !== undefined);
      const unchecked = rows.filter((_, i) => records[i]!.rowVersion === undefined);
      const history = changes.history.map(historyRow);
      if (rows.length === 0 && history.length === 0) return { inserted: 0, updated: 0, history: 0 };
      const day = (changes.at ?? new Date()).toISOString().slice(0, 10);
      const updates = (version: RawBuilder<number>) => ({
        ...Object.fromEntries(UPDATABLE.map((c) => [c, sql.ref(`excluded.${c}`)])),
        row_version: version,
      });
      return conflictAs("a finding with the same identity exists already", () =>
        db.transaction().execute(async (trx) => {
          const stored = await storedRows(trx, rows, idsPerStatement(dialect));
          const versions = new Map([...stored].map(([id, row]) => [id, row.row_version]));
          const stale = changedSince(checked, versions);
          if (stale.length > 0) throw new FindingChangedError(stale);
          for (const part of chunks(checked, rowsPer(FINDING_COLUMNS))) {
            const [result] = await trx
              .insertInto("findings")
              .values(part)
              .onConflict((oc) =>
                oc
                  .column("id")
                  .doUpdateSet(updates(sql<number>`excluded.row_version`))
                  // only over the version the record was read at: a row that moved on is left alone
                  .where(sql<boolean>`findings.row_version = excluded.row_version - 1`),
              )
              .execute();
            // a skipped update counts as no row on both dialects (SQLite changes(), PostgreSQL rowCount)
            if (Number(result?.numInsertedOrUpdatedRows ?? part.length) < part.length) {
              // changed by another transaction since the versions were read above
              const now = await storedRows(trx, part, idsPerStatement(dialect));
              throw new FindingChangedError(
                part.filter((r) => now.get(r.id)?.row_version !== versions.get(r.id)).map((r) => r.id),
              );
            }
          }
          for (const part of chunks(unchecked, rowsPer(FINDING_COLUMNS))) {
            await trx
              .insertInto("findings")
              .values(part)
              .onConflict((oc) => oc.column("id").doUpdateSet(updates(sql<number>`findings.row_version + 1`)))
              .execute();
          }
          for (const part of chunks(history, rowsPer(HISTORY_COLUMNS))) {
            await trx.insertInto("finding_history").values(part).execute();
          }
          // Moved by the difference between the rows as read above and as written (an update
          // keeps the stored identity, so its cluster). Exact for checked rows (written only
          // over the version read) and new ids; an unchecked overwrite of an existing row
          // (fixtures, imports) counts from the row as this transaction read it.
          await addOpenCounts(
            trx,
            day,
            openCountDeltas(
              rows.map((row) => {
                const before = stored.get(row.id);
                return before ? { before, after: { ...row, cluster_id: before.cluster_id } } : { after: row };
              }),
            ),
          );
          return { inserted: rows.length - versions.size, updated: versions.size, history: history.length };
        }),
      );
    },

    async loadForReconcile(clusterId) {
      const rows = await db
        .selectFrom("findings")
        .selectAll()
        .where("cluster_id", "=", clusterId)
        .where("report_type", "=", "operational")
        .orderBy("id")
        .execute();
      return rows.map(rowToFinding);
    },

    async get(id) {
      const row = await db.selectFrom("findings").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? rowToFinding(row) : undefined;
    },

    async query(query) {
      const sort = query.sort ?? "severity";
      const direction = query.direction ?? "desc";
      const columns = findingSortKeys(sort, direction);
      const keyset: Keyset = {
        name: `findings:${sort}:${direction}`,
        columns,
        types: columns.map((k) => (k.column === "severity_rank" ? "number" : "string")),
      };
      const values = await textValues(query);
      const select = db
        .selectFrom("findings")
        .selectAll()
        .where((eb) => findingFilterCondition(eb, query, values));
      return keysetPage(select, keyset, query, rowToFinding);
    },

    async counts(filter) {
      const kept = openCountsQueryOf(filter);
      if (kept) return openCountsNow(db, kept);
      return countFindings(filter);
    },
  };

  /** Counts the findings table under `filter` (what the kept open counts answer for open findings). */
  async function countFindings(filter: FindingFilter): Promise<FindingCounts> {
    const values = await textValues(filter);
    const rows = await db
      .selectFrom("findings")
      .select((eb) => ["severity_rank", eb.fn.countAll<number | string | bigint>().as("n")])
      .where((eb) => findingFilterCondition(eb, filter, values))
      .groupBy("severity_rank")
      .execute();
    const bySeverity = Object.fromEntries(SEVERITY_LEVELS.map((level) => [level, 0])) as Record<
      SeverityLevel,
      number
    >;
    let total = 0;
    for (const row of rows) {
      const level = SEVERITY_LEVELS[row.severity_rank];
      const n = Number(row.n);
      if (level) bySeverity[level] = n;
      total += n;
    }
    return { total, bySeverity };
  }
}

/** What a write reads of a stored row: its version, and what decides whether it is counted open. */
type StoredRow = CountedFinding & { readonly row_version: number };

/**
 * Each of `rows` that exists, as stored, by id: its row version (to write only over the
 * version a record was read at) and what it counted in the open counts (to move them by the
 * difference the write makes).
 */
async function storedRows(
  trx: Transaction<StoreDb extends Kysely<infer S> ? S : never>,
  rows: readonly FindingsTable[],
  idsPerQuery: number,
): Promise<Map<string, StoredRow>> {
  const stored = new Map<string, StoredRow>();
  for (const part of chunks(
    rows.map((r) => r.id),
    idsPerQuery,
  )) {
    const found = await trx
      .selectFrom("findings")
      .select(["id", "row_version", "cluster_id", "report_type", "state", "severity", "fixable"])
      .where("id", "in", part)
      .execute();
    for (const { id, ...row } of found) stored.set(id, { ...row, row_version: Number(row.row_version) });
  }
  return stored;
}

/** Of rows about to be written, those whose stored version is not the one they were planned from. */
function changedSince(rows: readonly FindingsTable[], versions: ReadonlyMap<string, number>): string[] {
  return rows.filter((r) => versions.has(r.id) && versions.get(r.id) !== r.row_version - 1).map((r) => r.id);
}
