import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

describe("TokenBucket", () => {
  it("grants a burst at once, then charges bytes at the rate, on credit for large takes", () => {
    let now = 0;
    const bucket = new TokenBucket({ bytesPerSecond: 1000, burstBytes: 100, now: () => now });
    expect(bucket.take(100)).toBe(0);
    expect(bucket.take(500)).toBe(500);
    // A second reader waits behind the first one's debt.
    expect(bucket.take(100)).toBe(600);
    now = 600;
    expect(bucket.take(0)).toBe(0);
    // Idle time refills only up to the burst.
    now = 10_000;
    expect(bucket.take(100)).toBe(0);
    expect(bucket.take(1)).toBeCloseTo(1);
  });

  it("defaults the burst to a tenth of a second's worth", () => {
    expect(new TokenBucket({ bytesPerSecond: 1_048_576 }).burstBytes).toBe(104_858);
  });

  it("gives tokens back when a wait is aborted, and rejects with the reason", async () => {
    let now = 0;
    const bucket = new TokenBucket({ bytesPerSecond: 1000, burstBytes: 100, now: () => now });
    const controller = new AbortController();
    const waiting = bucket.wait(1100, controller.signal);
    controller.abort(new Error("cancelled"));
    await expect(waiting).rejects.toThrow("cancelled");
    now = 0;
    expect(bucket.take(100)).toBe(0);
  });

  it("waits for real time when the bucket is empty", async () => {
    const bucket = new TokenBucket({ bytesPerSecond: 10_000, burstBytes: 1 });
    const started = performance.now();
    await bucket.wait(1001);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("refuses a rate that is not positive", () => {
    expect(() => new TokenBucket({ bytesPerSecond: 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ bytesPerSecond: Number.NaN })).toThrow(RangeError);
  });
});
