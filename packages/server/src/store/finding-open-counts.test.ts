import { SEVERITY_LEVELS, type SeverityLevel } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { openCountDeltas, recountOpenFindings } from "./finding-open-counts.js";
import type { FindingRecord } from "./finding-record.js";
import { createFindingRepository } from "./finding-repository.js";
import { createOpenFindingTrendReader } from "./open-finding-trend.js";
import { storeDb } from "./store-schema.js";
import { finding } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";

const DAY_1 = new Date("2024-06-01T08:00:00.000Z");
const DAY_2 = new Date("2024-06-02T23:59:59.999Z");
const DAY_4 = new Date("2024-06-04T00:00:00.000Z");

/** Counts per severity, every level present. */
function levels(counts: Partial<Record<SeverityLevel, number>>): Record<SeverityLevel, number> {
  return Object.fromEntries(SEVERITY_LEVELS.map((l) => [l, counts[l] ?? 0])) as Record<SeverityLevel, number>;
}

describe("openCountDeltas", () => {
  const row = (
    cluster_id: string,
    state: string,
    severity: string,
    report_type = "operational",
    fixable = 0,
  ) => ({
    cluster_id,
    report_type,
    state,
    severity,
    fixable,
  });

  it("counts what a write opens, closes or moves, and leaves out what adds up to nothing", () => {
    expect(
      openCountDeltas([
        { after: row("b", "detected", "high") },
        { before: row("a", "detected", "high"), after: row("a", "dismissed", "high") },
        { before: row("a", "detected", "low"), after: row("a", "confirmed", "critical") },
        // open before and after, same severity: nothing
        { before: row("a", "detected", "medium"), after: row("a", "confirmed", "medium") },
        // closed before and after
        { before: row("a", "resolved", "medium"), after: row("a", "dismissed", "medium") },
        // a CI pipeline's findings are not counted
        { after: row("", "detected", "high", "development") },
        // two writes whose changes cancel out
        { after: row("c", "detected", "low") },
        { before: row("c", "detected", "low"), after: row("c", "resolved", "low") },
        // a fix published: the open count stays, the fixable count moves
        {
          before: row("d", "detected", "high", "operational", 0),
          after: row("d", "detected", "high", "operational", 1),
        },
      ]),
    ).toEqual([
      { clusterId: "a", severity: "critical", delta: 1, fixableDelta: 0 },
      { clusterId: "a", severity: "high", delta: -1, fixableDelta: 0 },
      { clusterId: "a", severity: "low", delta: -1, fixableDelta: 0 },
      { clusterId: "b", severity: "high", delta: 1, fixableDelta: 0 },
      { clusterId: "d", severity: "high", delta: 0, fixableDelta: 1 },
    ]);
  });
});

