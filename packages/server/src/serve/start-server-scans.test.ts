import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { DIALECTS, useTestDatabase } from "../db/test-support/test-databases.js";
import type { AdvisorySync } from "../scans/advisory-sync.js";
import type { ScanService } from "../scans/scan-service.js";
import { createScanStores } from "../scans/scan-stores.js";
import {
  countingIds,
  hangingReader,
  MUSL_CVE,
  OPENSSL_CVE,
  settableClock,
  startTestCluster,
  type TestCluster,
  writeAdvisories,
} from "../scans/test-support/cluster-fixtures.js";
import { type RunningServer, type StartServerOptions, startServer } from "./start-server.js";

// `vigil serve` with scans: the first cluster from the kubeconfig, the scheduler over stored
// policies with an injected clock, the advisory update job with an offline sync, and a graceful
// stop, against the test Kubernetes API server and registry.
const env = testEnv();
const T0 = "2024-06-03T10:00:00.000Z";
const MINUTE = 60_000;
const neverFire = { setTimeout: () => 0, clearTimeout: () => {} };

const POLICY = `
name: every-ten-minutes
rules:
  - type: schedule
    cadence: '*/10 * * * *'
    clusters: [prod-eu]
    namespaces: [shop]
actions:
  - scan: cluster_image_scanning
    severity_threshold: high
`;

