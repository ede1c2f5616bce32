// Scan throughput through the PostgreSQL queue with 1, 2 and 4 `vigil worker` processes,
// against the in-process scan runner on the same database as the baseline, and the queue's
// overhead per job.
//
// The simulated cluster: CLUSTERS clusters (one namespace each, behind one test Kubernetes API
// server) running DIGESTS distinct digests between them, variants of the six real test images
// in a local docker-registry (scripts/bench/image-variants.mjs). Every scan reads every layer:
// no layer or image cache (the variants share layers, so a cache would measure the cache).
// A cluster scan is one job, so work spreads across workers cluster by cluster.
//
// Prints per run: images per minute, its ratio to the in-process runner, and each worker's
// share of the jobs; then the queue's overhead per job: empty pg-boss jobs sent and taken back
// to back, and an empty cluster scan (no pods) through the queue against the runner.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { BASES, compiledKubeApi, pushVariants } from "./image-variants.mjs";
import {
  cliMain,
  median,
  printTable,
  repoRoot,
  runVigil,
  startBenchRegistry,
  testImagesDir,
} from "./lib.mjs";
import { createSchema, dropSchema } from "./postgres-schema.mjs";

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 12);
const DIGESTS = Number(process.env.BENCH_DIGESTS ?? 48);
const WORKERS = [1, 2, 4];
const EMPTY_JOBS = Number(process.env.BENCH_EMPTY_JOBS ?? 300);
const EMPTY_SCANS = Number(process.env.BENCH_EMPTY_SCANS ?? 30);

const server = await import(join(repoRoot, "packages/server/dist/index.js"));
const { pino } = await import("pino");
const silent = pino({ level: "silent" });

/** What a failed run leaves: dropped and killed in the end. */
const leftovers = { schemas: new Set(), children: new Set() };

/** A fresh schema with Vigil's tables and the test advisories; returns its URL and cleanup. */
async function freshDatabase(clusterIds) {
  const { schema, url } = await createSchema("vigil_bench_workers");
  leftovers.schemas.add(schema);
  const database = server.createDatabase({ url, poolSize: 20 });
  await server.migrateToLatest(database.db);
  await runVigil(["db", "import", join(repoRoot, "packages/cli/src/testdata/secdb")], {
    DATABASE_URL: url,
  });
  const stores = server.createScanStores(database.db);
  for (const id of clusterIds) {
    await stores.clusters.upsert({
      id,
      name: id,
      connectionKind: "kubeconfig",
      kubeconfigContext: "bench",
      createdAt: new Date().toISOString(),
    });
  }
  return {
    url,
    database,
    stores,
    async drop() {
      await database.close();
      await dropSchema(schema);
    },
  };
}

