import { CadenceError, checkCadence, checkTimeZone, nextRun } from "./cadence.js";
import type { ClusterScope, ScanPolicy, ScheduleRule } from "./scan-policy.js";
import { DEFAULT_TIME_ZONE } from "./scan-policy.js";
import type { JobStateStore, RunTimes, ScheduledJob, ScheduleTrigger } from "./scheduled-job.js";
import { SchedulerError } from "./scheduler-error.js";

/** How often the scheduler looks for due work by default (GitLab's agent checks every 30 seconds too). */
export const DEFAULT_TICK_MS = 30_000;

/** The time source; injected so that tests never wait. */
export interface Clock {
  now(): Date;
}

/** The timer functions the scheduler uses between ticks; injected so that tests never wait. */
export interface SchedulerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** A stored policy with its id and run times, as the store hands it to the scheduler. */
export interface PolicyState {
  readonly id: string;
  readonly policy: ScanPolicy;
  readonly lastRunAt?: Date;
  /**
   * When the policy is next due. The store should clear it when a policy's rules change; the
   * scheduler then plans the next run from the new rules (a stale value only ever causes a
   * re-plan, never a run of a rule that has no occurrence since it).
   */
  readonly nextRunAt?: Date;
}

/** Why `startScan` was called. */
export interface PolicyTrigger extends ScheduleTrigger {
  readonly policyId: string;
  readonly policyName: string;
  /** Indexes (in `policy.rules`) of the rules that were due. */
  readonly rules: readonly number[];
}

/** What the scheduler needs; everything stateful is passed in. */
export interface SchedulerOptions {
  readonly clock: Clock;
  /** Every stored policy, enabled or not, with its run times; read once a tick. */
  readonly policies: () => Promise<readonly PolicyState[]>;
  /**
   * Start (enqueue) one cluster scan. The tick awaits it, so it should hand the scan to a queue
   * or worker pool and return, not run the scan. `namespaces` empty means every namespace.
   */
  readonly startScan: (
    policy: ScanPolicy,
    cluster: string,
    namespaces: readonly string[],
    trigger: PolicyTrigger,
  ) => Promise<void>;
  /**
   * Persist a policy's run times. `at` is the run's time, or `undefined` when nothing ran (the
   * first plan of a policy, a disabled policy's occurrence passing, a stale `nextRunAt` being
   * re-planned): `lastRunAt` then stays as it is. `next` becomes `nextRunAt`. `previous` is the
   * `nextRunAt` the scheduler read: a store shared by several server processes updates only
   * where it still holds and resolves to `false` when it did not, so one process claims each run
   * (any other value means the write happened).
   * Called before the scans start: a run is started at most once.
   */
  readonly markRun: (
    policyId: string,
    at: Date | undefined,
    next: Date | undefined,
    previous: Date | undefined,
  ) => Promise<unknown>;
  /** Built-in jobs such as {@link advisoryUpdateJob}; run after the policies in each tick, awaited. */
  readonly jobs?: readonly ScheduledJob[];
  /** Where jobs' run times survive a restart; without it they live in memory. */
  readonly jobStore?: JobStateStore;
  /** Every failure inside a tick; the tick goes on. */
  readonly onError: (error: SchedulerError) => void;
  /** Time between the end of one tick and the start of the next; default {@link DEFAULT_TICK_MS}. */
  readonly tickMs?: number;
  /** Default: the global `setTimeout` / `clearTimeout`. */
  readonly timers?: SchedulerTimers;
}

/** What one policy or job run did in a tick. */
export type TickRun =
  | {
      readonly kind: "policy";
      readonly policyId: string;
      readonly policyName: string;
      readonly scheduledFor: Date;
      /** One scan per scope was started (or failed and was reported). */
      readonly scopes: readonly ClusterScope[];
    }
  | { readonly kind: "job"; readonly name: string; readonly scheduledFor: Date };

/** The outcome of one tick, for logs and tests. */
export interface TickReport {
  /** The clock reading the tick acted on. */
  readonly at: Date;
  readonly runs: readonly TickRun[];
  /** Ids of policies and names of jobs whose next run was planned without running. */
  readonly planned: readonly string[];
  /** How many errors were handed to `onError`. */
  readonly errors: number;
}

/** A running scheduler. */
export interface Scheduler {
  /** Tick now, then every `tickMs` after each tick ends; does nothing when already started. */
  start(): void;
  /** Run one tick now (after any tick in progress); ticks never overlap. */
  tick(): Promise<TickReport>;
  /** Stop ticking; resolves when the tick in progress, if any, has finished. */
  stop(): Promise<void>;
}

