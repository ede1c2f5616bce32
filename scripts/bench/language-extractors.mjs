// What the language extractors cost. (a) On the nodeapp test image (Debian + nodejs + /app with
// express and lodash) from a local registry: `scanImageInventory` with every built-in extractor
// vs only the OS ones (`os/*`) on the same layers, no cache, median of BENCH_RUNS (5) each,
// interleaved; target ratio < 1.3. (b) On an image whose second layer holds ~1 GiB of unrelated
// executables and shared libraries (copies of /usr/bin/* and /usr/lib/x86_64-linux-gnu/*.so*,
// mode +x, gzip -1; built once, cached under $VIGIL_BENCH_CACHE): how much of the layers the
// extractors asked to read, sum of LayerInventory.stats.bytesRead / uncompressedBytes.
// Needs `npx tsc -b` first (imports packages/core/dist).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appendLayer, median, printTable, repoRoot, startBenchRegistry, testImagesDir } from "./lib.mjs";

const core = await import(join(repoRoot, "packages/core/dist/index.js"));
const { createBuiltinExtractors, openImageSource, scanImageInventory } = core;

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TARGET_BYTES = 1024 ** 3;

/** A LayerCache that never answers and keeps what it is given: the layers' own stats, no caching. */
function recordingCache() {
  const inventories = [];
  return {
    inventories,
    async get() {
      return undefined;
    },
    async put(_key, inventory) {
      inventories.push(inventory);
    },
  };
}

async function scan(reference, extractors, cache) {
  const source = await openImageSource(reference);
  try {
    const started = process.hrtime.bigint();
    const result = await scanImageInventory({ source, extractors, ...(cache ? { cache } : {}) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (result.status !== "complete")
      throw new Error(`scan of ${reference}: ${result.status} ${result.error}`);
    return { seconds, result };
  } finally {
    await source.close?.();
  }
}

/**
 * The OCI layout holding tag `binaries`: minbase's layers plus one layer of ~1 GiB of
 * executables (as many passes over the source files as it takes, each pass under its own
 * directory). Built once under $VIGIL_BENCH_CACHE, like big-layer-image.mjs.
 */
async function binariesImage(testLayout) {
  const cache = process.env.VIGIL_BENCH_CACHE || "/var/cache/vigil-bench";
  const layout = join(cache, "binaries-layout");
  if (existsSync(join(layout, "done"))) return layout;
  rmSync(layout, { recursive: true, force: true });
  execFileSync("skopeo", ["copy", "-q", `oci:${testLayout}:minbase`, `oci:${layout}:binaries`]);
  const work = join(cache, "binaries-work");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const files = [];
  for (const [dir, keep] of [
    ["usr/bin", () => true],
    ["usr/lib/x86_64-linux-gnu", (name) => /\.so(\.|$)/.test(name)],
  ]) {
    for (const name of readdirSync(join("/", dir)).sort()) {
      const path = join(dir, name);
      const stat = statSync(join("/", path), { throwIfNoEntry: false });
      if (stat?.isFile() && keep(name)) files.push({ path, size: stat.size });
    }
  }
  const tar = join(work, "layer.tar");
  let total = 0;
  for (let pass = 0; total < TARGET_BYTES; pass++) {
    const list = [];
    for (const f of files) {
      if (total >= TARGET_BYTES) break;
      list.push(f.path);
      total += f.size;
    }
    writeFileSync(join(work, "list"), `${list.join("\n")}\n`);
    // Symlinks followed (-h), so every member is a regular file with content; mode +x.
    execFileSync("tar", [
      pass === 0 ? "-cf" : "-rf",
      tar,
      "-h",
      "--hard-dereference",
      "--owner=0",
      "--group=0",
      "--mtime=@0",
      "--mode=a+x",
      `--transform=s,^,opt/binaries/pass-${pass}/,`,
      "-C",
      "/",
      "-T",
      join(work, "list"),
    ]);
  }
  await appendLayer(layout, tar, "bench: ~1 GiB of executables");
  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(layout, "done"), "");
  return layout;
}

const all = createBuiltinExtractors();
const os = all.filter((e) => e.name.startsWith("os/"));
// Without the executable readers (Go build info, cargo-auditable), to show what they add.
const noBinaries = all.filter((e) => !e.name.startsWith("binary/"));
const images = testImagesDir();

// (a) all extractors vs the OS ones on nodeapp.
const registry = await startBenchRegistry(join(images, "oci"), ["nodeapp"]);
try {
  const ref = `${registry.host}/bench/nodeapp:latest`;
  await scan(ref, all); // warm-up: the registry's and the OS's caches, JIT
  const times = { all: [], os: [], noBinaries: [] };
  const packages = {};
  for (let i = 0; i < RUNS; i++) {
    for (const [label, extractors] of [
      ["os", os],
      ["all", all],
      ["noBinaries", noBinaries],
    ]) {
      const { seconds, result } = await scan(ref, extractors);
      times[label].push(seconds);
      packages[label] = result.inventory.packages.length;
    }
  }
  const [mAll, mOs] = [median(times.all), median(times.os)];
  console.log(`(a) nodeapp, scanImageInventory, no cache, median of ${RUNS}`);
  printTable(
    ["extractors", "count", "packages", "median s", "runs s"],
    [
      ["os/*", os.length, packages.os, mOs.toFixed(3), times.os.map((t) => t.toFixed(3)).join(" ")],
      ["all", all.length, packages.all, mAll.toFixed(3), times.all.map((t) => t.toFixed(3)).join(" ")],
      [
        "all but binary/*",
        noBinaries.length,
        packages.noBinaries,
        median(times.noBinaries).toFixed(3),
        times.noBinaries.map((t) => t.toFixed(3)).join(" "),
      ],
    ],
  );
  console.log(`ratio all / os: ${(mAll / mOs).toFixed(3)} (target < 1.3)`);
} finally {
  registry.stop();
}

// (b) the share of a layer of unrelated binaries that the extractors read.
const layout = await binariesImage(join(images, "oci"));
const recorded = recordingCache();
const { seconds, result } = await scan(`oci:${layout}:binaries`, all, recorded);
const rows = recorded.inventories.map((inv) => [
  inv.layerDigest.slice(0, 19),
  inv.stats.entries,
  inv.stats.uncompressedBytes,
  inv.stats.filesRead,
  inv.stats.bytesRead,
  (inv.stats.bytesRead / inv.stats.uncompressedBytes).toExponential(3),
]);
const sum = (k) => recorded.inventories.reduce((s, inv) => s + inv.stats[k], 0);
console.log(
  `\n(b) ${layout} (${result.inventory.packages.length} packages, ${seconds.toFixed(1)} s, all extractors)`,
);
printTable(["layer", "entries", "uncompressed B", "files read", "bytes read", "read share"], rows);
console.log(
  `bytesRead / uncompressedBytes over ${recorded.inventories.length} layers: ${sum("bytesRead")} / ${sum("uncompressedBytes")} = ${(sum("bytesRead") / sum("uncompressedBytes")).toExponential(3)}`,
);
