import type { Kysely } from "kysely";
import type { VigilSchema } from "../db/schema.js";

/** How the findings search is served, as migration 0004-finding-search recorded it. */
export interface FindingSearchIndex {
  /**
   * `fts5-trigram` (SQLite), `pg-trgm` (PostgreSQL), or `none`: the search reads every
   * finding the other filters allow (same results, slower).
   */
  readonly method: "fts5-trigram" | "pg-trgm" | "none";
  /** What was built, or why nothing was and what to do about it. */
  readonly detail: string;
}

/** The row of `finding_search_index`. */
interface FindingSearchIndexTable {
  id: number;
  method: string;
  detail: string;
}

/** How the findings search of a migrated database is served. */
export async function findingSearchIndexOf(db: Kysely<VigilSchema>): Promise<FindingSearchIndex> {
  const row = await db
    .withTables<{ finding_search_index: FindingSearchIndexTable }>()
    .selectFrom("finding_search_index")
    .select(["method", "detail"])
    .where("id", "=", 1)
    .executeTakeFirst();
  if (!row)
    return { method: "none", detail: "no record of the findings search index: is the database migrated?" };
  return { method: row.method as FindingSearchIndex["method"], detail: row.detail };
}
