import { type DialectAdapter, PostgresAdapter, SqliteAdapter } from "kysely";

/** The two databases Vigil runs on (ARCHITECTURE.md section 6). */
export type DatabaseDialect = "sqlite" | "postgres";

/**
 * Most bound parameters one statement may carry. SQLite's SQLITE_MAX_VARIABLE_NUMBER is
 * 32,766 since 3.32 (better-sqlite3 bundles it with that default); PostgreSQL's wire protocol
 * counts parameters in an unsigned 16-bit field, hence 65,535.
 */
export const MAX_PARAMETERS: Readonly<Record<DatabaseDialect, number>> = {
  sqlite: 32_766,
  postgres: 65_535,
};

/** Which dialect a Kysely instance speaks, read from its adapter (no extra bookkeeping to pass around). */
export function dialectOf(db: { getExecutor(): { readonly adapter: DialectAdapter } }): DatabaseDialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof SqliteAdapter) return "sqlite";
  if (adapter instanceof PostgresAdapter) return "postgres";
  throw new Error(
    `unsupported Kysely dialect (adapter ${adapter.constructor.name}): Vigil runs on SQLite or PostgreSQL`,
  );
}

/** Splits `items` into consecutive slices of at most `size` (at least one item per slice). */
export function* chunks<T>(items: readonly T[], size: number): Generator<readonly T[]> {
  const step = Math.max(1, Math.floor(size));
  for (let start = 0; start < items.length; start += step) yield items.slice(start, start + step);
}
