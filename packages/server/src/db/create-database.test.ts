import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { createDatabase, DatabaseConfigError, maskPassword, type VigilDatabase } from "./create-database.js";
import { MIGRATIONS, migrateToLatest } from "./migrations/migrate.js";
import { TEST_POSTGRES_URL } from "./test-support/test-databases.js";

describe("createDatabase", () => {
  const opened: VigilDatabase[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const database of opened.splice(0)) await database.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-create-db-"));
    dirs.push(dir);
    return dir;
  };

  it("opens SQLite in the data directory with WAL, foreign keys and a busy timeout", async () => {
    const dataDir = join(tempDir(), "nested", "data");
    const database = createDatabase({ dataDir });
    opened.push(database);
    expect(database.dialect).toBe("sqlite");
    expect(database.location).toBe(join(dataDir, "vigil.db"));
    const pragma = async (name: string) =>
      Object.values((await sql.raw(`pragma ${name}`).execute(database.db)).rows[0] as object)[0];
    expect(await pragma("journal_mode")).toBe("wal");
    expect(await pragma("foreign_keys")).toBe(1);
    expect(await pragma("busy_timeout")).toBe(30_000);
    expect(await migrateToLatest(database.db)).toHaveLength(MIGRATIONS.length);
  });

  it("an empty DATABASE_URL still means SQLite", () => {
    const database = createDatabase({ url: " ", dataDir: tempDir() });
    opened.push(database);
    expect(database.dialect).toBe("sqlite");
  });

  it("opens PostgreSQL for postgres:// and postgresql:// URLs", async () => {
    for (const url of [TEST_POSTGRES_URL, TEST_POSTGRES_URL.replace(/^postgres:/, "postgresql:")]) {
      const database = createDatabase({ url, dataDir: "/nonexistent" });
      opened.push(database);
      expect(database.dialect).toBe("postgres");
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      expect(rows).toEqual([{ one: 1 }]);
    }
  });

  it("says what to do for an unsupported URL or no configuration at all", () => {
    expect(() => createDatabase({ url: "mysql://root:hunter2@db/vigil" })).toThrow(DatabaseConfigError);
    expect(() => createDatabase({ url: "mysql://root:hunter2@db/vigil" })).toThrow(
      "unsupported DATABASE_URL scheme in mysql://root:***@db/vigil",
    );
    expect(() => createDatabase({})).toThrow("no database configured");
  });

  it("masks passwords in locations", () => {
    expect(maskPassword("postgres://vigil:s3cret@db:5432/vigil")).toBe("postgres://vigil:***@db:5432/vigil");
    expect(maskPassword("postgres://db/vigil")).toBe("postgres://db/vigil");
    expect(createDatabase({ url: "postgres://vigil:s3cret@127.0.0.1:1/vigil" }).location).toBe(
      "postgres://vigil:***@127.0.0.1:1/vigil",
    );
  });
});
