import { randomBytes } from "node:crypto";
import { Migrator, sql } from "kysely";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../serve/start-server.js";
import { createFindingRepository } from "../../store/finding-repository.js";
import { findingRow } from "../../store/finding-rows.js";
import { findingSearchIndexOf } from "../../store/finding-search-index.js";
import { storeDb } from "../../store/store-schema.js";
import { expectSearchValuesInStep } from "../../store/test-support/search-values.js";
import { finding } from "../../store/test-support/store-fixtures.js";
import { createDatabase, type VigilDatabase } from "../create-database.js";
import { DIALECTS, TEST_POSTGRES_URL, useTestDatabase } from "../test-support/test-databases.js";
import { createMigrationProvider, MIGRATIONS, migrateToLatest } from "./migrate.js";

const BEFORE_SEARCH = MIGRATIONS.slice(
  0,
  MIGRATIONS.findIndex(([name]) => name === "0004-finding-search"),
);

/** Findings over a few packages and advisories. */
const STORED = [
  finding("s1", { identity: { packageName: "openssl", advisoryId: "CVE-2023-45853" } }),
  finding("s2", { identity: { packageName: "libssl3", advisoryId: "CVE-2024-0727", workloadName: "api" } }),
  finding("s3", {
    identity: { packageName: "zlib1g", advisoryId: "GHSA-jfh8-c2jp-5v3q", workloadName: "db" },
  }),
];

async function searched(database: VigilDatabase, text: string): Promise<string[]> {
  const page = await createFindingRepository(database.db).query({ text, limit: 100 });
  return page.items.map((f) => f.id).sort();
}

describe.each(DIALECTS)("0004-finding-search on %s", (dialect) => {
  const t = useTestDatabase(dialect, { migrate: false });

  it("indexes the findings a database held before it (backfill)", async () => {
    const { db } = t.current;
    // the schema as it was before 0004, with findings in it
    const schema =
      dialect === "postgres"
        ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]!.schema
        : undefined;
    const { error } = await new Migrator({
      db,
      provider: createMigrationProvider(BEFORE_SEARCH),
      ...(schema ? { migrationTableSchema: schema } : {}),
    }).migrateToLatest();
    expect(error).toBeUndefined();
    // the rows as they were at 0003 (later migrations add columns, row_version among them)
    const rowsThen = STORED.map((f) => {
      const { row_version: _, ...row } = findingRow(f);
      return row;
    });
    await storeDb(db)
      .insertInto("findings")
      .values(rowsThen as never)
      .execute();

    expect((await migrateToLatest(db))[0]).toBe("0004-finding-search");
    expect(await findingSearchIndexOf(db)).toEqual({
      method: dialect === "sqlite" ? "fts5-trigram" : "pg-trgm",
      detail: expect.any(String),
    });
    expect(await searched(t.current, "ssl")).toEqual(["s1", "s2"]);
    expect(await searched(t.current, "45853")).toEqual(["s1"]);
    expect(await searched(t.current, "C2JP-5")).toEqual(["s3"]);
    expect(await searched(t.current, "lib")).toEqual(["s2", "s3"]);
    if (dialect === "sqlite") await expectSearchValuesInStep(db);
  });
});

/**
 * PostgreSQL where Vigil's user may not create extensions: a database of its own (pg_trgm is
 * installed per database, and the test database has it), and a role without the CREATE
 * privilege on it that owns the schema it migrates.
 */
describe("0004-finding-search on postgres without the privilege to create pg_trgm", () => {
  const name = `vigil_noext_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = async (text: string, database?: string) => {
    const url = new URL(TEST_POSTGRES_URL);
    if (database) url.pathname = `/${database}`;
    const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  let database: VigilDatabase | undefined;

  beforeAll(async () => {
    await admin(`create role ${name} login`);
    await admin(`create database ${name}`);
    await admin(`create schema vigil authorization ${name}`, name);
    const url = new URL(TEST_POSTGRES_URL);
    url.username = name;
    url.pathname = `/${name}`;
    url.searchParams.set("options", "-c search_path=vigil");
    database = createDatabase({ url: url.toString(), poolSize: 2 });
  });

  afterAll(async () => {
    await database?.close();
    await admin(`drop database if exists ${name} with (force)`);
    await admin(`drop role if exists ${name}`);
  });

  it("migrates without the index, records why, searches by reading the table, and says so at startup", async () => {
    const db = database!.db;
    expect(await migrateToLatest(db)).toEqual(MIGRATIONS.map(([n]) => n));
    const recorded = await findingSearchIndexOf(db);
    expect(recorded.method).toBe("none");
    expect(recorded.detail).toMatch(/permission denied to create extension "pg_trgm"/);
    expect(recorded.detail).toMatch(/CREATE EXTENSION pg_trgm/);
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from pg_indexes where schemaname = 'vigil' and indexname like '%trgm%'`.execute(
      db,
    );
    expect(rows[0]!.n).toBe(0);

    await createFindingRepository(db).applyChanges({ findings: STORED, history: [] });
    expect(await searched(database!, "ssl")).toEqual(["s1", "s2"]);
    expect(await searched(database!, "C2JP-5")).toEqual(["s3"]);
    expect(await searched(database!, "1g")).toEqual(["s3"]);

    const lines: string[] = [];
    const server = await startServer({
      database: database!,
      port: 0,
      host: "127.0.0.1",
      version: "9.9.9",
      logger: pino({ level: "warn" }, { write: (line: string) => void lines.push(line) }),
    });
    await server.close();
    const warnings = lines
      .map((line) => JSON.parse(line) as { level: number; msg: string; reason: string })
      // a fresh server also warns that it has no users yet
      .filter((w) => w.msg.includes("findings search"));
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 40,
        msg: "the findings search has no index: it reads every finding",
        reason: recorded.detail,
      }),
    ]);
  });
});
