import type { ClusterScanFailure, ClusterScanSummary } from "@vigil/core";
import { describe, expect, it } from "vitest";
import { DIALECTS } from "../db/test-support/test-databases.js";
import { createClusterRepository } from "./cluster-repository.js";

import { createScanPolicyRepository } from "./scan-policy-repository.js";
import { createScanRepository, type ScanRecord } from "./scan-repository.js";
import { InvalidCursorError, StoreConflictError } from "./store-errors.js";
import { addClusters, at } from "./test-support/store-fixtures.js";
import { useStoreTestDatabase } from "./test-support/store-test-database.js";

const summary: ClusterScanSummary = {
  clusterId: "c1",
  status: "partial",
  namespaces: 3,
  pods: 10,
  containers: 12,
  skippedContainers: 1,
  uniqueImages: 4,
  scanned: 3,
  failed: 1,
  vulnerabilities: 17,
};

describe.each(DIALECTS)("scan repository on %s", (dialect) => {
  const t = useStoreTestDatabase(dialect);
  const scans = () => createScanRepository(t.current.db);

  it("creates a scan, moves it through its statuses and records its images", async () => {
    await addClusters(t.current.db, "c1");
    const queued = await scans().create({
      id: "s1",
      clusterId: "c1",
      trigger: "manual",
      scope: { namespaces: ["shop", "billing"] },
      createdAt: at(0),
    });
    expect(queued).toEqual({
      id: "s1",
      clusterId: "c1",
      trigger: "manual",
      scope: { namespaces: ["shop", "billing"] },
      status: "queued",
      createdAt: at(0),
    });
    await expect(
      scans().create({
        id: "s1",
        clusterId: "c1",
        trigger: "manual",
        scope: { namespaces: [] },
        createdAt: at(0),
      }),
    ).rejects.toThrow(StoreConflictError);

    expect(await scans().updateStatus({ id: "s1", status: "running", at: at(1) })).toBe(true);
    // a second "running" (a worker taking it over) keeps the first start
    expect(await scans().updateStatus({ id: "s1", status: "running", at: at(2) })).toBe(true);
    await scans().recordImages("s1", [
      { digest: "sha256:bbbb", reference: "r/b@sha256:bbbb", status: "failed", error: "401 Unauthorized" },
      { digest: "sha256:aaaa", reference: "r/a@sha256:aaaa", status: "complete", durationMs: 1234.5 },
    ]);
    // the same digest again replaces its row
    await scans().recordImages("s1", [
      {
        digest: "sha256:aaaa",
        reference: "r/a@sha256:aaaa",
        status: "complete",
        fromCache: "matches",
        durationMs: 3,
      },
    ]);
    const failure: ClusterScanFailure = {
      scope: "image",
      subject: "r/b@sha256:bbbb",
      reason: "401 Unauthorized",
      containers: [],
    };
    expect(
      await scans().updateStatus({ id: "s1", status: "partial", at: at(3), summary, failures: [failure] }),
    ).toBe(true);
    const finished = await scans().get("s1");
    expect(finished).toEqual({
      ...queued,
      status: "partial",
      startedAt: at(1),
      finishedAt: at(3),
      summary,
      failures: [{ scope: "image", subject: "r/b@sha256:bbbb", reason: "401 Unauthorized" }],
      images: [
        {
          digest: "sha256:aaaa",
          reference: "r/a@sha256:aaaa",
          status: "complete",
          fromCache: "matches",
          durationMs: 3,
        },
        { digest: "sha256:bbbb", reference: "r/b@sha256:bbbb", status: "failed", error: "401 Unauthorized" },
      ],
    });
    expect(await createClusterRepository(t.current.db).get("c1")).toMatchObject({
      lastScanAt: at(3),
      lastScanStatus: "partial",
    });

    // a finished scan's outcome is final unless the caller names the statuses it may change
    expect(await scans().updateStatus({ id: "s1", status: "complete", at: at(4) })).toBe(false);
    expect(await scans().updateStatus({ id: "nope", status: "running", at: at(4) })).toBe(false);
    expect(
      await scans().updateStatus({ id: "s1", status: "failed", at: at(5), error: "x", from: ["partial"] }),
    ).toBe(true);
    expect(await scans().get("s1")).toMatchObject({ status: "failed", finishedAt: at(5), error: "x" });
    expect(await scans().get("nope")).toBeUndefined();
  });

  it("keeps a scan when its policy is deleted, without the policy", async () => {
    await addClusters(t.current.db, "c1");
    const policies = createScanPolicyRepository(t.current.db);
    await policies.create({
      id: "p1",
      name: "nightly",
      enabled: true,
      cadence: "@daily",
      timezone: "UTC",
      clusters: [],
      namespaces: [],
      severityThreshold: "low",
      yaml: "",
      createdAt: at(0),
    });
    await scans().create({
      id: "s1",
      clusterId: "c1",
      policyId: "p1",
      trigger: "schedule",
      scope: { namespaces: [] },
      createdAt: at(0),
    });
    expect((await scans().get("s1"))?.policyId).toBe("p1");
    await policies.delete("p1");
    expect((await scans().get("s1"))?.policyId).toBeUndefined();
  });

  it("lists a cluster's scans newest first, page by page, stable while scans are added", async () => {
    await addClusters(t.current.db, "c1", "c2");
    const add = (id: string, clusterId: string, minute: number) =>
      scans().create({
        id,
        clusterId,
        trigger: "schedule",
        scope: { namespaces: [] },
        createdAt: at(minute),
      });
    // pairs queued in the same minute: the id orders them
    for (let i = 0; i < 12; i++) await add(`s${String(i).padStart(2, "0")}`, "c1", Math.floor(i / 2));
    await add("other", "c2", 3);
    await scans().updateStatus({ id: "s03", status: "complete", at: at(9) });

    const first = await scans().listByCluster("c1", { limit: 5 });
    expect(first.items.map((s) => s.id)).toEqual(["s11", "s10", "s09", "s08", "s07"]);
    // newer scans arrive, and one that sorts right after the page boundary (same minute, lower id)
    await add("s12", "c1", 20);
    await add("s065", "c1", 3);
    const rest: ScanRecord[] = [];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await scans().listByCluster("c1", { limit: 5, cursor });
      rest.push(...page.items);
      cursor = page.nextCursor;
    }
    expect(rest.map((s) => s.id)).toEqual(["s065", "s06", "s05", "s04", "s03", "s02", "s01", "s00"]);

    expect((await scans().listByCluster("c1", { statuses: ["complete"] })).items.map((s) => s.id)).toEqual([
      "s03",
    ]);
    expect((await scans().listByCluster("c1", { statuses: [] })).items).toEqual([]);
    expect((await scans().listByCluster("c2")).items.map((s) => s.id)).toEqual(["other"]);
    expect((await scans().listByCluster("c1", { limit: 100 })).nextCursor).toBeUndefined();
    await expect(scans().listByCluster("c1", { cursor: "bm9wZQ" })).rejects.toThrow(InvalidCursorError);
  });

  it("counts attempts; a later attempt takes the scan from an earlier one, whose updates then change nothing", async () => {
    await addClusters(t.current.db, "c1");
    await scans().create({
      id: "s1",
      clusterId: "c1",
      trigger: "manual",
      scope: { namespaces: [] },
      createdAt: at(0),
    });
    expect(await scans().attemptState("s1")).toEqual({ status: "queued", attempt: 0 });
    // the in-process runner takes only queued scans
    expect(await scans().beginAttempt({ id: "s1", at: at(1), from: ["queued"] })).toBe(1);
    expect(await scans().beginAttempt({ id: "s1", at: at(2), from: ["queued"] })).toBeUndefined();
    // a retried queue job takes over the running scan its dead worker left
    expect(await scans().beginAttempt({ id: "s1", at: at(3), from: ["queued", "running"] })).toBe(2);
    expect(await scans().get("s1")).toMatchObject({ status: "running", startedAt: at(1) });
    expect(await scans().updateStatus({ id: "s1", status: "complete", at: at(4), attempt: 1 })).toBe(false);
    expect(await scans().attemptState("s1")).toEqual({ status: "running", attempt: 2 });
    expect(await scans().updateStatus({ id: "s1", status: "complete", at: at(5), attempt: 2 })).toBe(true);
    expect(await scans().get("s1")).toMatchObject({ status: "complete", finishedAt: at(5) });
    expect(await scans().beginAttempt({ id: "s1", at: at(6), from: ["queued", "running"] })).toBeUndefined();
    expect(await scans().beginAttempt({ id: "s1", at: at(6), from: [] })).toBeUndefined();
    expect(await scans().attemptState("missing")).toBeUndefined();
    expect(await scans().beginAttempt({ id: "missing", at: at(6), from: ["queued"] })).toBeUndefined();
  });
});
