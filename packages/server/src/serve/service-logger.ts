import { type DestinationStream, type Logger, pino } from "pino";

/** The levels `VIGIL_LOG_LEVEL` accepts, most verbose first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/**
 * Keys whose values are secrets wherever they appear in a log object: a last line of defence
 * (nothing logs them on purpose; a test reads the logs of a whole run for the real values).
 * pino's redaction replaces them with "[redacted]" at any depth listed here.
 */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "password",
  "token",
  "auth",
  "identitytoken",
  "registrytoken",
];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
  `headers.${key}`,
  `*.headers.${key}`,
]);

/** Thrown for a `VIGIL_LOG_LEVEL` that is not a level. */
export class LogLevelError extends Error {
  override readonly name = "LogLevelError";
}

/**
 * The JSON logger of `vigil serve` and `vigil worker`: level from `VIGIL_LOG_LEVEL` (default
 * info), secret-named fields redacted.
 */
export function createServiceLogger(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  destination?: DestinationStream,
): Logger {
  const level = env.VIGIL_LOG_LEVEL?.trim().toLowerCase() || "info";
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new LogLevelError(
      `VIGIL_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, not ${JSON.stringify(env.VIGIL_LOG_LEVEL)}`,
    );
  }
  const options = { name, level, redact: { paths: REDACT_PATHS, censor: "[redacted]" } };
  return destination ? pino(options, destination) : pino(options);
}
