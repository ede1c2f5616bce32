#!/usr/bin/env node
// Matching speed on the full advisory data: the six OSV bulk zips in
// ../shared/data/advisories/osv/<Ecosystem>/all.zip and the Alpine secdb in
// ../shared/data/advisories/alpine-secdb-json/ synced into a SQLite store in a temp dir (the
// store `vigil db` uses), through the BUILT code (`npx tsc -b` first). For each test image, with
// a warm layer cache, times `matchInventory` alone against that store (median of --runs) and
// reports ms per image, ms per package and that rate scaled to a 500-package image (target: under
// 50 ms). Then, on the python image, the ratio of a cold `vigil scan image` to a cold `vigil sbom`
// (both as processes, fresh layer cache each; scan reads the same store through VIGIL_DATA_DIR).
// When the CLI has no `scan image`, times `scanImage` vs `scanImageInventory` in-process instead
// and says so. Always exits 0: it reports, it does not judge.
//
// Usage: node scripts/bench/match.mjs [--runs 20] [--cold-runs 3] [shared-data-dir]

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cliMain, median, printTable, repoRoot, startBenchRegistry, testImagesDir } from "./lib.mjs";

const ECOSYSTEMS = ["Debian", "Go", "PyPI", "Red Hat", "Ubuntu", "crates.io"];
const TARGET_MS_500 = 50;
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const positional = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const RUNS = Number(option("runs", "20"));
const COLD_RUNS = Number(option("cold-runs", "3"));
const dataRoot = positional[0] ?? join(repoRoot, "..", "shared", "data");
const osvRoot = join(dataRoot, "advisories", "osv");
const secdbRoot = join(dataRoot, "advisories", "alpine-secdb-json");
const ecosystems = ECOSYSTEMS.filter((e) => existsSync(join(osvRoot, e, "all.zip")));
if (ecosystems.length === 0) {
  console.log(`match: no <Ecosystem>/all.zip under ${osvRoot}; nothing to measure`);
  process.exit(0);
}

/** Wall seconds of a Node child; exit 0 and 1 (`vigil scan` found something) both count as done. */
function wallSeconds(argv, env) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, argv, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0 || code === 1) resolvePromise((performance.now() - started) / 1000);
      else reject(new Error(`node ${argv.join(" ")} exited ${code}: ${stderr.slice(0, 2000)}`));
    });
  });
}

const load = (path) => import(pathToFileURL(join(repoRoot, path)).href);
const core = await load("packages/core/dist/index.js");
const server = await load("packages/server/dist/index.js");
const { createOsvSource } = await load("packages/core/dist/advisory/sources/osv/index.js");
const { createAlpineSecdbSource } = await load("packages/core/dist/advisory/sources/alpine-secdb/index.js");

// --- the store: every zip and the secdb, one store source each ---
const dataDir = mkdtempSync(join(tmpdir(), "vigil-bench-match-"));
const database = server.createDatabase({ dataDir });
await server.migrateToLatest(database.db);
const store = server.createAdvisoryStore(database.db);
const now = new Date().toISOString();
let records = 0;
const loadStarted = performance.now();
for (const ecosystem of ecosystems) {
  const summary = await store.applySync({
    source: { name: `osv-${ecosystem.toLowerCase().replace(/\W+/g, "-")}`, version: 1 },
    result: await createOsvSource({ ecosystems: [ecosystem] }).sync({ location: osvRoot, now, fetch }),
    now,
  });
  records += summary.total;
}
if (existsSync(secdbRoot)) {
  const summary = await store.applySync({
    source: { name: "alpine-secdb", version: 1 },
    result: await createAlpineSecdbSource().sync({ location: secdbRoot, now, fetch }),
    now,
  });
  records += summary.total;
}
console.log(
  `store: ${records} advisories (${ecosystems.join(", ")}${existsSync(secdbRoot) ? ", Alpine secdb" : ""}) ` +
    `loaded into SQLite in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; Node ${process.version}`,
);

