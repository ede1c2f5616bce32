#!/usr/bin/env node
// Records per second importing OSV bulk exports (default: the six <Ecosystem>/all.zip of the
// shared data) with the osv source — zip read, UTF-8 decode, JSON.parse, structural check,
// dedup — on the BUILT code (`npx tsc -b packages/cli` first), against baselines over the
// same members in the same run: the bare zip read (inflate + CRC) and the zip read plus
// JSON.parse without the check. Medians of --runs runs. Always exits 0; it reports.
//
// Usage: node scripts/bench/osv-read.mjs [--runs 3] [path/to/osv-tree]

import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { median, printTable, repoRoot } from "./lib.mjs";

const ECOSYSTEMS = ["Debian", "Go", "PyPI", "Red Hat", "Ubuntu", "crates.io"];
const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const rest = args.filter((_, i) => i !== runsAt && i !== runsAt + 1);
const root = rest[0] ?? join(repoRoot, "../shared/data/advisories/osv");
const zips = ECOSYSTEMS.map((e) => join(root, e, "all.zip")).filter((p) => existsSync(p));
if (zips.length === 0) {
  console.log(`osv-read: no <Ecosystem>/all.zip under ${root}; nothing to measure`);
  process.exit(0);
}
const dist = (path) => import(pathToFileURL(join(repoRoot, "packages/core/dist", path)).href);
const zip = await dist("archive/zip/index.js");
const { createOsvSource } = await dist("advisory/sources/osv/index.js");

/** Reads every .json member of every zip; `each` sees the bytes. */
async function zipPass(each) {
  let members = 0;
  for (const path of zips) {
    const source = await zip.zipSourceFromFile(path);
    try {
      const archive = await zip.openZip(source);
      for await (const { data } of archive.readEntries({ filter: (e) => e.name.endsWith(".json") })) {
        each(data);
        members++;
      }
    } finally {
      await source.close();
    }
  }
  return { members };
}

async function osvSource() {
  const source = createOsvSource({ ecosystems: ECOSYSTEMS });
  const result = await source.sync({ location: root, now: new Date().toISOString(), fetch });
  let advisories = 0;
  let problems = 0;
  for await (const item of result.items) {
    if (item.kind === "advisory") advisories++;
    else problems++;
  }
  return { members: advisories + problems, advisories, problems };
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const contenders = [
  ["osv source (read, parse, check)", osvSource],
  ["zip read + JSON.parse", () => zipPass((data) => JSON.parse(decoder.decode(data)))],
  ["zip read only (inflate + CRC)", () => zipPass(() => {})],
];
const results = [];
for (const [label, run] of contenders) {
  await run(); // warm-up
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    last = await run();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  results.push({ label, seconds: median(times), ...last });
}
const [full, , bare] = results;
console.log(
  `${zips.length} exports under ${root}: ${bare.members} members; the source yielded ${full.advisories} advisories and ${full.problems} problems (duplicate ids across exports are yielded once); median of ${runs} runs, Node ${process.version}`,
);
printTable(
  ["reader", "seconds", "records/s", "vs bare zip read"],
  results.map((r) => [
    r.label,
    r.seconds.toFixed(3),
    Math.round(bare.members / r.seconds).toLocaleString("en-US"),
    `${(r.seconds / bare.seconds).toFixed(2)}x the time`,
  ]),
);
