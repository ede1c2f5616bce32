/** What the scheduler was doing when something failed. */
export type SchedulerPhase =
  | "tick"
  | "load-policies"
  | "cadence"
  | "mark-run"
  | "start-scan"
  | "load-job-state"
  | "save-job-state"
  | "run-job";

/**
 * A failure inside a scheduler tick, handed to `onError`. The tick goes on with the other
 * policies and jobs; `cause` is the original error.
 */
export class SchedulerError extends Error {
  override readonly name = "SchedulerError";
  readonly phase: SchedulerPhase;
  readonly policyId: string | undefined;
  readonly policyName: string | undefined;
  readonly cluster: string | undefined;
  readonly job: string | undefined;

  constructor(
    message: string,
    details: {
      readonly phase: SchedulerPhase;
      readonly cause?: unknown;
      readonly policyId?: string;
      readonly policyName?: string;
      readonly cluster?: string;
      readonly job?: string;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.phase = details.phase;
    this.policyId = details.policyId;
    this.policyName = details.policyName;
    this.cluster = details.cluster;
    this.job = details.job;
  }
}
