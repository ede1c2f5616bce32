#!/usr/bin/env node
// The advisory store on real data: snapshot syncs of the six OSV bulk zips in
// ../shared/data/advisories/osv/<Ecosystem>/all.zip (Debian, Go, PyPI, Red Hat, Ubuntu,
// crates.io), read by the osv source, one store source per zip, on SQLite and on PostgreSQL,
// through the BUILT code (`npx tsc -b` first). Prints seconds and records/s per zip and in total
// for a first sync into an empty store and for a re-sync of the same data (the daily case),
// next to a baseline that runs the same osv source without storing (zip read, parse, check);
// then one `affectedBy` call for 10,000 (ecosystem base, name) pairs sampled from the data
// (fixed seed), median of 5, with and without parsing every hit's entry. Targets: all syncs
// under 30 s on SQLite, the lookup under 1 s; the ratio to each target is printed. Always
// exits 0: it reports, it does not judge.
//
// Usage: node scripts/bench/advisory-store.mjs [--dialect sqlite,postgres] [--lookups 10000] [osv-tree]
//   PostgreSQL: $VIGIL_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test; a
//   schema of its own is created and dropped.

import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openBenchPostgres, openBenchSqlite } from "./bench-databases.mjs";
import { median, printTable, repoRoot } from "./lib.mjs";

const ECOSYSTEMS = ["Debian", "Go", "PyPI", "Red Hat", "Ubuntu", "crates.io"];
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const positional = args.filter((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const dialects = option("dialect", "sqlite,postgres").split(",");
const lookupCount = Number(option("lookups", "10000"));
const SYNC_TARGET_S = 30;
const LOOKUP_TARGET_S = 1;

const osvRoot = positional[0] ?? join(repoRoot, "..", "shared", "data", "advisories", "osv");
const ecosystems = ECOSYSTEMS.filter((e) => existsSync(join(osvRoot, e, "all.zip")));
if (ecosystems.length === 0) {
  console.log(`advisory-store: no <Ecosystem>/all.zip under ${osvRoot}; nothing to measure`);
  process.exit(0);
}
const server = await import(pathToFileURL(join(repoRoot, "packages/server/dist/index.js")).href);
const core = await import(pathToFileURL(join(repoRoot, "packages/core/dist/index.js")).href);
const { createOsvSource } = await import(
  pathToFileURL(join(repoRoot, "packages/core/dist/advisory/sources/osv/index.js")).href
);

/** The osv source's sync of one ecosystem's zip. */
function syncOf(ecosystem) {
  return createOsvSource({ ecosystems: [ecosystem] }).sync({
    location: osvRoot,
    now: new Date().toISOString(),
    fetch,
  });
}

function sum(values) {
  return values.reduce((a, b) => a + b, 0);
}

// --- baseline: the source alone; and the (base, name) pairs to look up ---
const pairs = new Map();
const zips = [];
for (const ecosystem of ecosystems) {
  const started = performance.now();
  let records = 0;
  for await (const item of (await syncOf(ecosystem)).items) {
    if (item.kind !== "advisory") continue;
    records++;
    for (const affected of item.record.affected ?? []) {
      if (!affected.package) continue;
      const base = core.ecosystemKey(affected.package.ecosystem).base;
      pairs.set(`${base}\0${affected.package.name}`, { ecosystemBase: base, name: affected.package.name });
    }
  }
  zips.push({
    ecosystem,
    records,
    baseline: (performance.now() - started) / 1000,
    source: { name: `osv-${ecosystem.toLowerCase().replace(/\W+/g, "-")}`, version: 1 },
  });
}
// a fixed-seed shuffle, so every run looks up the same sample
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const all = [...pairs.values()];
for (let i = all.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [all[i], all[j]] = [all[j], all[i]];
}
const sample = all.slice(0, lookupCount);
const totalRecords = sum(zips.map((z) => z.records));
const baselineTotal = sum(zips.map((z) => z.baseline));
console.log(
  `${zips.length} zips, ${totalRecords} records, ${pairs.size} distinct (ecosystem base, name) pairs; ` +
    `lookup sample ${sample.length}; osv source alone (read, parse, check) ${baselineTotal.toFixed(2)} s; Node ${process.version}`,
);

function openStore(dialect) {
  return dialect === "sqlite" ? openBenchSqlite("vigil-bench-sqlite-") : openBenchPostgres("vigil_bench");
}

for (const dialect of dialects) {
  console.log(`\n--- ${dialect}`);
  const { database, drop } = await openStore(dialect);
  try {
    await server.migrateToLatest(database.db);
    const store = server.createAdvisoryStore(database.db);
    const rows = [];
    const totals = { first: 0, again: 0 };
    for (const zip of zips) {
      const times = [];
      for (const pass of ["first", "again"]) {
        const started = performance.now();
        const summary = await store.applySync({
          source: zip.source,
          result: await syncOf(zip.ecosystem),
          now: new Date().toISOString(),
        });
        const seconds = (performance.now() - started) / 1000;
        if (summary.total !== zip.records) {
          throw new Error(`${zip.ecosystem}: stored ${summary.total} of ${zip.records}`);
        }
        totals[pass] += seconds;
        times.push(seconds);
      }
      rows.push([
        zip.ecosystem,
        zip.records,
        zip.baseline.toFixed(2),
        times[0].toFixed(2),
        Math.round(zip.records / times[0]),
        times[1].toFixed(2),
        Math.round(zip.records / times[1]),
      ]);
    }
    rows.push([
      "all",
      totalRecords,
      baselineTotal.toFixed(2),
      totals.first.toFixed(2),
      Math.round(totalRecords / totals.first),
      totals.again.toFixed(2),
      Math.round(totalRecords / totals.again),
    ]);
    printTable(
      ["zip", "records", "source alone s", "first sync s", "records/s", "re-sync s", "records/s"],
      rows,
    );
    console.log(
      `all syncs (first): ${totals.first.toFixed(2)} s = ${(totals.first / SYNC_TARGET_S).toFixed(3)} of the ${SYNC_TARGET_S} s target; ` +
        `${(totals.first / baselineTotal).toFixed(1)}x the source alone`,
    );
    const stats = await store.stats();
    console.log(
      `rows: ${stats.totals.advisories} advisories, ${stats.totals.aliases} aliases, ${stats.totals.affected} affected entries`,
    );

    // as matching uses it (entries parsed when read), and with every hit's entry parsed
    for (const parseAll of [false, true]) {
      const times = [];
      let hits = 0;
      for (let run = 0; run < 5; run++) {
        const started = performance.now();
        const result = await store.affectedBy(sample);
        hits = 0;
        for (const list of result.values()) {
          hits += list.length;
          if (parseAll) for (const hit of list) if (!hit.affected) throw new Error("no entry");
        }
        times.push((performance.now() - started) / 1000);
      }
      const m = median(times);
      console.log(
        `affectedBy(${sample.length} pairs) -> ${hits} hits${parseAll ? ", every entry parsed" : ""}: ` +
          `median ${m.toFixed(3)} s of 5 (max ${Math.max(...times).toFixed(3)} s) = ` +
          `${(m / LOOKUP_TARGET_S).toFixed(3)} of the ${LOOKUP_TARGET_S} s target`,
      );
    }
  } finally {
    await drop();
  }
}
