import { type Detection, findingKey, reconcileFindings, type ScanCoverage } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import type { FindingSort } from "./finding-filter.js";
import { createFindingHistoryRepository } from "./finding-history-repository.js";
import { type FindingRecord, toFinding, toFindingRecord, toHistoryInput } from "./finding-record.js";
import { createFindingRepository, type FindingQuery } from "./finding-repository.js";
import {
  actorText,
  FINDING_COLUMNS,
  findingRow,
  HISTORY_COLUMNS,
  historyRow,
  textActor,
} from "./finding-rows.js";
import { createScanRepository } from "./scan-repository.js";
import { FindingChangedError, InvalidCursorError, StoreConflictError } from "./store-errors.js";
import { storeDb } from "./store-schema.js";
import { addClusters, at, details, finding, identity } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";

describe("finding rows", () => {
  it("bind as many parameters as the chunking counts", () => {
    expect(Object.keys(findingRow(finding("f"))).length).toBe(FINDING_COLUMNS);
    expect(
      Object.keys(historyRow({ findingId: "f", at: at(0), actor: { type: "system" }, to: "detected" }))
        .length,
    ).toBe(HISTORY_COLUMNS);
  });

  it("spell actors as text and back", () => {
    for (const actor of [{ type: "system" }, { type: "user", id: "u:1" }] as const) {
      expect(textActor(actorText(actor))).toEqual(actor);
    }
    expect(actorText({ type: "user", id: "u:1" })).toBe("user:u:1");
  });
});

