// The soak's windows and verdicts: the samples and API calls cut into windows of equal length,
// and the three rules a long run must pass (docs/soak.md explains and justifies them).
import { medianOf, percentile } from "./percentile.mjs";

/**
 * Memory is flat when, for every process, the low-water mark of its RSS in the last window is
 * at most this much above the one of the second window. The first window is left out: it
 * holds the warm-up (the first scans pull and read every image, pools and caches fill, V8
 * compiles). The low-water mark ({@link LOW_WATER_PERCENTILE}) is where the process falls back
 * to after V8 collects: a worker's RSS jumps by 200 MiB for each scan and drops when V8 gives
 * the memory back, so its median and peak only say how many samples fell in a scan; what a
 * leak keeps is never given back and lifts the low-water mark.
 */
export const MEMORY_GROWTH_LIMIT = 0.15;
/** The percentile of a window's RSS samples taken as its low-water mark (not the minimum: one odd sample). */
export const LOW_WATER_PERCENTILE = 10;

/**
 * p95 holds when the last window's p95 is at most this factor of the first window's, plus
 * {@link P95_SLACK_MS}: at a few milliseconds, a factor alone would fail on the scheduling
 * noise of a shared 2-core machine.
 */
export const P95_FACTOR = 2;
export const P95_SLACK_MS = 25;

/** Scan statuses that end a scan well or with a stated reason. */
const FINISHED = new Set(["complete", "partial", "failed", "interrupted", "cancelled"]);
const SUCCEEDED = new Set(["complete", "partial"]);

/**
 * One row per window of `windowSeconds`: per process the low-water mark, median and peak RSS, the PostgreSQL
 * connections at most, the API calls and their p50/p95/p99, scans finished and failed in it.
 * `samples` carry `t` (seconds since the start) and `rss` ({process: MiB}); `calls` carry `at`
 * (ms since the start), `ms` and `status`; `scans` carry `finishedAt` (seconds since the start).
 */
export function windowsOf({ samples, calls, scans, processes, windowSeconds, seconds }) {
  const count = Math.max(1, Math.round(seconds / windowSeconds));
  const rows = [];
  for (let w = 0; w < count; w++) {
    const from = w * windowSeconds;
    const to = w === count - 1 ? Number.POSITIVE_INFINITY : from + windowSeconds;
    const inWindow = (t) => t >= from && t < to;
    const own = samples.filter((s) => inWindow(s.t));
    const latencies = calls.filter((c) => inWindow(c.at / 1000)).map((c) => c.ms);
    const rss = {};
    for (const name of processes) {
      const values = own.map((s) => s.rss[name]).filter((v) => v !== undefined);
      rss[name] = {
        low: percentile(values, LOW_WATER_PERCENTILE),
        median: medianOf(values),
        peak: values.length ? Math.max(...values) : undefined,
      };
    }
    const ended = scans.filter((s) => s.finishedAt !== undefined && inWindow(s.finishedAt));
    rows.push({
      from,
      to: Math.min(to, seconds),
      rss,
      pgConnections: own.length ? Math.max(...own.map((s) => s.pgConnections)) : undefined,
      calls: latencies.length,
      callErrors: calls.filter((c) => inWindow(c.at / 1000) && c.status !== 200).length,
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      scansFinished: ended.filter((s) => SUCCEEDED.has(s.status)).length,
      scansFailed: ended.filter((s) => !SUCCEEDED.has(s.status)).length,
    });
  }
  return rows;
}

/**
 * The verdicts: `{name, pass, detail}` each. `scans` is every scan after the drain (status,
 * error); `jobs` the pg-boss scan jobs by state; `callErrors` the API calls that did not
 * answer 200.
 */
export function verdictsOf({ windows, processes, scans, jobs }) {
  const verdicts = [];
  if (windows.length < 3) {
    verdicts.push({ name: "memory flat", pass: false, detail: "fewer than 3 windows: run longer" });
  } else {
    const second = windows[1];
    const last = windows[windows.length - 1];
    const details = processes.map((name) => {
      const growth = last.rss[name].low / second.rss[name].low - 1;
      return { name, growth, pass: growth <= MEMORY_GROWTH_LIMIT };
    });
    verdicts.push({
      name: "memory flat",
      pass: details.every((d) => d.pass),
      detail: `RSS low-water mark (p${LOW_WATER_PERCENTILE}), last window vs second (limit +${MEMORY_GROWTH_LIMIT * 100}%): ${details
        .map((d) => `${d.name} ${d.growth >= 0 ? "+" : ""}${(d.growth * 100).toFixed(1)}%`)
        .join(", ")}`,
    });
  }

  const stuck = scans.filter((s) => !FINISHED.has(s.status));
  const unexplained = scans.filter((s) => !SUCCEEDED.has(s.status) && FINISHED.has(s.status) && !s.error);
  const openJobs = Object.entries(jobs)
    .filter(([state]) => !["completed", "failed", "cancelled"].includes(state))
    .reduce((sum, [, n]) => sum + n, 0);
  const failed = scans.filter((s) => !SUCCEEDED.has(s.status) && FINISHED.has(s.status));
  verdicts.push({
    name: "no job lost",
    pass: stuck.length === 0 && unexplained.length === 0 && openJobs === 0,
    detail: `${scans.length} scans requested: ${scans.length - stuck.length - failed.length} finished, ${failed.length} failed (${unexplained.length} without a reason), ${stuck.length} stuck; ${openJobs} queue jobs not ended`,
  });

  const first = windows[0];
  const last = windows[windows.length - 1];
  const limit = first.p95 * P95_FACTOR + P95_SLACK_MS;
  verdicts.push({
    name: "p95 holds",
    pass: windows.length >= 2 && last.p95 !== undefined && last.p95 <= limit,
    detail: `last window p95 ${last.p95?.toFixed(1)} ms vs first ${first.p95?.toFixed(1)} ms (limit ${P95_FACTOR}× + ${P95_SLACK_MS} ms = ${limit.toFixed(1)} ms)`,
  });
  return verdicts;
}
