#!/usr/bin/env node
// Members per second reading every member of an OSV bulk export (default: the 27,132-member
// Debian all.zip of the shared data) with Vigil's zip reader, on the BUILT code (`npx tsc -b
// packages/cli` first), against Python's zipfile reading the same archive in the same run.
// Every member is inflated and CRC-checked by both. Vigil is timed two ways: `readEntries`
// (file order, windowed reads: how the OSV source reads) and `readEntry` per member in
// central directory order (one or two positional reads each: random access). Python's time
// is measured inside Python, without interpreter start-up. Medians of --runs runs. Always
// exits 0; it reports, it does not judge.
//
// Usage: node scripts/bench/zip-read.mjs [--runs 5] [path/to/archive.zip]

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { median, printTable, repoRoot } from "./lib.mjs";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
const rest = args.filter((_, i) => i !== runsAt && i !== runsAt + 1);
const path = rest[0] ?? join(repoRoot, "../shared/data/advisories/osv/Debian/all.zip");
if (!existsSync(path)) {
  console.log(`zip-read: ${path} is missing; nothing to measure`);
  process.exit(0);
}
const zip = await import(pathToFileURL(join(repoRoot, "packages/core/dist/archive/zip/index.js")).href);

async function vigil(mode) {
  const source = await zip.zipSourceFromFile(path);
  try {
    const start = process.hrtime.bigint();
    const archive = await zip.openZip(source);
    let members = 0;
    let bytes = 0;
    if (mode === "readEntries") {
      for await (const { data } of archive.readEntries()) {
        members++;
        bytes += data.length;
      }
    } else {
      for (const entry of archive.entries) {
        if (entry.isDirectory) continue;
        bytes += (await archive.readEntry(entry)).length;
        members++;
      }
    }
    return { seconds: Number(process.hrtime.bigint() - start) / 1e9, members, bytes };
  } finally {
    await source.close();
  }
}

const PYTHON = `
import sys, time, zipfile
start = time.perf_counter()
members = 0
size = 0
with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        if info.is_dir():
            continue
        size += len(z.read(info))
        members += 1
print(time.perf_counter() - start, members, size)
`;

function python() {
  const [seconds, members, bytes] = execFileSync("python3", ["-c", PYTHON, path], { encoding: "utf8" })
    .trim()
    .split(" ")
    .map(Number);
  return { seconds, members, bytes };
}

const pythonVersion = execFileSync("python3", ["--version"], { encoding: "utf8" }).trim();
const contenders = [
  ["vigil readEntries (file order, windowed)", () => vigil("readEntries")],
  ["vigil readEntry (directory order, per member)", () => vigil("readEntry")],
  [`${pythonVersion} zipfile`, () => python()],
];
const results = [];
for (const [label, run] of contenders) {
  await run(); // warm-up: page cache, JIT
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    last = await run();
    times.push(last.seconds);
  }
  results.push({ label, seconds: median(times), members: last.members, bytes: last.bytes });
}
const baseline = results.at(-1);
for (const r of results) {
  if (r.members !== baseline.members || r.bytes !== baseline.bytes) {
    console.log(
      `warning: ${r.label} read ${r.members} members / ${r.bytes} bytes, Python ${baseline.members} / ${baseline.bytes}`,
    );
  }
}
console.log(
  `${path}: ${baseline.members} members, ${(baseline.bytes / 1024 ** 2).toFixed(1)} MiB uncompressed; median of ${runs} runs, Node ${process.version}`,
);
printTable(
  ["reader", "seconds", "members/s", "MiB/s", "vs Python"],
  results.map((r) => [
    r.label,
    r.seconds.toFixed(3),
    Math.round(r.members / r.seconds).toLocaleString("en-US"),
    (r.bytes / 1024 ** 2 / r.seconds).toFixed(1),
    `${(baseline.seconds / r.seconds).toFixed(2)}x`,
  ]),
);
