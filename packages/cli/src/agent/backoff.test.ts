import { describe, expect, it } from "vitest";
import { createBackoff, jittered, sleep } from "./backoff.js";

describe("the agent's backoff", () => {
  it("doubles its ceiling per attempt up to the cap, and starts again after reset", () => {
    const highest = createBackoff({ baseMs: 1000, capMs: 60_000, random: () => 1 });
    expect(Array.from({ length: 9 }, () => highest.next())).toEqual([
      1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
    highest.reset();
    expect(highest.next()).toBe(1000);
  });

  it("waits a random time between a tenth of the ceiling and the ceiling (full jitter)", () => {
    const lowest = createBackoff({ baseMs: 1000, capMs: 60_000, random: () => 0 });
    expect([lowest.next(), lowest.next(), lowest.next()]).toEqual([100, 200, 400]);
    const waits = Array.from({ length: 200 }, () => createBackoff({ capMs: 60_000 }).next());
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...waits)).toBeLessThanOrEqual(1000);
    expect(new Set(waits).size).toBeGreaterThan(50);
  });

  it("jitters the poll interval by ±20 %, and sleeps until aborted", async () => {
    expect(jittered(10_000, () => 0)).toBe(8000);
    expect(jittered(10_000, () => 1)).toBe(12_000);
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await slept;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
