/**
 * Whether an error means the database cannot be reached (PostgreSQL down or restarting,
 * connections refused or dropped), so the API answers 503 and the caller may retry, rather
 * than 500. Checks the error and its causes.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") {
      if (
        [
          "ECONNREFUSED",
          "ECONNRESET",
          "ETIMEDOUT",
          "EPIPE",
          "ENOTFOUND",
          "SQLITE_BUSY",
          "SQLITE_CANTOPEN",
        ].includes(code)
      ) {
        return true;
      }
      // PostgreSQL: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection exceptions.
      if (/^(57P0[1-3]|08\d\d\d)$/.test(code)) return true;
    }
    const message = e instanceof Error ? e.message : "";
    if (/Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/.test(message))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
