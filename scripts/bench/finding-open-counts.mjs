#!/usr/bin/env node
// What keeping the daily open-finding counts (the findings trend) costs a write: 1,000,000
// findings (env BENCH_FINDINGS) seeded into ONE cluster (200 namespaces, 5,000 workloads,
// 30,000 advisory ids; severities critical 3 %, high 17 %, medium 40 %, low 30 %, unknown
// 10 %; states detected 70 %, confirmed/dismissed/resolved 10 % each), on SQLite and on
// PostgreSQL, through the BUILT code (`npx tsc -b` first). Then:
//
// - `applyChanges` of one state change by hand (one finding and its history entry), --runs
//   times, alternately dismissing an open finding and reopening it: p50/p95/max ms. Whatever
//   the built repository does to keep the counts is inside it.
// - A full recount of the cluster's open findings per severity (the query a write would run to
//   recount instead of adjusting the counts), --recount-runs times, with its plan.
// - Today's open count as the kept counts say it, against a recount.
// - The time `migrateToLatest` took on the seeded database (on SQLite only for a cached
//   file made before the newest migrations: that is where their backfill shows).
//
// The seeded SQLite file is cached under $VIGIL_BENCH_CACHE (default /var/cache/vigil-bench),
// keyed by the seed parameters and seeded at migration 0010 (the migrations after it run on
// each copy, so their cost on an existing install is measured). PostgreSQL
// ($VIGIL_BENCH_DATABASE_URL, else postgres://postgres@127.0.0.1:5432/test) gets a schema of
// its own, seeded at 0010, migrated, and dropped at the end. Always exits 0: it reports.
//
// Usage: node scripts/bench/finding-open-counts.mjs [--dialect sqlite,postgres] [--runs 100]
//   [--recount-runs 20]

import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openBenchPostgres } from "./bench-databases.mjs";
import { printTable, repoRoot } from "./lib.mjs";
import { hex, pick, prng, SEVERITY_WEIGHTS, STATE_WEIGHTS } from "./seeded-random.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const dialects = option("dialect", "sqlite,postgres").split(",");
const RUNS = Number(option("runs", "100"));
// a recount takes seconds at a million findings: fewer of them say as much
const RECOUNT_RUNS = Number(option("recount-runs", "20"));
const CLUSTER = "bench-cluster";
const PARAMS = {
  version: 2,
  findings: Number(process.env.BENCH_FINDINGS ?? 1_000_000),
  namespaces: 200,
  workloads: 5_000,
  advisories: 30_000,
  packages: 3_000,
  seed: 11,
};
// the schema the seed is written at: the migrations after it run on every copy
const SEEDED_AT = "0010-login-failures";
const cacheDir = process.env.VIGIL_BENCH_CACHE ?? "/var/cache/vigil-bench";

const server = await import(pathToFileURL(join(repoRoot, "packages/server/dist/index.js")).href);
const core = await import(pathToFileURL(join(repoRoot, "packages/core/dist/index.js")).href);
const { Migrator, sql } = await import("kysely");

const world = prng(PARAMS.seed);
const workloads = Array.from({ length: PARAMS.workloads }, (_, i) => ({
  namespace: `ns-${i % PARAMS.namespaces}`,
  name: `svc-${i}`,
  digest: `sha256:${hex(world, 64)}`,
  image: `registry.example.com/ns-${i % PARAMS.namespaces}/svc-${i}:1.${i % 40}`,
}));
const advisories = Array.from({ length: PARAMS.advisories }, (_, i) => ({
  id: `CVE-${2014 + (i % 11)}-${String(10000 + i).padStart(5, "0")}`,
  level: pick(world, SEVERITY_WEIGHTS),
  pkg: `pkg${(i * 31) % PARAMS.packages}`,
}));
const NOW = Date.parse("2025-06-01T00:00:00.000Z");

