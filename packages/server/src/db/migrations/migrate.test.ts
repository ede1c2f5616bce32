import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { VigilDatabase } from "../create-database.js";
import { DIALECTS, useTestDatabase } from "../test-support/test-databases.js";
import { createMigrationProvider, MIGRATIONS, migrateToLatest } from "./migrate.js";

const ALL_DIALECTS_TABLES = [
  "advisory",
  "advisory_alias",
  "advisory_source_state",
  "affected_package",
  "agents",
  "api_tokens",
  "audit_events",
  "clusters",
  "cve_epss",
  "cve_kev",
  "finding_history",
  "finding_open_counts",
  "finding_search_index",
  "findings",
  "image_packages",
  "images",
  "login_failures",
  "scan_images",
  "scan_policies",
  "scans",
  "sessions",
  "users",
  "webhook_deliveries",
  "webhooks",
  "workload_containers",
];

/** SQLite's values of the findings search (0004-finding-search), their FTS5 table and its shadow tables. */
const SQLITE_SEARCH_TABLES = [
  "finding_search_values",
  "finding_search_values_fts",
  "finding_search_values_fts_config",
  "finding_search_values_fts_data",
  "finding_search_values_fts_docsize",
  "finding_search_values_fts_idx",
];

/** Vigil's tables in the test's own schema (Kysely's introspection would list every schema). */
async function tableNames(database: VigilDatabase): Promise<string[]> {
  const query =
    database.dialect === "postgres"
      ? sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema()`
      : sql<{ name: string }>`select name from sqlite_master where type = 'table'`;
  const { rows } = await query.execute(database.db);
  return rows
    .map((r) => r.name)
    .filter((name) => !name.startsWith("kysely_") && !name.startsWith("sqlite_"))
    .sort();
}

describe.each(DIALECTS)("migrations on %s", (dialect) => {
  const t = useTestDatabase(dialect, { migrate: false });
  const TABLES = [...ALL_DIALECTS_TABLES, ...(dialect === "sqlite" ? SQLITE_SEARCH_TABLES : [])].sort();

  it("migrate an empty database to the latest schema, then do nothing when run again", async () => {
    const { db } = t.current;
    expect(await tableNames(t.current)).toEqual([]);
    expect(await migrateToLatest(db)).toEqual(MIGRATIONS.map(([name]) => name));
    expect(await tableNames(t.current)).toEqual(TABLES);
    expect(await migrateToLatest(db)).toEqual([]);
    // another process starting later finds nothing to do either
    expect(await migrateToLatest(t.reopen().db)).toEqual([]);
    expect(await tableNames(t.current)).toEqual(TABLES);
  });

  it("cascades deletes from advisory to its aliases and affected packages", async () => {
    const { db } = t.current;
    await migrateToLatest(db);
    await db
      .insertInto("advisory")
      .values({
        id: "A-1",
        source: "s",
        modified: "2024-01-01T00:00:00Z",
        published: null,
        withdrawn: null,
        summary: null,
        severity_level: "unknown",
        severity_source: "none",
        severity_score: 0.1 + 0.2,
        severity_vector: null,
        severity_raw: null,
        record_json: "{}",
        upstream_url: null,
        fetched_at: "2024-01-01T00:00:00Z",
      })
      .execute();
    await db.insertInto("advisory_alias").values({ advisory_id: "A-1", alias: "CVE-1" }).execute();
    await db
      .insertInto("affected_package")
      .values({
        advisory_id: "A-1",
        ordinal: 0,
        ecosystem: "Debian:12",
        ecosystem_base: "Debian",
        ecosystem_release: "12",
        package_name: "p",
        affected_json: "{}",
      })
      .execute();
    // doubles survive the round trip bit for bit on both dialects
    expect(
      (await db.selectFrom("advisory").select("severity_score").executeTakeFirst())?.severity_score,
    ).toBe(0.1 + 0.2);
    await expect(
      db.insertInto("advisory_alias").values({ advisory_id: "NOT-THERE", alias: "CVE-1" }).execute(),
    ).rejects.toThrow();
    await db.deleteFrom("advisory").where("id", "=", "A-1").execute();
    const count = async (table: "advisory_alias" | "affected_package") =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count("advisory_alias")).toBe(0);
    expect(await count("affected_package")).toBe(0);
  });

  it("orders identifiers byte-wise, as SQLite does", async () => {
    const { db } = t.current;
    await migrateToLatest(db);
    const ids = ["a-1", "B-1", "_x", "Z-9", "é-1", "CVE-2024-0001"];
    for (const id of ids) {
      await db
        .insertInto("advisory_source_state")
        .values({
          name: id,
          version: 1,
          cursor: null,
          last_sync_at: null,
          last_success_at: null,
          records: 0,
          last_error: null,
        })
        .execute();
    }
    const sorted = (
      await db.selectFrom("advisory_source_state").select("name").orderBy("name").execute()
    ).map((r) => r.name);
    expect(sorted).toEqual([...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const { rows } = await sql<{ n: number }>`select 1 as n`.execute(db);
    expect(rows).toEqual([{ n: 1 }]);
  });
});

describe("createMigrationProvider", () => {
  it("refuses migration names that do not increase", () => {
    const m = MIGRATIONS[0]![1];
    expect(() =>
      createMigrationProvider([
        ["0002-b", m],
        ["0001-a", m],
      ]),
    ).toThrow("migration names must increase");
  });
});
