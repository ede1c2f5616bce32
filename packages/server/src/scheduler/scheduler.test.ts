import { describe, expect, it } from "vitest";
import { CadenceError } from "./cadence.js";
import type { ScanPolicy, ScheduleRule } from "./scan-policy.js";
import {
  ADVISORY_UPDATE_JOB,
  advisoryUpdateJob,
  type RunTimes,
  type ScheduleTrigger,
} from "./scheduled-job.js";
import {
  createScheduler,
  type PolicyState,
  type PolicyTrigger,
  type SchedulerOptions,
  type SchedulerTimers,
} from "./scheduler.js";
import type { SchedulerError } from "./scheduler-error.js";

function rule(
  cadence: string,
  clusters: string[],
  namespaces: string[] = [],
  timezone = "UTC",
): ScheduleRule {
  return {
    type: "schedule",
    cadence,
    timezone,
    scopes: clusters.map((cluster) => ({ cluster, namespaces })),
  };
}

function policy(name: string, rules: ScheduleRule[], enabled = true): ScanPolicy {
  return { name, description: "", enabled, rules, actions: [{ scan: "cluster_image_scanning" }] };
}

interface StartedScan {
  readonly policy: string;
  readonly cluster: string;
  readonly namespaces: readonly string[];
  readonly trigger: PolicyTrigger;
}

/** A policy store in memory that honours the `previous` guard, a settable clock, and recorders. */
function harness(initial: PolicyState[], overrides: Partial<SchedulerOptions> = {}) {
  let now = new Date("2024-06-03T10:00:00Z");
  const states = new Map(initial.map((s) => [s.id, s]));
  const scans: StartedScan[] = [];
  const errors: SchedulerError[] = [];
  const marks: { id: string; at: Date | undefined; next: Date | undefined }[] = [];
  const options: SchedulerOptions = {
    clock: { now: () => now },
    policies: async () => [...states.values()],
    startScan: async (p, cluster, namespaces, trigger) => {
      scans.push({ policy: p.name, cluster, namespaces, trigger });
    },
    markRun: async (id, at, next, previous) => {
      const state = states.get(id)!;
      if (state.nextRunAt?.getTime() !== previous?.getTime()) return false;
      marks.push({ id, at, next });
      states.set(id, {
        ...state,
        ...(at === undefined ? {} : { lastRunAt: at }),
        ...(next === undefined ? {} : { nextRunAt: next }),
      });
      return true;
    },
    onError: (error) => errors.push(error),
    timers: neverTimers,
    ...overrides,
  };
  const scheduler = createScheduler(options);
  return {
    scheduler,
    states,
    scans,
    errors,
    marks,
    setNow(iso: string) {
      now = new Date(iso);
    },
    next(id: string) {
      return states.get(id)?.nextRunAt?.toISOString();
    },
  };
}

/** Timers that never fire: tests call `tick()` themselves. */
const neverTimers: SchedulerTimers = { setTimeout: () => 0, clearTimeout: () => {} };

