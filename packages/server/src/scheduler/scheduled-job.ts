import { DEFAULT_TIME_ZONE } from "./scan-policy.js";

/** Why and when the scheduler started a job or a policy's scans. */
export interface ScheduleTrigger {
  readonly kind: "schedule";
  /** The occurrence being served; earlier than `firedAt` when the server was down or busy. */
  readonly scheduledFor: Date;
  /** When the scheduler acted on it (the tick's clock reading). */
  readonly firedAt: Date;
}

/**
 * Built-in work the scheduler runs on a cadence besides scan policies, such as the advisory
 * update. Its run times live in the scheduler (and in a {@link JobStateStore} when one is given).
 */
export interface ScheduledJob {
  /** Unique among jobs, kebab-case: `advisory-update`. */
  readonly name: string;
  /** Five cron fields or a nickname, as in a policy rule. */
  readonly cadence: string;
  /** IANA time zone; UTC when absent. */
  readonly timezone?: string;
  /** `false` turns the job off without removing it; default `true`. */
  readonly enabled?: boolean;
  /** Does the work. A rejection goes to the scheduler's `onError`; the next occurrence runs as usual. */
  readonly run: (trigger: ScheduleTrigger) => Promise<void>;
}

/** When something last ran and is next due. */
export interface RunTimes {
  readonly lastRunAt?: Date;
  readonly nextRunAt?: Date;
}

/**
 * Optional persistence of jobs' run times, so that a restart neither forgets a run that is due
 * nor postpones one forever when the server restarts more often than the cadence.
 */
export interface JobStateStore {
  load(name: string): Promise<RunTimes | undefined>;
  save(name: string, times: RunTimes): Promise<void>;
}

/** Name of the built-in advisory update job. */
export const ADVISORY_UPDATE_JOB = "advisory-update";

/** Every six hours, on the hour (UTC). */
export const DEFAULT_ADVISORY_UPDATE_CADENCE = "0 */6 * * *";

/** Options of {@link advisoryUpdateJob}; each has a default. */
export interface AdvisoryUpdateJobOptions {
  /** Default {@link DEFAULT_ADVISORY_UPDATE_CADENCE}. */
  readonly cadence?: string;
  /** Default UTC. */
  readonly timezone?: string;
  /** Default `true`. */
  readonly enabled?: boolean;
}

/** The advisory update as a scheduled job; `update` syncs every advisory source into the store. */
export function advisoryUpdateJob(
  update: (trigger: ScheduleTrigger) => Promise<void>,
  options: AdvisoryUpdateJobOptions = {},
): ScheduledJob {
  return {
    name: ADVISORY_UPDATE_JOB,
    cadence: options.cadence ?? DEFAULT_ADVISORY_UPDATE_CADENCE,
    timezone: options.timezone ?? DEFAULT_TIME_ZONE,
    enabled: options.enabled ?? true,
    run: update,
  };
}
