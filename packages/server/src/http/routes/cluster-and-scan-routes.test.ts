import { describe, expect, it } from "vitest";
import { DIALECTS } from "../../db/test-support/test-databases.js";
import { createScanRepository } from "../../store/scan-repository.js";
import { at, finding } from "../../store/test-support/store-fixtures.js";
import { createWorkloadContainerRepository } from "../../store/workload-container-repository.js";
import { expectJson, NOW, useApiServer } from "./test-support/api-test-server.js";

interface Page<T> {
  items: T[];
  nextCursor?: string;
}

describe.each(DIALECTS)("cluster and scan routes on %s", (dialect) => {
  const api = useApiServer(dialect);

  it("registers a cluster, lists clusters with their open findings per severity, and reads one", async () => {
    const created = await api.request("/api/v1/clusters", {
      method: "POST",
      json: { id: "prod", name: "Production", context: "prod-admin" },
    });
    expect(created.headers.get("location")).toBe("/api/v1/clusters/prod");
    expect(await expectJson(created, 201)).toEqual({
      id: "prod",
      name: "Production",
      connectionKind: "kubeconfig",
      kubeconfigContext: "prod-admin",
      createdAt: NOW.toISOString(),
    });
    const renamed = await api.request("/api/v1/clusters", {
      method: "POST",
      json: { id: "prod", name: "production", context: "prod-admin" },
    });
    expect((await expectJson(renamed, 200)).name).toBe("production");
    await api.seedClusters("edge");
    await api.seedFindings([
      finding("f1", { identity: { clusterId: "prod" }, severity: "critical" }),
      finding("f2", { identity: { clusterId: "prod", advisoryId: "CVE-2" }, severity: "high" }),
      finding("f3", {
        identity: { clusterId: "prod", advisoryId: "CVE-3" },
        severity: "high",
        state: "confirmed",
      }),
      // not open: left out of the counts
      finding("f4", {
        identity: { clusterId: "prod", advisoryId: "CVE-4" },
        severity: "high",
        state: "resolved",
      }),
      finding("f5", {
        identity: { clusterId: "prod", advisoryId: "CVE-5" },
        state: "dismissed",
        dismissal: { reason: "false_positive" },
      }),
    ]);

    const list = await expectJson<Page<{ id: string; openFindings: { total: number; bySeverity: object } }>>(
      await api.request("/api/v1/clusters"),
      200,
    );
    expect(list.items.map((c) => c.id)).toEqual(["edge", "prod"]);
    expect(list.items[1]!.openFindings).toEqual({
      total: 3,
      bySeverity: { unknown: 0, negligible: 0, low: 0, medium: 0, high: 2, critical: 1 },
    });
    expect(list.items[0]!.openFindings.total).toBe(0);
    const one = await expectJson<{ openFindings: { total: number } }>(
      await api.request("/api/v1/clusters/prod"),
      200,
    );
    expect(one.openFindings.total).toBe(3);
  });

  it("refuses malformed cluster registrations naming the field, and answers 404 for unknown clusters", async () => {
    const cases: [unknown, string][] = [
      [{ name: "x", context: "y" }, "id"],
      [{ id: "Bad Id", name: "x", context: "y" }, "id"],
      [{ id: "ok", context: "y" }, "name"],
      [{ id: "ok", name: "x", context: 3 }, "context"],
      [{ id: "ok", name: "x", context: "y", extra: 1 }, "extra"],
      [[1, 2], "body"],
    ];
    for (const [body, field] of cases) {
      const error = await expectJson<{ error: { details: { field: string } } }>(
        await api.request("/api/v1/clusters", { method: "POST", json: body }),
        400,
      );
      expect(error.error.details.field).toBe(field);
    }
    const notJson = await api.request("/api/v1/clusters", {
      method: "POST",
      body: "{",
      headers: { "Content-Type": "application/json" },
    });
    expect((await expectJson<{ error: { message: string } }>(notJson, 400)).error.message).toMatch(
      /not valid JSON/,
    );
    expect((await api.request("/api/v1/clusters/nope")).status).toBe(404);
    expect((await api.request("/api/v1/clusters/nope/workloads")).status).toBe(404);
  });

  it("lists a cluster's workload containers with the digest each runs and since when", async () => {
    await api.seedClusters("prod");
    await createWorkloadContainerRepository(api.db).upsert([
      {
        clusterId: "prod",
        namespace: "shop",
        workloadKind: "Deployment",
        workloadName: "web",
        containerName: "app",
        digest: "sha256:aaaa",
        image: "registry.local/shop/web:1",
        runningSince: at(5),
        lastSeenAt: at(10),
      },
      {
        clusterId: "prod",
        namespace: "billing",
        workloadKind: "StatefulSet",
        workloadName: "db",
        containerName: "postgres",
        digest: "sha256:bbbb",
        image: "postgres:16",
        lastSeenAt: at(10),
      },
    ]);
    const all = await expectJson<Page<{ namespace: string; runningSince?: string }>>(
      await api.request("/api/v1/clusters/prod/workloads"),
      200,
    );
    expect(all.items.map((w) => w.namespace)).toEqual(["billing", "shop"]);
    expect(all.items[1]!.runningSince).toBe(at(5));
    const shop = await expectJson<Page<unknown>>(
      await api.request("/api/v1/clusters/prod/workloads?namespace=shop"),
      200,
    );
    expect(shop.items).toHaveLength(1);
    expect((await api.request("/api/v1/clusters/prod/workloads?nmespace=shop")).status).toBe(400);
  });

  it("starts a scan through the scan service (202), reads it, cancels it once (then 409)", async () => {
    await api.seedClusters("prod");
    const started = await api.request("/api/v1/scans", {
      method: "POST",
      json: { cluster: "prod", namespaces: ["shop", "billing"] },
    });
    const scan = await expectJson<{ id: string; status: string }>(started, 202);
    expect(started.headers.get("location")).toBe(`/api/v1/scans/${scan.id}`);
    expect(scan.status).toBe("queued");
    expect(api.scanCalls.started).toEqual([
      { clusterId: "prod", scope: { namespaces: ["shop", "billing"] }, trigger: "manual" },
    ]);
    await createScanRepository(api.db).recordImages(scan.id, [
      { digest: "sha256:aaaa", reference: "web:1", status: "complete", durationMs: 12 },
      { digest: "sha256:bbbb", reference: "db:1", status: "failed", error: "401 from the registry" },
    ]);
    const read = await expectJson<{ images: { digest: string; status: string; error?: string }[] }>(
      await api.request(`/api/v1/scans/${scan.id}`),
      200,
    );
    expect(read.images.map((i) => [i.digest, i.status, i.error])).toEqual([
      ["sha256:aaaa", "complete", undefined],
      ["sha256:bbbb", "failed", "401 from the registry"],
    ]);

    const cancelled = await expectJson<{ status: string }>(
      await api.request(`/api/v1/scans/${scan.id}/cancel`, { method: "POST" }),
      202,
    );
    expect(cancelled.status).toBe("cancelled");
    expect(api.scanCalls.cancelled).toEqual([scan.id]);
    const again = await expectJson<{ error: { message: string } }>(
      await api.request(`/api/v1/scans/${scan.id}/cancel`, { method: "POST" }),
      409,
    );
    expect(again.error.message).toMatch(/finished already \(cancelled\)/);

    expect((await api.request("/api/v1/scans/nope")).status).toBe(404);
    expect((await api.request("/api/v1/scans/nope/cancel", { method: "POST" })).status).toBe(404);
    expect((await api.request("/api/v1/scans", { method: "POST", json: { cluster: "nope" } })).status).toBe(
      404,
    );
    const missing = await expectJson<{ error: { details: { field: string } } }>(
      await api.request("/api/v1/scans", { method: "POST", json: { namespaces: [] } }),
      400,
    );
    expect(missing.error.details.field).toBe("cluster");
    expect(api.scanCalls.started).toHaveLength(1);
  });

  it("pages scans newest first across clusters without duplicates or gaps, filtered by cluster and status", async () => {
    await api.seedClusters("a", "b");
    const scans = createScanRepository(api.db);
    for (let i = 0; i < 7; i++) {
      await scans.create({
        id: `s${i}`,
        clusterId: i % 2 === 0 ? "a" : "b",
        trigger: "manual",
        scope: { namespaces: [] },
        // s5 and s6 share a time: the id breaks the tie
        createdAt: at(Math.min(i, 5)),
      });
    }
    await scans.updateStatus({ id: "s2", status: "failed", at: at(20) });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page: Page<{ id: string }> = await expectJson(
        await api.request(`/api/v1/scans?limit=3${cursor ? `&cursor=${cursor}` : ""}`),
        200,
      );
      seen.push(...page.items.map((s) => s.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(["s6", "s5", "s4", "s3", "s2", "s1", "s0"]);

    const onlyA = await expectJson<Page<{ id: string }>>(await api.request("/api/v1/scans?cluster=a"), 200);
    expect(onlyA.items.map((s) => s.id)).toEqual(["s6", "s4", "s2", "s0"]);
    const failed = await expectJson<Page<{ id: string }>>(
      await api.request("/api/v1/scans?status=failed,running"),
      200,
    );
    expect(failed.items.map((s) => s.id)).toEqual(["s2"]);
    for (const query of ["status=done", "limit=0", "limit=201", "cursor=garbage"]) {
      const error = await expectJson<{ error: { details: { field: string } } }>(
        await api.request(`/api/v1/scans?${query}`),
        400,
      );
      expect(error.error.details.field).toBe(`query.${query.split("=")[0]}`);
    }
  });
});
