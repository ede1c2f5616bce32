import { SEVERITY_LEVELS, type SeverityLevel } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import { finding } from "../../store/test-support/store-fixtures.js";
import { expectJson, NOW, useApiServer } from "./test-support/api-test-server.js";

interface Trend {
  days: { day: string; total: number; bySeverity: Record<SeverityLevel, number> }[];
}

interface ErrorBody {
  error: { status: number; message: string; details: { field?: string } };
}

const DAY = 86_400_000;

/** Counts per severity, every level present. */
function levels(counts: Partial<Record<SeverityLevel, number>>): Record<SeverityLevel, number> {
  return Object.fromEntries(SEVERITY_LEVELS.map((l) => [l, counts[l] ?? 0])) as Record<SeverityLevel, number>;
}

describe.each(DIALECTS)("finding trend route on %s", (dialect) => {
  const api = useApiServer(dialect);
  const trend = async (query = "") =>
    expectJson<Trend>(await api.request(`/api/v1/findings/trend${query}`), 200);

  it("counts open findings per UTC day, carrying each cluster's counts over days without writes", async () => {
    // NOW is 2024-06-01T12:00Z: findings were written three and two days before, and today
    api.setNow(new Date(NOW.getTime() - 3 * DAY));
    await api.seedFindings([
      finding("p1", { identity: { clusterId: "prod", advisoryId: "CVE-1" }, severity: "high" }),
      finding("p2", { identity: { clusterId: "prod", advisoryId: "CVE-2" }, severity: "high" }),
      finding("p3", { identity: { clusterId: "prod", advisoryId: "CVE-3" }, severity: "critical" }),
      finding("p4", {
        identity: { clusterId: "prod", advisoryId: "CVE-4" },
        severity: "low",
        state: "dismissed",
      }),
      finding("e1", { identity: { clusterId: "edge", advisoryId: "CVE-1" }, severity: "low" }),
    ]);
    api.setNow(new Date(NOW.getTime() - 2 * DAY));
    await api.seedFindings([
      finding("p5", {
        identity: { clusterId: "prod", advisoryId: "CVE-5" },
        severity: "medium",
        state: "confirmed",
      }),
    ]);
    api.setNow(NOW);

    const before = await trend("?days=5");
    expect(before.days).toEqual([
      { day: "2024-05-28", total: 0, bySeverity: levels({}) },
      { day: "2024-05-29", total: 4, bySeverity: levels({ critical: 1, high: 2, low: 1 }) },
      { day: "2024-05-30", total: 5, bySeverity: levels({ critical: 1, high: 2, medium: 1, low: 1 }) },
      { day: "2024-05-31", total: 5, bySeverity: levels({ critical: 1, high: 2, medium: 1, low: 1 }) },
      { day: "2024-06-01", total: 5, bySeverity: levels({ critical: 1, high: 2, medium: 1, low: 1 }) },
    ]);

    // a dismissal by hand today lowers today's count only
    await expectJson(
      await api.request("/api/v1/findings/p1/state", {
        method: "POST",
        json: { state: "dismissed", reason: "false_positive" },
      }),
      200,
    );
    // a bulk change too: p5 resolved, p4 (dismissed) reopened
    await expectJson(
      await api.request("/api/v1/findings/state", {
        method: "POST",
        json: { ids: ["p5"], state: "resolved" },
      }),
      200,
    );
    await expectJson(
      await api.request("/api/v1/findings/state", {
        method: "POST",
        json: { ids: ["p4"], state: "detected" },
      }),
      200,
    );
    const after = await trend("?days=5");
    expect(after.days.slice(0, 4)).toEqual(before.days.slice(0, 4));
    expect(after.days[4]).toEqual({
      day: "2024-06-01",
      total: 4,
      bySeverity: levels({ critical: 1, high: 1, low: 2 }),
    });

    // one cluster, repeatable
    expect((await trend("?days=3&cluster=edge")).days.map((d) => d.bySeverity.low)).toEqual([1, 1, 1]);
    expect((await trend("?days=2&cluster=edge&cluster=prod")).days.map((d) => d.total)).toEqual([5, 4]);
    expect((await trend("?days=1&cluster=nowhere")).days).toEqual([
      { day: "2024-06-01", total: 0, bySeverity: levels({}) },
    ]);
    // 30 days unless asked; the last is today
    const month = await trend();
    expect(month.days).toHaveLength(30);
    expect([month.days[0]!.day, month.days[29]!.day]).toEqual(["2024-05-03", "2024-06-01"]);
    expect((await trend("?days=365")).days).toHaveLength(365);
  });

  it("refuses a malformed or out-of-range days, and unknown parameters, with a 400 naming them", async () => {
    for (const [query, field] of [
      ["days=0", "query.days"],
      ["days=366", "query.days"],
      ["days=ten", "query.days"],
      ["days=1.5", "query.days"],
      ["days=-3", "query.days"],
      ["days=7&days=8", "query.days"],
      ["cluster=", "query.cluster"],
      ["clusters=prod", "query.clusters"],
    ] as const) {
      const body = await expectJson<ErrorBody>(await api.request(`/api/v1/findings/trend?${query}`), 400);
      expect(body.error.details.field, query).toBe(field);
      expect(body.error.message, query).toContain(field);
    }
  });
});
