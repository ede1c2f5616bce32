#!/usr/bin/env node
// The advisory update's re-match at scale: 1,000 stored image inventories (env BENCH_IMAGES)
// re-matched from the store without pulling, through the BUILT code (`npx tsc -b` first).
// The test images (scripts/test-env) are scanned once each through a throwaway local registry
// with core's `scanImage`; their inventories are stored as 1,000 variants under different
// digests with the image repository's `upsert`, each running in workload containers of 10
// clusters (one container per image, a second one in another cluster for every third image).
// The advisory store holds real data: the Alpine secdb excerpts (packages/cli/src/testdata/secdb,
// and v3.10/v3.11 from the matching accuracy testdata) and the Debian OSV excerpt
// (packages/core/src/match/accuracy/testdata/debian-osv.jsonl.gz, its records given to the
// store as a snapshot sync). Then the server's advisory update (`createAdvisoryUpdate` over a
// scan runner, with a no-op sync) is timed twice: the first re-match (no image matched yet:
// every finding is created) and, after the Alpine source is synced again (a new advisory
// revision), the daily case (every image matched again, its findings already there).
// Prints seconds and images/s against the target "< 30 s" as a ratio, per database. Always
// exits 0 unless something fails: it reports, it does not judge.
//
// Usage: node scripts/bench/rematch.mjs [--dialect sqlite,postgres]
//   PostgreSQL: $VIGIL_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; a
//   schema of its own is created and dropped.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { openBenchPostgres, openBenchSqlite } from "./bench-databases.mjs";
import { printTable, repoRoot, startBenchRegistry, testImagesDir } from "./lib.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const dialects = option("dialect", "sqlite,postgres").split(",");
const IMAGES = Number(process.env.BENCH_IMAGES ?? 1000);
const CLUSTERS = 10;
const TARGET_S = 30;

const load = (path) => import(pathToFileURL(join(repoRoot, path)).href);
const core = await load("packages/core/dist/index.js");
const server = await load("packages/server/dist/index.js");
const { createAlpineSecdbSource } = await load("packages/core/dist/advisory/sources/alpine-secdb/index.js");
const { pino } = await import("pino");
const silent = pino({ level: "silent" });

// --- the inventories: each test image scanned once ---
const layout = join(testImagesDir(), "oci");
const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
const available = new Set(index.manifests.map((m) => m.annotations?.["org.opencontainers.image.ref.name"]));
const TAGS = ["alpine-3.10", "alpine-3.11", "python", "nodeapp", "multilayer", "minbase"].filter((t) =>
  available.has(t),
);
const registry = await startBenchRegistry(layout, TAGS);
const scanned = [];
try {
  for (const tag of TAGS) {
    const result = await core.scanImage(`${registry.host}/bench/${tag}:latest`);
    if (result.status !== "complete") throw new Error(`${tag}: scan ${result.status}: ${result.error}`);
    scanned.push({ tag, image: result.image, inventory: result.inventory });
  }
} finally {
  registry.stop();
}
console.log(
  `rematch: ${IMAGES} stored images from ${scanned.length} scanned test images ` +
    `(${scanned.map((s) => `${s.tag} ${s.inventory.packages.length} pkgs`).join(", ")}); Node ${process.version}`,
);

// --- the advisories ---
const SECDB_DIRS = [
  ["alpine-secdb", join(repoRoot, "packages/cli/src/testdata/secdb")],
  ["alpine-secdb-accuracy", join(repoRoot, "packages/core/src/match/accuracy/testdata/alpine-secdb")],
];
const debianRecords = gunzipSync(
  readFileSync(join(repoRoot, "packages/core/src/match/accuracy/testdata/debian-osv.jsonl.gz")),
)
  .toString("utf8")
  .split("\n")
  .filter(Boolean)
  .map((line) => JSON.parse(JSON.parse(line).content));

async function loadAdvisories(store, now) {
  let total = 0;
  for (const [name, dir] of SECDB_DIRS) {
    const summary = await store.applySync({
      source: { name, version: 1 },
      result: await createAlpineSecdbSource().sync({ location: dir, now, fetch }),
      now,
    });
    total += summary.total;
  }
  const summary = await store.applySync({
    source: { name: "osv-debian", version: 1 },
    result: {
      mode: "snapshot",
      items: (async function* () {
        for (const record of debianRecords) yield { kind: "advisory", record };
      })(),
      cursor: () => undefined,
    },
    now,
  });
  return total + summary.total;
}

