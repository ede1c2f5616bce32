// `npm run bench`: builds, then runs every benchmark in scripts/bench/ whose name does not
// start with an underscore and is not a helper, printing each one's table. Figures are
// ratios against baselines measured in the same run, never absolute pass/fail times.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const HELPERS = new Set([
  "lib.mjs",
  "bench-databases.mjs",
  "seeded-findings.mjs",
  "seeded-random.mjs",
  "report-rss.mjs",
  "floor-read-blobs.mjs",
  "big-layer-image.mjs",
  "image-variants.mjs",
  "in-process-scans.mjs",
  "postgres-schema.mjs",
]);
const only = process.argv.slice(2);
execFileSync("npx", ["tsc", "-b"], { cwd: root, stdio: "inherit" });
const benches = readdirSync(join(root, "scripts/bench"))
  .filter((f) => f.endsWith(".mjs") && !HELPERS.has(f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const bench of benches) {
  console.log(`\n=== ${bench}`);
  try {
    execFileSync(process.execPath, [join(root, "scripts/bench", bench)], { cwd: root, stdio: "inherit" });
  } catch {
    failed++;
    console.log(`${bench} failed`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