describe("scheduler: policies", () => {
  it("plans a policy that has no nextRunAt without running it", async () => {
    const h = harness([{ id: "p1", policy: policy("nightly", [rule("0 2 * * *", ["prod"])]) }]);
    const report = await h.scheduler.tick();
    expect(h.scans).toEqual([]);
    expect(report.planned).toEqual(["p1"]);
    expect(h.next("p1")).toBe("2024-06-04T02:00:00.000Z");
    expect(h.states.get("p1")!.lastRunAt).toBeUndefined();
  });

  it("runs a due policy once per cluster and plans the next occurrence", async () => {
    const h = harness([
      {
        id: "p1",
        policy: policy("nightly", [rule("0 2 * * *", ["prod-eu", "prod-us"], ["default"])]),
        nextRunAt: new Date("2024-06-04T02:00:00Z"),
      },
    ]);
    await h.scheduler.tick(); // 10:00 on the 3rd: not due yet
    expect(h.scans).toEqual([]);
    h.setNow("2024-06-04T02:00:20Z");
    const report = await h.scheduler.tick();
    expect(h.scans.map((s) => [s.policy, s.cluster, s.namespaces])).toEqual([
      ["nightly", "prod-eu", ["default"]],
      ["nightly", "prod-us", ["default"]],
    ]);
    expect(h.scans[0]!.trigger).toEqual({
      kind: "schedule",
      scheduledFor: new Date("2024-06-04T02:00:00Z"),
      firedAt: new Date("2024-06-04T02:00:20Z"),
      policyId: "p1",
      policyName: "nightly",
      rules: [0],
    });
    expect(report.runs).toHaveLength(1);
    expect(h.states.get("p1")!.lastRunAt).toEqual(new Date("2024-06-04T02:00:20Z"));
    expect(h.next("p1")).toBe("2024-06-05T02:00:00.000Z");
  });

  it("after three days of downtime runs an hourly policy once, not 72 times", async () => {
    const h = harness([
      {
        id: "hourly",
        policy: policy("hourly", [rule("0 * * * *", ["c"])]),
        nextRunAt: new Date("2024-06-03T11:00:00Z"),
      },
      {
        id: "daily",
        policy: policy("daily", [rule("30 4 * * *", ["d"])]),
        nextRunAt: new Date("2024-06-04T04:30:00Z"),
      },
    ]);
    h.setNow("2024-06-06T10:17:00Z");
    await h.scheduler.tick();
    expect(h.scans.map((s) => [s.policy, s.trigger.scheduledFor.toISOString()])).toEqual([
      ["daily", "2024-06-04T04:30:00.000Z"],
      ["hourly", "2024-06-03T11:00:00.000Z"],
    ]);
    expect(h.next("hourly")).toBe("2024-06-06T11:00:00.000Z");
    expect(h.next("daily")).toBe("2024-06-07T04:30:00.000Z");
    h.setNow("2024-06-06T10:17:30Z");
    await h.scheduler.tick();
    expect(h.scans).toHaveLength(2);
  });

  it("never runs a disabled policy, moves its schedule on, and does not fire a stale run when enabled", async () => {
    const disabled = policy("off", [rule("*/5 * * * *", ["c"])], false);
    const h = harness([{ id: "off", policy: disabled, nextRunAt: new Date("2024-06-03T09:00:00Z") }]);
    for (const minute of ["10:00", "10:05", "10:10", "13:00"]) {
      h.setNow(`2024-06-03T${minute}:00Z`);
      await h.scheduler.tick();
    }
    expect(h.scans).toEqual([]);
    expect(h.states.get("off")!.lastRunAt).toBeUndefined();
    expect(h.next("off")).toBe("2024-06-03T13:05:00.000Z");
    // Enabled between two occurrences: nothing fires until the next one.
    h.states.set("off", { ...h.states.get("off")!, policy: { ...disabled, enabled: true } });
    h.setNow("2024-06-03T13:02:00Z");
    await h.scheduler.tick();
    expect(h.scans).toEqual([]);
    h.setNow("2024-06-03T13:05:00Z");
    await h.scheduler.tick();
    expect(h.scans.map((s) => s.policy)).toEqual(["off"]);
  });

  it("a failing startScan is reported and does not stop the other clusters or policies", async () => {
    const due = new Date("2024-06-03T10:00:00Z");
    const started: string[] = [];
    const failing = harness(
      [
        { id: "a", policy: policy("a", [rule("0 * * * *", ["broken", "fine"])]), nextRunAt: due },
        { id: "b", policy: policy("b", [rule("0 * * * *", ["other"])]), nextRunAt: due },
      ],
      {
        startScan: async (p, cluster) => {
          started.push(`${p.name}/${cluster}`);
          if (cluster === "broken") throw new Error("cluster unreachable");
        },
      },
    );
    const report = await failing.scheduler.tick();
    expect(started).toEqual(["a/broken", "a/fine", "b/other"]);
    expect(report.errors).toBe(1);
    expect(failing.errors).toHaveLength(1);
    const error = failing.errors[0]!;
    expect(error).toMatchObject({ phase: "start-scan", policyId: "a", policyName: "a", cluster: "broken" });
    expect((error.cause as Error).message).toBe("cluster unreachable");
    // The run was recorded: no retry storm every tick.
    expect(failing.next("a")).toBe("2024-06-03T11:00:00.000Z");
    expect(failing.next("b")).toBe("2024-06-03T11:00:00.000Z");
  });

  it("a failing markRun is reported and the run is not started, so the next tick tries again", async () => {
    let fail = true;
    const flaky = harness(
      [
        {
          id: "p",
          policy: policy("p", [rule("0 * * * *", ["c"])]),
          nextRunAt: new Date("2024-06-03T10:00:00Z"),
        },
      ],
      {
        markRun: async () => {
          if (fail) throw new Error("database is locked");
          return true;
        },
      },
    );
    await flaky.scheduler.tick();
    expect(flaky.scans).toEqual([]);
    expect(flaky.errors.map((e) => e.phase)).toEqual(["mark-run"]);
    fail = false;
    await flaky.scheduler.tick();
    expect(flaky.scans.map((s) => s.cluster)).toEqual(["c"]);
  });

  it("starts nothing when another scheduler process claimed the run (markRun resolves false)", async () => {
    const h = harness(
      [
        {
          id: "p",
          policy: policy("p", [rule("0 * * * *", ["c"])]),
          nextRunAt: new Date("2024-06-03T10:00:00Z"),
        },
      ],
      { markRun: async () => false },
    );
    const report = await h.scheduler.tick();
    expect(h.scans).toEqual([]);
    expect(report.runs).toEqual([]);
    expect(h.errors).toEqual([]);
  });

  it("runs only the rules that came due, and merges the namespaces of rules due together", async () => {
    const p = policy("multi", [
      rule("0 10 * * *", ["prod"], ["web"]),
      rule("0 10 * * 1", ["prod"], ["api", "web"]), // Mondays; 2024-06-03 is a Monday
      rule("0 22 * * *", ["lab"]),
    ]);
    const h = harness([{ id: "m", policy: p, nextRunAt: new Date("2024-06-03T10:00:00Z") }]);
    await h.scheduler.tick();
    expect(h.scans.map((s) => [s.cluster, s.namespaces, s.trigger.rules])).toEqual([
      ["prod", ["web", "api"], [0, 1]],
    ]);
    expect(h.next("m")).toBe("2024-06-03T22:00:00.000Z");
    h.setNow("2024-06-03T22:00:00Z");
    await h.scheduler.tick();
    expect(h.scans.slice(1).map((s) => [s.cluster, s.namespaces, s.trigger.rules])).toEqual([
      ["lab", [], [2]],
    ]);
  });

  it("every namespace wins over a list when due rules cover the same cluster", async () => {
    const p = policy("wide", [rule("0 10 * * *", ["prod"], ["web"]), rule("0 10 * * *", ["prod"])]);
    const h = harness([{ id: "w", policy: p, nextRunAt: new Date("2024-06-03T10:00:00Z") }]);
    await h.scheduler.tick();
    expect(h.scans.map((s) => [s.cluster, s.namespaces])).toEqual([["prod", []]]);
  });

  it("re-plans a stale nextRunAt that no rule has an occurrence at (the rules changed) without running", async () => {
    const h = harness([
      {
        id: "p",
        policy: policy("p", [rule("0 12 * * *", ["c"])]),
        nextRunAt: new Date("2024-06-03T09:00:00Z"),
      },
    ]);
    const report = await h.scheduler.tick(); // 10:00: the new rule's 12:00 has not come yet
    expect(h.scans).toEqual([]);
    expect(report.planned).toEqual(["p"]);
    expect(h.next("p")).toBe("2024-06-03T12:00:00.000Z");
  });

  it("runs a Europe/Berlin 02:30 policy exactly once on each DST transition night, ticking every 5 minutes", async () => {
    const p = policy("berlin", [rule("30 2 * * *", ["c"], [], "Europe/Berlin")]);
    for (const [from, to, expected] of [
      ["2024-03-30T22:00:00Z", "2024-03-31T06:00:00Z", "2024-03-31T01:00:00.000Z"], // 03:00 CEST
      ["2024-10-26T20:00:00Z", "2024-10-27T06:00:00Z", "2024-10-27T00:30:00.000Z"], // first 02:30
    ] as const) {
      const h = harness([{ id: "b", policy: p }]);
      for (let t = new Date(from).getTime(); t <= new Date(to).getTime(); t += 5 * 60_000) {
        h.setNow(new Date(t).toISOString());
        await h.scheduler.tick();
      }
      expect(h.scans.map((s) => s.trigger.scheduledFor.toISOString())).toEqual([expected]);
      expect(h.scans[0]!.trigger.firedAt.toISOString()).toBe(expected);
    }
  });

  it("reports a failing policy loader and still runs the jobs", async () => {
    const ran: ScheduleTrigger[] = [];
    const jobTimes = new Map<string, RunTimes>([
      [ADVISORY_UPDATE_JOB, { nextRunAt: new Date("2024-06-03T06:00:00Z") }],
    ]);
    const h = harness([], {
      policies: async () => {
        throw new Error("store unavailable");
      },
      jobs: [advisoryUpdateJob(async (trigger) => void ran.push(trigger))],
      jobStore: {
        load: async (name) => jobTimes.get(name),
        save: async (name, times) => void jobTimes.set(name, times),
      },
    });
    await h.scheduler.tick();
    expect(h.errors.map((e) => e.phase)).toEqual(["load-policies"]);
    expect(ran).toHaveLength(1);
  });

  it("reports a stored policy with a cadence that cannot be read and goes on with the others", async () => {
    const h = harness([
      {
        id: "bad",
        policy: policy("bad", [rule("61 * * * *", ["c"])]),
        nextRunAt: new Date("2024-06-03T09:00:00Z"),
      },
      {
        id: "ok",
        policy: policy("ok", [rule("0 * * * *", ["c"])]),
        nextRunAt: new Date("2024-06-03T10:00:00Z"),
      },
    ]);
    await h.scheduler.tick();
    expect(h.errors.map((e) => [e.phase, e.policyId])).toEqual([["cadence", "bad"]]);
    expect(h.errors[0]!.cause).toBeInstanceOf(CadenceError);
    expect(h.scans.map((s) => s.policy)).toEqual(["ok"]);
  });
});