/** The `findings` rows in batches (never all in memory). */
function* findingRows(batchSize) {
  const random = prng(PARAMS.seed + 1);
  const perWorkload = Math.ceil(PARAMS.findings / PARAMS.workloads);
  let batch = [];
  let n = 0;
  for (let k = 0; k < perWorkload && n < PARAMS.findings; k++) {
    for (let w = 0; w < PARAMS.workloads && n < PARAMS.findings; w++, n++) {
      const workload = workloads[w];
      // distinct per workload for k < 200, so identities never collide
      const advisory = advisories[(w * 7919 + k * 149) % PARAMS.advisories];
      const state = pick(random, STATE_WEIGHTS);
      const version = `1.${k % 9}.${w % 13}`;
      const details = {
        imageDigest: workload.digest,
        image: workload.image,
        packageType: "deb",
        packageVersion: version,
        purl: `pkg:deb/debian/${advisory.pkg}@${version}`,
        path: "/var/lib/dpkg/status",
        layerDigest: workload.digest,
        matchStatus: "affected",
        severity: { level: advisory.level, source: "nvd" },
        aliases: [],
      };
      const seen = new Date(NOW - Math.floor(random() * 30 * 86_400_000)).toISOString();
      batch.push({
        id: hex(random, 26),
        report_type: "operational",
        cluster_id: CLUSTER,
        namespace: workload.namespace,
        workload_kind: "Deployment",
        workload_name: workload.name,
        container_name: "app",
        package_name: advisory.pkg,
        advisory_id: advisory.id,
        project: "",
        branch: "",
        state,
        dismissal_reason: state === "dismissed" ? "acceptable_risk" : null,
        dismissal_comment: null,
        severity: advisory.level,
        severity_rank: core.SEVERITY_LEVELS.indexOf(advisory.level),
        severity_score: null,
        kev: 0,
        epss: null,
        fixable: 0,
        fixed_version: null,
        installed_version: version,
        package_type: "deb",
        image_digest: workload.digest,
        image_reference: workload.image,
        details_json: JSON.stringify(details),
        first_seen: seen,
        last_seen: seen,
        running_since: null,
        resolved_at: state === "resolved" ? seen : null,
        no_longer_detected: state === "resolved" ? 1 : 0,
      });
      if (batch.length === batchSize) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

/** Migrates to {@link SEEDED_AT} (not past it), so a seed stands for an install from before. */
async function migrateToSeedSchema(db) {
  const upTo = server.MIGRATIONS.slice(0, server.MIGRATIONS.findIndex(([name]) => name === SEEDED_AT) + 1);
  const migrator = new Migrator({
    db,
    provider: server.createMigrationProvider(upTo),
    ...(server.dialectOf(db) === "postgres"
      ? { migrationTableSchema: (await sql`select current_schema() as s`.execute(db)).rows[0].s }
      : {}),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

async function seed(database) {
  const started = performance.now();
  await migrateToSeedSchema(database.db);
  const rowsPer = Math.floor(server.MAX_PARAMETERS[database.dialect] / 31);
  let rows = 0;
  for (const group of findingRows(rowsPer * Math.max(1, Math.floor(50_000 / rowsPer)))) {
    await database.db.transaction().execute(async (trx) => {
      for (let i = 0; i < group.length; i += rowsPer) {
        await trx
          .insertInto("findings")
          .values(group.slice(i, i + rowsPer))
          .execute();
      }
    });
    rows += group.length;
    if (rows % 200_000 < group.length) {
      console.log(`  seeded ${rows} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
  return (performance.now() - started) / 1000;
}

/** Runs the migrations after the seed's schema; their seconds. */
async function migrateRest(database) {
  const started = performance.now();
  const applied = await server.migrateToLatest(database.db);
  const seconds = (performance.now() - started) / 1000;
  console.log(`migrations after the seed: ${applied.join(", ") || "none"} in ${seconds.toFixed(2)} s`);
}

async function openStore(dialect) {
  if (dialect === "sqlite") {
    const key = createHash("sha256").update(JSON.stringify({ PARAMS, SEEDED_AT })).digest("hex").slice(0, 16);
    const cached = join(cacheDir, `open-counts-${PARAMS.findings}-${key}.db`);
    const dir = mkdtempSync(join(tmpdir(), "vigil-bench-open-counts-"));
    const drop = async (database) => {
      await database.close();
      rmSync(dir, { recursive: true, force: true });
    };
    if (!existsSync(cached)) {
      const database = server.createDatabase({ dataDir: dir });
      const seconds = await seed(database);
      console.log(`seeded ${PARAMS.findings} findings in ${seconds.toFixed(1)} s`);
      await sql`pragma wal_checkpoint(truncate)`.execute(database.db);
      await database.close();
      mkdirSync(cacheDir, { recursive: true });
      copyFileSync(join(dir, server.SQLITE_FILE_NAME), `${cached}.tmp`);
      renameSync(`${cached}.tmp`, cached);
      console.log(`cached as ${cached}`);
    } else {
      copyFileSync(cached, join(dir, server.SQLITE_FILE_NAME));
      console.log(`seeded SQLite file from the cache: ${cached}`);
    }
    const database = server.createDatabase({ dataDir: dir });
    await migrateRest(database);
    return { database, drop: () => drop(database) };
  }
  const store = await openBenchPostgres("vigil_bench_open_counts");
  try {
    const seconds = await seed(store.database);
    await sql`vacuum analyze findings`.execute(store.database.db);
    console.log(`seeded ${PARAMS.findings} findings in ${seconds.toFixed(1)} s (then vacuum analyze)`);
    await migrateRest(store.database);
  } catch (error) {
    await store.drop();
    throw error;
  }
  return store;
}

const OPEN = ["detected", "confirmed"];

/**
 * A full recount of the cluster's open findings per severity: exact (the report type checked
 * on every row), or without the report type (right only because no development finding
 * carries a cluster id), which findings_cluster_state_severity_idx could answer alone.
 */
function recountQuery(db, exact) {
  const query = server
    .storeDb(db)
    .selectFrom("findings")
    .select((eb) => ["severity_rank", eb.fn.countAll().as("n")])
    .where("cluster_id", "=", CLUSTER)
    .where("state", "in", OPEN)
    .groupBy("severity_rank");
  return exact ? query.where("report_type", "=", "operational") : query;
}

async function plan(database, query) {
  const compiled = query.compile();
  const prefix = database.dialect === "sqlite" ? "explain query plan " : "explain (analyze, buffers off) ";
  const { rows } = await database.db.executeQuery({ ...compiled, sql: prefix + compiled.sql });
  return rows.map((r) => (database.dialect === "sqlite" ? `${r.detail}` : r["QUERY PLAN"])).join("\n    ");
}

function stats(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return [at(50).toFixed(1), at(95).toFixed(1), sorted[sorted.length - 1].toFixed(1)];
}

console.log(
  `finding-open-counts: ${PARAMS.findings} findings in one cluster, ${RUNS} runs; Node ${process.version}`,
);
for (const dialect of dialects) {
  console.log(`\n--- ${dialect}`);
  const { database, drop } = await openStore(dialect);
  try {
    const findings = server.createFindingRepository(database.db);
    const candidates = await server
      .storeDb(database.db)
      .selectFrom("findings")
      .select("id")
      .where("cluster_id", "=", CLUSTER)
      .where("state", "=", "detected")
      .limit(RUNS)
      .execute();
    const writes = [];
    const at = new Date();
    for (const { id } of candidates) {
      for (const to of ["dismissed", "detected"]) {
        const { dismissal: _, ...record } = await findings.get(id);
        const changed = {
          ...record,
          state: to,
          ...(to === "dismissed" ? { dismissal: { reason: "acceptable_risk" } } : {}),
        };
        const history = {
          findingId: id,
          at: at.toISOString(),
          actor: { type: "user", id: "bench" },
          from: record.state,
          to,
          ...(to === "dismissed" ? { reason: "acceptable_risk" } : {}),
        };
        const started = performance.now();
        await findings.applyChanges({ findings: [changed], history: [history], at });
        writes.push(performance.now() - started);
      }
    }
    const recounts = { exact: [], unchecked: [] };
    for (let i = 0; i < RECOUNT_RUNS; i++) {
      for (const [name, exact] of [
        ["exact", true],
        ["unchecked", false],
      ]) {
        const started = performance.now();
        await recountQuery(database.db, exact).execute();
        recounts[name].push(performance.now() - started);
      }
    }
    printTable(
      ["operation", "calls", "p50 ms", "p95 ms", "max ms"],
      [
        ["applyChanges, one state change", writes.length, ...stats(writes)],
        ["recount, report type checked", RECOUNT_RUNS, ...stats(recounts.exact)],
        ["recount, report type not checked", RECOUNT_RUNS, ...stats(recounts.unchecked)],
      ],
    );
    console.log(`  plan, recount checked:\n    ${await plan(database, recountQuery(database.db, true))}`);
    console.log(
      `  plan, recount not checked:\n    ${await plan(database, recountQuery(database.db, false))}`,
    );
    // what the kept counts say of today against a recount (absent before migration 0011)
    if (server.createOpenFindingTrendReader) {
      const day = at.toISOString().slice(0, 10);
      const [kept] = await server.createOpenFindingTrendReader(database.db).trend({ from: day, to: day });
      const counted = await recountQuery(database.db, true).execute();
      const total = counted.reduce((sum, r) => sum + Number(r.n), 0);
      console.log(`  today's kept open count ${kept.total}, recounted ${total}`);
    }
  } finally {
    await drop();
  }
}
