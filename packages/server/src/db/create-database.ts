import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver } from "kysely";
import pg from "pg";
import type { DatabaseDialect } from "./dialect.js";
import type { VigilSchema } from "./schema.js";

/** The one argument of {@link createDatabase}. */
export interface CreateDatabaseOptions {
  /**
   * `DATABASE_URL` as configured: `postgres://` or `postgresql://` selects PostgreSQL; absent
   * or empty selects the embedded SQLite file under `dataDir`. The caller reads the
   * environment (the server's config does), so this function has no hidden inputs.
   */
  readonly url?: string;
  /** Directory of the embedded database (`<dataDir>/vigil.db`); created when missing. */
  readonly dataDir?: string;
  /** Connections in the PostgreSQL pool (default 10). */
  readonly poolSize?: number;
  /**
   * How long a SQLite writer waits for another process's write transaction before failing
   * with SQLITE_BUSY (default 30 s: a full advisory sync holds the write lock for seconds).
   */
  readonly busyTimeoutMs?: number;
}

/** An open database: the typed Kysely handle, which dialect it is, and how to close it. */
export interface VigilDatabase {
  readonly db: Kysely<VigilSchema>;
  readonly dialect: DatabaseDialect;
  /** The SQLite file, or the PostgreSQL URL with any password masked (for `vigil db status`). */
  readonly location: string;
  /** Closes the pool or file; the instance is unusable afterwards. Closing twice is harmless. */
  close(): Promise<void>;
}

/** The database could not be configured (bad URL, missing data directory). */
export class DatabaseConfigError extends Error {
  override readonly name = "DatabaseConfigError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** File name of the embedded database inside the data directory. */
export const SQLITE_FILE_NAME = "vigil.db";

/**
 * Opens Vigil's database: PostgreSQL when `url` is a `postgres://` URL, else SQLite at
 * `<dataDir>/vigil.db`. Does not migrate: call `migrateToLatest(db)` once at startup.
 *
 * SQLite: open ONE per process and share it. Kysely runs everything on its single connection
 * (a transaction holds it, so queries from elsewhere in the process wait their turn); a second
 * handle in the same process waiting for the write lock would block the event loop in
 * better-sqlite3's busy wait while the first handle's transaction needs that loop to finish.
 * Other processes (the CLI next to the server) are fine: WAL lets them read during a write.
 */
export function createDatabase(options: CreateDatabaseOptions): VigilDatabase {
  const url = options.url?.trim();
  if (url) {
    if (/^postgres(ql)?:\/\//i.test(url)) return openPostgres(url, options);
    throw new DatabaseConfigError(
      `unsupported DATABASE_URL scheme in ${maskPassword(url)}: use postgres:// (or postgresql://), ` +
        "or leave DATABASE_URL unset for the embedded SQLite database in the data directory",
    );
  }
  if (!options.dataDir) {
    throw new DatabaseConfigError(
      "no database configured: set DATABASE_URL to a postgres:// URL or give a data directory for SQLite",
    );
  }
  return openSqlite(options.dataDir, options);
}

function openSqlite(dataDir: string, options: CreateDatabaseOptions): VigilDatabase {
  const dir = resolve(dataDir);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (cause) {
    throw new DatabaseConfigError(`cannot create the data directory ${dir}`, { cause });
  }
  const file = join(dir, SQLITE_FILE_NAME);
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file);
  } catch (cause) {
    throw new DatabaseConfigError(`cannot open the SQLite database ${file}`, { cause });
  }
  // WAL: readers in other processes (the CLI next to the server) do not block the writer.
  sqlite.pragma("journal_mode = WAL");
  // NORMAL is durable across application crashes in WAL mode; only a power loss can drop the
  // last commits, which a re-sync restores. FULL would fsync every commit.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 30_000))}`);
  const db = new Kysely<VigilSchema>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  return {
    db,
    dialect: "sqlite",
    location: file,
    close: closeOnce(() => db.destroy()),
  };
}

function openPostgres(url: string, options: CreateDatabaseOptions): VigilDatabase {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client that loses its connection emits `error` on the pool; unhandled, that
  // would crash the process. The next query checks out a fresh client and reports the problem.
  pool.on("error", () => {});
  // The same for a client that is checked out when its connection ends (the leader's lock
  // connection, a lock holder's): its pending or next query rejects with the error, which the
  // holder handles; without a listener the client's `error` event would crash the process.
  pool.on("connect", (client) => client.on("error", () => {}));
  const db = new Kysely<VigilSchema>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: "postgres",
    location: maskPassword(url),
    close: closeOnce(() => db.destroy()),
  };
}

/**
 * SQLite with `BEGIN IMMEDIATE` transactions. A plain (deferred) BEGIN takes the write lock
 * only at the first write; when another process wrote in between, that upgrade fails at once
 * with SQLITE_BUSY instead of waiting for `busy_timeout`. Every Vigil transaction writes, so
 * taking the lock up front is what makes the timeout apply.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(
    connection: Parameters<SqliteDriver["beginTransaction"]>[0],
  ): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

/** Replaces the password of a URL with `***` for messages and status output. */
export function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, "//$1:***@");
  }
}

/** A close function that runs once; later calls get the same promise (a pool ends only once). */
function closeOnce(close: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= close();
    return closing;
  };
}
