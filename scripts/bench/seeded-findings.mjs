// The findings the store and UI benches measure on: BENCH_FINDINGS (default 1,000,000) rows of
// the `findings` table with realistic distributions (20 clusters, 200 namespaces, 5,000
// workloads, 30,000 advisory ids; severities critical 3 %, high 17 %, medium 40 %, low 30 %,
// unknown 10 %; states detected 70 %, confirmed/dismissed/resolved 10 % each; fixable 60 %;
// KEV 1 % of advisories), from a fixed seed, through the BUILT code (`npx tsc -b` first).
//
// Seeding is direct batched Kysely inserts (applyChanges would first count ids per chunk, for
// nothing here). A seeded SQLite file is cached under /var/cache/vigil-bench/ (env
// VIGIL_BENCH_CACHE), keyed by the seed parameters and the migration list, and copied into a
// temporary data dir on later runs. PostgreSQL ($VIGIL_BENCH_DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/test) gets a schema of its own, seeded each time.

import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openBenchPostgres } from "./bench-databases.mjs";
import { repoRoot } from "./lib.mjs";
import { hex, pick, prng, SEVERITY_WEIGHTS, STATE_WEIGHTS } from "./seeded-random.mjs";

/** How many findings the benches seed unless told otherwise. */
export const BENCH_FINDINGS = Number(process.env.BENCH_FINDINGS ?? 1_000_000);
// part of the cache key: bump it when the rows change
const SEED_VERSION = 1;
/** The shape of the seeded world (the findings' count is each seeding's own). */
export const WORLD = {
  clusters: 20,
  namespaces: 200,
  workloads: 5_000,
  advisories: 30_000,
  packages: 3_000,
  seed: 7,
};
const cacheDir = process.env.VIGIL_BENCH_CACHE ?? "/var/cache/vigil-bench";

const server = await import(pathToFileURL(join(repoRoot, "packages/server/dist/index.js")).href);
const core = await import(pathToFileURL(join(repoRoot, "packages/core/dist/index.js")).href);
const { sql } = await import("kysely");

const SCORE = { critical: 9.8, high: 7.5, medium: 5.3, low: 3.1 };
const worldRandom = prng(WORLD.seed);
// --- the world the findings live in ---
export const clusters = Array.from(
  { length: WORLD.clusters },
  (_, i) => `cluster-${String(i).padStart(2, "0")}`,
);
const NAMESPACE_WORDS = [
  "payments",
  "checkout",
  "search",
  "auth",
  "billing",
  "ingest",
  "web",
  "batch",
  "ml",
  "ops",
];
export const namespaces = Array.from(
  { length: WORLD.namespaces },
  (_, i) => `${NAMESPACE_WORDS[i % NAMESPACE_WORDS.length]}-${Math.floor(i / NAMESPACE_WORDS.length)}`,
);
// each namespace lives in one cluster (10 per cluster); each workload in one namespace
const workloads = Array.from({ length: WORLD.workloads }, (_, i) => {
  const ns = i % WORLD.namespaces;
  const kind = pick(worldRandom, [
    ["Deployment", 0.7],
    ["StatefulSet", 0.15],
    ["DaemonSet", 0.1],
    ["CronJob", 0.05],
  ]);
  const name = `${namespaces[ns].split("-")[0]}-svc-${i}`;
  return {
    clusterId: clusters[ns % WORLD.clusters],
    namespace: namespaces[ns],
    kind,
    name,
    container: worldRandom() < 0.8 ? "app" : "sidecar",
    digest: `sha256:${hex(worldRandom, 64)}`,
    image: `registry.example.com/${namespaces[ns]}/${name}:1.${i % 40}.${i % 7}`,
  };
});
const PACKAGE_TYPES = ["deb", "apk", "npm", "python", "go-module", "jar"];
export const packages = Array.from({ length: WORLD.packages }, (_, i) => ({
  name: `${["lib", "py", "node", "go", "java", ""][i % 6]}pkg${i}`,
  type: PACKAGE_TYPES[i % PACKAGE_TYPES.length],
}));
export const advisories = Array.from({ length: WORLD.advisories }, (_, i) => {
  const level = pick(worldRandom, SEVERITY_WEIGHTS);
  const ghsa = worldRandom() < 0.15;
  const id = ghsa
    ? `GHSA-${hex(worldRandom, 4)}-${hex(worldRandom, 4)}-${hex(worldRandom, 4)}`
    : `CVE-${2014 + (i % 11)}-${String(1000 + ((i * 7919) % 60000)).padStart(5, "0")}`;
  return { id, level, kev: worldRandom() < 0.01, pkg: packages[(i * 31) % WORLD.packages] };
});
const NOW = Date.parse("2025-06-01T00:00:00.000Z");
const DAY = 86_400_000;