// --- images ---
const images = testImagesDir();
const layout = join(images, "oci");
const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
const available = new Set(index.manifests.map((m) => m.annotations?.["org.opencontainers.image.ref.name"]));
const TAGS = ["minbase", "python", "multilayer", "nodeapp", "alpine-3.10", "alpine-3.11"].filter((t) =>
  available.has(t),
);
const registry = await startBenchRegistry(layout, TAGS);
const cacheDir = mkdtempSync(join(tmpdir(), "vigil-bench-match-cache-"));
const cache = core.createDirectoryLayerCache(cacheDir);
const rows = [];
let totalMs = 0;
let totalPackages = 0;
try {
  for (const tag of TAGS) {
    const ref = `${registry.host}/bench/${tag}:latest`;
    await core.scanImage(ref, { cache }); // warms the layer cache
    const warm = await core.scanImage(ref, { cache, advisories: store });
    if (warm.status !== "complete") throw new Error(`${tag}: scan ${warm.status}: ${warm.error}`);
    const inventory = warm.inventory;
    const times = [];
    let result;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      result = await core.matchInventory({ inventory, reader: store });
      times.push(performance.now() - started);
    }
    const ms = median(times);
    const n = inventory.packages.length;
    totalMs += ms;
    totalPackages += n;
    rows.push([
      tag,
      n,
      result.matches.length,
      ms.toFixed(2),
      Math.max(...times).toFixed(2),
      (ms / n).toFixed(4),
      ((ms / n) * 500).toFixed(1),
      warm.stages.inventory.durationMs,
    ]);
  }
  printTable(
    [
      "image",
      "packages",
      "findings",
      "match ms (median)",
      "max ms",
      "ms/package",
      "scaled to 500 pkgs ms",
      "warm inventory ms",
    ],
    rows,
  );
  const perPackage = totalMs / totalPackages;
  console.log(
    `all images: ${totalPackages} packages matched in ${totalMs.toFixed(1)} ms = ${perPackage.toFixed(4)} ms/package; ` +
      `500 packages ≈ ${(perPackage * 500).toFixed(1)} ms = ${((perPackage * 500) / TARGET_MS_500).toFixed(2)} of the ${TARGET_MS_500} ms target`,
  );

  // --- cold scan vs sbom on python ---
  const ref = `${registry.host}/bench/python:latest`;
  let hasScan = false;
  try {
    execFileSync(process.execPath, [cliMain, "scan", "image", "--help"], { stdio: "ignore" });
    hasScan = true;
  } catch {
    hasScan = false;
  }
  if (hasScan) {
    const scans = [];
    const sboms = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      for (const [list, cliArgs] of [
        [sboms, ["sbom", ref, "--format", "cyclonedx", "--output", "/dev/null"]],
        [scans, ["scan", "image", ref, "--format", "json", "--output", "/dev/null"]],
      ]) {
        const dir = mkdtempSync(join(tmpdir(), "vigil-bench-cold-"));
        try {
          list.push(
            await wallSeconds([cliMain, ...cliArgs, "--cache-dir", dir], { VIGIL_DATA_DIR: dataDir }),
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    const s = median(scans);
    const b = median(sboms);
    console.log(
      `python, cold (fresh layer cache each), median of ${COLD_RUNS} processes: vigil scan image ${s.toFixed(2)} s ` +
        `(against the full store), vigil sbom ${b.toFixed(2)} s, ratio ${(s / b).toFixed(2)}`,
    );
  } else {
    const scans = [];
    const inventories = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      let started = performance.now();
      await core.scanImage(ref, { advisories: store });
      scans.push((performance.now() - started) / 1000);
      const source = await core.openImageSource(ref);
      started = performance.now();
      await core.scanImageInventory({ source });
      inventories.push((performance.now() - started) / 1000);
      await source.close?.();
    }
    console.log(
      `vigil scan image is not in the CLI yet: in-process instead, python, no layer cache, median of ${COLD_RUNS}: ` +
        `scanImage ${median(scans).toFixed(2)} s, scanImageInventory ${median(inventories).toFixed(2)} s, ` +
        `ratio ${(median(scans) / median(inventories)).toFixed(2)}`,
    );
  }
} finally {
  registry.stop();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(cacheDir, { recursive: true, force: true });
}
