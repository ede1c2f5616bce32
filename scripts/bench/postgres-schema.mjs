// A throwaway schema on the machine's PostgreSQL for the benchmarks and the soak: created under
// a random name, reached through `search_path` in the URL, dropped with its pg-boss schema.
import { randomBytes } from "node:crypto";
import pg from "pg";

/** The machine's PostgreSQL (trust auth, database `test`), or $VIGIL_TEST_DATABASE_URL. */
export const POSTGRES = process.env.VIGIL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** Runs one statement (or several, `;`-separated) on its own connection. */
export async function adminQuery(text) {
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * Creates a schema `<prefix>_<random hex>`; returns its name and a URL whose connections use it.
 * `parameters` are added to the URL's query (e.g. `application_name`, to count its connections).
 */
export async function createSchema(prefix, parameters = {}) {
  const schema = `${prefix}_${randomBytes(4).toString("hex")}`;
  await adminQuery(`create schema "${schema}"`);
  const url = new URL(POSTGRES);
  url.searchParams.set("options", `-c search_path=${schema}`);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return { schema, url: url.toString() };
}

/** Drops a schema made by {@link createSchema} and the pg-boss schema the scan queue put beside it. */
export function dropSchema(schema) {
  return adminQuery(
    `drop schema if exists "${schema}" cascade; drop schema if exists "${schema}_pgboss" cascade`,
  );
}
