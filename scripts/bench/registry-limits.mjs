// Registry limits (packages/core/src/registry/registry-limits.ts): blob pull throughput with a
// per-host bandwidth cap of 10 and 50 MiB/s against uncapped, and each run's peak RSS. Every
// layer of the python test image (~89 MB) is read from a local registry through
// openImageSource(...).openBlob (sha256-verified), one layer after the other, in a fresh
// process per run (median of BENCH_RUNS). Figures: MiB/s, the ratio to uncapped, how close the
// pull came to its cap, and peak RSS, which must stay flat under the cap: the throttle pauses
// the socket (backpressure), it never buffers the blob.
// Imports the BUILT code: `npm run bench registry-limits` builds first.
// This file is also its own child process: `registry-limits.mjs --child HOST RATE|none`.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, printTable, repoRoot, startBenchRegistry, testImagesDir, timed } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MiB = 1024 * 1024;
const CAPS = [undefined, 50 * MiB, 10 * MiB];
const core = pathToFileURL(join(repoRoot, "packages/core/dist/index.js")).href;

/** Child: read every layer once under the given cap; write bytes and seconds of the reads alone to $VIGIL_BENCH_RESULT. */
async function child(host, rate) {
  const { createRegistryLimits, openImageSource } = await import(core);
  const registryLimits = createRegistryLimits(rate === "none" ? {} : { bytesPerSecondPerHost: Number(rate) });
  const source = await openImageSource(`${host}/bench/python:latest`, { registryLimits });
  const { layers } = await source.resolve();
  const start = process.hrtime.bigint();
  let bytes = 0;
  for (const layer of layers) {
    for await (const chunk of await source.openBlob(layer)) bytes += chunk.length;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await source.close?.();
  writeFileSync(process.env.VIGIL_BENCH_RESULT, JSON.stringify({ bytes, seconds }));
}

async function run(host, rate) {
  const resultFile = join(tmpdir(), `vigil-bench-registry-limits-${process.pid}.json`);
  // `timed` measures the child's peak RSS; the child measures its own reads.
  const { rssMb } = await timed(
    process.execPath,
    [fileURLToPath(import.meta.url), "--child", host, rate === undefined ? "none" : String(rate)],
    { node: true, env: { VIGIL_BENCH_RESULT: resultFile } },
  );
  const result = JSON.parse(readFileSync(resultFile, "utf8"));
  rmSync(resultFile, { force: true });
  return { ...result, rssMb };
}

if (process.argv[2] === "--child") {
  const [, , , host, rate] = process.argv;
  await child(host, rate);
} else {
  const registry = await startBenchRegistry(join(testImagesDir(), "oci"), ["python"]);
  try {
    const results = new Map(CAPS.map((cap) => [cap, []]));
    // Interleaved, so load from other work on the machine falls on every cap alike.
    for (let i = 0; i < RUNS; i++)
      for (const cap of CAPS) results.get(cap).push(await run(registry.host, cap));
    const bytes = results.get(undefined)[0].bytes;
    const mibps = (cap) => median(results.get(cap).map((r) => r.bytes / MiB / r.seconds));
    const rss = (cap) => median(results.get(cap).map((r) => r.rssMb));
    const uncapped = mibps(undefined);
    console.log(
      `python layers ${(bytes / 1e6).toFixed(1)} MB via openBlob (sha256-verified), one process per run, median of ${RUNS}`,
    );
    printTable(
      ["cap", "MiB/s", "x uncapped", "of cap", "peak RSS MB"],
      CAPS.map((cap) => [
        cap === undefined ? "none" : `${cap / MiB} MiB/s`,
        mibps(cap).toFixed(1),
        `${(mibps(cap) / uncapped).toFixed(3)}x`,
        cap === undefined ? "-" : `${((mibps(cap) * MiB) / cap).toFixed(3)}`,
        rss(cap).toFixed(1),
      ]),
    );
  } finally {
    registry.stop();
  }
}
