/**
 * A write broke a uniqueness rule: a second finding with the same identity, a policy name
 * that is taken, a token hash used twice. `cause` is the database error.
 */
export class StoreConflictError extends Error {
  override readonly name: string = "StoreConflictError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Findings changed between the read a write was planned from and the write (their stored
 * `rowVersion` moved on): nothing was written. Read them again, plan again, and retry.
 */
export class FindingChangedError extends StoreConflictError {
  override readonly name = "FindingChangedError";
  constructor(
    /** The findings whose stored version differs from the one the write was planned from. */
    readonly ids: readonly string[],
  ) {
    super(
      `${ids.length} finding(s) changed while this change was being made (first: ${ids[0]}); nothing was written`,
    );
  }
}

/** A page cursor that this store did not issue for this query (or from another sort order). */
export class InvalidCursorError extends Error {
  override readonly name = "InvalidCursorError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Is `error` a unique or primary-key violation? better-sqlite3 reports
 * `SQLITE_CONSTRAINT_UNIQUE` / `SQLITE_CONSTRAINT_PRIMARYKEY`
 * (https://www.sqlite.org/rescode.html#constraint_unique); PostgreSQL SQLSTATE 23505
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "23505";
}

/** Runs `write`, turning a uniqueness violation into a {@link StoreConflictError} with `message`. */
export async function conflictAs<T>(message: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isUniqueViolation(error)) throw new StoreConflictError(message, { cause: error });
    throw error;
  }
}
