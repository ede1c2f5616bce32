// `vigil sbom` cold and warm against the bookworm test images in a local registry, as
// ratios to the floor (HTTP + sha256 + gunzip of the same blobs in Node) measured in the
// same run, with peak RSS; and, when TRIVY=/path/to/trivy is set, to Trivy on the same image.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bigLayerImage } from "./big-layer-image.mjs";
import { cliMain, median, printTable, startBenchRegistry, testImagesDir, timed } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TAGS = ["minbase", "python", "multilayer"];
const images = testImagesDir();
// A fourth image with a 1 GiB layer shows that memory does not grow with image size.
const big = await bigLayerImage(join(images, "oci"));
const registry = await startBenchRegistry(join(images, "oci"), TAGS, [[big, "big"]]);
const trivy = process.env.TRIVY;
const rows = [];
try {
  const start = [];
  for (let i = 0; i < RUNS; i++)
    start.push((await timed(process.execPath, [cliMain, "version"], { node: true })).seconds);
  const processStart = median(start);
  for (const tag of [...TAGS, "big"]) {
    const ref = `${registry.host}/bench/${tag}:latest`;
    const floor = [];
    const cold = [];
    const warm = [];
    const rss = [];
    const trivyCold = [];
    const trivyWarm = [];
    for (let i = 0; i < RUNS; i++) {
      floor.push(
        (
          await timed(process.execPath, [
            join(import.meta.dirname, "floor-read-blobs.mjs"),
            registry.host,
            `bench/${tag}`,
            "latest",
          ])
        ).seconds,
      );
      const cache = mkdtempSync(join(tmpdir(), "vigil-bench-cache-"));
      const args = [
        cliMain,
        "sbom",
        ref,
        "--format",
        "cyclonedx",
        "--output",
        "/dev/null",
        "--cache-dir",
        cache,
      ];
      const c = await timed(process.execPath, args, { node: true });
      cold.push(c.seconds);
      rss.push(c.rssMb);
      const w = await timed(process.execPath, args, { node: true });
      warm.push(w.seconds);
      rss.push(w.rssMb);
      rmSync(cache, { recursive: true, force: true });
      if (trivy) {
        const tcache = mkdtempSync(join(tmpdir(), "vigil-bench-trivy-"));
        const targs = [
          "image",
          "--quiet",
          "--format",
          "cyclonedx",
          "--output",
          "/dev/null",
          "--cache-dir",
          tcache,
          "--insecure",
          ref,
        ];
        trivyCold.push((await timed(trivy, targs)).seconds);
        trivyWarm.push((await timed(trivy, targs)).seconds);
        rmSync(tcache, { recursive: true, force: true });
      }
    }
    const row = [
      tag,
      median(floor).toFixed(2),
      median(cold).toFixed(2),
      (median(cold) / median(floor)).toFixed(2),
      median(warm).toFixed(2),
      (median(warm) - processStart).toFixed(3),
      Math.max(...rss).toFixed(0),
    ];
    if (trivy)
      row.push(
        median(trivyCold).toFixed(2),
        (median(cold) / median(trivyCold)).toFixed(2),
        median(trivyWarm).toFixed(2),
        (median(warm) / median(trivyWarm)).toFixed(2),
      );
    rows.push(row);
  }
  console.log(
    `\n## vigil sbom (registry on loopback, medians of ${RUNS}; process start = \`vigil version\` ${processStart.toFixed(3)} s)`,
  );
  console.log(
    "targets: cold/floor <= 1.5, warm work beyond process start < 0.2 s, peak RSS < 200 MB; trivy ratios < 1\n",
  );
  const header = ["image", "floor s", "cold s", "cold/floor", "warm s", "warm-start s", "peak RSS MB"];
  if (trivy) header.push("trivy cold s", "cold/trivy", "trivy warm s", "warm/trivy");
  printTable(header, rows);
  if (!trivy) console.log("(set TRIVY=/path/to/trivy to compare with Trivy)");
} finally {
  registry.stop();
}
