import { type Kysely, type Migration, sql } from "kysely";
import { dialectOf } from "../dialect.js";

/**
 * An index for the findings search (`q`: a case-insensitive substring of the advisory id or
 * the package name), which no B-tree serves: without it every search reads every finding the
 * other filters allow (2.4 s p95 on SQLite, 0.8 s on PostgreSQL over 1,000,000 findings,
 * scripts/bench/findings-query.mjs).
 *
 * - SQLite: `finding_search_values` holds every distinct advisory id and package name of the
 *   findings with how many findings hold it, counted by triggers on insert, delete and an
 *   update of either column (the upsert of `applyChanges` never sets those columns: they are
 *   the identity, so it fires no trigger), and `finding_search_values_fts`, an FTS5 table with
 *   the trigram tokenizer (case folded) over those values, kept by triggers on the values.
 *   A search finds the matching values there (a few thousand rows, not a million: an index of
 *   every finding's text would read doclists of nearly every finding for the common trigrams
 *   of a CVE id, 100 to 500 ms), then the findings through the advisory id and package name
 *   indexes. Filled from the findings already stored.
 * - PostgreSQL: GIN trigram indexes (pg_trgm) on `lower(advisory_id)` and
 *   `lower(package_name)`, the very expressions the search compares, so the planner uses them
 *   for the unchanged query. The extension needs the CREATE privilege on the database (it is
 *   a trusted extension); without it the migration still succeeds, creates no index, and
 *   records why: the search then reads the table as before, with the same results.
 *
 * What was built, or why nothing was, is one row of `finding_search_index` (read by
 * `findingSearchIndexOf`, logged by `vigil serve` when the search has no index).
 */
export const findingSearchMigration: Migration = {
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then, not today's types
  async up(db: Kysely<any>) {
    await db.schema
      .createTable("finding_search_index")
      // one row
      .addColumn("id", "integer", (c) => c.primaryKey().check(sql`id = 1`))
      // `fts5-trigram`, `pg-trgm` or `none`
      .addColumn("method", "text", (c) => c.notNull())
      // what was built, or why nothing was and what to do
      .addColumn("detail", "text", (c) => c.notNull())
      .execute();
    const built =
      dialectOf(db) === "postgres" ? await createTrigramIndexes(db) : await createSearchValues(db);
    await db
      .insertInto("finding_search_index")
      .values({ id: 1, ...built })
      .execute();
  },

  // biome-ignore lint/suspicious/noExplicitAny: see up()
  async down(db: Kysely<any>) {
    if (dialectOf(db) === "postgres") {
      for (const index of TRIGRAM_INDEXES) await db.schema.dropIndex(index.name).ifExists().execute();
    } else {
      for (const trigger of FINDING_SEARCH_TRIGGERS)
        await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
      await sql`drop table if exists finding_search_values_fts`.execute(db);
      await sql`drop table if exists finding_search_values`.execute(db);
    }
    await db.schema.dropTable("finding_search_index").ifExists().execute();
  },
};

interface BuiltIndex {
  readonly method: "fts5-trigram" | "pg-trgm" | "none";
  readonly detail: string;
}

/** SQLite's triggers on `findings` that keep `finding_search_values` counted. */
const FINDING_SEARCH_TRIGGERS = [
  "findings_search_insert",
  "findings_search_delete",
  "findings_search_update",
] as const;

