// A simulated cluster of 10 000 pods running 500 distinct image digests, scanned by the real
// `vigil scan cluster` against the test Kubernetes API server (real REST protocol, compiled from
// scripts/test-env/kube-api) and a local docker-registry.
//
// The 500 digests are variants of six real test images (minbase, python, multilayer, nodeapp,
// alpine-3.11, rpm-sqlite): the same layers under a config with one extra label, so each
// variant has its own config and manifest digest, as re-built images do. Re-tagging alone would
// not do: a tag names the same digest.
//
// Prints: discovery time (in-process, the adapter over @kubernetes/client-node), the number of
// image scans (must equal the distinct digests), the first run's total, and a second run with
// nothing changed, which must pull nothing (every digest from the image cache) and take a small
// fraction of the first (target < 0.1).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BASES, compiledKubeApi, pushVariants, useVariants } from "./image-variants.mjs";
import { printTable, repoRoot, startBenchRegistry, testImagesDir } from "./lib.mjs";

const PODS = Number(process.env.BENCH_PODS ?? 10_000);
const DIGESTS = Number(process.env.BENCH_DIGESTS ?? 500);

function vigil(args, env) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const prof = process.env.BENCH_CPU_PROF
      ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF]
      : [];
    const child = spawn(process.execPath, [...prof, join(repoRoot, "packages/cli/dist/main.js"), ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stdout.resume();
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0 && code !== 1) reject(new Error(`vigil exited ${code}: ${stderr.slice(0, 2000)}`));
      else resolvePromise(seconds);
    });
  });
}

const images = testImagesDir();
const kubeApi = compiledKubeApi();
const { startKubeApiServer } = await import(join(kubeApi, "kube-api/kube-api-server.js"));
const { syntheticCluster } = await import(join(kubeApi, "kube-api/synthetic-cluster.js"));
const { discoverRunningContainers } = await import(join(repoRoot, "packages/core/dist/index.js"));
const { createKubernetesClientReader, loadKubeConfig } = await import(
  join(repoRoot, "packages/server/dist/index.js")
);

const registry = await startBenchRegistry(join(images, "oci"), BASES);
const work = mkdtempSync(join(tmpdir(), "vigil-bench-cluster-"));
let api;
try {
  const variants = await pushVariants(registry.host, DIGESTS);
  // The synthetic cluster's sidecar image is one more index; it folds onto variant 0.
  const objects = syntheticCluster({ pods: PODS, images: DIGESTS, registry: registry.host });
  useVariants(objects, variants);
  api = await startKubeApiServer({ objects });
  const kubeconfig = api.kubeconfig(join(work, "kubeconfig"), { context: "bench" });

  const discoveryStart = process.hrtime.bigint();
  const discovery = await discoverRunningContainers({
    reader: createKubernetesClientReader(loadKubeConfig({ kubeconfigPath: kubeconfig }).kubeConfig),
    clusterId: "bench",
  });
  const discoverySeconds = Number(process.hrtime.bigint() - discoveryStart) / 1e9;
  const distinct = new Set(discovery.containers.map((c) => c.digest)).size;

  const env = {
    VIGIL_DATA_DIR: join(work, "data"),
    VIGIL_CACHE_DIR: join(work, "cache"),
    DATABASE_URL: "",
    HOME: work,
  };
  await vigil(["db", "import", join(repoRoot, "packages/cli/src/testdata/secdb")], env);
  const args = ["scan", "cluster", "--kubeconfig", kubeconfig, "--format", "json", "--concurrency", "2"];
  const first = await vigil([...args, "--output", join(work, "first.json")], env);
  const second = await vigil([...args, "--output", join(work, "second.json")], env);
  const report = (name) => JSON.parse(readFileSync(join(work, name), "utf8")).clusters[0];
  const r1 = report("first.json");
  const r2 = report("second.json");
  const pulledAgain = r2.images.filter((i) => !i.fromCache).length;

  printTable(
    [
      "pods",
      "containers",
      "distinct digests",
      "discovery s",
      "image scans",
      "run 1 s",
      "run 2 s",
      "run 2 / run 1",
      "run 2 pulled",
    ],
    [
      [
        discovery.stats.pods,
        discovery.stats.containers,
        distinct,
        discoverySeconds.toFixed(2),
        r1.images.length,
        first.toFixed(1),
        second.toFixed(1),
        (second / first).toFixed(3),
        pulledAgain,
      ],
    ],
  );
  if (r1.images.length !== distinct)
    console.log(`MISMATCH: ${r1.images.length} image scans for ${distinct} digests`);
  if (r1.status !== "complete" || r2.status !== "complete")
    console.log(`status: ${r1.status} / ${r2.status}`);
  console.log("target: image scans = distinct digests; run 2 pulls nothing; run 2 / run 1 < 0.1");
} finally {
  await api?.close();
  registry.stop();
  rmSync(work, { recursive: true, force: true });
}
