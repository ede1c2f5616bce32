/**
 * The store tests' database: like `useTestDatabase` (every case on SQLite AND PostgreSQL, a
 * schema of its own per test file, failing with what to do when PostgreSQL is unreachable),
 * but migrated ONCE per file and emptied before each test. Migrating 18 tables costs about
 * half a second per test on PostgreSQL; emptying them costs milliseconds, which keeps the
 * store's tests within a few seconds. Generated ids (`finding_history.id`) are not reset:
 * tests compare their order, not their values.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createDatabase, type VigilDatabase } from "../../db/create-database.js";
import type { DatabaseDialect } from "../../db/dialect.js";
import { migrateToLatest } from "../../db/migrations/migrate.js";
import { TEST_POSTGRES_URL } from "../../db/test-support/test-databases.js";

/** The store's tables, children before parents (the order they can be emptied in). */
export const STORE_TABLES = [
  "webhook_deliveries",
  "webhooks",
  "finding_history",
  "finding_open_counts",
  "findings",
  "image_packages",
  "images",
  "workload_containers",
  "scan_images",
  "scans",
  "scan_policies",
  "agents",
  "audit_events",
  "login_failures",
  "sessions",
  "api_tokens",
  "users",
  "clusters",
] as const;

/** A test file's database. */
export interface StoreTestDatabase {
  /** The database, empty at the start of every test. */
  readonly current: VigilDatabase;
}

/**
 * Registers hooks that give the enclosing `describe` one migrated database of `dialect`,
 * emptied before each test.
 */
export function useStoreTestDatabase(dialect: DatabaseDialect): StoreTestDatabase {
  let current: VigilDatabase | undefined;
  let cleanup: () => Promise<void> = async () => {};
  // rethrown by every test, so each one FAILS with the message (a throwing beforeAll skips them)
  let setupError: unknown;

  beforeAll(async () => {
    try {
      if (dialect === "sqlite") {
        const dir = mkdtempSync(join(tmpdir(), "vigil-store-test-"));
        current = createDatabase({ dataDir: dir });
        cleanup = async () => {
          await current?.close();
          rmSync(dir, { recursive: true, force: true });
        };
      } else {
        const schema = `vigil_store_test_${process.pid}_${randomBytes(4).toString("hex")}`;
        const url = new URL(TEST_POSTGRES_URL);
        // a schema named in search_path before it exists is skipped until it does
        url.searchParams.set("options", `-c search_path=${schema}`);
        const database = createDatabase({ url: url.toString(), poolSize: 4 });
        current = database;
        cleanup = async () => {
          await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(database.db);
          await database.close();
        };
        await sql`create schema ${sql.id(schema)}`.execute(database.db).catch((cause: unknown) => {
          throw new Error(
            `PostgreSQL is not reachable at ${TEST_POSTGRES_URL} (${cause instanceof Error ? cause.message : cause}). ` +
              "The store tests run on SQLite AND PostgreSQL and do not skip: start PostgreSQL " +
              "(`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or point " +
              "VIGIL_TEST_DATABASE_URL at a server where the user may create schemas.",
            { cause },
          );
        });
      }
      await migrateToLatest(current.db);
    } catch (error) {
      setupError = error;
    }
  });

  beforeEach(async () => {
    if (setupError) throw setupError;
    // DELETE, not TRUNCATE: PostgreSQL's TRUNCATE of a dozen tables costs ~300 ms (new files
    // for every table and index); deleting a test's few rows costs a few.
    for (const table of STORE_TABLES) await sql`delete from ${sql.id(table)}`.execute(current!.db);
  });

  afterAll(async () => {
    await cleanup().catch(() => {});
  });

  return {
    get current() {
      if (!current) throw new Error("no test database outside a test");
      return current;
    },
  };
}
