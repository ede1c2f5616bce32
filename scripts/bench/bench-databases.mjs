// The databases the store benches measure on: a fresh SQLite file in a temporary directory,
// or a fresh schema of the machine's PostgreSQL (VIGIL_BENCH_DATABASE_URL, default the test
// database), each with the `drop()` that removes it again.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { repoRoot } from "./lib.mjs";

const server = await import(pathToFileURL(join(repoRoot, "packages/server/dist/index.js")).href);

/** Where the PostgreSQL benches connect (their schema is added). */
export const BENCH_POSTGRES_URL =
  process.env.VIGIL_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** A new SQLite database under a temporary directory named after `prefix`. */
export function openBenchSqlite(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const database = server.createDatabase({ dataDir: dir });
  return {
    database,
    dir,
    async drop() {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A new, empty PostgreSQL schema `<name>_<pid>` (an old one of that name dropped first), with
 * the `url` that connects to it (for spawned servers).
 */
export async function openBenchPostgres(name) {
  const schema = `${name}_${process.pid}`;
  const admin = async (text) => {
    const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  // a server started on the schema keeps its scan queue in `<schema>_pgboss`
  const dropBoth = `drop schema if exists ${schema} cascade; drop schema if exists ${schema}_pgboss cascade`;
  await admin(`${dropBoth}; create schema ${schema}`);
  const url = new URL(BENCH_POSTGRES_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  const database = server.createDatabase({ url: url.toString() });
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      await admin(dropBoth);
    },
  };
}