/**
 * The first `count` `findings` rows, in batches (a generator, so 1,000,000 rows never sit in
 * memory at once). Any count gives a prefix of the same sequence.
 */
export function* findingRows(count, batchSize) {
  const random = prng(WORLD.seed + 1);
  const perWorkload = Math.ceil(count / WORLD.workloads);
  let batch = [];
  let n = 0;
  for (let k = 0; k < perWorkload && n < count; k++) {
    for (let w = 0; w < WORLD.workloads && n < count; w++, n++) {
      const workload = workloads[w];
      // distinct per workload for k < 200 (see the stride), so identities never collide
      const advisory = advisories[(w * 7919 + k * 149) % WORLD.advisories];
      const state = pick(random, STATE_WEIGHTS);
      const fixable = random() < 0.6;
      const lastSeen = NOW - Math.floor(random() * 30 * DAY);
      const firstSeen = lastSeen - Math.floor(random() * 180 * DAY);
      const version = `${1 + (k % 5)}.${w % 13}.${k % 9}`;
      const fixedVersion = fixable ? `${1 + (k % 5)}.${(w % 13) + 1}.0` : undefined;
      const details = {
        imageDigest: workload.digest,
        image: workload.image,
        packageType: advisory.pkg.type,
        packageVersion: version,
        purl: `pkg:${advisory.pkg.type}/${advisory.pkg.name}@${version}`,
        path: `/usr/lib/${advisory.pkg.name}`,
        layerDigest: workload.digest,
        ...(fixedVersion ? { fixedVersion } : {}),
        matchStatus: "affected",
        severity: {
          level: advisory.level,
          source: "nvd",
          ...(SCORE[advisory.level] ? { score: SCORE[advisory.level] } : {}),
        },
        aliases: [],
      };
      batch.push({
        id: hex(random, 26),
        report_type: "operational",
        cluster_id: workload.clusterId,
        namespace: workload.namespace,
        workload_kind: workload.kind,
        workload_name: workload.name,
        container_name: workload.container,
        package_name: advisory.pkg.name,
        advisory_id: advisory.id,
        project: "",
        branch: "",
        state,
        dismissal_reason: state === "dismissed" ? "tolerable_risk" : null,
        dismissal_comment: null,
        severity: advisory.level,
        severity_rank: core.SEVERITY_LEVELS.indexOf(advisory.level),
        severity_score: SCORE[advisory.level] ?? null,
        kev: advisory.kev ? 1 : 0,
        epss: Math.round(random() * 1e4) / 1e4,
        fixable: fixable ? 1 : 0,
        fixed_version: fixedVersion ?? null,
        installed_version: version,
        package_type: advisory.pkg.type,
        image_digest: workload.digest,
        image_reference: workload.image,
        details_json: JSON.stringify(details),
        first_seen: new Date(firstSeen).toISOString(),
        last_seen: new Date(lastSeen).toISOString(),
        running_since: new Date(firstSeen).toISOString(),
        resolved_at: state === "resolved" ? new Date(lastSeen).toISOString() : null,
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

async function seed(database, count) {
  const started = performance.now();
  const dialect = database.dialect;
  const rowsPer = Math.floor(server.MAX_PARAMETERS[dialect] / 31);
  let rows = 0;
  // one transaction per ~50,000 rows: big enough to be fast, small enough for the WAL
  for (const group of findingRows(count, rowsPer * Math.max(1, Math.floor(50_000 / rowsPer)))) {
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
      process.stdout.write(`  seeded ${rows} (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    }
  }
  return (performance.now() - started) / 1000;
}

/**
 * A temporary data directory whose SQLite file (closed) holds `count` seeded findings, copied
 * from the cache, or seeded and then cached; `drop()` removes the directory.
 */
export async function seededSqliteDir(count = BENCH_FINDINGS) {
  const params = { version: SEED_VERSION, findings: count, ...WORLD };
  const key = createHash("sha256")
    .update(JSON.stringify({ PARAMS: params, migrations: server.MIGRATIONS.map(([name]) => name) }))
    .digest("hex")
    .slice(0, 16);
  const cached = join(cacheDir, `findings-${count}-${key}.db`);
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-findings-"));
  const drop = () => rmSync(dir, { recursive: true, force: true });
  if (existsSync(cached)) {
    copyFileSync(cached, join(dir, server.SQLITE_FILE_NAME));
    console.log(`seeded SQLite file from the cache: ${cached}`);
    // a file cached before the kept open counts were seeded too has none: count them now
    const database = server.createDatabase({ dataDir: dir });
    await server.recountOpenFindings(database.db, new Date().toISOString().slice(0, 10));
    await database.close();
    return { dir, drop };
  }
  const database = server.createDatabase({ dataDir: dir });
  try {
    await server.migrateToLatest(database.db);
    const seconds = await seed(database, count);
    // the rows went in around applyChanges: the kept open counts (the report's summary) from them
    await server.recountOpenFindings(database.db, new Date().toISOString().slice(0, 10));
    console.log(`seeded ${count} findings in ${seconds.toFixed(1)} s`);
    await sql`pragma wal_checkpoint(truncate)`.execute(database.db);
  } catch (error) {
    await database.close();
    drop();
    throw error;
  }
  await database.close();
  try {
    mkdirSync(cacheDir, { recursive: true });
    copyFileSync(join(dir, server.SQLITE_FILE_NAME), `${cached}.tmp`);
    renameSync(`${cached}.tmp`, cached);
    console.log(`cached as ${cached}`);
  } catch (error) {
    console.log(`could not cache the seeded file: ${error.message}`);
  }
  return { dir, drop };
}

/**
 * A PostgreSQL schema (see openBenchPostgres) holding `count` seeded findings, vacuumed and
 * analyzed; `url` connects to it, `drop()` removes it.
 */
export async function seededPostgres(count = BENCH_FINDINGS, name = "vigil_bench_findings") {
  const store = await openBenchPostgres(name);
  try {
    await server.migrateToLatest(store.database.db);
    const seconds = await seed(store.database, count);
    await server.recountOpenFindings(store.database.db, new Date().toISOString().slice(0, 10));
    // what autovacuum would have done by the time anyone lists findings
    await sql`vacuum analyze findings`.execute(store.database.db);
    console.log(`seeded ${count} findings in ${seconds.toFixed(1)} s (then vacuum analyze)`);
  } catch (error) {
    await store.drop();
    throw error;
  }
  return store;
}

/** An open, migrated store of `count` seeded findings on `dialect`, with its `drop()`. */
export async function openSeededStore(dialect, count = BENCH_FINDINGS) {
  if (dialect !== "sqlite") return seededPostgres(count);
  const seeded = await seededSqliteDir(count);
  const database = server.createDatabase({ dataDir: seeded.dir });
  await server.migrateToLatest(database.db);
  return {
    database,
    async drop() {
      await database.close();
      seeded.drop();
    },
  };
}
