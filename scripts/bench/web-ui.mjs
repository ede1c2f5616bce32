#!/usr/bin/env node
// The web UI's Operational tab (/report/operational) at scale, as a user gets it: the real
// `vigil serve` (built CLI, spawned, --no-advisory-update) on 1,000,000 seeded findings (env
// BENCH_FINDINGS; seeded-findings.mjs, the SQLite file cached between runs), and Debian's
// Chromium (/usr/bin/chromium, driven by playwright-core; never a downloaded browser). An owner
// is created with `vigil admin create-owner --password-stdin` and signs in once through the
// form; then --runs cold loads of the tab, each in a new browser context (empty HTTP cache,
// the session cookie kept), measure from navigation start to the first `tr[data-finding-id]`
// visible and to the severity counts shown (`count-critical` no longer "…"). Median and p95
// against a baseline of 1,000 findings measured in the same run (an empty database shows the
// empty state, not the table).
//
// Which API call dominates: every /api/v1 call of the cold loads from the browser's resource
// timings (they run concurrently, so a quick call can wait behind a slow one in the server),
// then each of the same URLs fetched alone, one after another, from the signed-in page; and
// the list call without `counts=true` (a probe: the page never makes it), to show what the
// counts cost.
//
// Then the first load's size: the script, modulepreload and stylesheet assets that the built
// packages/web/dist/index.html references (built first), raw and gzip -9 (as the server serves
// them), against the 300 kB gzip target. Always exits 0 unless something fails to run: it
// reports, it does not judge.
//
// SQLite by default; --dialect sqlite,postgres adds PostgreSQL ($VIGIL_BENCH_DATABASE_URL, else
// the test database; a schema of its own, seeded anew each run: minutes).
//
// Usage: node scripts/bench/web-ui.mjs [--dialect sqlite,postgres] [--runs 10]

import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { cliMain, median, printTable, repoRoot } from "./lib.mjs";
import { BENCH_FINDINGS, seededPostgres, seededSqliteDir } from "./seeded-findings.mjs";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
// PostgreSQL on request: its 1,000,000 findings are seeded anew each run (minutes), not cached
const dialects = option("dialect", "sqlite").split(",");
const RUNS = Number(option("runs", "10"));
// each API URL fetched alone this many times
const ALONE_RUNS = 5;
const BASELINE_FINDINGS = 1_000;
const TARGET_GZIP_KB = 300;
const TAB = "/report/operational";
const OWNER = { email: "bench-owner@example.org", password: "bench-owner-password-1" };
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
// a first render slower than this is a failure to render, not a figure
const RENDER_TIMEOUT_MS = 180_000;

const dist = join(repoRoot, "packages/web/dist");
const kb = (bytes) => (bytes / 1000).toFixed(1);
const ms = (value) => (value === undefined ? "-" : value.toFixed(0));
const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? "-" : (a / b).toFixed(2));
/** The value at or above `p` % of `values` (with 10 runs, p95 is the slowest). */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The assets index.html makes the browser fetch before the app runs. */
function firstLoadAssets(html) {
  const urls = [];
  for (const [tag] of html.matchAll(/<(script|link)\b[^>]*>/g)) {
    const attribute = (name) => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
    if (tag.startsWith("<script")) {
      if (attribute("src")) urls.push(attribute("src"));
    } else if (["stylesheet", "modulepreload"].includes(attribute("rel") ?? "")) {
      urls.push(attribute("href"));
    }
  }
  return urls.filter((url) => url.startsWith("/"));
}

function bundleSize() {
  const html = readFileSync(join(dist, "index.html"), "utf8");
  const rows = firstLoadAssets(html).map((url) => {
    const body = readFileSync(join(dist, url));
    return { url, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  });
  const total = rows.reduce((sum, r) => ({ raw: sum.raw + r.raw, gzip: sum.gzip + r.gzip }), {
    raw: 0,
    gzip: 0,
  });
  return { rows, total };
}

/** Runs before the app's scripts in every page: notes when the table and the counts appear. */
function watchFirstRender() {
  const marks = {};
  window.__benchMarks = marks;
  const observer = new MutationObserver(() => {
    if (marks.row === undefined && document.querySelector("tr[data-finding-id]")?.checkVisibility()) {
      marks.row = performance.now();
    }
    const critical = document.querySelector('[data-testid="count-critical"]');
    if (marks.counts === undefined && critical && critical.textContent !== "…") {
      marks.counts = performance.now();
    }
    if (marks.row !== undefined && marks.counts !== undefined) observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
}

/** `vigil <args>` to completion, with `input` on stdin. */
function vigil(cliArgs, env, input) {
  const run = spawnSync(process.execPath, [cliMain, ...cliArgs], { env, input, encoding: "utf8" });
  if (run.status !== 0) throw new Error(`vigil ${cliArgs.join(" ")} exited ${run.status}: ${run.stderr}`);
}

/** `vigil serve` on a free loopback port; resolves once it says where it serves. */
function startServe(env) {
  const child = spawn(
    process.execPath,
    [cliMain, "serve", "--host", "127.0.0.1", "--port", "0", "--no-advisory-update"],
    { env, stdio: ["ignore", "ignore", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr += d;
      const url = /vigil: serving (\S+)/.exec(stderr)?.[1];
      if (url) {
        child.stderr.removeAllListeners("data").resume();
        resolve({
          url,
          stop: () =>
            new Promise((done) => {
              child.once("exit", done);
              child.kill("SIGTERM");
            }),
        });
      }
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`vigil serve exited ${code}: ${stderr.slice(0, 2000)}`)));
  });
}

/**
 * Counts the page's requests in flight. A page closed while its calls still run in the server
 * would leave them to delay the next load: each load waits for its last call.
 */
function trackRequests(page) {
  let inFlight = 0;
  let onIdle;
  page.on("request", () => inFlight++);
  const finished = () => {
    inFlight--;
    if (inFlight === 0) onIdle?.();
  };
  page.on("requestfinished", finished);
  page.on("requestfailed", finished);
  return {
    idle: () =>
      inFlight === 0
        ? Promise.resolve()
        : new Promise((resolve) => {
            onIdle = resolve;
          }),
  };
}

/** The cookies of an owner signed in through the form (also the server's warm-up load). */
async function signIn(browser, url) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const requests = trackRequests(page);
    await page.goto(url + TAB);
    await page.getByLabel("Email").fill(OWNER.email);
    await page.getByLabel("Password").fill(OWNER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator("tr[data-finding-id]").first().waitFor({ timeout: RENDER_TIMEOUT_MS });
    await requests.idle();
    return await context.storageState();
  } finally {
    await context.close();
  }
}

