import { Migrator, sql } from "kysely";
import { describe, expect, it } from "vitest";
import { findingRow } from "../../store/finding-rows.js";
import { storeDb } from "../../store/store-schema.js";
import { finding } from "../../store/test-support/store-fixtures.js";
import { DIALECTS, useTestDatabase } from "../test-support/test-databases.js";
import { createMigrationProvider, MIGRATIONS, migrateToLatest } from "./migrate.js";

const BEFORE_COUNTS = MIGRATIONS.slice(
  0,
  MIGRATIONS.findIndex(([name]) => name === "0011-finding-open-counts"),
);

describe.each(DIALECTS)("0011-finding-open-counts on %s", (dialect) => {
  const t = useTestDatabase(dialect, { migrate: false });

  it("starts the trend with today's counts of the findings a database held before it", async () => {
    const { db } = t.current;
    const schema =
      dialect === "postgres"
        ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]!.schema
        : undefined;
    const { error } = await new Migrator({
      db,
      provider: createMigrationProvider(BEFORE_COUNTS),
      ...(schema ? { migrationTableSchema: schema } : {}),
    }).migrateToLatest();
    expect(error).toBeUndefined();
    const inCluster = (clusterId: string, n: number) => ({ clusterId, advisoryId: `CVE-${clusterId}-${n}` });
    await storeDb(db)
      .insertInto("findings")
      .values(
        [
          finding("a1", { identity: inCluster("a", 1), severity: "high" }),
          finding("a2", { identity: inCluster("a", 2), severity: "high", state: "confirmed" }),
          finding("a3", { identity: inCluster("a", 3), severity: "low" }),
          finding("a4", { identity: inCluster("a", 4), severity: "low", state: "dismissed" }),
          finding("a5", { identity: inCluster("a", 5), severity: "critical", state: "resolved" }),
          finding("b1", { identity: inCluster("b", 1), severity: "critical" }),
          finding("d1", {
            reportType: "development",
            project: "p",
            branch: "main",
            identity: inCluster("", 1),
            severity: "critical",
          }),
        ].map(findingRow),
      )
      .execute();

    const before = new Date().toISOString().slice(0, 10);
    expect(await migrateToLatest(db)).toEqual(["0011-finding-open-counts"]);
    const after = new Date().toISOString().slice(0, 10);
    const rows = await storeDb(db)
      .selectFrom("finding_open_counts")
      .selectAll()
      .orderBy("cluster_id")
      .orderBy("severity")
      .execute();
    const today = rows[0]?.day;
    expect([before, after]).toContain(today);
    expect(rows.map((r) => [r.cluster_id, r.severity, r.day, Number(r.open_count)])).toEqual([
      ["a", "high", today, 2],
      ["a", "low", today, 1],
      ["b", "critical", today, 1],
    ]);
  });
});
