import { describe, expect, it } from "vitest";
import { CadenceError, checkCadence, checkTimeZone, nextRun } from "./cadence.js";

/** The next `count` runs after `after`, as ISO strings. */
function runs(cadence: string, timezone: string, after: string, count: number): string[] {
  const out: string[] = [];
  let at = new Date(after);
  for (let i = 0; i < count; i++) {
    const next = nextRun(cadence, timezone, at);
    if (next === undefined) break;
    out.push(next.toISOString());
    at = next;
  }
  return out;
}

describe("nextRun", () => {
  it("is strictly after the given time", () => {
    expect(nextRun("0 2 * * *", "UTC", new Date("2024-05-01T02:00:00Z"))?.toISOString()).toBe(
      "2024-05-02T02:00:00.000Z",
    );
    expect(nextRun("0 2 * * *", "UTC", new Date("2024-05-01T01:59:59.999Z"))?.toISOString()).toBe(
      "2024-05-01T02:00:00.000Z",
    );
  });

  it("reads the cadence in the rule's time zone: 09:00 in Berlin is 08:00 UTC in winter, 07:00 UTC in summer", () => {
    expect(runs("0 9 * * *", "Europe/Berlin", "2024-03-29T12:00:00Z", 3)).toEqual([
      "2024-03-30T08:00:00.000Z",
      "2024-03-31T07:00:00.000Z",
      "2024-04-01T07:00:00.000Z",
    ]);
  });

  it("Europe/Berlin spring forward: 02:30 does not exist on 2024-03-31 and the run happens once, at 03:00 CEST", () => {
    expect(runs("30 2 * * *", "Europe/Berlin", "2024-03-29T12:00:00Z", 3)).toEqual([
      "2024-03-30T01:30:00.000Z", // 02:30 CET
      "2024-03-31T01:00:00.000Z", // 03:00 CEST, right after the gap
      "2024-04-01T00:30:00.000Z", // 02:30 CEST
    ]);
  });

  it("Europe/Berlin fall back: 02:30 happens twice on 2024-10-27 and the run happens once", () => {
    expect(runs("30 2 * * *", "Europe/Berlin", "2024-10-26T12:00:00Z", 3)).toEqual([
      "2024-10-27T00:30:00.000Z", // 02:30 CEST, the first of the two
      "2024-10-28T01:30:00.000Z", // 02:30 CET
      "2024-10-29T01:30:00.000Z",
    ]);
  });

  it("an interval cadence runs at every real instant that matches, through both transitions", () => {
    // Fall back: 02:00 and 02:30 local happen twice; every half hour of real time runs.
    expect(runs("*/30 * * * *", "Europe/Berlin", "2024-10-27T00:00:00Z", 4)).toEqual([
      "2024-10-27T00:30:00.000Z",
      "2024-10-27T01:00:00.000Z",
      "2024-10-27T01:30:00.000Z",
      "2024-10-27T02:00:00.000Z",
    ]);
    // Spring forward: the hour 02:00-03:00 local does not exist, so nothing is skipped or doubled.
    expect(runs("0 * * * *", "Europe/Berlin", "2024-03-31T00:00:00Z", 3)).toEqual([
      "2024-03-31T01:00:00.000Z", // 03:00 CEST
      "2024-03-31T02:00:00.000Z",
      "2024-03-31T03:00:00.000Z",
    ]);
  });

  it("GitLab's forms: 2nd Monday, nicknames, names; day-of-month OR day-of-week", () => {
    expect(runs("0 0 * * 1#2", "UTC", "2024-01-01T00:00:00Z", 2)).toEqual([
      "2024-01-08T00:00:00.000Z",
      "2024-02-12T00:00:00.000Z",
    ]);
    expect(runs("@weekly", "UTC", "2024-01-01T00:00:00Z", 1)).toEqual(["2024-01-07T00:00:00.000Z"]);
    expect(runs("0 6 * * SAT", "UTC", "2024-01-01T00:00:00Z", 1)).toEqual(["2024-01-06T06:00:00.000Z"]);
    // Vixie cron: the 15th, or any Friday.
    expect(runs("0 0 15 * 5", "UTC", "2024-03-10T00:00:00Z", 3)).toEqual([
      "2024-03-15T00:00:00.000Z",
      "2024-03-22T00:00:00.000Z",
      "2024-03-29T00:00:00.000Z",
    ]);
  });

  it("the default advisory cadence runs every six hours", () => {
    expect(runs("0 */6 * * *", "UTC", "2024-01-01T01:00:00Z", 4)).toEqual([
      "2024-01-01T06:00:00.000Z",
      "2024-01-01T12:00:00.000Z",
      "2024-01-01T18:00:00.000Z",
      "2024-01-02T00:00:00.000Z",
    ]);
  });

  it("throws CadenceError for what parsing refuses", () => {
    expect(() => nextRun("61 * * * *", "UTC", new Date())).toThrow(CadenceError);
    expect(() => nextRun("0 1 * * *", "Mars/Olympus_Mons", new Date())).toThrow(CadenceError);
  });
});

describe("checkCadence and checkTimeZone", () => {
  it("point at the offending field", () => {
    expect(checkCadence("0 1 * * *")).toBeUndefined();
    expect(checkCadence("61 * * * *")).toEqual({
      reason: "the minute field '61' is not valid (allowed: 0-59)",
      offset: 0,
    });
    expect(checkCadence("0  1 32 * *")).toEqual({
      reason: "the day of month field '32' is not valid (allowed: 1-31, L or W)",
      offset: 5,
    });
  });

  it("accept IANA names and refuse others", () => {
    for (const zone of ["UTC", "Etc/UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]) {
      expect(checkTimeZone(zone), zone).toBeUndefined();
    }
    for (const zone of ["Europe/Berlinn", "CEST+2", "+01:00", "", "Mars/Olympus_Mons"]) {
      expect(checkTimeZone(zone), zone).toBeDefined();
    }
  });
});
