#!/usr/bin/env node
// The findings list at scale: 1,000,000 findings (env BENCH_FINDINGS) seeded into the
// `findings` table with realistic distributions (20 clusters, 200 namespaces, 5,000
// workloads, 30,000 advisory ids; severities critical 3 %, high 17 %, medium 40 %, low 30 %,
// unknown 10 %; states detected 70 %, confirmed/dismissed/resolved 10 % each; fixable 60 %;
// KEV 1 % of advisories), on SQLite and on PostgreSQL, through the BUILT code (`npx tsc -b`
// first). Then the UI's mix of `FindingRepository.query` calls, 200 of each kind with
// varying parameters (fixed seed): the first page by severity of one cluster; a state
// filter; namespace + severity; free text on an advisory id; KEV only; fixable only; and 5
// following pages by cursor; the text search as partial advisory ids, package name substrings,
// a common substring and two characters. Prints p50/p95/max ms per kind and the overall p95 per
// database against the target p95 < 100 ms, as a ratio. Then the cost of the search index on
// writes: 50,000 findings inserted (and deleted) with the index, and again after dropping it.
// Always exits 0: it reports, it does not judge.
//
// The findings are seeded (and the SQLite file cached) by seeded-findings.mjs. PostgreSQL
// ($VIGIL_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test) gets a schema of its
// own, dropped at the end.
//
// A kind whose calls take more than --budget-s seconds in all stops early (fewer calls shown).
// --explain prints each kind's plan (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE) after the figures.
//
// Usage: node scripts/bench/findings-query.mjs [--dialect sqlite,postgres] [--runs 200]
//   [--budget-s 20] [--explain]

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { printTable, repoRoot } from "./lib.mjs";
import {
  advisories,
  BENCH_FINDINGS,
  clusters,
  findingRows,
  namespaces,
  openSeededStore,
  packages,
  WORLD,
} from "./seeded-findings.mjs";
import { pick, prng, STATE_WEIGHTS } from "./seeded-random.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const dialects = option("dialect", "sqlite,postgres").split(",");
const RUNS = Number(option("runs", "200"));
const EXPLAIN = args.includes("--explain");
// a kind slower than this in total stops early (its call count shows it), so a missing index
// costs minutes, not hours
const BUDGET_MS = Number(option("budget-s", "20")) * 1000;
const TARGET_MS = 100;

const server = await import(pathToFileURL(join(repoRoot, "packages/server/dist/index.js")).href);
const { sql } = await import("kysely");

/** The UI's query kinds: each a function of a PRNG to one query. */
const KINDS = [
  ["cluster, by severity", (r) => ({ clusterIds: [clusters[Math.floor(r() * clusters.length)]] })],
  [
    "state filter",
    (r) => ({
      states: [
        pick(
          r,
          STATE_WEIGHTS.slice(1).map(([s]) => [s, 1 / 3]),
        ),
      ],
    }),
  ],
  [
    "namespace + severity",
    (r) => ({
      namespaces: [namespaces[Math.floor(r() * namespaces.length)]],
      severities: r() < 0.5 ? ["critical"] : ["critical", "high"],
    }),
  ],
  ["text: advisory id", (r) => ({ text: advisories[Math.floor(r() * advisories.length)].id.toLowerCase() })],
  // Substrings: no B-tree serves them; the trigram indexes of 0004-finding-search do (3+ characters).
  // A partial id (`cve-2019-123`, `ghsa-1a2b-3c`): a few advisories, ~100 findings.
  [
    "text: partial advisory id",
    (r) => {
      const id = advisories[Math.floor(r() * advisories.length)].id;
      return { text: id.slice(0, id.length - 2).toLowerCase() };
    },
  ],
  // A partial name (`bpkg123`, `g1234`): one to a dozen packages.
  ["text: package substring", (r) => ({ text: packages[Math.floor(r() * packages.length)].name.slice(2) })],
  // A substring of a third of all findings (`pkg1` is in pkg1, pkg10…, pkg1000…): many candidates.
  ["text: common substring", (r) => ({ text: `pkg${1 + Math.floor(r() * 9)}` })],
  // Two characters (`42`): too short for a trigram, compared on every row until a page fills.
  ["text: two characters", (r) => ({ text: String(10 + Math.floor(r() * 90)) })],
  ["KEV only", () => ({ kev: true })],
  ["fixable", () => ({ fixable: true, states: ["detected", "confirmed"] })],
];

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const fmt = (ms) => ms.toFixed(1);

async function explain(database, query) {
  const { db } = database;
  const repo = server.storeDb(db);
  // what the repository looks up before a substring search (absent before 0004-finding-search)
  const text = server.searchedSubstring?.(query);
  const values = text === undefined ? undefined : await server.findingTextValues(db, database.dialect, text);
  let select = repo
    .selectFrom("findings")
    .selectAll()
    .where((eb) => server.findingFilterCondition(eb, query, values));
  for (const k of server.FINDING_SORT_KEYS.severity) select = select.orderBy(sql.ref(k.column), k.direction);
  const compiled = select.limit(51).compile();
  const prefix = database.dialect === "sqlite" ? "explain query plan " : "explain (analyze, buffers off) ";
  const { rows } = await db.executeQuery({
    ...compiled,
    sql: prefix + compiled.sql,
  });
  return rows.map((r) => (database.dialect === "sqlite" ? `${r.detail}` : r["QUERY PLAN"])).join("\n    ");
}