describe("scheduler: built-in jobs", () => {
  it("runs the advisory update every six hours by default, planning first", async () => {
    const ran: ScheduleTrigger[] = [];
    const h = harness([], { jobs: [advisoryUpdateJob(async (trigger) => void ran.push(trigger))] });
    h.setNow("2024-06-03T10:00:00Z");
    expect((await h.scheduler.tick()).planned).toEqual([ADVISORY_UPDATE_JOB]);
    expect(ran).toEqual([]);
    h.setNow("2024-06-03T12:00:10Z");
    const report = await h.scheduler.tick();
    expect(report.runs).toEqual([
      { kind: "job", name: ADVISORY_UPDATE_JOB, scheduledFor: new Date("2024-06-03T12:00:00Z") },
    ]);
    // Down from 12:00:10 to 02:00 the next day: 18:00 and 00:00 were missed; one run.
    h.setNow("2024-06-04T02:00:00Z");
    await h.scheduler.tick();
    h.setNow("2024-06-04T02:00:30Z");
    await h.scheduler.tick();
    expect(ran.map((t) => t.scheduledFor.toISOString())).toEqual([
      "2024-06-03T12:00:00.000Z",
      "2024-06-03T18:00:00.000Z",
    ]);
  });

  it("takes a configured cadence, keeps run times in the job store, and can be turned off", async () => {
    const saved = new Map<string, RunTimes>();
    const ran: string[] = [];
    const h = harness([], {
      jobs: [
        advisoryUpdateJob(async () => void ran.push("update"), {
          cadence: "15 3 * * *",
          timezone: "Europe/Berlin",
        }),
      ],
      jobStore: {
        load: async (name) => saved.get(name),
        save: async (name, times) => void saved.set(name, times),
      },
    });
    await h.scheduler.tick();
    expect(saved.get(ADVISORY_UPDATE_JOB)).toEqual({ nextRunAt: new Date("2024-06-04T01:15:00Z") });
    h.setNow("2024-06-04T01:15:00Z");
    await h.scheduler.tick();
    expect(ran).toEqual(["update"]);
    expect(saved.get(ADVISORY_UPDATE_JOB)).toEqual({
      lastRunAt: new Date("2024-06-04T01:15:00Z"),
      nextRunAt: new Date("2024-06-05T01:15:00Z"),
    });

    const off = harness([], {
      jobs: [advisoryUpdateJob(async () => void ran.push("off"), { enabled: false })],
    });
    off.setNow("2024-06-10T00:00:00Z");
    expect(await off.scheduler.tick()).toMatchObject({ planned: [], runs: [] });
  });

  it("a failing job is reported and the policies of the tick still run", async () => {
    const h = harness(
      [
        {
          id: "p",
          policy: policy("p", [rule("0 12 * * *", ["c"])]),
          nextRunAt: new Date("2024-06-03T12:00:00Z"),
        },
      ],
      {
        jobs: [
          advisoryUpdateJob(async () => {
            throw new Error("feed down");
          }),
        ],
      },
    );
    await h.scheduler.tick(); // plans the job
    h.setNow("2024-06-03T12:00:00Z");
    await h.scheduler.tick();
    expect(h.scans.map((s) => s.policy)).toEqual(["p"]);
    expect(h.errors.map((e) => [e.phase, e.job])).toEqual([["run-job", ADVISORY_UPDATE_JOB]]);
  });

  it("refuses a bad job configuration when created", () => {
    const base = { clock: { now: () => new Date() }, policies: async () => [], startScan: async () => {} };
    const rest = { ...base, markRun: async () => true, onError: () => {} };
    expect(() =>
      createScheduler({ ...rest, jobs: [advisoryUpdateJob(async () => {}, { cadence: "0 */6 * *" })] }),
    ).toThrow(CadenceError);
    expect(() =>
      createScheduler({
        ...rest,
        jobs: [advisoryUpdateJob(async () => {}, { timezone: "Europe/Atlantis" })],
      }),
    ).toThrow(CadenceError);
    const job = advisoryUpdateJob(async () => {});
    expect(() => createScheduler({ ...rest, jobs: [job, job] })).toThrow(
      "two scheduled jobs are named 'advisory-update'",
    );
    expect(() => createScheduler({ ...rest, tickMs: 0 })).toThrow(RangeError);
  });
});

