import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { advisoryRevision } from "@vigil/core";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { osv } from "../db/test-support/sync-fixtures.js";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import { createFindingHistoryRepository } from "../store/finding-history-repository.js";
import type { FindingRecord } from "../store/finding-record.js";
import { createAdvisoryUpdate } from "./advisory-update.js";
import { createScanRunner, type ScanRunner } from "./scan-runner.js";
import { createScanStores, type ScanStores } from "./scan-stores.js";
import {
  BUSYBOX_CVE,
  countingIds,
  digestOf,
  kubeconfigCluster,
  kubeFrom,
  OPENSSL_CVE,
  STARTED,
  settableClock,
  shopDeployment,
  startTestCluster,
  type TestCluster,
  writeAdvisories,
} from "./test-support/cluster-fixtures.js";

// Re-matching after an advisory update: the image is pulled once through a registry proxy that
// is closed before the advisories change, so the re-match provably pulls nothing; the test
// Kubernetes API server's request log shows that it reads no cluster either.
const env = testEnv();
const silent = pino({ level: "silent" });
const alpine311 = digestOf("alpine-3.11");
const T0 = "2024-06-03T10:00:00.000Z";
const T1 = "2024-06-03T16:00:00.000Z";
const T2 = "2024-06-03T22:00:00.000Z";

