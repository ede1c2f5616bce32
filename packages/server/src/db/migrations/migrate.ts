import {
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResult,
  Migrator,
  sql,
} from "kysely";
import { dialectOf } from "../dialect.js";
import { advisoryStoreMigration } from "./0001-advisory-store.js";
import { scansAndFindingsMigration } from "./0002-scans-and-findings.js";
import { findingListIndexesMigration } from "./0003-finding-list-indexes.js";
import { findingSearchMigration } from "./0004-finding-search.js";
import { usersSessionsAuditMigration } from "./0005-users-sessions-audit.js";
import { agentsMigration } from "./0006-agents.js";
import { notificationsMigration } from "./0007-notifications.js";
import { scanAttemptsMigration } from "./0008-scan-attempts.js";
import { findingRowVersionMigration } from "./0009-finding-row-version.js";
import { loginFailuresMigration } from "./0010-login-failures.js";
import { findingOpenCountsMigration } from "./0011-finding-open-counts.js";

/**
 * Every migration, in the order it runs. Append only: a released migration never changes.
 * An explicit list rather than a folder scan, so bundling and `dist/` layout cannot change
 * what runs, and the order is what is written here.
 */
export const MIGRATIONS: readonly (readonly [name: string, migration: Migration])[] = [
  ["0001-advisory-store", advisoryStoreMigration],
  ["0002-scans-and-findings", scansAndFindingsMigration],
  ["0003-finding-list-indexes", findingListIndexesMigration],
  ["0004-finding-search", findingSearchMigration],
  ["0005-users-sessions-audit", usersSessionsAuditMigration],
  ["0006-agents", agentsMigration],
  ["0007-notifications", notificationsMigration],
  ["0008-scan-attempts", scanAttemptsMigration],
  ["0009-finding-row-version", findingRowVersionMigration],
  ["0010-login-failures", loginFailuresMigration],
  ["0011-finding-open-counts", findingOpenCountsMigration],
];

/** A migration failed; `cause` is the database error. Nothing after `failed` ran. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
  constructor(
    message: string,
    /** The migration that failed, when one did (not when the bookkeeping itself failed). */
    readonly failed: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Kysely's provider over {@link MIGRATIONS}, checking that names sort in list order (Kysely runs them by name). */
export function createMigrationProvider(
  migrations: readonly (readonly [string, Migration])[] = MIGRATIONS,
): MigrationProvider {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i - 1]![0] >= migrations[i]![0]) {
      throw new Error(`migration names must increase: ${migrations[i - 1]![0]} before ${migrations[i]![0]}`);
    }
  }
  return { getMigrations: async () => Object.fromEntries(migrations) };
}

/**
 * Brings the schema to the newest migration; applying nothing when it is there already.
 * Returns the names applied by this call. Safe with several processes (Kysely's migration
 * lock: an advisory lock on PostgreSQL, the single writer on SQLite).
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any schema version, including empty
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: createMigrationProvider(),
    // PostgreSQL: Kysely finds its bookkeeping table by introspecting ALL schemas unless told
    // which one, so a kysely_migration table in another schema (another install, or a parallel
    // test) would be taken for ours. Pin it to the schema our tables go to.
    ...(dialectOf(db) === "postgres" ? { migrationTableSchema: await currentSchema(db) } : {}),
  });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely looks for its bookkeeping table by listing every table of the database; a table or
  // schema that another install or a parallel test drops meanwhile fails that listing with
  // 42P01 or 3F000 naming the other schema. Nothing was applied: list again.
  for (let attempt = 1; attempt < 3 && isBookkeepingRace(error, results); attempt++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === "Error")?.migrationName;
    const detail = error instanceof Error ? error.message : String(error);
    throw new MigrationError(
      failed ? `database migration ${failed} failed: ${detail}` : `database migrations failed: ${detail}`,
      failed,
      { cause: error },
    );
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

// biome-ignore lint/suspicious/noExplicitAny: see migrateToLatest
async function currentSchema(db: Kysely<any>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new MigrationError("PostgreSQL has no current schema: check search_path", undefined);
  return schema;
}

/** PostgreSQL's undefined_table or invalid_schema_name raised by the bookkeeping, not by a migration. */
function isBookkeepingRace(error: unknown, results: readonly MigrationResult[] | undefined): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (code === "42P01" || code === "3F000") && !(results ?? []).some((r) => r.status === "Error");
}