describe.each(DIALECTS)("finding repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const findings = () => createFindingRepository(t.current.db);
  const history = () => createFindingHistoryRepository(t.current.db);
  const ids = async (query: FindingQuery) =>
    (await findings().query({ limit: 100, ...query })).items.map((f) => f.id);
  const count = async (table: "findings" | "finding_history") =>
    Number(
      (
        await storeDb(t.current.db)
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("applies a reconcile's output in one call and reads every field back unchanged", async () => {
    await addClusters(t.current.db, "c1");
    await createScanRepository(t.current.db).create({
      id: "s1",
      clusterId: "c1",
      trigger: "manual",
      scope: { namespaces: [] },
      createdAt: at(0),
    });
    const full = finding("f1", {
      kev: true,
      epss: 0.97,
      runningSince: at(-60),
      details: { severity: { level: "critical", source: "cvss-v3", score: 9.8, vector: "CVSS:3.1/AV:N" } },
    });
    const sparse = finding("f2", {
      identity: { packageName: "zlib", advisoryId: "CVE-2024-0002" },
      severity: "unknown",
      fixable: false,
    });
    const otherCluster = finding("f3", { identity: { clusterId: "c2" } });
    const development = finding("f4", { reportType: "development", project: "shop/web", branch: "main" });
    const applied = await findings().applyChanges({
      findings: [full, sparse, otherCluster, development],
      history: [
        { findingId: "f1", at: at(0), actor: { type: "system" }, to: "detected", scanId: "s1" },
        { findingId: "f2", at: at(0), actor: { type: "system" }, to: "detected", scanId: "s1" },
      ],
    });
    expect(applied).toEqual({ inserted: 4, updated: 0, history: 2 });
    expect(await findings().get("f1")).toEqual({ ...full, rowVersion: 0 });
    expect(await findings().get("f2")).toEqual({ ...sparse, rowVersion: 0 });
    expect(await findings().get("f4")).toEqual({ ...development, rowVersion: 0 });
    expect(await findings().get("nope")).toBeUndefined();
    // reconcile's previous state: this cluster's operational findings, in every state
    expect((await findings().loadForReconcile("c1")).map((f) => f.id)).toEqual(["f1", "f2"]);

    // a person dismisses f1; the next scan resolves f2
    const dismissed: FindingRecord = {
      ...full,
      state: "dismissed",
      dismissal: { reason: "mitigating_control", comment: "WAF rule 12" },
    };
    const resolved: FindingRecord = {
      ...sparse,
      state: "resolved",
      resolvedAt: at(10),
      noLongerDetected: true,
    };
    expect(
      await findings().applyChanges({
        findings: [dismissed, resolved],
        history: [
          {
            findingId: "f1",
            at: at(5),
            actor: { type: "user", id: "u-7" },
            from: "detected",
            to: "dismissed",
            reason: "mitigating_control",
            comment: "WAF rule 12",
          },
          {
            findingId: "f2",
            at: at(10),
            actor: { type: "system" },
            from: "detected",
            to: "resolved",
            scanId: "s1",
          },
        ],
      }),
    ).toEqual({ inserted: 0, updated: 2, history: 2 });
    expect(await findings().get("f1")).toEqual({ ...dismissed, rowVersion: 1 });
    expect(await findings().get("f2")).toEqual({ ...resolved, rowVersion: 1 });
    expect((await findings().loadForReconcile("c1")).map((f) => f.state)).toEqual(["dismissed", "resolved"]);

    const f1History = await history().list("f1");
    expect(f1History.map(({ id: _, ...entry }) => entry)).toEqual([
      { findingId: "f1", at: at(0), actor: { type: "system" }, to: "detected", scanId: "s1" },
      {
        findingId: "f1",
        at: at(5),
        actor: { type: "user", id: "u-7" },
        from: "detected",
        to: "dismissed",
        reason: "mitigating_control",
        comment: "WAF rule 12",
      },
    ]);
    // appended by hand, at the same time as an earlier entry: insertion order breaks the tie
    await history().append([
      { findingId: "f1", at: at(5), actor: { type: "user", id: "u-8" }, from: "dismissed", to: "confirmed" },
    ]);
    const appended = await history().list("f1");
    expect(appended.map((h) => h.to)).toEqual(["detected", "dismissed", "confirmed"]);
    expect(appended[0]!.id < appended[1]!.id && appended[1]!.id < appended[2]!.id).toBe(true);
    expect(await history().list("nope")).toEqual([]);
  });

  it("stores the findings stage's output and gives it back as the next reconcile's previous state", async () => {
    await addClusters(t.current.db, "c1");
    for (const [id, minute] of [
      ["s1", 0],
      ["s2", 60],
    ] as const) {
      await createScanRepository(t.current.db).create({
        id,
        clusterId: "c1",
        trigger: "schedule",
        scope: { namespaces: [] },
        createdAt: at(minute),
      });
    }
    const coverage: ScanCoverage = {
      status: "complete",
      scope: { namespaces: "all" },
      uncoveredNamespaces: [],
      uncovered: [],
    };
    const openssl = { identity: identity(), details: details(), runningSince: new Date(at(-30)) };
    const zlib = {
      identity: identity({ packageName: "zlib1g", advisoryId: "CVE-2023-45853" }),
      details: details({
        packageVersion: "1:1.2.13.dfsg-1",
        fixedVersion: undefined,
        matchStatus: "affected",
      }),
    };
    let nextId = 0;
    // what the scan orchestration does: reconcile, give new findings ids, store transitions and history
    const reconcileAndStore = async (scanId: string, now: Date, detections: readonly Detection[]) => {
      const stored = await findings().loadForReconcile("c1");
      const result = reconcileFindings({
        clusterId: "c1",
        scanId,
        now,
        coverage,
        detections,
        previous: stored.map(toFinding),
      });
      const ids = new Map(stored.map((r) => [findingKey(r.identity), r.id]));
      for (const transition of result.transitions) {
        if (!ids.has(transition.key)) ids.set(transition.key, `f${++nextId}`);
      }
      await findings().applyChanges({
        findings: result.transitions
          .filter((tr) => tr.kind !== "unchanged-not-covered")
          .map((tr) =>
            toFindingRecord(tr.finding, {
              id: ids.get(tr.key)!,
              kev: false,
              ...(tr.kind === "resolved" ? { resolvedAt: now.toISOString() } : {}),
            }),
          ),
        history: result.history.map((entry) => toHistoryInput(entry, ids.get(findingKey(entry.identity))!)),
      });
      return result;
    };

    const first = await reconcileAndStore("s1", new Date(at(0)), [openssl, zlib]);
    expect(first.counts.created).toBe(2);
    const loaded = await findings().loadForReconcile("c1");
    // the store gives back exactly what the stage produced
    const produced = new Map(first.transitions.map((tr) => [tr.key, tr.finding]));
    expect(loaded).toHaveLength(2);
    expect(loaded.map(toFinding)).toEqual(loaded.map((r) => produced.get(findingKey(r.identity))));

    const second = await reconcileAndStore("s2", new Date(at(60)), [openssl]);
    expect(second.counts).toMatchObject({ "still-detected": 1, resolved: 1 });
    const zlibRecord = (await findings().loadForReconcile("c1")).find(
      (r) => r.identity.packageName === "zlib1g",
    )!;
    expect(zlibRecord).toMatchObject({
      state: "resolved",
      resolvedAt: at(60),
      firstSeen: at(0),
      lastSeen: at(0),
    });
    expect((await history().list(zlibRecord.id)).map(({ id: _, ...h }) => h)).toEqual([
      { findingId: zlibRecord.id, at: at(0), actor: { type: "system" }, to: "detected", scanId: "s1" },
      {
        findingId: zlibRecord.id,
        at: at(60),
        actor: { type: "system" },
        from: "detected",
        to: "resolved",
        scanId: "s2",
      },
    ]);
    expect(
      (await findings().query({ states: ["detected"] })).items.map((r) => r.identity.packageName),
    ).toEqual(["openssl"]);
  });

  it("keeps identities unique: a second finding with a stored identity is refused", async () => {
    await findings().applyChanges({ findings: [finding("f1")], history: [] });
    await expect(findings().applyChanges({ findings: [finding("f2")], history: [] })).rejects.toThrow(
      StoreConflictError,
    );
    // the same identity twice in one batch
    await expect(
      findings().applyChanges({ findings: [finding("f3"), finding("f4")], history: [] }),
    ).rejects.toThrow(StoreConflictError);
    // every identity field counts, and development findings are apart per project and branch
    const variants = [
      finding("v1", { identity: { clusterId: "c2" } }),
      finding("v2", { identity: { namespace: "shop-2" } }),
      finding("v3", { identity: { workloadKind: "StatefulSet" } }),
      finding("v4", { identity: { workloadName: "api" } }),
      finding("v5", { identity: { containerName: "sidecar" } }),
      finding("v6", { identity: { packageName: "libssl3" } }),
      finding("v7", { identity: { advisoryId: "CVE-2024-9999" } }),
      finding("v8", { reportType: "development", project: "shop/web", branch: "main" }),
      finding("v9", { reportType: "development", project: "shop/web", branch: "next" }),
    ];
    expect(await findings().applyChanges({ findings: variants, history: [] })).toEqual({
      inserted: 9,
      updated: 0,
      history: 0,
    });
    // an update never moves a finding to another identity
    await findings().applyChanges({
      findings: [finding("f1", { identity: { advisoryId: "CVE-2099-1" }, state: "confirmed" })],
      history: [],
    });
    expect((await findings().get("f1"))?.identity.advisoryId).toBe("CVE-2024-0001");
    expect((await findings().get("f1"))?.state).toBe("confirmed");
    expect(await count("findings")).toBe(10);
  });

  it("writes nothing when any row of a many-statement apply fails, however late", async () => {
    // 10 rows per INSERT: the 60 findings and 60 history entries take 13 statements
    const findings = () => createFindingRepository(t.current.db, { maxRowsPerStatement: 10 });
    const before = finding("kept", { identity: { packageName: "kept" }, state: "confirmed" });
    await findings().applyChanges({ findings: [before], history: [] });
    const many = Array.from({ length: 60 }, (_, i) =>
      finding(`n-${String(i).padStart(4, "0")}`, { identity: { packageName: `pkg-${i}` } }),
    );
    const changed = { ...before, state: "resolved" as const, resolvedAt: at(1) };
    const history = many.map((f) => ({
      findingId: f.id,
      at: at(1),
      actor: { type: "system" as const },
      to: "detected" as const,
    }));

    // the last row repeats an identity: six statements ran before it failed
    const duplicate = finding("dup", { identity: { packageName: "pkg-7" } });
    await expect(
      findings().applyChanges({ findings: [changed, ...many, duplicate], history }),
    ).rejects.toThrow(StoreConflictError);
    // a history entry of a finding that does not exist, after every finding was written
    await expect(
      findings().applyChanges({
        findings: [changed, ...many],
        history: [...history, { findingId: "ghost", at: at(1), actor: { type: "system" }, to: "detected" }],
      }),
    ).rejects.toThrow();
    expect(await count("findings")).toBe(1);
    expect(await count("finding_history")).toBe(0);
    expect(await findings().get("kept")).toEqual({ ...before, rowVersion: 0 });

    // and the same batch without the bad rows goes in whole
    expect(await findings().applyChanges({ findings: [changed, ...many], history })).toEqual({
      inserted: 60,
      updated: 1,
      history: 60,
    });
    expect(await count("findings")).toBe(61);
    expect(await count("finding_history")).toBe(60);
    expect(await findings().get("kept")).toEqual({ ...changed, rowVersion: 1 });
  });

  it("writes a record read from the store only over the row version it was read at", async () => {
    await findings().applyChanges({
      findings: [finding("f1"), finding("f2", { identity: { packageName: "zlib" } })],
      history: [],
    });
    const read = (await findings().get("f1"))!;
    const other = (await findings().get("f2"))!;
    expect(read.rowVersion).toBe(0);

    // a scan's reconcile writes f1 first (last seen moves on)
    await findings().applyChanges({ findings: [{ ...read, lastSeen: at(5) }], history: [] });
    expect((await findings().get("f1"))?.rowVersion).toBe(1);

    // a change planned from the older read is refused whole: f2's change and the history too
    const stale = { ...read, state: "dismissed" as const, dismissal: { reason: "acceptable_risk" as const } };
    const error = await findings()
      .applyChanges({
        findings: [{ ...other, state: "confirmed" }, stale],
        history: [
          {
            findingId: "f1",
            at: at(6),
            actor: { type: "user", id: "ann" },
            from: "detected",
            to: "dismissed",
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FindingChangedError);
    expect(error).toBeInstanceOf(StoreConflictError);
    expect((error as FindingChangedError).ids).toEqual(["f1"]);
    expect(await findings().get("f1")).toMatchObject({ state: "detected", lastSeen: at(5), rowVersion: 1 });
    expect(await findings().get("f2")).toMatchObject({ state: "detected", rowVersion: 0 });
    expect(await count("finding_history")).toBe(0);

    // planned again from a fresh read, it goes in and keeps what the scan wrote
    const fresh = (await findings().get("f1"))!;
    await findings().applyChanges({
      findings: [{ ...fresh, state: "dismissed", dismissal: { reason: "acceptable_risk" } }],
      history: [],
    });
    expect(await findings().get("f1")).toMatchObject({ state: "dismissed", lastSeen: at(5), rowVersion: 2 });
  });

  describe("queries", () => {
    // ids sort in insertion order; times and severities vary independently of them
    const catalog: FindingRecord[] = [
      finding("a01", { severity: "critical", kev: true, lastSeen: at(30), firstSeen: at(1) }),
      finding("a02", {
        severity: "high",
        identity: { packageName: "libssl3", advisoryId: "CVE-2024-0002" },
        lastSeen: at(40),
        firstSeen: at(2),
        state: "confirmed",
      }),
      finding("a03", {
        severity: "medium",
        identity: { namespace: "billing", packageName: "zlib", advisoryId: "GHSA-abcd-1234" },
        fixable: false,
        lastSeen: at(40),
        firstSeen: at(3),
      }),
      finding("a04", {
        severity: "low",
        identity: {
          namespace: "billing",
          workloadKind: "StatefulSet",
          workloadName: "db",
          packageName: "libpq5",
        },
        details: { imageDigest: "sha256:bbbb" },
        lastSeen: at(10),
        firstSeen: at(4),
        state: "dismissed",
        dismissal: { reason: "not_applicable" },
      }),
      finding("a05", {
        severity: "critical",
        identity: { clusterId: "c2", packageName: "log4j-core", advisoryId: "CVE-2021-44228" },
        details: { packageType: "maven" },
        kev: true,
        lastSeen: at(50),
        firstSeen: at(5),
        state: "resolved",
      }),
      finding("a06", {
        severity: "unknown",
        identity: { packageName: "100%_pure", advisoryId: "DEBIAN-CVE-2024-7" },
        lastSeen: at(20),
        firstSeen: at(6),
      }),
      finding("a07", {
        reportType: "development",
        project: "shop/web",
        branch: "main",
        severity: "high",
        identity: { clusterId: "", namespace: "", workloadKind: "", workloadName: "", containerName: "" },
        lastSeen: at(15),
        firstSeen: at(7),
      }),
    ];
    it("filters by every field, alone and together", async () => {
      await findings().applyChanges({ findings: catalog, history: [] });
      expect(await ids({})).toEqual(["a05", "a01", "a02", "a07", "a03", "a04", "a06"]);
      expect(await ids({ reportType: "operational", clusterIds: ["c1"] })).toEqual([
        "a01",
        "a02",
        "a03",
        "a04",
        "a06",
      ]);
      expect(await ids({ clusterIds: ["c1", "c2"], reportType: "operational" })).toHaveLength(6);
      expect(await ids({ clusterIds: [] })).toEqual([]);
      expect(await ids({ namespaces: ["billing"] })).toEqual(["a03", "a04"]);
      expect(await ids({ workloadKind: "StatefulSet", workloadName: "db" })).toEqual(["a04"]);
      expect(await ids({ workloadName: "web", containerName: "app", namespaces: ["shop"] })).toEqual([
        "a05",
        "a01",
        "a02",
        "a06",
      ]);
      expect(await ids({ imageDigest: "sha256:bbbb" })).toEqual(["a04"]);
      expect(await ids({ packageNames: ["zlib", "libpq5"] })).toEqual(["a03", "a04"]);
      expect(await ids({ severities: ["critical", "low"] })).toEqual(["a05", "a01", "a04"]);
      expect(await ids({ severities: [] })).toEqual([]);
      expect(await ids({ states: ["detected", "confirmed"] })).toEqual(["a01", "a02", "a07", "a03", "a06"]);
      expect(await ids({ fixable: false })).toEqual(["a03"]);
      expect(await ids({ kev: true })).toEqual(["a05", "a01"]);
      expect(await ids({ kev: false, fixable: true, states: ["detected"] })).toEqual(["a07", "a06"]);
      expect(await ids({ project: "shop/web", branch: "main" })).toEqual(["a07"]);
      expect(await ids({ reportType: "development", branch: "next" })).toEqual([]);
      // free text: advisory id or package name, any case; % and _ are literal
      expect(await ids({ text: "cve-2024-000" })).toEqual(["a01", "a02", "a07", "a04"]);
      expect(await ids({ text: "LIBSSL" })).toEqual(["a02"]);
      expect(await ids({ text: "ghsa-ABCD" })).toEqual(["a03"]);
      expect(await ids({ text: "0%_p" })).toEqual(["a06"]);
      expect(await ids({ text: "%" })).toEqual(["a06"]);
      expect(await ids({ text: "_" })).toEqual(["a06"]);
      expect(await ids({ text: "lib_sl" })).toEqual([]);
      expect(await ids({ text: "" })).toHaveLength(7);
      // a complete CVE id is looked up exactly, in any case: not a substring of a longer id
      expect(await ids({ text: "cve-2024-0002" })).toEqual(["a02"]);
      expect(await ids({ text: " CVE-2021-44228 " })).toEqual(["a05"]);
      expect(await ids({ text: "CVE-2024-000" })).toEqual(["a01", "a02", "a07", "a04"]);
    });

    it("counts findings per severity under a filter", async () => {
      await findings().applyChanges({ findings: catalog, history: [] });
      expect(await findings().counts({})).toEqual({
        total: 7,
        bySeverity: { unknown: 1, negligible: 0, low: 1, medium: 1, high: 2, critical: 2 },
      });
      expect(await findings().counts({ clusterIds: ["c1"], states: ["detected", "confirmed"] })).toEqual({
        total: 4,
        bySeverity: { unknown: 1, negligible: 0, low: 0, medium: 1, high: 1, critical: 1 },
      });
      expect((await findings().counts({ namespaces: [] })).total).toBe(0);
    });

    it("sorts by severity, last seen and first seen, both ways", async () => {
      await findings().applyChanges({ findings: catalog, history: [] });
      expect(await ids({ sort: "severity", direction: "asc" })).toEqual([
        "a06",
        "a04",
        "a03",
        "a07",
        "a02",
        "a01",
        "a05",
      ]);
      // ties on last_seen (a02, a03 at 40) break by id
      expect(await ids({ sort: "last_seen" })).toEqual(["a05", "a03", "a02", "a01", "a06", "a07", "a04"]);
      expect(await ids({ sort: "first_seen" })).toEqual(["a07", "a06", "a05", "a04", "a03", "a02", "a01"]);
      expect(await ids({ sort: "first_seen", direction: "asc" })).toEqual([
        "a01",
        "a02",
        "a03",
        "a04",
        "a05",
        "a06",
        "a07",
      ]);
    });
  });

  it("pages with a cursor that stays stable while findings are added", async () => {
    const severities = ["critical", "high", "medium", "low", "unknown"] as const;
    const base = Array.from({ length: 30 }, (_, i) =>
      finding(`b${String(i).padStart(2, "0")}`, {
        identity: { packageName: `pkg-${i}` },
        severity: severities[i % 5]!,
        // many ties on last_seen and first_seen: only the id separates them
        lastSeen: at(i % 4),
        firstSeen: at(i % 3),
      }),
    );
    await findings().applyChanges({ findings: base, history: [] });
    const cases: [FindingSort, "asc" | "desc"][] = [
      ["severity", "desc"],
      ["severity", "asc"],
      ["last_seen", "desc"],
      ["first_seen", "asc"],
    ];
    let added = 0;
    for (const [sort, direction] of cases) {
      const expected = await ids({ sort, direction });
      expect(expected).toHaveLength(30 + added);
      const first = await findings().query({ sort, direction, limit: 7 });
      expect(first.items.map((f) => f.id)).toEqual(expected.slice(0, 7));
      // two new findings with the boundary row's keys: by id, one sorts before it, one after
      const boundary = first.items[6]!;
      const twin = (id: string) =>
        finding(id, {
          identity: { packageName: id },
          details: { severity: boundary.details.severity },
          lastSeen: boundary.lastSeen,
          firstSeen: boundary.firstSeen,
        });
      const tag = `${sort}-${direction}`;
      await findings().applyChanges({ findings: [twin(`a-${tag}`), twin(`x-${tag}`)], history: [] });
      added += 2;
      const seen = first.items.map((f) => f.id);
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await findings().query({ sort, direction, limit: 7, cursor });
        seen.push(...page.items.map((f) => f.id));
        cursor = page.nextCursor;
      }
      const all = await ids({ sort, direction });
      // the pages continue exactly after the boundary row: nothing skipped, nothing repeated,
      // every earlier row in its place, and of the two new rows only the one after the cursor
      expect(seen).toEqual([...expected.slice(0, 7), ...all.slice(all.indexOf(boundary.id) + 1)]);
      expect(seen.filter((id) => expected.includes(id))).toEqual(expected);
      expect(seen.filter((id) => id.endsWith(tag))).toHaveLength(1);
    }

    const page = await findings().query({ sort: "severity", limit: 5 });
    await expect(findings().query({ sort: "last_seen", cursor: page.nextCursor! })).rejects.toThrow(
      InvalidCursorError,
    );
    await expect(
      findings().query({ sort: "severity", direction: "asc", cursor: page.nextCursor! }),
    ).rejects.toThrow(InvalidCursorError);
    await expect(findings().query({ cursor: "not a cursor" })).rejects.toThrow(InvalidCursorError);
    expect((await findings().query({ limit: 500 })).nextCursor).toBeUndefined();
  });
});