/** Starts `vigil worker` processes; resolves when all take jobs. Counts the jobs each took. */
async function startWorkers(count, url, kubeconfig, work) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(
      process.execPath,
      [
        cliMain,
        "worker",
        "--name",
        `w${i + 1}`,
        "--kubeconfig",
        kubeconfig,
        "--no-cache",
        "--poll-interval",
        "0.5",
      ],
      { env: { ...process.env, DATABASE_URL: url, HOME: work }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const worker = { child, taken: 0, ready: false, stderr: "" };
    child.stdout.setEncoding("utf8").on("data", (d) => {
      worker.taken += d.split('"msg":"scan job taken"').length - 1;
    });
    child.stderr.setEncoding("utf8").on("data", (d) => {
      worker.stderr += d;
      if (worker.stderr.includes("taking scan jobs")) worker.ready = true;
    });
    leftovers.children.add(child);
    worker.exited = new Promise((resolve) => child.on("close", resolve));
    workers.push(worker);
  }
  // four workers starting at once on a busy 2-core machine can take a while
  const deadline = Date.now() + 180_000;
  while (!workers.every((w) => w.ready)) {
    if (Date.now() > deadline)
      throw new Error(`workers did not start: ${workers.map((w) => w.stderr).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return workers;
}

async function allFinished(stores, scans) {
  for (;;) {
    const states = await Promise.all(scans.map((s) => stores.scans.attemptState(s.id)));
    if (states.every((s) => s && !["queued", "running"].includes(s.status))) return states;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function imagesScanned(stores, scans) {
  let images = 0;
  for (const scan of scans) {
    const stored = await stores.scans.get(scan.id);
    if (stored.status !== "complete")
      throw new Error(`scan ${scan.id} is ${stored.status}: ${stored.error ?? ""}`);
    images += stored.images.filter((i) => i.status === "complete" && !i.fromCache).length;
  }
  return images;
}

const clusterIds = Array.from({ length: CLUSTERS }, (_, i) => `bench-${String(i).padStart(2, "0")}`);
const request = (clusterId) => ({ clusterId, scope: { namespaces: [clusterId] }, trigger: "manual" });

const images = testImagesDir();
const { startKubeApiServer } = await import(join(compiledKubeApi(), "kube-api/kube-api-server.js"));
const registry = await startBenchRegistry(join(images, "oci"), BASES);
const work = mkdtempSync(join(tmpdir(), "vigil-bench-workers-"));
let api;
try {
  const variants = await pushVariants(registry.host, DIGESTS);
  // cluster i runs the variants i, i + CLUSTERS, …: distinct digests everywhere, the six bases
  // spread over the clusters
  const objects = [];
  for (const [c, clusterId] of clusterIds.entries()) {
    objects.push({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: clusterId, uid: `ns-${clusterId}` },
    });
    for (let v = c; v < variants.length; v += CLUSTERS) objects.push(pod(clusterId, v, variants[v]));
  }
  // and a namespace with nothing running, for the empty scans
  objects.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: "empty", uid: "ns-empty" } });
  api = await startKubeApiServer({ objects });
  const kubeconfig = api.kubeconfig(join(work, "kubeconfig"), { context: "bench" });
  const kube = (cluster) =>
    server.createKubernetesClientReader(
      server.loadKubeConfig({ kubeconfigPath: kubeconfig, context: cluster.kubeconfigContext }).kubeConfig,
    );

  const rows = [];
  // baseline: the in-process runner, one scan at a time (what one `vigil worker` does), in a
  // process of its own; run twice, the first to warm the registry's files in the page cache
  for (const pass of ["warm-up", "measured"]) {
    const db = await freshDatabase(clusterIds);
    const output = await new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(repoRoot, "scripts/bench/in-process-scans.mjs"), kubeconfig, ...clusterIds],
        { env: { ...process.env, DATABASE_URL: db.url }, stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("close", (code) =>
        code === 0 ? resolve(out) : reject(new Error(`in-process scans exited ${code}`)),
      );
    });
    const scans = (await db.stores.scans.listByCluster(clusterIds[0])).items.length
      ? await Promise.all(clusterIds.map(async (id) => (await db.stores.scans.listByCluster(id)).items[0]))
      : [];
    const count = await imagesScanned(db.stores, scans);
    await db.drop();
    if (pass === "measured")
      rows.push({ name: "in-process runner", count, seconds: Number(output), shares: "-" });
  }
  for (const n of WORKERS) {
    const db = await freshDatabase(clusterIds);
    const queue = await server.openScanQueue(db.database, { logger: silent });
    const service = server.createQueuedScanService({ database: db.database, queue, logger: silent });
    const workers = await startWorkers(n, db.url, kubeconfig, work);
    const started = performance.now();
    const scans = [];
    for (const id of clusterIds) scans.push(await service.start(request(id)));
    await allFinished(db.stores, scans);
    const seconds = (performance.now() - started) / 1000;
    const count = await imagesScanned(db.stores, scans);
    for (const w of workers) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exited));
    await service.stop();
    await queue.close();
    await db.drop();
    rows.push({
      name: `queue, ${n} worker${n > 1 ? "s" : ""}`,
      count,
      seconds,
      shares: workers.map((w) => w.taken).join("/"),
    });
  }
  const base = rows[0].count / rows[0].seconds;
  console.log(`${CLUSTERS} clusters, ${DIGESTS} distinct digests, no cache, ${availableParallelism()} cores`);
  printTable(
    ["run", "images", "seconds", "images/min", "× in-process", "jobs per worker"],
    rows.map((r) => [
      r.name,
      r.count,
      r.seconds.toFixed(1),
      ((r.count / r.seconds) * 60).toFixed(0),
      (r.count / r.seconds / base).toFixed(2),
      r.shares,
    ]),
  );

  // queue overhead: empty jobs, and empty cluster scans through the queue and the runner
  const emptyIds = Array.from({ length: EMPTY_SCANS }, (_, i) => `empty-${String(i).padStart(3, "0")}`);
  const db = await freshDatabase(emptyIds);
  const queue = await server.openScanQueue(db.database, { logger: silent, pollingIntervalSeconds: 0.5 });
  await queue.boss.createQueue("bench-empty", { name: "bench-empty" });
  // what a worker's slot does per job: fetch one, complete it, fetch the next at once
  for (let i = 0; i < EMPTY_JOBS; i++) await queue.boss.send("bench-empty", { i });
  const jobsStarted = performance.now();
  for (let taken = 0; taken < EMPTY_JOBS; ) {
    const [job] = await queue.boss.fetch("bench-empty", { batchSize: 1 });
    if (!job) continue;
    await queue.boss.complete("bench-empty", job.id);
    taken++;
  }
  const perJobMs = (performance.now() - jobsStarted) / EMPTY_JOBS;

  const emptyRequest = (clusterId) => ({ clusterId, scope: { namespaces: ["empty"] }, trigger: "manual" });
  // a burst: every empty cluster's scan queued, then run one after another; the scans' own
  // start and finish times give the gap between one scan's end and the next one's start
  const runner = server.createScanRunner({ database: db.database, kube, logger: silent, recover: false });
  const inProcess = [];
  for (const id of emptyIds) inProcess.push(await runner.start(emptyRequest(id)));
  await runner.idle();
  await runner.stop();
  const service = server.createQueuedScanService({ database: db.database, queue, logger: silent });
  const queued = [];
  for (const id of emptyIds) queued.push(await service.start(emptyRequest(id)));
  const [worker] = await startWorkers(1, db.url, kubeconfig, work);
  await allFinished(db.stores, queued);
  const runnerTimes = await scanTimes(db.stores, inProcess);
  const queueTimes = await scanTimes(db.stores, queued);
  // one at a time: the time from start to finish of one scan, when the worker is idle
  const latencies = [];
  for (const id of emptyIds.slice(0, 5)) {
    const begun = performance.now();
    const scan = await service.start(emptyRequest(id));
    await allFinished(db.stores, [scan]);
    latencies.push(performance.now() - begun);
  }
  worker.child.kill("SIGTERM");
  await worker.exited;
  await service.stop();
  await queue.close();
  await db.drop();
  printTable(
    ["queue overhead", "ms"],
    [
      [`empty pg-boss job: fetch + complete (mean of ${EMPTY_JOBS})`, perJobMs.toFixed(1)],
      [`empty cluster scan, in-process runner: scan (median of ${EMPTY_SCANS})`, runnerTimes.scan.toFixed(1)],
      ["  gap from one scan's end to the next one's start", runnerTimes.gap.toFixed(1)],
      [`empty cluster scan, queue + 1 worker: scan (median of ${EMPTY_SCANS})`, queueTimes.scan.toFixed(1)],
      ["  gap from one scan's end to the next one's start (job complete + fetch)", queueTimes.gap.toFixed(1)],
      [
        "one empty scan start to finish, idle worker polling every 0.5 s (median of 5)",
        median(latencies).toFixed(1),
      ],
    ],
  );
  console.log(
    "target: images/min grows with workers while cores last (2 cores here); jobs spread evenly; an empty job costs a few ms; an idle worker answers within its poll interval",
  );
} finally {
  for (const child of leftovers.children) if (child.exitCode === null) child.kill("SIGKILL");
  for (const schema of leftovers.schemas) await dropSchema(schema);
  await api?.close();
  registry.stop();
  rmSync(work, { recursive: true, force: true });
}

/** Median scan time and median gap between consecutive scans, from the stored times. */
async function scanTimes(stores, scans) {
  const rows = (await Promise.all(scans.map((s) => stores.scans.get(s.id)))).sort((a, b) =>
    a.startedAt < b.startedAt ? -1 : 1,
  );
  const at = (text) => Date.parse(text);
  return {
    scan: median(rows.map((r) => at(r.finishedAt) - at(r.startedAt))),
    gap: median(rows.slice(1).map((r, i) => at(r.startedAt) - at(rows[i].finishedAt))),
  };
}

function pod(namespace, index, variant) {
  const name = `app-${index}`;
  const image = `${variant.repository}:${variant.tag}`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, uid: `pod-${namespace}-${index}` },
    spec: { serviceAccountName: "default", containers: [{ name: "app", image }] },
    status: {
      phase: "Running",
      startTime: "2025-05-20T00:00:00Z",
      containerStatuses: [
        {
          name: "app",
          image,
          imageID: `${variant.repository}@${variant.digest}`,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: "2025-05-20T00:00:00Z" } },
          containerID: `containerd://${namespace}-${index}`,
        },
      ],
    },
  };
}
