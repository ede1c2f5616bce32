import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { DatabaseDialect } from "../db/dialect.js";
import type { VigilSchema } from "../db/schema.js";
import type { StoreSchema } from "./store-schema.js";

/** Conditions on `findings`, as the filter builds them. */
export type FindingsBuilder = ExpressionBuilder<VigilSchema & StoreSchema, "findings">;

/**
 * Fewest characters a search must have to go through the trigram index (SQLite's FTS5 table):
 * a trigram index holds every run of three characters, so shorter text has no term to look up.
 */
export const MIN_INDEXED_SEARCH_LENGTH = 3;

/**
 * Findings whose advisory id or package name contains `text`, case-insensitively (ASCII
 * case, as `lower()` folds it on both dialects: the columns are `collate "C"` on PostgreSQL);
 * `%`, `_` and quotes are literal.
 *
 * The comparison is always the same `lower(column) like lower('%text%')`, so the results are
 * the same with or without an index (migration 0004-finding-search):
 * - PostgreSQL's trigram indexes are built on exactly these expressions; the planner uses them
 *   when pg_trgm could be installed, and reads the table otherwise.
 * - SQLite cannot index LIKE, so text of {@link MIN_INDEXED_SEARCH_LENGTH} characters or more
 *   first narrows the findings to the rows of FTS5's trigram table that contain it (a superset:
 *   FTS5 folds all of Unicode's case, `lower()` only ASCII), which LIKE then checks.
 *   Shorter text is compared on every row the other filters allow.
 */
export function findingTextCondition(
  eb: FindingsBuilder,
  text: string,
  dialect: DatabaseDialect,
): Expression<SqlBool> {
  const pattern = `%${escapeLike(text)}%`;
  // lower(x) like lower(?) rather than ILIKE: SQLite has no ILIKE, and its LIKE folds case
  // only for ASCII, as lower() does on both dialects. ESCAPE is explicit: SQLite has no default.
  const like = eb.or([
    sql<SqlBool>`lower(${sql.ref("advisory_id")}) like lower(${pattern}) escape '\\'`,
    sql<SqlBool>`lower(${sql.ref("package_name")}) like lower(${pattern}) escape '\\'`,
  ]);
  if (dialect !== "sqlite" || [...text].length < MIN_INDEXED_SEARCH_LENGTH) return like;
  return eb.and([
    sql<SqlBool>`${sql.ref("findings.rowid")} in (select rowid from findings_search where findings_search match ${ftsPhrase(text)})`,
    like,
  ]);
}

/** `text` with LIKE's wildcards and the escape character escaped by a backslash. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `text` as one FTS5 phrase: in double quotes, a double quote doubled. Inside a phrase every
 * other character is literal (no operators, no column filters), and the trigram tokenizer
 * matches a phrase as a substring, spaces included.
 * https://www.sqlite.org/fts5.html#fts5_strings
 */
export function ftsPhrase(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}