// biome-ignore lint/suspicious/noExplicitAny: see up()
async function createSearchValues(db: Kysely<any>): Promise<BuiltIndex> {
  // every distinct advisory id and package name, with how many findings hold it (a value in
  // both columns of one finding counts twice): ~30,000 values for 1,000,000 findings
  await sql`create table finding_search_values (
    id integer primary key,
    value text not null unique,
    findings integer not null
  )`.execute(db);
  // case_sensitive 0: the tokenizer folds case in the index and in queries alike
  await sql`create virtual table finding_search_values_fts using fts5(
    value, content = 'finding_search_values', content_rowid = 'id',
    tokenize = 'trigram case_sensitive 0'
  )`.execute(db);
  // values are inserted and deleted, never updated; an external-content table is told the
  // OLD value to remove ('delete' command)
  await sql`create trigger finding_search_values_insert after insert on finding_search_values begin
    insert into finding_search_values_fts (rowid, value) values (new.id, new.value);
  end`.execute(db);
  await sql`create trigger finding_search_values_delete after delete on finding_search_values begin
    insert into finding_search_values_fts (finding_search_values_fts, rowid, value) values ('delete', old.id, old.value);
  end`.execute(db);
  const add = (row: "new") =>
    sql.raw(`
    insert into finding_search_values (value, findings) values (${row}.advisory_id, 1)
      on conflict (value) do update set findings = findings + 1;
    insert into finding_search_values (value, findings) values (${row}.package_name, 1)
      on conflict (value) do update set findings = findings + 1;`);
  const remove = (row: "old") =>
    sql.raw(`
    update finding_search_values set findings = findings - 1 where value = ${row}.advisory_id;
    update finding_search_values set findings = findings - 1 where value = ${row}.package_name;
    delete from finding_search_values where value in (${row}.advisory_id, ${row}.package_name) and findings <= 0;`);
  await sql`create trigger findings_search_insert after insert on findings begin ${add("new")} end`.execute(
    db,
  );
  await sql`create trigger findings_search_delete after delete on findings begin ${remove("old")} end`.execute(
    db,
  );
  await sql`create trigger findings_search_update after update of advisory_id, package_name on findings
    begin ${remove("old")} ${add("new")} end`.execute(db);
  await sql`insert into finding_search_values (value, findings)
    select value, count(*) from (
      select advisory_id as value from findings union all select package_name from findings
    ) group by value`.execute(db);
  return {
    method: "fts5-trigram",
    detail:
      "FTS5 trigram table finding_search_values_fts over the advisory ids and package names of findings",
  };
}

/** The PostgreSQL indexes: one per searched column, on the expression the search compares. */
const TRIGRAM_INDEXES = [
  { name: "findings_advisory_trgm_idx", column: "advisory_id" },
  { name: "findings_package_trgm_idx", column: "package_name" },
] as const;

// biome-ignore lint/suspicious/noExplicitAny: see up()
async function createTrigramIndexes(db: Kysely<any>): Promise<BuiltIndex> {
  const refused = await attempt(db, sql`create extension if not exists pg_trgm`);
  // wherever it is installed (maybe a schema not on the search path, by an administrator)
  const { rows } = await sql<{ schema: string }>`select n.nspname as schema
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined) {
    return {
      method: "none",
      detail:
        `the pg_trgm extension could not be created (${refused ?? "not installed"}), so the findings ` +
        "search reads every finding: have an administrator run CREATE EXTENSION pg_trgm in this " +
        `database, then create the indexes: ${TRIGRAM_INDEXES.map((i) => trigramIndexSql(i, "<schema of pg_trgm>")).join("; ")}`,
    };
  }
  for (const index of TRIGRAM_INDEXES) await sql.raw(trigramIndexSql(index, schema)).execute(db);
  return {
    method: "pg-trgm",
    detail: `GIN trigram indexes ${TRIGRAM_INDEXES.map((i) => i.name).join(", ")} (pg_trgm in schema ${schema})`,
  };
}

function trigramIndexSql(index: (typeof TRIGRAM_INDEXES)[number], schema: string): string {
  const quoted = `"${schema.replaceAll('"', '""')}"`;
  return `create index ${index.name} on findings using gin (lower(${index.column}) ${quoted}.gin_trgm_ops)`;
}

/**
 * Runs `statement`; returns undefined, or the database's message when it failed. Inside the
 * migration's transaction a failed statement would abort the transaction, so it runs under a
 * savepoint that is rolled back on failure.
 */
// biome-ignore lint/suspicious/noExplicitAny: see up()
async function attempt(db: Kysely<any>, statement: ReturnType<typeof sql>): Promise<string | undefined> {
  const savepoint = db.isTransaction;
  if (savepoint) await sql`savepoint finding_search_extension`.execute(db);
  try {
    await statement.execute(db);
    if (savepoint) await sql`release savepoint finding_search_extension`.execute(db);
    return undefined;
  } catch (error) {
    if (savepoint) await sql`rollback to savepoint finding_search_extension`.execute(db);
    return error instanceof Error ? error.message : String(error);
  }
}