/**
 * Runs scan policies and built-in jobs on their cadences.
 *
 * Each tick reads the policies and, for every one:
 * - without `nextRunAt`: plans it (the next occurrence after now) and does not run it;
 * - due (`nextRunAt <= now`) and enabled: runs it **once**, however many occurrences were
 *   missed (downtime), for the rules that have an occurrence since `nextRunAt`, starting one
 *   scan per cluster (namespaces of several due rules merged); then `nextRunAt` becomes the
 *   next occurrence after now;
 * - due and disabled: only moves `nextRunAt` on, so enabling it later does not fire a stale run.
 *
 * A failure (loading, persisting, a `startScan` or a job) goes to `onError` and the other
 * policies and jobs go on. Jobs follow the same rules, their run times kept in memory or in
 * `jobStore`. Throws only for a bad configuration: a job with a bad cadence, time zone or a
 * duplicate name, or a `tickMs` that is not positive.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const tickMs = options.tickMs ?? DEFAULT_TICK_MS;
  if (!(Number.isFinite(tickMs) && tickMs > 0)) {
    throw new RangeError(`scheduler tickMs must be a positive number of milliseconds, got ${tickMs}`);
  }
  const jobs = checkJobs(options.jobs ?? []);
  const timers: SchedulerTimers = options.timers ?? {
    setTimeout: (callback, ms) => setTimeout(callback, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  const jobTimes = new Map<string, RunTimes>();
  let queue: Promise<unknown> = Promise.resolve();
  let running = false;
  let timer: unknown;

  async function runTick(): Promise<TickReport> {
    const now = options.clock.now();
    const tick = new TickState(now, options.onError);
    let states: readonly PolicyState[] = [];
    try {
      states = await options.policies();
    } catch (error) {
      tick.fail(
        new SchedulerError("could not load the scan policies", { phase: "load-policies", cause: error }),
      );
    }
    for (const state of [...states].sort(compareStates)) {
      await servePolicy(state, tick);
    }
    for (const job of jobs) {
      await serveJob(job, tick);
    }
    return tick.report();
  }

  async function servePolicy(state: PolicyState, tick: TickState): Promise<void> {
    const { id, policy } = state;
    const about = { policyId: id, policyName: policy.name };
    const due = state.nextRunAt !== undefined && state.nextRunAt.getTime() <= tick.now.getTime();
    if (state.nextRunAt !== undefined && !due) return;
    let next: Date | undefined;
    let dueRules: number[] = [];
    try {
      next = nextOccurrence(policy.rules, tick.now);
      if (due && policy.enabled) dueRules = rulesDue(policy.rules, state.nextRunAt!, tick.now);
    } catch (error) {
      tick.fail(
        new SchedulerError(`policy '${policy.name}': ${message(error)}`, {
          phase: "cadence",
          cause: error,
          ...about,
        }),
      );
      return;
    }
    if (next === undefined) {
      tick.fail(
        new SchedulerError(`policy '${policy.name}' never runs again`, { phase: "cadence", ...about }),
      );
    }
    const at = dueRules.length > 0 ? tick.now : undefined;
    let claimed: unknown;
    try {
      claimed = await options.markRun(id, at, next, state.nextRunAt);
    } catch (error) {
      tick.fail(
        new SchedulerError(`could not record the run times of policy '${policy.name}'`, {
          phase: "mark-run",
          cause: error,
          ...about,
        }),
      );
      return; // not recorded, so not run: the next tick tries again
    }
    if (claimed === false) return; // another scheduler process took this run
    if (at === undefined) {
      tick.planned.push(id);
      return;
    }
    const scopes = mergeScopes(dueRules.map((i) => policy.rules[i]!));
    const trigger: PolicyTrigger = {
      kind: "schedule",
      scheduledFor: state.nextRunAt!,
      firedAt: tick.now,
      policyId: id,
      policyName: policy.name,
      rules: dueRules,
    };
    for (const scope of scopes) {
      try {
        await options.startScan(policy, scope.cluster, scope.namespaces, trigger);
      } catch (error) {
        tick.fail(
          new SchedulerError(
            `could not start the scan of cluster '${scope.cluster}' for policy '${policy.name}'`,
            {
              phase: "start-scan",
              cause: error,
              ...about,
              cluster: scope.cluster,
            },
          ),
        );
      }
    }
    tick.runs.push({
      kind: "policy",
      policyId: id,
      policyName: policy.name,
      scheduledFor: trigger.scheduledFor,
      scopes,
    });
  }

  async function serveJob(job: ScheduledJob, tick: TickState): Promise<void> {
    if (job.enabled === false) return;
    let times = jobTimes.get(job.name);
    if (times === undefined) {
      try {
        times = (await options.jobStore?.load(job.name)) ?? {};
      } catch (error) {
        tick.fail(
          new SchedulerError(`could not load the run times of job '${job.name}'`, {
            phase: "load-job-state",
            cause: error,
            job: job.name,
          }),
        );
        return;
      }
      jobTimes.set(job.name, times);
    }
    const scheduledFor = times.nextRunAt;
    if (scheduledFor !== undefined && scheduledFor.getTime() > tick.now.getTime()) return;
    const rule = jobRule(job);
    const next = nextOccurrence([rule], tick.now);
    const runs = scheduledFor !== undefined;
    const updated: RunTimes = runs
      ? { lastRunAt: tick.now, nextRunAt: next }
      : { ...(times.lastRunAt === undefined ? {} : { lastRunAt: times.lastRunAt }), nextRunAt: next };
    jobTimes.set(job.name, updated);
    try {
      await options.jobStore?.save(job.name, updated);
    } catch (error) {
      tick.fail(
        new SchedulerError(`could not save the run times of job '${job.name}'`, {
          phase: "save-job-state",
          cause: error,
          job: job.name,
        }),
      );
    }
    if (!runs) {
      tick.planned.push(job.name);
      return;
    }
    try {
      await job.run({ kind: "schedule", scheduledFor, firedAt: tick.now });
    } catch (error) {
      tick.fail(
        new SchedulerError(`job '${job.name}' failed`, { phase: "run-job", cause: error, job: job.name }),
      );
    }
    tick.runs.push({ kind: "job", name: job.name, scheduledFor });
  }

  function tick(): Promise<TickReport> {
    const result = queue.then(runTick);
    queue = result.catch(() => undefined);
    return result;
  }

  function loop(): void {
    timer = undefined;
    tick()
      .catch((error: unknown) => {
        // runTick reports its own failures; this is a bug in it, still kept off the process.
        safeReport(
          options.onError,
          new SchedulerError(`scheduler tick failed: ${message(error)}`, { phase: "tick", cause: error }),
        );
      })
      .finally(() => {
        if (running) timer = timers.setTimeout(loop, tickMs);
      });
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop();
    },
    tick,
    async stop() {
      running = false;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
      await queue;
    },
  };
}

/** Errors, runs and plans of one tick. */
class TickState {
  readonly runs: TickRun[] = [];
  readonly planned: string[] = [];
  private errors = 0;

