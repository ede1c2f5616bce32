import type { Advisory } from "@vigil/core";
import { type Insertable, type Kysely, sql } from "kysely";
import { advisoryRow, affectedRows, aliasRows } from "./advisory-rows.js";
import { chunks, type DatabaseDialect, MAX_PARAMETERS } from "./dialect.js";
import type { CveEpssTable, CveKevTable, VigilSchema } from "./schema.js";

/**
 * Rows of `columns` columns that fit one statement of `dialect`. Statement size barely
 * matters for CPU (measured: 100 to 2,000+ rows per INSERT cost the same within noise), so the
 * parameter limit alone decides.
 */
export function rowsPerStatement(dialect: DatabaseDialect, columns: number): number {
  return Math.max(1, Math.floor(MAX_PARAMETERS[dialect] / columns));
}

/** Ids per `IN (…)` list, leaving room for a few other parameters in the statement. */
export function idsPerStatement(dialect: DatabaseDialect): number {
  return MAX_PARAMETERS[dialect] - 16;
}

/**
 * Writes advisories, replacing any stored advisory with the same id whatever its source (the
 * cascade removes the old aliases and affected rows). Multi-row INSERTs, chunked to the
 * dialect's parameter limit. Duplicate ids within `advisories` must have been removed.
 */
export async function writeAdvisories(
  db: Kysely<VigilSchema>,
  dialect: DatabaseDialect,
  advisories: readonly Advisory[],
  options: { readonly replace: boolean } = { replace: true },
): Promise<void> {
  if (advisories.length === 0) return;
  if (options.replace) {
    const ids = advisories.map((a) => a.record.id);
    for (const part of chunks(ids, idsPerStatement(dialect))) {
      await db.deleteFrom("advisory").where("id", "in", part).execute();
    }
  }
  const rows = advisories.map(advisoryRow);
  for (const part of chunks(rows, rowsPerStatement(dialect, Object.keys(rows[0]!).length))) {
    await db.insertInto("advisory").values(part).execute();
  }
  const aliases = advisories.flatMap((a) => aliasRows(a.record));
  for (const part of chunks(aliases, rowsPerStatement(dialect, 2))) {
    await db.insertInto("advisory_alias").values(part).execute();
  }
  const affected = advisories.flatMap((a) => affectedRows(a.record));
  for (const part of chunks(affected, rowsPerStatement(dialect, 7))) {
    await db.insertInto("affected_package").values(part).execute();
  }
}

/** Inserts or replaces KEV rows (a CVE listed by another source moves to this one). */
export async function upsertKev(
  db: Kysely<VigilSchema>,
  dialect: DatabaseDialect,
  rows: readonly Insertable<CveKevTable>[],
): Promise<void> {
  for (const part of chunks(rows, rowsPerStatement(dialect, 5))) {
    await db
      .insertInto("cve_kev")
      .values(part)
      .onConflict((oc) =>
        oc.column("cve").doUpdateSet((eb) => ({
          source: eb.ref("excluded.source"),
          date_added: eb.ref("excluded.date_added"),
          due_date: eb.ref("excluded.due_date"),
          ransomware: eb.ref("excluded.ransomware"),
        })),
      )
      .execute();
  }
}

/** Inserts or replaces EPSS rows. */
export async function upsertEpss(
  db: Kysely<VigilSchema>,
  dialect: DatabaseDialect,
  rows: readonly Insertable<CveEpssTable>[],
): Promise<void> {
  for (const part of chunks(rows, rowsPerStatement(dialect, 5))) {
    await db
      .insertInto("cve_epss")
      .values(part)
      .onConflict((oc) =>
        oc.column("cve").doUpdateSet((eb) => ({
          source: eb.ref("excluded.source"),
          score: eb.ref("excluded.score"),
          percentile: eb.ref("excluded.percentile"),
          date: eb.ref("excluded.date"),
        })),
      )
      .execute();
  }
}

/**
 * Serializes advisory writes across processes. PostgreSQL: a transaction-scoped advisory
 * lock, so two workers syncing (or one syncing while another imports) queue instead of
 * colliding on the same ids; readers are not affected. SQLite: BEGIN IMMEDIATE already
 * holds the database's single write lock.
 *
 * Advisory locks are database-wide, so the key is derived from the current schema: two
 * Vigil installs (or two test files) in different schemas of one database never wait for
 * each other, while every writer of the same store does.
 */
export async function lockAdvisoryWrites(db: Kysely<VigilSchema>, dialect: DatabaseDialect): Promise<void> {
  if (dialect === "postgres")
    await sql`select pg_advisory_xact_lock(hashtextextended(current_schema() || ${ADVISORY_WRITE_LOCK}, 0))`.execute(
      db,
    );
}

/** Suffix of the advisory-write lock's key on PostgreSQL (hashed with the schema name). */
const ADVISORY_WRITE_LOCK = ":vigil-advisory-writes";
