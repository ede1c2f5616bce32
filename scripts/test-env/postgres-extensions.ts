import pg from "pg";

/**
 * Installs the PostgreSQL extensions Vigil's migrations use (pg_trgm, for the findings search)
 * in the `public` schema of the test database, once, before any test file migrates.
 *
 * Why here: an extension belongs to the database but lives in ONE schema. Test files migrate
 * into schemas of their own and drop them with `cascade` when done; if a test file's migration
 * installed pg_trgm into its schema, dropping that schema would drop the extension and, with
 * it, the trigram indexes of every other test file running at the same time. Installed in
 * `public` first, every migration finds it there and only creates its indexes.
 *
 * Best effort: when PostgreSQL is not reachable, the database tests fail with their own message
 * (they never skip), so this says nothing and returns the reason.
 */
export async function installTestPostgresExtensions(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query("create extension if not exists pg_trgm with schema public");
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}