/** A plain-HTTP proxy in front of the test registry that counts what it forwards. */
async function startRegistryProxy(): Promise<{
  host: string;
  requests: () => number;
  close: () => Promise<void>;
}> {
  const [hostname, port] = env.registry.split(":") as [string, string];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    const upstream = request(
      {
        hostname,
        port: Number(port),
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: env.registry },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port: proxyPort } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${proxyPort}`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const byIdentity = (findings: readonly FindingRecord[]) =>
  new Map(findings.map((f) => [`${f.identity.packageName}/${f.identity.advisoryId}`, f]));

describe.each(DIALECTS)("re-matching stored images on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let cluster: TestCluster;
  let proxy: Awaited<ReturnType<typeof startRegistryProxy>>;
  let stores: ScanStores;
  let runner: ScanRunner;
  let clock: ReturnType<typeof settableClock>;

  beforeEach(async () => {
    proxy = await startRegistryProxy();
    cluster = await startTestCluster({
      tmpPrefix: "vigil-rematch-",
      objects: shopDeployment({ repository: `${proxy.host}/vigil/alpine-3.11`, digest: alpine311 }),
    });
    stores = createScanStores(database.current.db);
    clock = settableClock(T0);
    await stores.clusters.upsert(kubeconfigCluster("prod-eu", T0));
    runner = createScanRunner({
      database: database.current,
      kube: kubeFrom(cluster.kubeconfig),
      clock,
      ids: countingIds(),
      cacheDir: join(cluster.dir, "cache"),
      logger: silent,
    });
  });

  afterEach(async () => {
    await runner.stop();
    await proxy.close();
    await cluster.close();
  });

  it("adds and updates findings from stored inventories under an advisory-update scan, pulls nothing and resolves nothing", async () => {
    await writeAdvisories(stores.advisories, [BUSYBOX_CVE], { now: "2024-06-01T00:00:00.000Z" });
    const scan = await runner.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    expect((await runner.finished(scan.id))?.status).toBe("complete");
    const first = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    expect([...first.keys()].sort()).toEqual(["busybox/CVE-2099-0003", "ssl_client/CVE-2099-0003"]);
    expect(proxy.requests()).toBeGreaterThan(0);
    await proxy.close();
    const pulls = proxy.requests();
    const kubeRequests = cluster.api.requests.length;

    // The advisories change outside the job (a sync, an import); the job's own sync is a no-op.
    const update = createAdvisoryUpdate({
      advisories: stores.advisories,
      runner,
      sync: async () => ({ sources: [] }),
      clock,
      logger: silent,
    });
    const changedBusybox = osv("CVE-2099-0003", {
      affected: [["Alpine:v3.11", "busybox", "1.31.1-r11"]],
    });
    await writeAdvisories(stores.advisories, [OPENSSL_CVE, changedBusybox], {
      now: "2024-06-03T15:00:00.000Z",
    });
    clock.set(T1);
    const report = await update();
    expect(report.rematch).toMatchObject({ images: 1, failedImages: 0 });
    expect(report.rematch.clusters).toEqual([
      {
        clusterId: "prod-eu",
        scanId: expect.any(String),
        counts: expect.objectContaining({ created: 2, "still-detected": 2, resolved: 0 }),
      },
    ]);
    const updateScanId = report.rematch.clusters[0]!.scanId;
    const updateScan = await stores.scans.get(updateScanId);
    expect(updateScan).toMatchObject({
      trigger: "advisory-update",
      status: "partial",
      startedAt: T1,
      finishedAt: T1,
      summary: expect.objectContaining({ uniqueImages: 1, containers: 1, pods: 0 }),
      images: [expect.objectContaining({ digest: alpine311, fromCache: "inventory", status: "complete" })],
    });
    // the re-match is stored `partial` so that it resolves nothing, but it did not look at the
    // cluster: the cluster's last scan is still the manual one
    expect(await stores.clusters.get("prod-eu")).toMatchObject({
      lastScanStatus: "complete",
      lastScanAt: T0,
    });

    const second = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    const history = createFindingHistoryRepository(database.current.db);
    for (const name of ["libcrypto1.1", "libssl1.1"]) {
      const created = second.get(`${name}/CVE-2099-0001`)!;
      expect(created).toMatchObject({
        state: "detected",
        firstSeen: T1,
        lastSeen: T1,
        runningSince: STARTED,
        details: { imageDigest: alpine311, fixedVersion: "1.1.1z-r0" },
      });
      expect(await history.list(created.id)).toEqual([
        expect.objectContaining({ to: "detected", scanId: updateScanId, at: T1 }),
      ]);
    }
    // detected again: the new fixed version, but no scan saw it run, so last seen stays
    expect(second.get("busybox/CVE-2099-0003")).toMatchObject({
      id: first.get("busybox/CVE-2099-0003")!.id,
      lastSeen: T0,
      details: { fixedVersion: "1.31.1-r11" },
    });
    const image = await stores.images.get({ digest: alpine311, platform: "linux/amd64" });
    expect(image?.matchedWith).toBe(await advisoryRevision(stores.advisories));
    expect(image?.matchedAt).toBe(T1);

    // The busybox advisory is withdrawn: a re-match never resolves, the next complete scan does.
    await writeAdvisories(stores.advisories, [OPENSSL_CVE], { now: "2024-06-03T21:00:00.000Z" });
    clock.set(T2);
    const again = await update();
    expect(again.rematch).toMatchObject({ images: 1, clusters: [] });
    const third = byIdentity(await stores.findings.loadForReconcile("prod-eu"));
    expect([...third.values()].map((f) => f.state)).toEqual(["detected", "detected", "detected", "detected"]);
    expect(third.get("busybox/CVE-2099-0003")).toMatchObject({ state: "detected", noLongerDetected: false });

    // nothing left to re-match
    expect((await update()).rematch).toMatchObject({ images: 0, clusters: [] });
    expect(proxy.requests()).toBe(pulls);
    expect(cluster.api.requests.length).toBe(kubeRequests);
    const scans = (await stores.scans.listByCluster("prod-eu")).items.map((s) => s.trigger);
    expect(scans).toEqual(["advisory-update", "manual"]);
  });

  it("matches again the images holding packages a sync names, even when the revision is unchanged", async () => {
    const scan = await runner.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    await runner.finished(scan.id);
    expect(await stores.findings.loadForReconcile("prod-eu")).toEqual([]);
    // an image matched with the current revision is not matched again without a reason
    expect((await runner.rematch()).images).toBe(0);
    expect((await runner.rematch({ packages: [{ ecosystem: "Alpine", name: "zlib" }] })).images).toBe(1);
    expect((await runner.rematch({ packages: [{ ecosystem: "Debian", name: "zlib" }] })).images).toBe(0);
  });
});