/** One cold load of the tab: its render marks and its API calls' resource timings. */
async function coldLoad(browser, url, storageState) {
  const context = await browser.newContext({ storageState });
  try {
    await context.addInitScript(watchFirstRender);
    const page = await context.newPage();
    const requests = trackRequests(page);
    await page.goto(url + TAB, { waitUntil: "commit" });
    await page.waitForFunction(
      () => window.__benchMarks.row !== undefined && window.__benchMarks.counts !== undefined,
      undefined,
      { timeout: RENDER_TIMEOUT_MS, polling: 50 },
    );
    // the calls still running (a summary, the clusters) finish before their timings are read
    await requests.idle();
    return await page.evaluate(() => ({
      ...window.__benchMarks,
      domContentLoaded: performance.getEntriesByType("navigation")[0]?.domContentLoadedEventEnd,
      calls: performance
        .getEntriesByType("resource")
        .filter((e) => new URL(e.name).pathname.startsWith("/api/v1/"))
        .map((e) => ({
          url: e.name,
          status: e.responseStatus,
          start: e.startTime,
          end: e.responseEnd,
          duration: e.duration,
        })),
    }));
  } finally {
    await context.close();
  }
}

/** Each URL fetched alone, ALONE_RUNS times one after another, from a signed-in page: median ms. */
async function callsAlone(browser, url, storageState, urls) {
  const context = await browser.newContext({ storageState });
  try {
    const page = await context.newPage();
    // a page of the origin that runs no app (and so no calls of its own)
    await page.goto(`${url}/api/v1/auth/session`);
    return await page.evaluate(
      async ({ urls, runs }) => {
        const result = {};
        for (const u of urls) {
          const times = [];
          for (let i = 0; i < runs; i++) {
            const started = performance.now();
            const response = await fetch(u, { cache: "no-store", credentials: "same-origin" });
            const body = await response.arrayBuffer();
            times.push(performance.now() - started);
            result[u] = { times, status: response.status, bytes: body.byteLength };
          }
        }
        return result;
      },
      { urls, runs: ALONE_RUNS },
    );
  } finally {
    await context.close();
  }
}

/** A store of `count` findings on `dialect`, served; the tab measured; everything removed again. */
async function measure(browser, dialect, count) {
  const seeded = dialect === "sqlite" ? await seededSqliteDir(count) : await seededPostgres(count);
  const home = mkdtempSync(join(tmpdir(), "vigil-bench-web-ui-"));
  const env = {
    ...process.env,
    VIGIL_DATA_DIR: seeded.dir ?? join(home, "data"),
    VIGIL_CACHE_DIR: join(home, "cache"),
    DATABASE_URL: seeded.url ?? "",
    // no kubeconfig: the server must not register the machine's cluster
    KUBECONFIG: "",
    HOME: home,
  };
  let serve;
  try {
    vigil(["admin", "create-owner", "--email", OWNER.email, "--password-stdin"], env, `${OWNER.password}\n`);
    serve = await startServe(env);
    const storageState = await signIn(browser, serve.url);
    const loads = [];
    for (let i = 0; i < RUNS; i++) loads.push(await coldLoad(browser, serve.url, storageState));
    const urls = [...new Set(loads.flatMap((l) => l.calls.map((c) => c.url)))];
    // the list call without its counts (the page never makes it): what the counts cost
    for (const u of urls.filter((u) => new URL(u).searchParams.get("counts") === "true")) {
      const probe = new URL(u);
      probe.searchParams.delete("counts");
      urls.push(probe.toString());
    }
    const alone = await callsAlone(browser, serve.url, storageState, urls);
    return { loads, alone };
  } finally {
    await serve?.stop();
    await seeded.drop();
    rmSync(home, { recursive: true, force: true });
  }
}