function openStore(dialect) {
  return dialect === "sqlite"
    ? openBenchSqlite("vigil-bench-rematch-")
    : openBenchPostgres("vigil_bench_rematch");
}

const clusterId = (i) => `cluster-${String(i).padStart(2, "0")}`;

for (const dialect of dialects) {
  console.log(`\n--- ${dialect}`);
  const { database, drop } = await openStore(dialect);
  let runner;
  try {
    await server.migrateToLatest(database.db);
    const stores = server.createScanStores(database.db);
    const now = new Date();
    const records = await loadAdvisories(stores.advisories, now.toISOString());

    const setupStarted = performance.now();
    for (let c = 0; c < CLUSTERS; c++) {
      await stores.clusters.upsert({
        id: clusterId(c),
        name: clusterId(c),
        connectionKind: "kubeconfig",
        kubeconfigContext: clusterId(c),
        createdAt: now.toISOString(),
      });
    }
    const containers = new Map();
    const scannedAt = now.toISOString();
    for (let i = 0; i < IMAGES; i++) {
      const source = scanned[i % scanned.length];
      const digest = `sha256:${createHash("sha256").update(`bench-variant-${i}`).digest("hex")}`;
      const reference = `registry.example.com/team-${i % 40}/${source.tag}-app-${i}:1.${i % 17}`;
      await stores.images.upsert({
        digest,
        platform: "linux/amd64",
        reference,
        manifestDigest: digest,
        image: source.image,
        inventory: source.inventory,
        inventoryKey: `bench-${source.tag}`,
        scannedAt,
      });
      const running = [c(i), ...(i % 3 === 0 ? [c(i + 1)] : [])];
      for (const cluster of running) {
        const list = containers.get(cluster) ?? [];
        list.push({
          clusterId: cluster,
          namespace: `ns-${i % 50}`,
          workloadKind: "Deployment",
          workloadName: `${source.tag}-app-${i}`,
          containerName: "app",
          digest,
          image: reference,
          runningSince: scannedAt,
          lastSeenAt: scannedAt,
        });
        containers.set(cluster, list);
      }
    }
    function c(i) {
      return clusterId(i % CLUSTERS);
    }
    let containerCount = 0;
    for (const list of containers.values()) {
      await stores.workloadContainers.upsert(list);
      containerCount += list.length;
    }
    console.log(
      `${records} advisories stored; ${IMAGES} images and ${containerCount} workload containers in ` +
        `${CLUSTERS} clusters stored in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`,
    );

    const clock = { now: () => new Date() };
    runner = server.createScanRunner({
      database,
      kube: () => {
        throw new Error("the benchmark reads no cluster");
      },
      clock,
      logger: silent,
      recover: false,
    });
    const update = server.createAdvisoryUpdate({
      advisories: stores.advisories,
      runner,
      sync: async () => ({ sources: [] }),
      clock,
      logger: silent,
    });

    const rows = [];
    for (const pass of ["first (findings created)", "again (new revision)"]) {
      if (pass.startsWith("again")) {
        // the daily case: a source synced again, so the revision changed
        await loadAdvisories(stores.advisories, new Date(Date.now() + 1000).toISOString());
      }
      const started = performance.now();
      const report = await update();
      const seconds = (performance.now() - started) / 1000;
      const counts = { created: 0, other: 0 };
      for (const cluster of report.rematch.clusters) {
        for (const [kind, n] of Object.entries(cluster.counts)) {
          if (kind === "created") counts.created += n;
          else counts.other += n;
        }
      }
      if (report.rematch.images !== IMAGES || report.rematch.failedImages !== 0) {
        throw new Error(
          `re-matched ${report.rematch.images} of ${IMAGES} images, ${report.rematch.failedImages} failed`,
        );
      }
      rows.push([
        pass,
        report.rematch.images,
        report.rematch.clusters.length,
        counts.created,
        counts.other,
        seconds.toFixed(2),
        Math.round(report.rematch.images / seconds),
        (seconds / TARGET_S).toFixed(3),
      ]);
    }
    printTable(
      [
        "re-match",
        "images",
        "clusters",
        "findings created",
        "other changes",
        "seconds",
        "images/s",
        "of target",
      ],
      rows,
    );
    console.log(`${dialect}: target: the re-match of ${IMAGES} stored inventories < ${TARGET_S} s`);
  } finally {
    await runner?.stop();
    await drop();
  }
}
