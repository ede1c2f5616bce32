/**
 * Test databases for the repository tests, which run every case on SQLite AND PostgreSQL
 * (ARCHITECTURE.md section 6). SQLite: a fresh file in a temporary directory per test.
 * PostgreSQL: one schema per test file (unique name, selected through `search_path` in the
 * connection URL, dropped after the file), emptied before each test; parallel test files
 * never see each other's tables. When PostgreSQL is not reachable the tests FAIL with a
 * message that says what to do: they never skip.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { createDatabase, type VigilDatabase } from "../create-database.js";
import type { DatabaseDialect } from "../dialect.js";
import { migrateToLatest } from "../migrations/migrate.js";

/** Both dialects, for `describe.each(DIALECTS)`. */
export const DIALECTS: readonly DatabaseDialect[] = ["sqlite", "postgres"];

/** Where the PostgreSQL tests connect (the schema is added per file). */
export const TEST_POSTGRES_URL =
  process.env.VIGIL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A test's database, replaced before each test. */
export interface TestDatabase {
  /** The current test's database. */
  readonly current: VigilDatabase;
  /** Opens another handle on the same database (a second process, say); closed after the test. */
  reopen(): VigilDatabase;
}

/**
 * Registers hooks that give every test of the enclosing `describe` a fresh, empty database of
 * `dialect`, migrated unless `migrate: false`.
 */
export function useTestDatabase(
  dialect: DatabaseDialect,
  options: { readonly migrate?: boolean } = {},
): TestDatabase {
  let current: VigilDatabase | undefined;
  const extra: VigilDatabase[] = [];
  let open: () => VigilDatabase;
  let reset: () => Promise<void>;
  let cleanup: () => Promise<void> = async () => {};
  // A setup failure (PostgreSQL unreachable) is rethrown by every test, so each one FAILS
  // with the message; a throwing beforeAll would make vitest report them as skipped.
  let setupError: unknown;

  beforeAll(async () => {
    try {
      await setup();
    } catch (error) {
      setupError = error;
    }
  });

  async function setup() {
    if (dialect === "sqlite") {
      let dir: string | undefined;
      open = () => createDatabase({ dataDir: dir! });
      reset = async () => {
        if (dir) rmSync(dir, { recursive: true, force: true });
        dir = mkdtempSync(join(tmpdir(), "vigil-db-test-"));
      };
      cleanup = async () => {
        if (dir) rmSync(dir, { recursive: true, force: true });
      };
      return;
    }
    const schema = `vigil_test_${process.pid}_${randomBytes(4).toString("hex")}`;
    await adminQuery(`create schema "${schema}"`);
    const url = withSearchPath(TEST_POSTGRES_URL, schema);
    open = () => createDatabase({ url, poolSize: 4 });
    reset = async () => {
      await adminQuery(`drop schema if exists "${schema}" cascade; create schema "${schema}"`);
    };
    cleanup = async () => {
      await adminQuery(`drop schema if exists "${schema}" cascade`);
    };
  }

  beforeEach(async () => {
    if (setupError) throw setupError;
    await reset();
    current = open();
    if (options.migrate ?? true) await migrateToLatest(current.db);
  });

  afterEach(async () => {
    for (const database of extra.splice(0)) await database.close();
    await current?.close();
    current = undefined;
  });

  afterAll(async () => {
    if (!setupError) await cleanup();
  });

  return {
    get current() {
      if (!current) throw new Error("no test database outside a test");
      return current;
    },
    reopen() {
      const database = open();
      extra.push(database);
      return database;
    },
  };
}

function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("options", `-c search_path=${schema}`);
  return parsed.toString();
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (cause) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_POSTGRES_URL} (${cause instanceof Error ? cause.message : cause}). ` +
        "The database tests run on SQLite AND PostgreSQL and do not skip: start PostgreSQL " +
        "(`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) or point " +
        "VIGIL_TEST_DATABASE_URL at a server where the user may create schemas.",
      { cause },
    );
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
