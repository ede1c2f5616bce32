import { advisoryRevision, findingKey } from "@vigil/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import type { KubeApiRule } from "../../../../scripts/test-env/kube-api/authorization.js";
import { osv } from "../db/test-support/sync-fixtures.js";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import { createFindingHistoryRepository } from "../store/finding-history-repository.js";
import type { FindingRecord } from "../store/finding-record.js";
import type { ScanRunner } from "./scan-runner.js";
import { createScanStores, type ScanStores } from "./scan-stores.js";
import {
  deploymentPod,
  digestOf,
  hangingReader,
  kubeconfigCluster,
  MUSL_CVE,
  OPENSSL_CVE,
  replicaSet,
  STARTED,
  settableClock,
  shopPod,
  startTestCluster,
  type TestCluster,
  writeAdvisories,
} from "./test-support/cluster-fixtures.js";
import { testScanRunners } from "./test-support/test-scan-runners.js";

// The scan runner end to end: the test Kubernetes API server (real REST protocol, RBAC-like
// 403s), the real test registries, the real advisory store and repositories, on both databases.
const env = testEnv();
const alpine310 = digestOf("alpine-3.10");
const alpine311 = digestOf("alpine-3.11");
const minbase = digestOf("minbase");
const repo310 = `${env.registry}/vigil/alpine-3.10`;
const repo311 = `${env.registry}/vigil/alpine-3.11`;
const T0 = "2024-06-03T10:00:00.000Z";
const T1 = "2024-06-03T11:00:00.000Z";
const T2 = "2024-06-03T12:00:00.000Z";

// What deploy/rbac.yaml grants, except pods cluster-wide and in secret-team.
const rules: KubeApiRule[] = [
  { user: "*", verbs: ["list", "watch"], resources: ["namespaces"] },
  { user: "*", verbs: ["list", "watch"], resources: ["pods"], namespaces: ["shop", "batch"] },
  { user: "*", verbs: ["get"], resources: ["serviceaccounts", "secrets"] },
  { user: "*", verbs: ["get", "list"], resources: ["replicasets", "jobs"] },
];

const byIdentity = (findings: readonly FindingRecord[]) =>
  new Map(
    findings.map((f) => [`${f.identity.workloadName}/${f.identity.packageName}/${f.identity.advisoryId}`, f]),
  );

