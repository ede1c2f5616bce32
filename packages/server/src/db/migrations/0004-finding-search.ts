import { type Kysely, type Migration, sql } from "kysely";
import { dialectOf } from "../dialect.js";

/**
 * An index for the findings search (`q`: a case-insensitive substring of the advisory id or
 * the package name), which no B-tree serves: without it every search reads every finding the
 * other filters allow (2.4 s p95 on SQLite, 0.8 s on PostgreSQL over 1,000,000 findings,
 * scripts/bench/findings-query.mjs).
 *
 * - SQLite: `findings_search`, an FTS5 table with the trigram tokenizer (case folded) over
 *   both columns, external content (it stores only the index; rows are `findings`' rowids),
 *   kept in step by triggers on insert, delete and an update of either column. The upsert of
 *   `applyChanges` never sets those columns (they are the identity), so it fires no trigger.
 *   Filled from the findings already stored by FTS5's `rebuild`.
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
    const built = dialectOf(db) === "postgres" ? await createTrigramIndexes(db) : await createFtsTable(db);
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
      for (const trigger of ["findings_search_insert", "findings_search_delete", "findings_search_update"]) {
        await sql`drop trigger if exists ${sql.id(trigger)}`.execute(db);
      }
      await sql`drop table if exists findings_search`.execute(db);
    }
    await db.schema.dropTable("finding_search_index").ifExists().execute();
  },
};

interface BuiltIndex {
  readonly method: "fts5-trigram" | "pg-trgm" | "none";
  readonly detail: string;
}

// biome-ignore lint/suspicious/noExplicitAny: see up()
async function createFtsTable(db: Kysely<any>): Promise<BuiltIndex> {
  // case_sensitive 0: the tokenizer folds case in the index and in queries alike
  await sql`create virtual table findings_search using fts5(
    advisory_id, package_name,
    content = 'findings', content_rowid = 'rowid',
    tokenize = 'trigram case_sensitive 0'
  )`.execute(db);
  // an external-content table is told the OLD values to remove ('delete' command)
  await sql`create trigger findings_search_insert after insert on findings begin
    insert into findings_search (rowid, advisory_id, package_name)
      values (new.rowid, new.advisory_id, new.package_name);
  end`.execute(db);
  await sql`create trigger findings_search_delete after delete on findings begin
    insert into findings_search (findings_search, rowid, advisory_id, package_name)
      values ('delete', old.rowid, old.advisory_id, old.package_name);
  end`.execute(db);
  await sql`create trigger findings_search_update after update of advisory_id, package_name on findings begin
    insert into findings_search (findings_search, rowid, advisory_id, package_name)
      values ('delete', old.rowid, old.advisory_id, old.package_name);
    insert into findings_search (rowid, advisory_id, package_name)
      values (new.rowid, new.advisory_id, new.package_name);
  end`.execute(db);
  await sql`insert into findings_search (findings_search) values ('rebuild')`.execute(db);
  return {
    method: "fts5-trigram",
    detail: "FTS5 table findings_search (trigram tokenizer), kept by triggers",
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
