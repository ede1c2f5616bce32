// `npm run soak`: the server under load for a long time (not part of CI). A simulated cluster of
// SOAK_PODS pods (default 10 000) on the test Kubernetes API server, running variants of the
// real test images in a local docker-registry, watched by one `vigil serve` (API and scheduler,
// no scans of its own) and two `vigil worker`s on the machine's PostgreSQL, in a schema of the
// run's own that is dropped at the end. A scan execution policy with a one-minute cadence
// rescans the cluster for SOAK_MINUTES (default 30); every minute a few Deployments roll to
// another image, so findings open and resolve.
//
// The cluster's namespaces are split between SOAK_CLUSTERS registered clusters (default 2,
// both reaching the one API server through the same kubeconfig context): a cluster has at
// most one scan queued or running, so with one cluster the second worker would only wait.
//
// Every 5 s: the RSS of each process, the run's PostgreSQL connections, the scans requested,
// started, finished and failed, and the open findings; every second, the calls a person's
// browser makes for the findings report, the clusters and the scans pages, and their latency.
// At the end: a table per window (default 5 minutes), the verdicts (memory flat, no job lost,
// p95 holds; scripts/soak/soak-verdicts.mjs and docs/soak.md), docs/soak/soak-<date>.csv and
// docs/soak/soak.png. Exits 1 when a verdict fails.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { BASES, compiledKubeApi, pushVariants } from "./bench/image-variants.mjs";
import { printTable, repoRoot, runVigil, startBenchRegistry, testImagesDir } from "./bench/lib.mjs";
import { createSchema, dropSchema } from "./bench/postgres-schema.mjs";
import { prng } from "./bench/seeded-random.mjs";
import { startAutovacuumStandIn } from "./soak/autovacuum-stand-in.mjs";
import { percentile } from "./soak/percentile.mjs";
import { rssMiB } from "./soak/process-rss.mjs";
import { startSoakCluster } from "./soak/soak-cluster.mjs";
import { renderPng, soakSvg } from "./soak/soak-plot.mjs";
import { verdictsOf, windowsOf } from "./soak/soak-verdicts.mjs";
import { startUserCalls, USER_CALLS } from "./soak/user-calls.mjs";
import { startVigil } from "./soak/vigil-process.mjs";

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const PODS = Number(process.env.SOAK_PODS ?? 10_000);
const DIGESTS = Number(process.env.SOAK_DIGESTS ?? 500);
const CLUSTERS = Number(process.env.SOAK_CLUSTERS ?? 2);
/** Deployments rolled to another image every minute. */
const CHURN = Number(process.env.SOAK_CHURN ?? 20);
const WINDOW_MINUTES = Number(process.env.SOAK_WINDOW_MINUTES ?? (MINUTES >= 15 ? 5 : MINUTES / 3));
/** How long the scans still queued or running at the end may take to finish. */
const DRAIN_SECONDS = Number(process.env.SOAK_DRAIN_SECONDS ?? 600);
const OUT = process.env.SOAK_OUT ?? join(repoRoot, "docs/soak");
/** `off`: leave a server without autovacuum as it is (scripts/soak/autovacuum-stand-in.mjs). */
const STAND_IN = process.env.SOAK_AUTOVACUUM !== "off";
const SAMPLE_MS = 5000;
const WORKERS = ["worker-1", "worker-2"];
const PROCESSES = ["serve", ...WORKERS];

execFileSync("npx", ["tsc", "-b"], { cwd: repoRoot, stdio: "inherit" });
const server = await import(join(repoRoot, "packages/server/dist/index.js"));

const log = (text) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${text}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The namespaces split into `count` registered clusters, in order. */
function clustersOf(namespaces, count) {
  const per = Math.ceil(namespaces.length / count);
  return Array.from({ length: Math.min(count, namespaces.length) }, (_, i) => ({
    id: `soak-${String.fromCharCode(97 + i)}`,
    namespaces: namespaces.slice(i * per, (i + 1) * per),
  })).filter((c) => c.namespaces.length > 0);
}

