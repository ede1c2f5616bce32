import { type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from "kysely";
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
 * Most findings the values of a search may hold for the search to be driven by SQLite's index.
 * A search whose values cover more (`pkg`, `cve-20`: most findings) is faster the other way:
 * walking the list's sort index and comparing each row finds a page of them within a few
 * thousand rows, while fetching and sorting hundreds of thousands of findings takes seconds
 * (scripts/bench/findings-query.mjs, "text: common substring"). At 10,000 either way costs
 * tens of milliseconds.
 */
export const MAX_INDEXED_FINDINGS = 10_000;

/**
 * The advisory ids and package names that contain `text` (from SQLite's FTS5 index of them,
 * migration 0004-finding-search), for {@link findingTextCondition}; or undefined when every row
 * must be compared instead: PostgreSQL (its planner chooses between its trigram indexes and
 * the table itself), text shorter than {@link MIN_INDEXED_SEARCH_LENGTH}, or values held by
 * more than `maxFindings` findings.
 *
 * Read before the query, not in it: a finding written in between with a new value is simply
 * not on this page, as if the page were read a moment earlier.
 */
export async function findingTextValues(
  db: Kysely<VigilSchema>,
  dialect: DatabaseDialect,
  text: string,
  /** Default {@link MAX_INDEXED_FINDINGS}; tests set it low. */
  maxFindings = MAX_INDEXED_FINDINGS,
): Promise<readonly string[] | undefined> {
  if (dialect !== "sqlite" || [...text].length < MIN_INDEXED_SEARCH_LENGTH) return undefined;
  // FTS5 folds all of Unicode's case, lower() only ASCII: LIKE keeps the values the search means
  const { rows } = await sql<{ value: string; findings: number }>`select value, findings
    from finding_search_values
    where id in (select rowid from finding_search_values_fts where finding_search_values_fts match ${ftsPhrase(text)})
      and lower(value) like lower(${`%${escapeLike(text)}%`}) escape '\\'
    limit ${maxFindings + 1}`.execute(db);
  let findings = 0;
  for (const row of rows) findings += row.findings;
  return findings > maxFindings ? undefined : rows.map((r) => r.value);
}

/**
 * Findings whose advisory id or package name contains `text`, case-insensitively (ASCII
 * case, as `lower()` folds it on both dialects: the columns are `collate "C"` on PostgreSQL);
 * `%`, `_` and quotes are literal.
 *
 * The comparison is always the same `lower(column) like lower('%text%')`, so the results are
 * the same with or without an index (migration 0004-finding-search):
 * - PostgreSQL's trigram indexes are built on exactly these expressions; the planner uses them
 *   when pg_trgm could be installed, and reads the table otherwise.
 * - SQLite cannot index LIKE: given the `values` of {@link findingTextValues}, only the
 *   findings that hold one of them are read (through the advisory id and package name
 *   indexes) and compared; without them, every row the other filters allow is compared.
 */
export function findingTextCondition(
  eb: FindingsBuilder,
  text: string,
  values: readonly string[] | undefined,
): Expression<SqlBool> {
  const pattern = `%${escapeLike(text)}%`;
  // lower(x) like lower(?) rather than ILIKE: SQLite has no ILIKE, and its LIKE folds case
  // only for ASCII, as lower() does on both dialects. ESCAPE is explicit: SQLite has no default.
  const like = eb.or([
    sql<SqlBool>`lower(${sql.ref("advisory_id")}) like lower(${pattern}) escape '\\'`,
    sql<SqlBool>`lower(${sql.ref("package_name")}) like lower(${pattern}) escape '\\'`,
  ]);
  if (values === undefined) return like;
  if (values.length === 0) return sql<SqlBool>`1 = 0`;
  // The rows of the values, as a list of rowids: written as `advisory_id in (…) or
  // package_name in (…)`, SQLite prefers walking one cluster's rows (its index) and testing
  // each, 300 ms for 50,000 rows instead of a few ms; a rowid list it reads row by row.
  // One parameter per column, however many values (SQLite binds at most 32,766).
  const list = JSON.stringify(values);
  return eb.and([
    sql<SqlBool>`${sql.ref("findings.rowid")} in (
      select rowid from findings where advisory_id in (select value from json_each(${list}))
      union all
      select rowid from findings where package_name in (select value from json_each(${list})))`,
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