/** Whether the findings search index of 0004-finding-search is there (FTS5 table or trigram indexes). */
async function hasSearchIndex(database) {
  const { rows } =
    database.dialect === "sqlite"
      ? await sql`select name from sqlite_master where name = 'finding_search_values'`.execute(database.db)
      : await sql`select indexname from pg_indexes where schemaname = current_schema() and indexname like '%trgm%'`.execute(
          database.db,
        );
  return rows.length > 0;
}

/** Drops the findings search index (its triggers on SQLite), to measure writes without it. */
async function dropSearchIndex(database) {
  if (database.dialect === "sqlite") {
    for (const trigger of ["findings_search_insert", "findings_search_delete", "findings_search_update"]) {
      await sql`drop trigger if exists ${sql.id(trigger)}`.execute(database.db);
    }
    await sql`drop table if exists finding_search_values_fts`.execute(database.db);
    await sql`drop table if exists finding_search_values`.execute(database.db);
  } else {
    for (const index of ["findings_advisory_trgm_idx", "findings_package_trgm_idx"]) {
      await sql`drop index if exists ${sql.id(index)}`.execute(database.db);
    }
  }
}

/**
 * Seconds to write `INSERT_FINDINGS` new findings into the seeded table in one transaction (as
 * a scan's reconcile writes them, in statements of the dialect's parameter limit), then to
 * delete them again: with the search index, then (dropped) without it.
 */
const INSERT_FINDINGS = 50_000;
async function insertCost(database) {
  const rowsPer = Math.floor(server.MAX_PARAMETERS[database.dialect] / 31);
  const once = async (round) => {
    const rows = [];
    for (const batch of findingRows(BENCH_FINDINGS, 10_000)) {
      for (const row of batch) {
        rows.push({ ...row, id: `bench-insert-${round}-${row.id}`, cluster_id: `bench-insert-${round}` });
        if (rows.length === INSERT_FINDINGS) break;
      }
      if (rows.length === INSERT_FINDINGS) break;
    }
    let started = performance.now();
    await database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += rowsPer) {
        await trx
          .insertInto("findings")
          .values(rows.slice(i, i + rowsPer))
          .execute();
      }
    });
    const insert = (performance.now() - started) / 1000;
    started = performance.now();
    await database.db.deleteFrom("findings").where("cluster_id", "=", `bench-insert-${round}`).execute();
    return [insert, (performance.now() - started) / 1000];
  };
  const results = [];
  if (await hasSearchIndex(database)) {
    results.push(["with the search index", ...(await once(1))]);
    await dropSearchIndex(database);
  }
  results.push(["without it", ...(await once(2))]);
  printTable(
    [`write ${INSERT_FINDINGS} findings`, "insert s", "delete s"],
    results.map(([name, insert, remove]) => [name, insert.toFixed(2), remove.toFixed(2)]),
  );
}

console.log(
  `findings-query: ${BENCH_FINDINGS} findings, ${WORLD.clusters} clusters, ${WORLD.namespaces} namespaces, ` +
    `${WORLD.workloads} workloads, ${WORLD.advisories} advisories; ${RUNS} runs per kind; Node ${process.version}`,
);
for (const dialect of dialects) {
  console.log(`\n--- ${dialect}`);
  const { database, drop } = await openSeededStore(dialect);
  try {
    const findings = server.createFindingRepository(database.db);
    const random = prng(99);
    // warm the cache once (the first touch reads the file)
    for (const [, make] of KINDS) await findings.query(make(random));
    const times = new Map([...KINDS.map(([name]) => [name, []]), ["next page (cursor), 5 deep", []]]);
    const rowsSeen = new Map();
    const spent = new Map();
    for (let run = 0; run < RUNS; run++) {
      for (const [name, make] of KINDS) {
        const query = make(random);
        if ((spent.get(name) ?? 0) > BUDGET_MS) continue;
        const kindStarted = performance.now();
        let started = performance.now();
        let page = await findings.query(query);
        times.get(name).push(performance.now() - started);
        rowsSeen.set(name, (rowsSeen.get(name) ?? 0) + page.items.length);
        // the following pages of the cluster list: the one a user pages through
        if (name === "cluster, by severity") {
          for (let p = 0; p < 5 && page.nextCursor; p++) {
            started = performance.now();
            page = await findings.query({ ...query, cursor: page.nextCursor });
            times.get("next page (cursor), 5 deep").push(performance.now() - started);
          }
        }
        spent.set(name, (spent.get(name) ?? 0) + performance.now() - kindStarted);
      }
    }
    const all = [];
    const rows = [];
    for (const [name, list] of times) {
      const sorted = [...list].sort((a, b) => a - b);
      all.push(...list);
      const p95 = percentile(sorted, 95);
      rows.push([
        name,
        list.length,
        rowsSeen.has(name) ? (rowsSeen.get(name) / list.length).toFixed(1) : "50.0",
        fmt(percentile(sorted, 50)),
        fmt(p95),
        fmt(sorted[sorted.length - 1]),
        (p95 / TARGET_MS).toFixed(2),
      ]);
    }
    printTable(["query", "calls", "rows/page", "p50 ms", "p95 ms", "max ms", "p95/target"], rows);
    const overall = percentile(
      all.sort((a, b) => a - b),
      95,
    );
    console.log(
      `${dialect}: overall p95 ${fmt(overall)} ms over ${all.length} calls = ` +
        `${(overall / TARGET_MS).toFixed(2)} of the p95 < ${TARGET_MS} ms target`,
    );
    if (EXPLAIN) {
      const r = prng(5);
      for (const [name, make] of KINDS)
        console.log(`  plan, ${name}:\n    ${await explain(database, make(r))}`);
    }
    // last: it drops the search index
    await insertCost(database);
  } finally {
    await drop();
  }
}
