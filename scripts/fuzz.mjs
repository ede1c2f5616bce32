#!/usr/bin/env node
// `npm run fuzz`: the fuzz properties of packages/core/src/fuzz with many inputs and a fresh
// seed, then a table per parser of the inputs tried and the failures (which must be 0).
//   npm run fuzz                         2,000 inputs a property (scaled per property), random seed
//   npm run fuzz -- --runs 20000         more inputs
//   npm run fuzz -- --seed 123 --runs 500 -t "os/rpm (ndb)"   replay; other arguments go to vitest
//   npm run fuzz -- --minutes 30         stop after 30 minutes (default 120) and say which parsers
//                                        did not finish: a parser stuck in a loop shows up there
// `npm test` runs the same properties with few inputs and a fixed seed (VIGIL_FUZZ_RUNS,
// VIGIL_FUZZ_SEED; see packages/core/src/fuzz/test-support/fuzz-settings.ts).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = join(import.meta.dirname, "..");
const fuzzDir = join(repo, "packages", "core", "src", "fuzz");
/** Explicit cases and regressions: they do not depend on the number of inputs. */
const NOT_PROPERTIES = new Set(["hostile-cases.test.ts", "regressions.test.ts"]);

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const value = process.argv[at + 1];
  process.argv.splice(at, 2);
  if (value === undefined) throw new Error(`${name} needs a value`);
  return value;
}

const runs = Number(option("--runs", "2000"));
const seed = Number(option("--seed", String(1 + Math.floor(Math.random() * (2 ** 31 - 1)))));
const minutes = Number(option("--minutes", "120"));
const vitestArgs = process.argv.slice(2);
const files = readdirSync(fuzzDir)
  .filter((f) => f.endsWith(".test.ts") && !NOT_PROPERTIES.has(f))
  .map((f) => join("packages", "core", "src", "fuzz", f));

const work = mkdtempSync(join(tmpdir(), "vigil-fuzz-"));
const report = join(work, "report.jsonl");
console.log(`[vigil fuzz] ${runs} inputs a property, seed ${seed}, at most ${minutes} min`);

const started = performance.now();
const child = spawn(
  process.execPath,
  [join(repo, "node_modules", "vitest", "vitest.mjs"), "run", ...files, ...vitestArgs],
  {
    cwd: repo,
    stdio: "inherit",
    env: {
      ...process.env,
      VIGIL_FUZZ_RUNS: String(runs),
      VIGIL_FUZZ_SEED: String(seed),
      VIGIL_FUZZ_REPORT: report,
    },
  },
);
let timedOut = false;
const watchdog = setTimeout(
  () => {
    timedOut = true;
    console.error(`[vigil fuzz] still running after ${minutes} min: stopping vitest`);
    child.kill("SIGTERM");
  },
  minutes * 60 * 1000,
);
const exitCode = await new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
clearTimeout(watchdog);

const rows = existsSync(report)
  ? readFileSync(report, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
rmSync(work, { recursive: true, force: true });

const width = Math.max(6, ...rows.map((r) => r.parser.length));
console.log(`\n${"parser".padEnd(width)}  ${"inputs".padStart(8)}  failures  ${"seconds".padStart(7)}`);
for (const r of rows.sort((a, b) => a.parser.localeCompare(b.parser))) {
  const failure = r.failures > 0 ? `  seed ${r.seed}, path ${r.counterexample}` : "";
  console.log(
    `${r.parser.padEnd(width)}  ${String(r.inputs).padStart(8)}  ${String(r.failures).padStart(8)}  ${(r.ms / 1000).toFixed(1).padStart(7)}${failure}`,
  );
}
const inputs = rows.reduce((sum, r) => sum + r.inputs, 0);
const failures = rows.reduce((sum, r) => sum + r.failures, 0);
const minutesTaken = ((performance.now() - started) / 60_000).toFixed(1);
console.log(
  `\n[vigil fuzz] ${rows.length} properties, ${inputs} inputs, ${failures} failures, seed ${seed}, ${minutesTaken} min`,
);
if (timedOut)
  console.log("[vigil fuzz] stopped by the time limit: properties missing from the table did not finish");
process.exitCode = failures > 0 || timedOut ? 1 : exitCode;
