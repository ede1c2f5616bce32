import { join } from "node:path";
import type { KubernetesReader } from "@vigil/core";
import { sql } from "kysely";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testEnv } from "../../../../scripts/test-env/env.js";
import type { VigilDatabase } from "../db/create-database.js";
import { useTestDatabase } from "../db/test-support/test-databases.js";
import { storeDb } from "../store/store-schema.js";
import { createQueuedScanService, type QueuedScanService } from "./queued-scan-service.js";
import { jobIdOf, openScanQueue, SCAN_QUEUE, type ScanQueue, type ScanQueueOptions } from "./scan-queue.js";
import { createScanStores, type ScanStores } from "./scan-stores.js";
import { type ScanWorker, type ScanWorkerOptions, startScanWorker } from "./scan-worker.js";
import {
  hangingReader,
  kubeconfigCluster,
  kubeFrom,
  MUSL_CVE,
  OPENSSL_CVE,
  startTestCluster,
  type TestCluster,
  writeAdvisories,
} from "./test-support/cluster-fixtures.js";

// The scan queue in PostgreSQL mode, in one process: servers' queued scan services and
// workers, each over its own database handle (pool), sharing one pg-boss queue, against the
// test Kubernetes API server and the real test registry. The same with real processes
// (`vigil serve`, `vigil worker`, SIGKILL) is packages/cli/src/worker.test.ts.
const env = testEnv();
const silent = pino({ level: "silent" });
const T0 = "2024-06-03T10:00:00.000Z";

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("scan workers on postgres", () => {
  const database = useTestDatabase("postgres");
  let cluster: TestCluster;
  let stores: ScanStores;
  const queues: ScanQueue[] = [];
  const workers: ScanWorker[] = [];
  const services: QueuedScanService[] = [];

  beforeEach(async () => {
    cluster = await startTestCluster({ tmpPrefix: "vigil-scan-worker-" });
    stores = createScanStores(database.current.db);
    // two clusters behind the same API server: they run the same digest
    for (const id of ["prod-eu", "prod-us"]) await stores.clusters.upsert(kubeconfigCluster(id, T0));
    await writeAdvisories(stores.advisories, [OPENSSL_CVE, MUSL_CVE]);
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) await worker.stop();
    for (const service of services.splice(0)) await service.stop();
    const schemas = new Set(queues.map((q) => q.schema));
    for (const queue of queues.splice(0)) await queue.close(1000);
    for (const schema of schemas)
      await sql.raw(`drop schema if exists "${schema}" cascade`).execute(database.current.db);
    await cluster.close();
  });

  /** A "server": its own database handle, the queue over it and the queued scan service. */
  const server = async (queueOptions: ScanQueueOptions = {}) => {
    const handle: VigilDatabase = database.reopen();
    const queue = await openScanQueue(handle, {
      pollingIntervalSeconds: 0.5,
      ...queueOptions,
      logger: silent,
    });
    queues.push(queue);
    const service = createQueuedScanService({ database: handle, queue, logger: silent });
    services.push(service);
    return { handle, queue, service };
  };

  const worker = async (
    overrides: Partial<ScanWorkerOptions> = {},
    queueOptions: ScanQueueOptions = {},
  ): Promise<ScanWorker> => {
    const { handle, queue, service } = await server(queueOptions);
    const started = await startScanWorker({
      database: handle,
      queue,
      service,
      kube: kubeFrom(cluster.kubeconfig),
      cacheDir: join(cluster.dir, "cache"),
      registry: { caFile: env.registryCaFile },
      storePollMs: 50,
      logger: silent,
      ...overrides,
    });
    workers.push(started);
    return started;
  };

  const statusOf = async (scanId: string) => (await stores.scans.get(scanId))?.status;
  const finished = (scanId: string) =>
    until(
      `scan ${scanId} finishes`,
      async () => !["queued", "running"].includes((await statusOf(scanId)) ?? ""),
    );
  const count = async (table: "findings" | "finding_history" | "scans") =>
    Number(
      (
        await storeDb(database.current.db)
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it("a scan started on one server is run by a worker over another connection, once; starting again returns it", async () => {
    const a = await server();
    const b = await server();
    const request = { clusterId: "prod-eu", scope: { namespaces: ["shop"] }, trigger: "manual" as const };
    // three starts at once on two servers: one scan
    const started = await Promise.all([
      a.service.start(request),
      a.service.start(request),
      b.service.start(request),
    ]);
    expect(new Set(started.map((s) => s.id)).size).toBe(1);
    await expect(a.service.start({ ...request, clusterId: "nowhere" })).rejects.toMatchObject({
      status: 404,
    });
    const w = await worker();
    await finished(started[0]!.id);
    expect(await stores.scans.get(started[0]!.id)).toMatchObject({ status: "complete", trigger: "manual" });
    expect(await stores.scans.attemptState(started[0]!.id)).toEqual({ status: "complete", attempt: 1 });
    expect(await stores.findings.loadForReconcile("prod-eu")).toHaveLength(4);
    expect(await count("scans")).toBe(1);
    expect(w.taken()).toBe(1);
    // finished: the next start queues a new scan
    const next = await b.service.start(request);
    expect(next.id).not.toBe(started[0]!.id);
    await finished(next.id);
    expect(await statusOf(next.id)).toBe("complete");
  });

  it("cancelling on another server stops the worker's running scan, which writes nothing", async () => {
    const reader = hangingReader();
    const w = await worker({ kube: () => reader });
    const other = await server();
    const scan = await other.service.start({
      clusterId: "prod-eu",
      scope: { namespaces: [] },
      trigger: "manual",
    });
    await until("the worker reads the cluster", () => reader.calls() > 0);
    expect(await other.service.cancel(scan.id)).toBe(true);
    await until("the worker lets the scan go", () => w.running() === 0);
    expect(await stores.scans.get(scan.id)).toMatchObject({ status: "cancelled", images: [] });
    expect(await count("findings")).toBe(0);
    expect(await other.service.cancel(scan.id)).toBe(false);
  });

  it("a job retried after its expiry takes the scan over; the earlier attempt writes nothing", async () => {
    // the first attempt hangs (a worker that stopped answering), the retry reads the cluster
    const hanging = hangingReader();
    let calls = 0;
    const real = kubeFrom(cluster.kubeconfig);
    const kube = (record: Parameters<typeof real>[0]): KubernetesReader =>
      ++calls === 1 ? hanging : real(record);
    const w = await worker(
      { kube, concurrency: 2 },
      { expireInSeconds: 1, maintenanceIntervalSeconds: 1, retryDelaySeconds: 0 },
    );
    const { service } = await server({ expireInSeconds: 1, retryDelaySeconds: 0 });
    const scan = await service.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "manual",
    });
    await finished(scan.id);
    expect(await stores.scans.attemptState(scan.id)).toEqual({ status: "complete", attempt: 2 });
    // the first attempt saw it had been taken over and stopped
    await until("the first attempt stops", () => w.running() === 0);
    expect(w.taken()).toBe(2);
    expect(await count("scans")).toBe(1);
    expect(await count("findings")).toBe(4);
    // each finding was created once: one history entry each
    expect(await count("finding_history")).toBe(4);
  });

  it("two workers scanning two clusters that run one digest pull it once; the other reads the image cache", async () => {
    await worker();
    await worker();
    const { service } = await server();
    const scans = await Promise.all(
      ["prod-eu", "prod-us"].map((clusterId) =>
        service.start({ clusterId, scope: { namespaces: ["shop"] }, trigger: "manual" }),
      ),
    );
    for (const scan of scans) await finished(scan.id);
    const images = await Promise.all(scans.map(async (s) => (await stores.scans.get(s.id))!.images));
    expect(images.map((list) => list.length)).toEqual([1, 1]);
    expect(images.map((list) => list[0]!.fromCache ?? "pulled").sort()).toEqual(["matches", "pulled"]);
  });

  it("a scan whose job ended without finishing it is failed and replaced at the next start", async () => {
    const { service, queue } = await server({ retryLimit: 0 });
    const request = { clusterId: "prod-eu", scope: { namespaces: ["shop"] }, trigger: "manual" as const };
    const stuck = await service.start(request);
    expect(await queue.alive(stuck.id)).toBe(true);
    // a worker took it and died, and the job has no retries left
    expect(await stores.scans.beginAttempt({ id: stuck.id, at: T0, from: ["queued"] })).toBe(1);
    await queue.boss.fail(SCAN_QUEUE, jobIdOf(stuck.id), { message: "the worker died" });
    expect(await queue.alive(stuck.id)).toBe(false);
    const next = await service.start(request);
    expect(next.id).not.toBe(stuck.id);
    expect(await stores.scans.get(stuck.id)).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/its job ended without finishing it/),
    });
    expect(await queue.alive(next.id)).toBe(true);
    expect((await service.start(request)).id).toBe(next.id);
  });

  it("stopping a worker interrupts its running scan and queues it again; another worker completes that", async () => {
    const reader = hangingReader();
    const first = await worker({ kube: () => reader });
    const { service } = await server();
    const scan = await service.start({
      clusterId: "prod-eu",
      scope: { namespaces: ["shop"] },
      trigger: "schedule",
    });
    await until("the worker reads the cluster", () => reader.calls() > 0);
    await first.stop();
    expect(await stores.scans.get(scan.id)).toMatchObject({ status: "interrupted", images: [] });
    expect((await stores.scans.get(scan.id))?.error).toMatch(
      /stopped while the scan ran; it was queued again/,
    );
    const [again] = (await stores.scans.listByCluster("prod-eu", { statuses: ["queued"] })).items;
    expect(again).toMatchObject({ trigger: "schedule", scope: { namespaces: ["shop"] } });
    await worker();
    await finished(again!.id);
    expect(await statusOf(again!.id)).toBe("complete");
    expect(await count("findings")).toBe(4);
  });
});

describe("the scan queue on sqlite", () => {
  const database = useTestDatabase("sqlite");
  it("is refused with what to do", async () => {
    await expect(openScanQueue(database.current, { logger: silent })).rejects.toThrow(
      /the scan queue needs PostgreSQL \(DATABASE_URL=postgres:\/\/…\)/,
    );
  });
});
