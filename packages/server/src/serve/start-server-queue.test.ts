import { join } from "node:path";
import { sql } from "kysely";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import { useTestDatabase } from "../db/test-support/test-databases.js";
import type { ScanService } from "../scans/scan-service.js";
import { createScanStores } from "../scans/scan-stores.js";
import {
  MUSL_CVE,
  OPENSSL_CVE,
  startTestCluster,
  type TestCluster,
  writeAdvisories,
} from "../scans/test-support/cluster-fixtures.js";
import { type RunningServer, type StartServerOptions, startServer } from "./start-server.js";

// startServer on PostgreSQL with the scan queue (its default there): the server's own workers
// take the queue's jobs, and of two servers on one database only one schedules.
const env = testEnv();
const neverFire = { setTimeout: () => 0, clearTimeout: () => {} };

describe("the server's scan queue on postgres", () => {
  const database = useTestDatabase("postgres");
  let cluster: TestCluster;
  const servers: RunningServer[] = [];

  beforeEach(async () => {
    cluster = await startTestCluster({ tmpPrefix: "vigil-serve-queue-" });
    await writeAdvisories(createScanStores(database.current.db).advisories, [OPENSSL_CVE, MUSL_CVE]);
  });

  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
      database.current.db,
    );
    await sql.raw(`drop schema if exists "${rows[0]!.schema}_pgboss" cascade`).execute(database.current.db);
    await cluster.close();
  });

  const start = async (queue: NonNullable<StartServerOptions["scans"]>["queue"] = {}) => {
    let services: { scans?: ScanService } = {};
    const server = await startServer({
      database: database.reopen(),
      port: 0,
      host: "127.0.0.1",
      version: "9.9.9",
      logger: pino({ level: "silent" }),
      routes: (_db, given) => {
        services = given;
        return [];
      },
      scans: {
        enabled: true,
        kubeconfigPath: cluster.kubeconfig,
        cacheDir: join(cluster.dir, "cache"),
        registry: { caFile: env.registryCaFile },
        scheduler: { timers: neverFire },
        advisoryUpdate: { enabled: false },
        queue: { pollingIntervalSeconds: 0.5, leaderRetryMs: 100, storePollMs: 50, ...queue },
      },
    });
    servers.push(server);
    return { server, scans: services.scans! };
  };

  const leaderGauge = async (server: RunningServer) =>
    Number(/^vigil_scheduler_leader (\d)$/m.exec(await (await fetch(`${server.url}/metrics`)).text())?.[1]);

  it("runs a scan started through the routes' service with its own worker, and only one server schedules", async () => {
    const first = await start();
    const second = await start({ workers: 0 });
    expect(first.server.scans?.runner).toBeUndefined();
    expect(first.server.scans?.worker).toBeDefined();
    expect(second.server.scans?.worker).toBeUndefined();
    expect([first.server.scans?.isLeader(), second.server.scans?.isLeader()]).toEqual([true, false]);
    expect([await leaderGauge(first.server), await leaderGauge(second.server)]).toEqual([1, 0]);

    // started on the server without workers, run by the other's
    const scan = await second.scans.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    const stores = createScanStores(database.current.db);
    const deadline = Date.now() + 20_000;
    while ((await stores.scans.get(scan.id))?.status !== "complete" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await stores.scans.get(scan.id)).toMatchObject({ status: "complete" });
    expect(first.server.scans?.worker?.taken()).toBe(1);
    expect(await stores.findings.loadForReconcile("prod-eu")).toHaveLength(4);

    await first.server.close();
    servers.splice(servers.indexOf(first.server), 1);
    const until = Date.now() + 5000;
    while (!second.server.scans?.isLeader() && Date.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    expect(second.server.scans?.isLeader()).toBe(true);
    expect(await leaderGauge(second.server)).toBe(1);
  });

  it("the leader takes over an advisory-update re-match a dead leader left running, and re-matches again", async () => {
    const stores = createScanStores(database.current.db);
    await stores.clusters.upsert({
      id: "prod-eu",
      name: "prod-eu",
      connectionKind: "kubeconfig",
      kubeconfigContext: "prod-eu",
      createdAt: "2024-06-01T00:00:00.000Z",
    });
    const left = await stores.scans.create({
      id: "rematch-left",
      clusterId: "prod-eu",
      trigger: "advisory-update",
      scope: { namespaces: [] },
      createdAt: "2024-06-01T00:00:00.000Z",
    });
    await stores.scans.updateStatus({ id: left.id, status: "running", at: "2024-06-01T00:00:00.000Z" });
    const { server } = await start({ workers: 0 });
    expect(server.scans?.isLeader()).toBe(true);
    let taken = await stores.scans.get(left.id);
    for (let i = 0; i < 100 && taken?.status === "running"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      taken = await stores.scans.get(left.id);
    }
    expect(taken).toMatchObject({ status: "interrupted" });
    expect(taken?.error).toMatch(/re-matching stopped before it finished/);
    // the cluster's last real scan is not this one
    expect((await stores.clusters.get("prod-eu"))?.lastScanStatus).toBeUndefined();
  });
});