describe("scheduler: start and stop", () => {
  /** Timers driven by the test: `fire()` runs the pending callback. */
  function manualTimers() {
    const pending = new Map<number, { callback: () => void; ms: number }>();
    let id = 0;
    const timers: SchedulerTimers = {
      setTimeout(callback, ms) {
        pending.set(++id, { callback, ms });
        return id;
      },
      clearTimeout(handle) {
        pending.delete(handle as number);
      },
    };
    return {
      timers,
      pending,
      fire() {
        const [key, entry] = [...pending][0]!;
        pending.delete(key);
        entry.callback();
      },
    };
  }

  function deferred() {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  }

  const settle = () => new Promise<void>((r) => setImmediate(r));

  it("ticks at start, then tickMs after each tick ends; stop waits for the tick in progress", async () => {
    const manual = manualTimers();
    const gate = deferred();
    const started: string[] = [];
    const blocking = harness(
      [
        {
          id: "p",
          policy: policy("p", [rule("* * * * *", ["c"])]),
          nextRunAt: new Date("2024-06-03T10:00:00Z"),
        },
      ],
      {
        timers: manual.timers,
        tickMs: 15_000,
        startScan: async (_p, cluster) => {
          started.push(cluster);
          await gate.promise;
        },
      },
    );
    blocking.scheduler.start();
    blocking.scheduler.start(); // no second loop
    await settle();
    expect(started).toEqual(["c"]);
    expect(manual.pending.size).toBe(0); // the tick is still running: no timer yet

    let stopped = false;
    const stopping = blocking.scheduler.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false); // waits for the scan start in progress
    gate.resolve();
    await stopping;
    expect(stopped).toBe(true);
    expect(manual.pending.size).toBe(0); // stopped: nothing scheduled after the tick
  });

  it("schedules the next tick tickMs after a tick, and stop clears it", async () => {
    const manual = manualTimers();
    let loads = 0;
    const h = harness([], {
      timers: manual.timers,
      tickMs: 15_000,
      policies: async () => {
        loads++;
        return [];
      },
    });
    h.scheduler.start();
    await settle();
    expect(loads).toBe(1);
    expect([...manual.pending.values()].map((p) => p.ms)).toEqual([15_000]);
    manual.fire();
    await settle();
    expect(loads).toBe(2);
    expect(manual.pending.size).toBe(1);
    await h.scheduler.stop();
    expect(manual.pending.size).toBe(0);
  });

  it("never overlaps ticks: a tick asked for during another waits for it", async () => {
    const gate = deferred();
    const order: string[] = [];
    let first = true;
    const h = harness([], {
      policies: async () => {
        order.push("load");
        if (first) {
          first = false;
          await gate.promise;
        }
        order.push("loaded");
        return [];
      },
    });
    const a = h.scheduler.tick();
    const b = h.scheduler.tick();
    await settle();
    expect(order).toEqual(["load"]);
    gate.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(["load", "loaded", "load", "loaded"]);
  });
});