/** The policy file: one policy, every cluster's namespaces each minute. */
function policyYaml(clusters) {
  const rules = clusters
    .map(
      (c) =>
        `      - type: schedule\n        cadence: '* * * * *'\n        clusters: [${c.id}]\n        namespaces: [${c.namespaces.join(", ")}]\n`,
    )
    .join("");
  return `scan_execution_policy:\n  - name: soak-every-minute\n    description: The soak's rescan of every cluster each minute.\n    rules:\n${rules}    actions:\n      - scan: cluster_image_scanning\n`;
}

// Ctrl-C ends the run early and still stops every process and drops the schema
const interrupted = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => interrupted.abort());
const checkInterrupted = () => {
  if (interrupted.signal.aborted) throw new Error("interrupted: nothing measured is reported");
};

const images = testImagesDir();
const kubeApi = compiledKubeApi();
const registry = await startBenchRegistry(join(images, "oci"), BASES);
const work = mkdtempSync(join(tmpdir(), "vigil-soak-"));
const appName = `vigil-soak-${process.pid}`;
const running = [];
let schema;
let api;
let monitor;
let vacuum;
let failedVerdicts = 0;
try {
  log(`pushing ${DIGESTS} image variants`);
  const variants = await pushVariants(registry.host, DIGESTS);
  const cluster = await startSoakCluster({ kubeApi, pods: PODS, variants, registryHost: registry.host });
  api = cluster.api;
  const kubeconfig = api.kubeconfig(join(work, "kubeconfig"), { context: "soak" });
  const clusters = clustersOf(cluster.namespaces, CLUSTERS);

  // the database: Vigil's tables, the test advisories, the clusters, an owner's API token
  const created = await createSchema("vigil_soak", { application_name: appName });
  schema = created.schema;
  const { url } = created;
  const database = server.createDatabase({ url });
  await server.migrateToLatest(database.db);
  await runVigil(["db", "import", join(repoRoot, "packages/cli/src/testdata/secdb")], {
    DATABASE_URL: url,
    HOME: work,
  });
  const stores = server.createScanStores(database.db);
  for (const c of clusters) {
    await stores.clusters.upsert({
      id: c.id,
      name: c.id,
      connectionKind: "kubeconfig",
      kubeconfigContext: "soak",
      createdAt: new Date().toISOString(),
    });
  }
  const { token } = await server.createOwner(database, {
    email: "soak@example.test",
    password: "the soak's long enough password",
    tokenName: "soak",
  });
  await database.close();
  const policies = join(work, "policies.yml");
  writeFileSync(policies, policyYaml(clusters));

  const env = { DATABASE_URL: url, HOME: work };
  const serve = startVigil(
    "serve",
    ["serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", join(work, "serve")]
      .concat(["--kubeconfig", kubeconfig, "--policies", policies, "--workers", "0"])
      .concat(["--no-advisory-update", "--no-ui"]),
    env,
    /serving (http:\/\/\S+) /,
  );
  running.push(serve);
  const baseUrl = (await serve.started())[1];
  for (const name of WORKERS) {
    const worker = startVigil(
      name,
      ["worker", "--name", name, "--kubeconfig", kubeconfig, "--cache-dir", join(work, "cache")],
      env,
      /taking scan jobs/,
    );
    running.push(worker);
  }
  for (const p of running) await p.started();
  const pids = Object.fromEntries(running.map((p) => [p.name, p.pid]));

  // the monitor's own connection is not counted with the run's
  const monitorUrl = new URL(url);
  monitorUrl.searchParams.set("application_name", `${appName}-monitor`);
  monitor = new pg.Client({ connectionString: monitorUrl.toString() });
  await monitor.connect();
  const value = async (text, params = []) => (await monitor.query(text, params)).rows[0];

  log(
    `${PODS} pods, ${variants.length} digests, ${clusters.length} clusters (${clusters.map((c) => `${c.id}: ${c.namespaces.length} namespaces`).join(", ")}); serve ${baseUrl}; ${MINUTES} minutes`,
  );
  const epoch = performance.now();
  const startedAt = new Date();
  if (STAND_IN) {
    const vacuumUrl = new URL(url);
    vacuumUrl.searchParams.set("application_name", `${appName}-vacuum`);
    vacuum = await startAutovacuumStandIn({
      url: vacuumUrl.toString(),
      schemas: [schema, `${schema}_pgboss`],
      epoch,
    });
    if (vacuum.active) log("the server runs without autovacuum: the soak vacuums as autovacuum would");
  }
  const seconds = MINUTES * 60;
  const calls = startUserCalls({ baseUrl, token, epoch });
  const samples = [];
  const churns = [];
  let reported = 0;
  const takeSample = async () => {
    const t = (performance.now() - epoch) / 1000;
    const rss = Object.fromEntries(PROCESSES.map((name) => [name, rssMiB(pids[name])]));
    const { connections } = await value(
      "select count(*)::int as connections from pg_stat_activity where application_name = $1",
      [appName],
    );
    const queue = await value(`select count(*)::int as requested, count(started_at)::int as started,
      (count(*) filter (where status in ('complete', 'partial')))::int as finished,
      (count(*) filter (where status in ('failed', 'interrupted', 'cancelled')))::int as failed,
      (count(*) filter (where status = 'queued'))::int as queued,
      (count(*) filter (where status = 'running'))::int as running from scans`);
    const findings =
      await value(`select (count(*) filter (where state in ('detected', 'confirmed')))::int as open,
      (count(*) filter (where state = 'resolved'))::int as resolved from findings`);
    const dead = await value(
      "select n_dead_tup::int as rows from pg_stat_user_tables where schemaname = $1 and relname = 'findings'",
      [schema],
    );
    const fresh = calls.records.slice(reported);
    reported = calls.records.length;
    const ms = fresh.map((c) => c.ms);
    samples.push({
      t,
      rss,
      pgConnections: connections,
      ...queue,
      openFindings: findings.open,
      resolvedFindings: findings.resolved,
      deadFindingRows: dead?.rows,
      calls: fresh.length,
      callErrors: fresh.filter((c) => c.status !== 200).length,
      p50: percentile(ms, 50),
      p95: percentile(ms, 95),
      p99: percentile(ms, 99),
      load1: loadavg()[0],
    });
  };
  const random = prng(20_251_130);
  const end = epoch + seconds * 1000;
  let nextSample = epoch;
  let nextChurn = epoch + 30_000;
  let nextReport = epoch + 60_000;
  while (performance.now() < end) {
    const now = performance.now();
    if (now >= nextSample) {
      await takeSample();
      nextSample += SAMPLE_MS;
    }
    if (now >= nextChurn) {
      churns.push({ t: (now - epoch) / 1000, pods: cluster.churn(CHURN, random) });
      nextChurn += 60_000;
    }
    if (now >= nextReport) {
      const s = samples[samples.length - 1];
      log(
        `${Math.round(s.t / 60)} min: RSS ${PROCESSES.map((p) => `${p} ${s.rss[p]?.toFixed(0)}`).join(", ")} MiB; pg ${s.pgConnections}; scans ${s.requested} requested, ${s.finished} finished, ${s.failed} failed, ${s.queued + s.running} in flight; ${s.openFindings} open findings, ${s.resolvedFindings} resolved, ${s.deadFindingRows} dead finding rows; p95 ${s.p95?.toFixed(0)} ms; load ${s.load1.toFixed(2)}`,
      );
      nextReport += 60_000;
    }
    await sleep(Math.max(0, Math.min(nextSample, nextChurn, nextReport, end) - performance.now()));
    checkInterrupted();
  }
  await takeSample();
  await calls.stop();

  // the end: the policy disabled as a person would, then every scan in flight must end
  const headers = { Authorization: `Bearer ${token}`, "content-type": "application/json" };
  const listed = await (await fetch(`${baseUrl}/api/v1/policies`, { headers })).json();
  for (const policy of listed.items ?? listed) {
    const patched = await fetch(`${baseUrl}/api/v1/policies/${policy.id}`, {
      method: "PATCH",
      headers,
      body: JSON.stringify({ enabled: false }),
    });
    if (!patched.ok) throw new Error(`could not disable policy ${policy.id}: ${patched.status}`);
  }
  log("policy disabled; waiting for the scans in flight");
  const drainEnd = Date.now() + DRAIN_SECONDS * 1000;
  for (;;) {
    const { n } = await value("select count(*)::int as n from scans where status in ('queued', 'running')");
    if (n === 0 || Date.now() > drainEnd) break;
    await sleep(2000);
    checkInterrupted();
  }
  const scans = (
    await monitor.query("select id, status, error, created_at, started_at, finished_at from scans")
  ).rows.map((s) => ({
    ...s,
    finishedAt: s.finished_at ? (Date.parse(s.finished_at) - startedAt.getTime()) / 1000 : undefined,
    seconds:
      s.finished_at && s.started_at
        ? (Date.parse(s.finished_at) - Date.parse(s.started_at)) / 1000
        : undefined,
  }));
  const jobs = Object.fromEntries(
    (
      await monitor.query(`select state::text, count(*)::int as n from "${schema}_pgboss".job group by state`)
    ).rows.map((r) => [r.state, r.n]),
  );
  await vacuum?.stop();
  await monitor.end();
  monitor = undefined;
  const exits = {};
  for (const p of [...running].reverse()) exits[p.name] = await p.stop();

  // the report
  const windows = windowsOf({
    samples,
    calls: calls.records,
    scans,
    processes: PROCESSES,
    windowSeconds: WINDOW_MINUTES * 60,
    seconds,
  });
  const verdicts = verdictsOf({ windows, processes: PROCESSES, scans, jobs });
  const mib = (v) => (v === undefined ? "-" : v.toFixed(0));
  const ms = (v) => (v === undefined ? "-" : v.toFixed(1));
  const minutesLabel = (t) => (Number.isInteger(t / 60) ? String(t / 60) : (t / 60).toFixed(1));
  console.log();
  printTable(
    [
      "minutes",
      ...PROCESSES.map((p) => `${p} MiB low/median/peak`),
      "pg conns",
      "calls",
      "p50 ms",
      "p95 ms",
      "p99 ms",
      "scans done",
      "failed",
    ],
    windows.map((w) => [
      `${minutesLabel(w.from)}-${minutesLabel(w.to)}`,
      ...PROCESSES.map((p) => `${mib(w.rss[p].low)}/${mib(w.rss[p].median)}/${mib(w.rss[p].peak)}`),
      w.pgConnections,
      w.callErrors ? `${w.calls} (${w.callErrors} not 200)` : w.calls,
      ms(w.p50),
      ms(w.p95),
      ms(w.p99),
      w.scansFinished,
      w.scansFailed,
    ]),
  );
  // which call is slow, if one is: each call's percentiles over the whole run
  console.log();
  printTable(
    ["call", "p50 ms", "p95 ms", "p99 ms", "max ms"],
    USER_CALLS.map(([name]) => {
      const own = calls.records.filter((c) => c.name === name).map((c) => c.ms);
      return [
        name,
        ms(percentile(own, 50)),
        ms(percentile(own, 95)),
        ms(percentile(own, 99)),
        ms(Math.max(...own)),
      ];
    }),
  );
  const durations = scans.map((s) => s.seconds).filter((s) => s !== undefined);
  const loads = samples.map((s) => s.load1);
  console.log(
    `\nscans: ${scans.length} requested; duration p50 ${ms(percentile(durations, 50))} s, max ${ms(Math.max(...durations))} s; churn: ${churns.reduce((n, c) => n + c.pods, 0)} pods replaced in ${churns.length} rounds; findings at the end: ${samples[samples.length - 1].openFindings} open, ${samples[samples.length - 1].resolvedFindings} resolved`,
  );
  console.log(
    `load average (1 min): median ${percentile(loads, 50).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}; exits: ${Object.entries(
      exits,
    )
      .map(([n, c]) => `${n} ${c}`)
      .join(", ")}`,
  );
  if (vacuum?.active) {
    const done = vacuum.runs.filter((r) => r.action);
    const errors = vacuum.runs.filter((r) => r.error);
    const findingsVacuums = done.filter((r) => r.table === "findings" && r.action === "vacuum");
    console.log(
      `autovacuum stand-in: ${done.length} vacuums or analyzes (${findingsVacuums.length} vacuums of findings, median ${ms(
        percentile(
          findingsVacuums.map((r) => r.ms),
          50,
        ),
      )} ms)${errors.length ? `; ${errors.length} failed: ${errors[0].error}` : ""}`,
    );
  }
  for (const p of running) {
    const counted = [...p.messages].sort((a, b) => b[1] - a[1]).slice(0, 6);
    console.log(`${p.name} log: ${counted.map(([m, n]) => `${n}× ${m}`).join("; ")}`);
    const problems = new Map();
    for (const entry of p.problems) problems.set(entry.msg, (problems.get(entry.msg) ?? 0) + 1);
    for (const [message, n] of problems) console.log(`  warning/error ${n}×: ${message}`);
  }
  const failures = new Map();
  for (const s of scans.filter((s) => !["complete", "partial"].includes(s.status))) {
    const key = `${s.status}: ${s.error ?? "(no reason)"}`;
    failures.set(key, (failures.get(key) ?? 0) + 1);
  }
  for (const [reason, n] of failures) console.log(`scan ${n}× ${reason}`);
  console.log();
  for (const v of verdicts) console.log(`${v.pass ? "PASS" : "FAIL"}  ${v.name}: ${v.detail}`);
  failedVerdicts = verdicts.filter((v) => !v.pass).length;

  // the samples and the plot
  mkdirSync(OUT, { recursive: true });
  const date = startedAt.toISOString().slice(0, 10);
  const columns = ["t_s", ...PROCESSES.map((p) => `${p}_rss_mib`), "pg_connections"]
    .concat([
      "scans_requested",
      "scans_started",
      "scans_finished",
      "scans_failed",
      "scans_queued",
      "scans_running",
    ])
    .concat([
      "open_findings",
      "resolved_findings",
      "dead_finding_rows",
      "api_calls",
      "api_errors",
      "p50_ms",
      "p95_ms",
      "p99_ms",
      "load1",
    ]);
  const cell = (v) => (v === undefined ? "" : Number.isInteger(v) ? String(v) : v.toFixed(2));
  const rows = samples.map((s) =>
    [s.t, ...PROCESSES.map((p) => s.rss[p]), s.pgConnections]
      .concat([s.requested, s.started, s.finished, s.failed, s.queued, s.running])
      .concat([
        s.openFindings,
        s.resolvedFindings,
        s.deadFindingRows,
        s.calls,
        s.callErrors,
        s.p50,
        s.p95,
        s.p99,
        s.load1,
      ])
      .map(cell)
      .join(","),
  );
  const csv = join(OUT, `soak-${date}.csv`);
  writeFileSync(csv, `${columns.join(",")}\n${rows.join("\n")}\n`);
  const minutesOf = (t) => t / 60;
  const latency = samples.map((s) => {
    const recent = calls.records
      .filter((c) => c.at <= s.t * 1000 && c.at > (s.t - 60) * 1000)
      .map((c) => c.ms);
    return [minutesOf(s.t), percentile(recent, 95)];
  });
  const svg = soakSvg({
    title: `Vigil soak ${date}: ${PODS} pods rescanned every minute, 1 serve + ${WORKERS.length} workers, PostgreSQL`,
    memory: PROCESSES.map((p) => ({ name: p, points: samples.map((s) => [minutesOf(s.t), s.rss[p]]) })),
    latency: [{ name: "API p95", points: latency }],
    minutes: MINUTES,
    windowMinutes: WINDOW_MINUTES,
  });
  const png = join(OUT, "soak.png");
  await renderPng(svg, png);
  log(`wrote ${csv} and ${png}`);
} finally {
  for (const p of running)
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
  await Promise.all(running.map((p) => p.exited));
  await vacuum?.stop().catch(() => {});
  await monitor?.end().catch(() => {});
  if (schema) await dropSchema(schema);
  await api?.close();
  registry.stop();
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = failedVerdicts > 0 ? 1 : 0;