describe.each(DIALECTS)("the scan runner on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let cluster: TestCluster;
  let stores: ScanStores;
  let clock: ReturnType<typeof settableClock>;
  const runners = testScanRunners(() => ({ database: database.current, cluster, clock }));

  beforeEach(async () => {
    cluster = await startTestCluster({
      tmpPrefix: "vigil-scan-runner-",
      objects: [
        replicaSet("shop", "web"),
        replicaSet("shop", "db"),
        shopPod(),
        deploymentPod({
          namespace: "secret-team",
          deployment: "hidden",
          pod: "hidden-7d4b9c8f5-aaaaa",
          repository: repo311,
          digest: alpine311,
        }),
      ],
      rules,
    });
    stores = createScanStores(database.current.db);
    clock = settableClock(T0);
    await stores.clusters.upsert(kubeconfigCluster("prod-eu", T0));
    await writeAdvisories(stores.advisories, [OPENSSL_CVE, MUSL_CVE]);
  });

  afterEach(async () => {
    await runners.stopAll();
    await cluster.close();
  });

  const newRunner = runners.create;

  const scanShop = async (runner: ScanRunner) => {
    const scan = await runner.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    return (await runner.finished(scan.id))!;
  };

  it("a manual scan stores the images, containers and findings with first seen, last seen and running since", async () => {
    const runner = newRunner();
    const queued = await runner.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    expect(queued).toMatchObject({ clusterId: "prod-eu", trigger: "manual", status: "queued" });
    const scan = await runner.finished(queued.id);
    expect(scan).toMatchObject({ status: "complete", startedAt: T0, finishedAt: T0 });
    expect(scan?.summary).toMatchObject({
      status: "complete",
      pods: 1,
      containers: 1,
      uniqueImages: 1,
      scanned: 1,
    });
    expect((await stores.clusters.get("prod-eu"))?.lastScanStatus).toBe("complete");

    const findings = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    expect([...findings.keys()].sort()).toEqual([
      "web/libcrypto1.1/CVE-2099-0001",
      "web/libssl1.1/CVE-2099-0001",
      "web/musl-utils/CVE-2099-0002",
      "web/musl/CVE-2099-0002",
    ]);
    const crypto = findings.get("web/libcrypto1.1/CVE-2099-0001")!;
    expect(crypto).toMatchObject({
      identity: { clusterId: "prod-eu", namespace: "shop", workloadKind: "Deployment", containerName: "app" },
      state: "detected",
      firstSeen: T0,
      lastSeen: T0,
      runningSince: STARTED,
      noLongerDetected: false,
      details: {
        imageDigest: alpine310,
        packageVersion: "1.1.1d-r2",
        fixedVersion: "1.1.1z-r0",
        image: `${repo310}:latest`,
      },
    });
    const history = await createFindingHistoryRepository(database.current.db).list(crypto.id);
    expect(history).toEqual([
      expect.objectContaining({ to: "detected", scanId: queued.id, actor: { type: "system" }, at: T0 }),
    ]);

    const stored = await stores.scans.get(queued.id);
    expect(stored?.images).toEqual([
      expect.objectContaining({
        digest: alpine310,
        reference: `${repo310}@${alpine310}`,
        status: "complete",
      }),
    ]);
    const image = await stores.images.get({ digest: alpine310, platform: "linux/amd64" });
    expect(image?.inventory.packages).toHaveLength(14);
    expect(image?.matchedWith).toBe(await advisoryRevision(stores.advisories));
    expect(image?.matches?.matches.map((m) => m.package.name).sort()).toEqual([
      "libcrypto1.1",
      "libssl1.1",
      "musl",
      "musl-utils",
    ]);
    expect(await stores.workloadContainers.list("prod-eu")).toEqual([
      expect.objectContaining({
        namespace: "shop",
        workloadKind: "Deployment",
        workloadName: "web",
        containerName: "app",
        digest: alpine310,
        runningSince: STARTED,
        lastSeenAt: T0,
      }),
    ]);
  });

  it("after an upgrade to another digest keeps one finding per identity and resolves what is gone", async () => {
    const runner = newRunner();
    const first = await scanShop(runner);
    const before = byIdentity(await stores.findings.loadForReconcile("prod-eu"));

    clock.set(T1);
    cluster.api.update(
      shopPod({ repository: repo311, digest: alpine311, startedAt: "2024-06-03T10:30:00Z" }),
    );
    const second = await scanShop(runner);
    expect(second.status).toBe("complete");

    const after = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    expect(after.size).toBe(4);
    for (const name of ["libcrypto1.1", "libssl1.1"]) {
      const key = `web/${name}/CVE-2099-0001`;
      expect(after.get(key)).toMatchObject({
        id: before.get(key)!.id,
        state: "detected",
        firstSeen: T0,
        lastSeen: T1,
        // detected without a break: the earliest start is kept across the upgrade
        runningSince: STARTED,
        details: { imageDigest: alpine311, packageVersion: "1.1.1d-r3" },
      });
    }
    const history = createFindingHistoryRepository(database.current.db);
    for (const name of ["musl", "musl-utils"]) {
      const finding = after.get(`web/${name}/CVE-2099-0002`)!;
      expect(finding).toMatchObject({
        id: before.get(`web/${name}/CVE-2099-0002`)!.id,
        state: "resolved",
        resolvedAt: T1,
        lastSeen: T0,
        noLongerDetected: true,
      });
      expect((await history.list(finding.id)).map((h) => [h.from, h.to, h.scanId])).toEqual([
        [undefined, "detected", first.id],
        ["detected", "resolved", second.id],
      ]);
    }
    expect(await stores.workloadContainers.list("prod-eu")).toEqual([
      expect.objectContaining({
        digest: alpine311,
        runningSince: "2024-06-03T10:30:00.000Z",
        lastSeenAt: T1,
      }),
    ]);
  });

  it("a scan with a forbidden namespace is partial and resolves nothing; a complete one then does", async () => {
    const runner = newRunner();
    await scanShop(runner);
    cluster.api.update(shopPod({ repository: repo311, digest: alpine311 }));

    clock.set(T1);
    const all = await runner.start({ clusterId: "prod-eu", scope: { namespaces: [] }, trigger: "manual" });
    const partial = await runner.finished(all.id);
    expect(partial?.status).toBe("partial");
    expect(partial?.failures).toEqual([
      expect.objectContaining({ scope: "namespace", subject: "secret-team" }),
    ]);
    let findings = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    expect(findings.get("web/musl/CVE-2099-0002")).toMatchObject({
      state: "detected",
      noLongerDetected: false,
    });
    expect(findings.get("web/libssl1.1/CVE-2099-0001")).toMatchObject({ state: "detected", lastSeen: T1 });
    // a partial scan forgets no container either
    expect((await stores.workloadContainers.list("prod-eu")).map((c) => c.digest)).toEqual([alpine311]);

    clock.set(T2);
    expect((await scanShop(runner)).status).toBe("complete");
    findings = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    expect(findings.get("web/musl/CVE-2099-0002")).toMatchObject({ state: "resolved", resolvedAt: T2 });
  });

  it("a scan where the registry refuses an image resolves nothing of the containers running it", async () => {
    const runner = newRunner();
    await scanShop(runner);

    clock.set(T1);
    // the auth registry without a pull secret: 401; another workload still scans fine
    cluster.api.update(shopPod({ repository: `${env.authRegistry}/vigil/minbase`, digest: minbase }));
    cluster.api.add(
      deploymentPod({
        namespace: "shop",
        deployment: "db",
        pod: "db-7d4b9c8f5-q1w2e",
        repository: repo311,
        digest: alpine311,
      }),
    );
    const scan = await scanShop(runner);
    expect(scan.status).toBe("partial");
    expect(scan.failures).toEqual([
      expect.objectContaining({
        scope: "image",
        subject: `${env.authRegistry}/vigil/minbase@${minbase}`,
      }),
    ]);
    const findings = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    for (const key of ["web/musl/CVE-2099-0002", "web/libssl1.1/CVE-2099-0001"]) {
      expect(findings.get(key)).toMatchObject({ state: "detected", lastSeen: T0 });
    }
    expect(findings.get("db/libssl1.1/CVE-2099-0001")).toMatchObject({ state: "detected", firstSeen: T1 });
    expect(findings.has("db/musl/CVE-2099-0002")).toBe(false);
  });

  it("matches its images again when the advisories changed after they were matched", async () => {
    const base = createScanStores(database.current.db);
    const zlib = osv("CVE-2099-0004", { affected: [["Alpine:v3.10", "zlib", "1.2.11-r3"]] });
    const runner = newRunner({
      stores: {
        images: {
          ...base.images,
          // an advisory update lands between matching and storing
          async upsert(image) {
            await base.images.upsert(image);
            await writeAdvisories(base.advisories, [OPENSSL_CVE, MUSL_CVE, zlib], { now: T1 });
          },
        },
      },
    });
    expect((await scanShop(runner)).status).toBe("complete");
    const findings = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    expect(findings.get("web/zlib/CVE-2099-0004")).toMatchObject({ state: "detected" });
    expect(findings.size).toBe(5);
    const image = await stores.images.get({ digest: alpine310, platform: "linux/amd64" });
    expect(image?.matchedWith).toBe(await advisoryRevision(stores.advisories));
    expect(image?.matches?.matches.some((m) => m.id === "CVE-2099-0004")).toBe(true);
  });

  it("keeps a dismissal made by hand while a scan reconciles, and the scan's own changes too", async () => {
    const base = createScanStores(database.current.db);
    let race: (() => Promise<void>) | undefined;
    const runner = newRunner({
      stores: {
        findings: {
          ...base.findings,
          // a person dismisses a finding after the scan read the findings and before it writes
          async loadForReconcile(clusterId) {
            const loaded = await base.findings.loadForReconcile(clusterId);
            const dismiss = race;
            race = undefined;
            await dismiss?.();
            return loaded;
          },
        },
      },
    });
    await scanShop(runner);
    const musl = byIdentity(await stores.findings.loadForReconcile("prod-eu")).get("web/musl/CVE-2099-0002")!;
    race = async () => {
      await base.findings.applyChanges({
        findings: [
          { ...musl, state: "dismissed", dismissal: { reason: "acceptable_risk", comment: "sandboxed" } },
        ],
        history: [
          {
            findingId: musl.id,
            at: T1,
            actor: { type: "user", id: "ann" },
            from: "detected",
            to: "dismissed",
            reason: "acceptable_risk",
            comment: "sandboxed",
          },
        ],
      });
    };

    clock.set(T1);
    expect((await scanShop(runner)).status).toBe("complete");
    expect(race).toBeUndefined();
    const after = byIdentity(await stores.findings.loadForReconcile("prod-eu")).get("web/musl/CVE-2099-0002");
    // the dismissal stays and the scan still recorded that it saw the finding again
    expect(after).toMatchObject({
      state: "dismissed",
      dismissal: { reason: "acceptable_risk" },
      lastSeen: T1,
    });
    const history = await createFindingHistoryRepository(database.current.db).list(musl.id);
    expect(history.map((h) => h.to)).toEqual(["detected", "dismissed"]);
  });

  it("fails a scan that runs past its time limit, and it resolves nothing", async () => {
    const runner = newRunner();
    await scanShop(runner);
    const before = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    cluster.api.update(shopPod({ repository: repo311, digest: alpine311 }));
    const limited = newRunner({ timeLimitMs: 1, recover: false });
    clock.set(T1);
    const scan = await limited.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    const finished = await limited.finished(scan.id);
    expect(finished).toMatchObject({ status: "failed" });
    expect(finished?.error).toMatch(/longer than its time limit \(0 s\).*nothing was resolved/);
    const after = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    expect([...after.values()].map((f) => f.state)).toEqual([...before.values()].map((f) => f.state));
    expect([...after.values()].every((f) => f.lastSeen === T0)).toBe(true);
  });

  it("runs one scan per cluster: a second start while one is queued or running returns it", async () => {
    const reader = hangingReader();
    const runner = newRunner({ kube: () => reader });
    const first = await runner.start({ clusterId: "prod-eu", scope: { namespaces: [] }, trigger: "manual" });
    const again = await runner.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "schedule",
    });
    expect(again.id).toBe(first.id);
    await expect(
      runner.start({ clusterId: "nowhere", scope: { namespaces: [] }, trigger: "manual" }),
    ).rejects.toMatchObject({ name: "ApiError", status: 404 });
    expect(await runner.cancel(first.id)).toBe(true);
  });

  it("cancels a running scan through its signal: cancelled, nothing written, nothing resolved", async () => {
    const runner = newRunner();
    await scanShop(runner);
    const reader = hangingReader();
    const hanging = newRunner({ kube: () => reader });
    cluster.api.update(shopPod({ repository: repo311, digest: alpine311 }));
    const scan = await hanging.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    await until(() => reader.calls() > 0);
    expect(await hanging.cancel(scan.id)).toBe(true);
    const cancelled = await hanging.finished(scan.id);
    expect(cancelled).toMatchObject({ status: "cancelled", error: "cancelled" });
    expect(await hanging.cancel(scan.id)).toBe(false);
    const findings = await stores.findings.loadForReconcile("prod-eu");
    expect(findings.every((f) => f.state === "detected" && f.lastSeen === T0)).toBe(true);
  });

  it("cancels a queued scan before it starts", async () => {
    await stores.clusters.upsert(kubeconfigCluster("prod-us", T0));
    const reader = hangingReader();
    const runner = newRunner({ kube: () => reader, concurrency: { scans: 1 } });
    const running = await runner.start({
      clusterId: "prod-eu",
      scope: { namespaces: [] },
      trigger: "manual",
    });
    const queued = await runner.start({ clusterId: "prod-us", scope: { namespaces: [] }, trigger: "manual" });
    await until(() => reader.calls() > 0);
    expect((await stores.scans.get(queued.id))?.status).toBe("queued");
    expect(await runner.cancel(queued.id)).toBe(true);
    expect(await runner.finished(queued.id)).toMatchObject({ status: "cancelled" });
    expect((await stores.scans.get(queued.id))?.startedAt).toBeUndefined();
    expect(await runner.cancel(running.id)).toBe(true);
    await runner.idle();
    expect(reader.calls()).toBe(1);
  });

  it("stop() interrupts running scans and queues them again for the next start, which runs them", async () => {
    const reader = hangingReader();
    const runner = newRunner({ kube: () => reader });
    const scan = await runner.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    await until(() => reader.calls() > 0);
    await runner.stop();
    await expect(
      runner.start({ clusterId: "prod-eu", scope: { namespaces: [] }, trigger: "manual" }),
    ).rejects.toMatchObject({ status: 503 });
    expect(await stores.scans.get(scan.id)).toMatchObject({ status: "interrupted" });
    const queued = (await stores.scans.listByCluster("prod-eu", { statuses: ["queued"] })).items;
    expect(queued).toEqual([
      expect.objectContaining({ trigger: "manual", scope: { namespaces: ["shop"] }, status: "queued" }),
    ]);

    const next = newRunner();
    const recovered = await next.recovered;
    expect(recovered).toMatchObject({ adopted: [queued[0]!.id], interrupted: [], requeued: [] });
    expect(await next.finished(queued[0]!.id)).toMatchObject({ status: "complete" });
    expect(await stores.findings.loadForReconcile("prod-eu")).toHaveLength(4);
  });

  it("on start, marks the scans a dead process left running as interrupted and queues them again", async () => {
    await stores.policies.create({
      id: "p1",
      name: "nightly",
      enabled: true,
      cadence: "0 2 * * *",
      timezone: "UTC",
      clusters: ["prod-eu"],
      namespaces: ["shop"],
      severityThreshold: "high",
      yaml: "name: nightly",
      createdAt: T0,
    });
    await stores.scans.create({
      id: "dead-1",
      clusterId: "prod-eu",
      policyId: "p1",
      trigger: "schedule",
      scope: { namespaces: ["shop"] },
      createdAt: "2024-06-03T09:00:00.000Z",
      status: "running",
    });
    const runner = newRunner();
    const report = await runner.recovered;
    expect(report.interrupted).toEqual(["dead-1"]);
    expect(report.requeued).toEqual([
      expect.objectContaining({
        clusterId: "prod-eu",
        policyId: "p1",
        trigger: "schedule",
        scope: { namespaces: ["shop"] },
        status: "queued",
      }),
    ]);
    const requeued = report.requeued[0]!;
    expect(await stores.scans.get("dead-1")).toMatchObject({
      status: "interrupted",
      error: expect.stringContaining(requeued.id),
    });
    expect(await runner.finished(requeued.id)).toMatchObject({ status: "complete" });
    const findings = await stores.findings.loadForReconcile("prod-eu");
    const history = createFindingHistoryRepository(database.current.db);
    for (const f of findings) {
      expect((await history.list(f.id)).map((h) => h.scanId)).toEqual([requeued.id]);
    }
    expect(new Set(findings.map((f) => findingKey(f.identity))).size).toBe(4);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
