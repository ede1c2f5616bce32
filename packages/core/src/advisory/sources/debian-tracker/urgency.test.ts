import { describe, expect, it } from "vitest";
import { deriveSeverity } from "../../derive-severity.js";
import { highestUrgency } from "./urgency.js";

describe("highestUrgency", () => {
  it("takes the highest level, keeps the NVD marker, and prefers Debian's own rating on a tie", () => {
    expect(highestUrgency(["low", "high**", "medium"])).toBe("high**");
    expect(highestUrgency(["medium**", "medium", "low"])).toBe("medium");
    expect(highestUrgency(["medium", "medium**"])).toBe("medium");
    expect(highestUrgency(["unimportant", "end-of-life"])).toBe("unimportant");
    expect(highestUrgency(["end-of-life", "not yet assigned"])).toBe("not yet assigned");
    expect(highestUrgency(["end-of-life"])).toBeUndefined();
    expect(highestUrgency([])).toBeUndefined();
  });

  it("writes what severity derivation reads", () => {
    const record = (urgency: string | undefined) => ({
      id: "DEBIAN-TRACKER-CVE-2024-9680",
      modified: "2025-09-01T00:00:00Z",
      database_specific: { source: "debian-tracker", ...(urgency ? { urgency } : {}) },
    });
    expect(deriveSeverity(record(highestUrgency(["high**", "low"])), "debian-tracker")).toMatchObject({
      level: "high",
      source: "database",
    });
    expect(deriveSeverity(record(highestUrgency(["unimportant"])), "debian-tracker")).toMatchObject({
      level: "negligible",
      source: "distribution",
    });
  });
});