function capturingLogger() {
  const lines: { msg: string; [key: string]: unknown }[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe.each(DIALECTS)("the server's scans on %s", (dialect) => {
  const database = useTestDatabase(dialect);
  let cluster: TestCluster;
  let server: RunningServer | undefined;
  let clock: ReturnType<typeof settableClock>;

  beforeEach(async () => {
    cluster = await startTestCluster({ tmpPrefix: "vigil-serve-scans-" });
    clock = settableClock(T0);
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await cluster.close();
  });

  const start = async (
    scans: Partial<NonNullable<StartServerOptions["scans"]>> = {},
    more: Partial<StartServerOptions> = {},
  ) => {
    server = await startServer({
      database: database.current,
      port: 0,
      host: "127.0.0.1",
      version: "9.9.9",
      logger: pino({ level: "silent" }),
      scans: {
        enabled: true,
        kubeconfigPath: cluster.kubeconfig,
        cacheDir: join(cluster.dir, "cache"),
        clock,
        ids: countingIds(),
        registry: { caFile: env.registryCaFile },
        scheduler: { timers: neverFire },
        advisoryUpdate: { sync: async () => ({ sources: [] }) },
        // the in-process runner on both dialects (the queue has its own tests: scan-queue-*.test.ts)
        queue: false,
        ...scans,
      },
      ...more,
    });
    return server;
  };

  it("registers the current kubeconfig context as the first cluster, and gives the routes the runner", async () => {
    const { logger, lines } = capturingLogger();
    let services: { scans?: ScanService } | undefined;
    const running = await start(
      {},
      {
        logger,
        routes: (_db, given) => {
          services = given;
          return [];
        },
      },
    );
    expect(running.scans?.registeredCluster).toMatchObject({
      id: "prod-eu",
      name: "prod-eu",
      connectionKind: "kubeconfig",
      kubeconfigContext: "prod-eu",
    });
    expect(services?.scans).toBe(running.scans?.runner);
    expect(lines.find((l) => l.msg.startsWith("registered the current kubeconfig context"))).toMatchObject({
      clusterId: "prod-eu",
      server: cluster.api.url,
    });
    await running.close();

    // a second start finds the cluster stored and registers nothing
    const again = await start({ ids: countingIds("again") });
    expect(again.scans?.registeredCluster).toBeUndefined();
    expect(await createScanStores(database.current.db).clusters.list()).toHaveLength(1);
  });

  it("says how to add a cluster when none is stored and no kubeconfig is found", async () => {
    const { logger, lines } = capturingLogger();
    const running = await start({ kubeconfigPath: join(cluster.dir, "missing-kubeconfig") }, { logger });
    expect(running.scans?.registeredCluster).toBeUndefined();
    expect(lines.find((l) => l.msg.startsWith("no cluster is registered"))?.msg).toMatch(
      /start `vigil serve` with a kubeconfig .* or add a cluster through the API/,
    );
    expect(await createScanStores(database.current.db).clusters.list()).toEqual([]);
  });

  it("runs a stored policy at its cadence on the injected clock, and the advisory update every six hours", async () => {
    const sync = vi.fn<AdvisorySync>(async ({ advisories, now }) => {
      await writeAdvisories(advisories, [OPENSSL_CVE, MUSL_CVE], { now: now.toISOString() });
      return { sources: [] };
    });
    const running = await start({ advisoryUpdate: { sync } });
    const stores = createScanStores(database.current.db);
    await stores.policies.create({
      id: "p1",
      name: "every-ten-minutes",
      enabled: true,
      cadence: "*/10 * * * *",
      timezone: "UTC",
      clusters: ["prod-eu"],
      namespaces: ["shop"],
      severityThreshold: "high",
      yaml: POLICY,
      createdAt: T0,
    });
    const scheduler = running.scans!.scheduler;
    const planned = await scheduler.tick();
    // a fresh install has never synced: the advisory update ran at the first tick
    expect(sync).toHaveBeenCalledTimes(1);
    expect(planned.runs).toEqual([]);
    expect((await stores.policies.get("p1"))?.nextRunAt).toBe("2024-06-03T10:10:00.000Z");

    clock.advance(10 * MINUTE);
    const report = await scheduler.tick();
    expect(report.runs).toEqual([
      expect.objectContaining({
        kind: "policy",
        policyId: "p1",
        scopes: [{ cluster: "prod-eu", namespaces: ["shop"] }],
      }),
    ]);
    await running.scans!.runner!.idle();
    const [scan] = (await stores.scans.listByCluster("prod-eu")).items;
    expect(scan).toMatchObject({
      trigger: "schedule",
      policyId: "p1",
      scope: { namespaces: ["shop"] },
      status: "complete",
    });
    expect(await stores.findings.loadForReconcile("prod-eu")).toHaveLength(4);
    expect(await stores.policies.get("p1")).toMatchObject({
      lastRunAt: "2024-06-03T10:10:00.000Z",
      nextRunAt: "2024-06-03T10:20:00.000Z",
    });
    expect(sync).toHaveBeenCalledTimes(1);

    clock.set("2024-06-03T12:00:00.000Z");
    await scheduler.tick();
    expect(sync).toHaveBeenCalledTimes(2);
  });

  it("never runs the advisory update when it is disabled", async () => {
    const sync = vi.fn<AdvisorySync>(async () => ({ sources: [] }));
    const running = await start({ advisoryUpdate: { sync, enabled: false } });
    await running.scans!.scheduler.tick();
    clock.advance(24 * 60 * MINUTE);
    await running.scans!.scheduler.tick();
    expect(sync).not.toHaveBeenCalled();
  });

  it("close() interrupts a running scan, which is queued again for the next start", async () => {
    const reader = hangingReader();
    const running = await start({ kube: () => reader });
    const scan = await running.scans!.runner!.start({
      clusterId: "prod-eu",
      scope: { namespaces: [] },
      trigger: "manual",
    });
    while (reader.calls() === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await running.close();
    server = undefined;
    const stores = createScanStores(database.current.db);
    expect(await stores.scans.get(scan.id)).toMatchObject({ status: "interrupted" });
    expect((await stores.scans.listByCluster("prod-eu", { statuses: ["queued"] })).items).toHaveLength(1);

    const next = await start({ ids: countingIds("next") });
    const recovered = await next.scans!.runner!.recovered;
    expect(recovered.adopted).toHaveLength(1);
    expect(await next.scans!.runner!.finished(recovered.adopted[0]!)).toMatchObject({ status: "complete" });
  });
});