/** `/api/v1/findings?report_type=operational&…` without the origin, decoded to read. */
const callLabel = (url) => {
  const u = new URL(url);
  return decodeURIComponent(u.pathname + u.search);
};

function printRender(dialect, baseline, scaled) {
  const figure = (result, key) => result.loads.map((l) => l[key]).filter((v) => v !== undefined);
  const rows = [
    ["first row visible", "row"],
    ["counts shown", "counts"],
    ["DOMContentLoaded", "domContentLoaded"],
  ].map(([name, key]) => {
    const b = figure(baseline, key);
    const s = figure(scaled, key);
    return [
      name,
      ms(median(b)),
      ms(percentile(b, 95)),
      ms(median(s)),
      ms(percentile(s, 95)),
      ratio(median(s), median(b)),
      ratio(percentile(s, 95), percentile(b, 95)),
    ];
  });
  console.log(`\n${dialect}: ${TAB}, ${RUNS} cold loads each, ms from navigation start`);
  const big = BENCH_FINDINGS.toLocaleString("en");
  const small = BASELINE_FINDINGS.toLocaleString("en");
  printTable(
    ["", `${small}: median`, "p95", `${big}: median`, "p95", `median ${big}/${small}`, `p95 ${big}/${small}`],
    rows,
  );
}

function printCalls(dialect, baseline, scaled) {
  const byCall = (result) => {
    const calls = new Map();
    for (const load of result.loads) {
      for (const call of load.calls) {
        const label = callLabel(call.url);
        if (!calls.has(label)) calls.set(label, { status: call.status, durations: [], ends: [] });
        calls.get(label).durations.push(call.duration);
        calls.get(label).ends.push(call.end);
      }
    }
    return calls;
  };
  const aloneOf = (result) =>
    new Map(Object.entries(result.alone).map(([url, a]) => [callLabel(url), median(a.times)]));
  const b = byCall(baseline);
  const s = byCall(scaled);
  const statusAlone = new Map(Object.entries(scaled.alone).map(([url, a]) => [callLabel(url), a.status]));
  const bAlone = aloneOf(baseline);
  const sAlone = aloneOf(scaled);
  const labels = [...new Set([...s.keys(), ...b.keys(), ...sAlone.keys()])].sort(
    (x, y) => (sAlone.get(y) ?? 0) - (sAlone.get(x) ?? 0),
  );
  const big = BENCH_FINDINGS.toLocaleString("en");
  const small = BASELINE_FINDINGS.toLocaleString("en");
  console.log(
    `\n${dialect}: the tab's API calls, median ms (in page: concurrent, from the resource timings; ` +
      `alone: fetched one at a time, ${ALONE_RUNS} each), slowest alone first`,
  );
  printTable(
    [
      "call",
      "status",
      `in page ${small}`,
      `in page ${big}`,
      `ends at ${big}`,
      `alone ${small}`,
      `alone ${big}`,
      `alone ${big}/${small}`,
    ],
    labels.map((label) => [
      label,
      (s.get(label) ?? b.get(label))?.status ?? `${statusAlone.get(label)} (probe)`,
      ms(b.has(label) ? median(b.get(label).durations) : undefined),
      ms(s.has(label) ? median(s.get(label).durations) : undefined),
      ms(s.has(label) ? median(s.get(label).ends) : undefined),
      ms(bAlone.get(label)),
      ms(sAlone.get(label)),
      ratio(sAlone.get(label), bAlone.get(label)),
    ]),
  );
}

console.log(
  `web-ui: ${TAB} on ${BENCH_FINDINGS} findings against ${BASELINE_FINDINGS}; ${RUNS} cold loads each; ` +
    `${execFileSync(CHROMIUM, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()}; ` +
    `Node ${process.version}`,
);
// the size measured is the current source's, and `vigil serve` serves this build
execFileSync("npm", ["run", "build", "-w", "@vigil/web"], {
  cwd: repoRoot,
  stdio: ["ignore", "ignore", "inherit"],
});
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
try {
  for (const dialect of dialects) {
    console.log(`\n--- ${dialect}`);
    const baseline = await measure(browser, dialect, BASELINE_FINDINGS);
    const scaled = await measure(browser, dialect, BENCH_FINDINGS);
    printRender(dialect, baseline, scaled);
    printCalls(dialect, baseline, scaled);
  }
} finally {
  await browser.close();
}

const size = bundleSize();
console.log("\nfirst load: the assets index.html references, kB (1,000 bytes)");
printTable(
  ["asset", "raw kB", "gzip -9 kB"],
  [
    ...size.rows.map((r) => [r.url, kb(r.raw), kb(r.gzip)]),
    ["total", kb(size.total.raw), kb(size.total.gzip)],
  ],
);
console.log(
  `gzip total ${kb(size.total.gzip)} kB = ${ratio(size.total.gzip / 1000, TARGET_GZIP_KB)} of the ` +
    `${TARGET_GZIP_KB} kB target`,
);
