import { describe, expect, it } from "vitest";
import { createLoginRateLimit } from "./login-rate-limit.js";

describe("login rate limit", () => {
  it("refuses a key after its failures fill the window, until the oldest leaves it", () => {
    let now = 0;
    const limit = createLoginRateLimit({ maxFailures: 3, windowMs: 60_000, now: () => new Date(now) });
    limit.fail("a");
    now = 10_000;
    limit.fail("a");
    now = 20_000;
    expect(limit.retryAfter("a")).toBe(0);
    limit.fail("a");
    expect(limit.retryAfter("a")).toBe(40);
    expect(limit.retryAfter("b")).toBe(0);
    now = 59_999;
    expect(limit.retryAfter("a")).toBe(1);
    now = 60_000;
    // the first failure left the window: two remain
    expect(limit.retryAfter("a")).toBe(0);
    limit.fail("a");
    expect(limit.retryAfter("a")).toBe(10);
    limit.reset("a");
    expect(limit.retryAfter("a")).toBe(0);
  });

  it("counts each of many keys on its own, and forgets failures that left the window", () => {
    let now = 0;
    const limit = createLoginRateLimit({ maxFailures: 1, windowMs: 1_000, now: () => new Date(now) });
    for (let i = 0; i < 10_000; i++) limit.fail(`k${i}`);
    now = 5_000;
    limit.fail("fresh");
    expect(limit.retryAfter("k1")).toBe(0);
    expect(limit.retryAfter("fresh")).toBe(1);
  });
});
