import type { ParseArgsConfig } from "node:util";
import type { ScanQueueOptions } from "@vigil/server";
import { CliError } from "../cli-error.js";

/** The scan queue's options, shared by `vigil serve` and `vigil worker` (parseArgs spec). */
export const QUEUE_OPTIONS = {
  "job-expiry": { type: "string" },
  "poll-interval": { type: "string" },
} satisfies NonNullable<ParseArgsConfig["options"]>;

/** Their help text. */
export const QUEUE_OPTIONS_HELP = `  --job-expiry SECONDS    PostgreSQL: a scan job held this long by a worker that stopped
                          answering is retried by another (default 900)
  --poll-interval SECONDS PostgreSQL: how often workers look for scan jobs (default 2)`;

/** Parsed values of {@link QUEUE_OPTIONS}. */
export interface QueueOptionValues {
  readonly "job-expiry"?: string | undefined;
  readonly "poll-interval"?: string | undefined;
}

/** The queue options from the command line. */
export function queueOptionsOf(values: QueueOptionValues): ScanQueueOptions {
  const expiry = values["job-expiry"];
  const poll = values["poll-interval"];
  return {
    ...(expiry !== undefined ? { expireInSeconds: positiveNumber("--job-expiry", expiry, 1) } : {}),
    ...(poll !== undefined ? { pollingIntervalSeconds: positiveNumber("--poll-interval", poll, 0.5) } : {}),
  };
}

/** A whole number of at least `min`, or a CliError naming the option. */
export function wholeNumber(option: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new CliError(`${option} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`);
  }
  return value;
}

function positiveNumber(option: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min) {
    throw new CliError(
      `${option} must be a number of seconds of at least ${min}, not ${JSON.stringify(text)}`,
    );
  }
  return value;
}