  constructor(
    readonly now: Date,
    private readonly onError: (error: SchedulerError) => void,
  ) {}

  fail(error: SchedulerError): void {
    this.errors++;
    safeReport(this.onError, error);
  }

  report(): TickReport {
    return { at: this.now, runs: this.runs, planned: this.planned, errors: this.errors };
  }
}

function safeReport(onError: (error: SchedulerError) => void, error: SchedulerError): void {
  try {
    onError(error);
  } catch {
    // A failing error handler must not stop the scheduler.
  }
}

/** The earliest occurrence of any rule strictly after `after`. */
function nextOccurrence(rules: readonly ScheduleRule[], after: Date): Date | undefined {
  let best: Date | undefined;
  for (const rule of rules) {
    const next = nextRun(rule.cadence, rule.timezone, after);
    if (next !== undefined && (best === undefined || next.getTime() < best.getTime())) best = next;
  }
  return best;
}

/**
 * The rules with an occurrence in `[from, now]`. `from` is the policy's `nextRunAt`, the
 * earliest occurrence of all its rules after the previous plan, so these are exactly the rules
 * that came due since; cadences have whole minutes, so one second before `from` is a safe
 * exclusive start.
 */
function rulesDue(rules: readonly ScheduleRule[], from: Date, now: Date): number[] {
  const start = new Date(from.getTime() - 1000);
  const due: number[] = [];
  for (const [i, rule] of rules.entries()) {
    const next = nextRun(rule.cadence, rule.timezone, start);
    if (next !== undefined && next.getTime() <= now.getTime()) due.push(i);
  }
  return due;
}

/** One scope per cluster, in rule order; namespaces united, and "every namespace" wins. */
function mergeScopes(rules: readonly ScheduleRule[]): ClusterScope[] {
  const merged = new Map<string, string[] | "all">();
  for (const rule of rules) {
    for (const scope of rule.scopes) {
      const known = merged.get(scope.cluster);
      if (known === "all") continue;
      if (scope.namespaces.length === 0) {
        merged.set(scope.cluster, "all");
        continue;
      }
      const list = known ?? [];
      for (const namespace of scope.namespaces) if (!list.includes(namespace)) list.push(namespace);
      merged.set(scope.cluster, list);
    }
  }
  return [...merged].map(([cluster, namespaces]) => ({
    cluster,
    namespaces: namespaces === "all" ? [] : namespaces,
  }));
}

function jobRule(job: ScheduledJob): ScheduleRule {
  return { type: "schedule", cadence: job.cadence, timezone: job.timezone ?? DEFAULT_TIME_ZONE, scopes: [] };
}

function checkJobs(jobs: readonly ScheduledJob[]): readonly ScheduledJob[] {
  const names = new Set<string>();
  for (const job of jobs) {
    if (names.has(job.name)) throw new Error(`two scheduled jobs are named '${job.name}'`);
    names.add(job.name);
    const problem = checkCadence(job.cadence);
    if (problem !== undefined)
      throw new CadenceError(`job '${job.name}': cadence '${job.cadence}': ${problem.reason}`);
    const zone = checkTimeZone(job.timezone ?? DEFAULT_TIME_ZONE);
    if (zone !== undefined) throw new CadenceError(`job '${job.name}': ${zone}`);
  }
  return [...jobs];
}

function compareStates(a: PolicyState, b: PolicyState): number {
  const x = a.policy.name;
  const y = b.policy.name;
  return x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
