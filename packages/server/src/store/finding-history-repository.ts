import type { Kysely } from "kysely";
import { rowsPerStatement } from "../db/advisory-writes.js";
import { chunks, dialectOf } from "../db/dialect.js";
import type { VigilSchema } from "../db/schema.js";
import type { FindingHistoryInput, FindingHistoryRecord } from "./finding-record.js";
import { HISTORY_COLUMNS, historyRow, rowToHistory } from "./finding-rows.js";
import { storeDb } from "./store-schema.js";

/** The history of findings: every state change with who, when and why. Append only. */
export interface FindingHistoryRepository {
  /** A finding's history, oldest first (by time, then insertion order). */
  list(findingId: string): Promise<FindingHistoryRecord[]>;
  /**
   * Appends entries in one transaction. A change that also updates the finding goes through
   * `FindingRepository.applyChanges`, which writes both together.
   */
  append(entries: readonly FindingHistoryInput[]): Promise<void>;
}

/** The finding history repository over Vigil's database. */
export function createFindingHistoryRepository(database: Kysely<VigilSchema>): FindingHistoryRepository {
  const db = storeDb(database);
  const dialect = dialectOf(database);
  return {
    async list(findingId) {
      const rows = await db
        .selectFrom("finding_history")
        .selectAll()
        .where("finding_id", "=", findingId)
        .orderBy("at")
        .orderBy("id")
        .execute();
      return rows.map(rowToHistory);
    },
    async append(entries) {
      if (entries.length === 0) return;
      const rows = entries.map(historyRow);
      await db.transaction().execute(async (trx) => {
        for (const part of chunks(rows, rowsPerStatement(dialect, HISTORY_COLUMNS))) {
          await trx.insertInto("finding_history").values(part).execute();
        }
      });
    },
  };
}