describe.each(DIALECTS)("daily open counts on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const findings = () => createFindingRepository(t.current.db);
  const trend = (from: string, to: string, clusterIds?: string[]) =>
    createOpenFindingTrendReader(t.current.db).trend({ from, to, ...(clusterIds ? { clusterIds } : {}) });
  const write = async (at: Date, records: FindingRecord[]) => {
    await findings().applyChanges({ findings: records, history: [], at });
  };
  /** Each finding as stored now, changed by `change`. */
  const changed = async (ids: string[], change: (f: FindingRecord) => FindingRecord) =>
    Promise.all(ids.map(async (id) => change((await findings().get(id))!)));
  /**
   * What a full count of the findings table says clusters have open, per severity (only those
   * with a fixed version when `fixableOnly`): read with SQL here, since the repository's
   * `counts` answers open findings from the kept counts under test.
   */
  const recountOf = async (clusterIds: readonly string[] | undefined, fixableOnly = false) => {
    const rows = await storeDb(t.current.db)
      .selectFrom("findings")
      .select((eb) => ["severity", eb.fn.countAll<number | string>().as("n")])
      .where("report_type", "=", "operational")
      .where("state", "in", ["detected", "confirmed"])
      .$if(clusterIds !== undefined, (q) => q.where("cluster_id", "in", clusterIds!))
      .$if(fixableOnly, (q) => q.where("fixable", "=", 1))
      .groupBy("severity")
      .execute();
    return levels(Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)])));
  };
  const recount = (clusterId: string) => recountOf([clusterId]);

  it("moves the day's counts with each write: new, closed, reopened, re-rated findings", async () => {
    await write(DAY_1, [
      finding("a1", { identity: { clusterId: "a", advisoryId: "CVE-1" }, severity: "high" }),
      finding("a2", { identity: { clusterId: "a", advisoryId: "CVE-2" }, severity: "high" }),
      finding("a3", {
        identity: { clusterId: "a", advisoryId: "CVE-3" },
        severity: "low",
        state: "confirmed",
      }),
      finding("a4", {
        identity: { clusterId: "a", advisoryId: "CVE-4" },
        severity: "low",
        state: "dismissed",
      }),
      finding("b1", { identity: { clusterId: "b", advisoryId: "CVE-1" }, severity: "critical" }),
      finding("dev", {
        reportType: "development",
        project: "shop",
        branch: "main",
        identity: { clusterId: "", advisoryId: "CVE-1" },
        severity: "critical",
      }),
    ]);
    // day 2: a1 dismissed, a2 re-rated critical, a4 reopened; b untouched
    await write(
      DAY_2,
      await changed(["a1", "a2", "a4"], (f) =>
        f.id === "a1"
          ? { ...f, state: "dismissed", dismissal: { reason: "false_positive" } }
          : f.id === "a2"
            ? { ...f, details: { ...f.details, severity: { level: "critical", source: "cvss-v3" } } }
            : { ...f, state: "detected" },
      ),
    );

    const days = await trend("2024-05-31", "2024-06-03");
    expect(days).toEqual([
      { day: "2024-05-31", total: 0, bySeverity: levels({}) },
      { day: "2024-06-01", total: 4, bySeverity: levels({ critical: 1, high: 2, low: 1 }) },
      { day: "2024-06-02", total: 4, bySeverity: levels({ critical: 2, low: 2 }) },
      // no write on day 3: every cluster's last counts carry forward
      { day: "2024-06-03", total: 4, bySeverity: levels({ critical: 2, low: 2 }) },
    ]);
    expect((await trend("2024-06-01", "2024-06-03", ["b"])).map((d) => d.bySeverity.critical)).toEqual([
      1, 1, 1,
    ]);
    expect((await trend("2024-06-01", "2024-06-01", ["a", "nope"])).map((d) => d.total)).toEqual([3]);
    expect((await trend("2024-06-01", "2024-06-01", [])).map((d) => d.total)).toEqual([0]);
    // a window that starts after the last write starts from the counts before it
    expect(await trend("2024-06-10", "2024-06-10")).toEqual([
      { day: "2024-06-10", total: 4, bySeverity: levels({ critical: 2, low: 2 }) },
    ]);
    // what a full count of the findings says
    expect(levels(await recount("a"))).toEqual(levels({ critical: 1, low: 2 }));
    expect(levels(await recount("b"))).toEqual(levels({ critical: 1 }));
  });

  it("stays equal to a full count over many mixed writes, in one transaction each", async () => {
    const states = ["detected", "confirmed", "dismissed", "resolved"] as const;
    const random = mulberry32(42);
    const ids = Array.from({ length: 40 }, (_, i) => `f${i}`);
    const clusterOf = (i: number) => (i % 3 === 0 ? "x" : "y");
    const day = (n: number) => new Date(DAY_1.getTime() + n * 86_400_000);
    await write(
      day(0),
      ids.map((id, i) =>
        finding(id, {
          identity: { clusterId: clusterOf(i), advisoryId: `CVE-${i}` },
          severity: SEVERITY_LEVELS[i % SEVERITY_LEVELS.length]!,
          fixable: i % 4 !== 1,
        }),
      ),
    );
    for (let round = 1; round <= 12; round++) {
      const picked = ids.filter(() => random() < 0.3);
      await write(
        day(Math.floor(round / 4)),
        await changed(picked, (f) => {
          const state = states[Math.floor(random() * states.length)]!;
          const level = SEVERITY_LEVELS[Math.floor(random() * SEVERITY_LEVELS.length)]!;
          const { dismissal: _, ...rest } = f;
          return {
            ...rest,
            state,
            ...(state === "dismissed" ? { dismissal: { reason: "acceptable_risk" as const } } : {}),
            details: { ...f.details, severity: { level, source: "cvss-v3" } },
          };
        }),
      );
    }
    const [last] = await trend("2024-06-04", "2024-06-04");
    const [x, y] = [levels(await recount("x")), levels(await recount("y"))];
    expect(last!.bySeverity).toEqual(
      levels(Object.fromEntries(SEVERITY_LEVELS.map((l) => [l, x[l] + y[l]]))),
    );
    expect(last!.total).toBe(
      Object.values(x).reduce((a, b) => a + b) + Object.values(y).reduce((a, b) => a + b),
    );

    // the summary of open findings reads the kept counts: the same as counting the table
    const sum = (counts: Record<SeverityLevel, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
    for (const clusterIds of [undefined, ["x"], ["y"], ["x", "y"], ["nowhere"]]) {
      for (const fixableOnly of [false, true]) {
        const expected = await recountOf(clusterIds, fixableOnly);
        const kept = await findings().counts({
          reportType: "operational",
          states: ["confirmed", "detected"],
          ...(clusterIds ? { clusterIds } : {}),
          ...(fixableOnly ? { fixable: true } : {}),
        });
        expect(kept, JSON.stringify({ clusterIds, fixableOnly })).toEqual({
          total: sum(expected),
          bySeverity: expected,
        });
      }
    }
    const severe = await findings().counts({
      reportType: "operational",
      states: ["detected", "confirmed"],
      severities: ["critical", "high"],
    });
    const all = await recountOf(undefined);
    expect(severe).toEqual({
      total: all.critical + all.high,
      bySeverity: levels({ critical: all.critical, high: all.high }),
    });
  });

  it("counts anew from the stored findings when their rows went in around applyChanges", async () => {
    await write(DAY_1, [
      finding("r1", { identity: { clusterId: "x", advisoryId: "CVE-1" }, severity: "high" }),
      finding("r2", { identity: { clusterId: "x", advisoryId: "CVE-2" }, severity: "high", fixable: false }),
      finding("r3", { identity: { clusterId: "y", advisoryId: "CVE-3" }, severity: "low" }),
    ]);
    const db = storeDb(t.current.db);
    await db.deleteFrom("finding_open_counts").execute(); // as a bulk load leaves them
    expect(
      (await findings().counts({ reportType: "operational", states: ["detected", "confirmed"] })).total,
    ).toBe(0);
    await recountOpenFindings(t.current.db, "2024-06-05");
    expect(await findings().counts({ reportType: "operational", states: ["detected", "confirmed"] })).toEqual(
      {
        total: 3,
        bySeverity: levels({ high: 2, low: 1 }),
      },
    );
    expect(
      (
        await findings().counts({
          reportType: "operational",
          states: ["detected", "confirmed"],
          fixable: true,
        })
      ).total,
    ).toBe(2);
  });

  it("counts every one of concurrent writes to one cluster on one day", async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        write(DAY_4, [
          finding(`c${i}`, { identity: { clusterId: "c", advisoryId: `CVE-${i}` }, severity: "high" }),
        ]),
      ),
    );
    expect((await trend("2024-06-04", "2024-06-04"))[0]!.bySeverity.high).toBe(12);
    const rows = await storeDb(t.current.db).selectFrom("finding_open_counts").selectAll().execute();
    expect(rows.map((r) => [r.cluster_id, r.severity, r.day, Number(r.open_count)])).toEqual([
      ["c", "high", "2024-06-04", 12],
    ]);
  });

  it("writes no counts for a write that moves none", async () => {
    await write(DAY_1, [finding("d1", { state: "resolved" })]);
    await findings().applyChanges({
      findings: [],
      history: [{ findingId: "d1", at: DAY_1.toISOString(), actor: { type: "system" }, to: "resolved" }],
      at: DAY_1,
    });
    expect(await storeDb(t.current.db).selectFrom("finding_open_counts").selectAll().execute()).toEqual([]);
  });
});

/** A fixed-seed PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
