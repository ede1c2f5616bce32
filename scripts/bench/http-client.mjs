// The two HttpClients side by side, node:http (createNodeHttpClient, the default) and undici
// (createUndiciHttpClient), as ratios node-http/undici measured in the same run:
//   - blob throughput: every layer of the python test image read from a local registry
//     through openImageSource(...).openBlob (sha256-verified). Each measurement is a fresh
//     process with one client, as in `vigil` (in one process the two clients' garbage and
//     JIT feedback mix, which skews whichever runs after the other); processes alternate
//     between the clients and the ratio is the median of the per-pair ratios, so load
//     from other work on the machine cancels out as far as it can;
//   - CPU time of the same reads (user + system, the process's own threads);
//   - module load: a fresh `node -e` that imports just that client's module and creates a
//     client (undici is loaded lazily by createUndiciHttpClient), median of several;
//   - and whether importing @vigil/core loads undici at all (it must not).
// Imports the BUILT code: `npm run bench` builds first (or run `npx tsc -b packages/cli`).
// This file is also its own child process: `http-client.mjs --child CLIENT HOST READS`.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, printTable, repoRoot, startBenchRegistry, testImagesDir } from "./lib.mjs";

const RUNS = Number(process.env.BENCH_RUNS ?? 8);
const READS = Number(process.env.BENCH_READS ?? 3);
const LOAD_RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 15);
const dist = join(repoRoot, "packages/core/dist");
const CLIENTS = {
  "node-http": { module: "registry/node-http-client.js", factory: "createNodeHttpClient" },
  undici: { module: "registry/undici-http-client.js", factory: "createUndiciHttpClient" },
};
const distUrl = (path) => pathToFileURL(join(dist, path)).href;

/** Child: read the image's layers once cold, then `reads` times warm; print seconds and CPU ms of each. */
async function child(name, host, reads) {
  const { openImageSource } = await import(distUrl("registry/index.js"));
  const client = CLIENTS[name];
  const httpClient = (await import(distUrl(client.module)))[client.factory]();
  const source = await openImageSource(`${host}/bench/python:latest`, { httpClient });
  const { layers } = await source.resolve();
  const readAll = async () => {
    let bytes = 0;
    for (const layer of layers) {
      for await (const chunk of await source.openBlob(layer)) bytes += chunk.length;
    }
    return bytes;
  };
  const seconds = [];
  const cpuMs = [];
  let bytes = 0;
  // The first read is what a `vigil sbom` process does (cold JIT, new connections); the
  // following ones show the steady state of a long-lived process.
  for (let i = 0; i <= reads; i++) {
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    bytes = await readAll();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    const used = process.cpuUsage(cpu);
    cpuMs.push((used.user + used.system) / 1000);
  }
  await source.close?.();
  const [coldSeconds, ...warmSeconds] = seconds;
  const [coldCpuMs, ...warmCpuMs] = cpuMs;
  process.stdout.write(
    JSON.stringify({
      bytes,
      cold: { seconds: coldSeconds, cpuMs: coldCpuMs },
      warm: { seconds: median(warmSeconds), cpuMs: median(warmCpuMs) },
    }),
  );
}

function runChild(name, host) {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, [self, "--child", name, host, String(READS)], {
    encoding: "utf8",
  });
  return JSON.parse(out);
}

async function throughput(host) {
  const pairs = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate the order so neither client always runs second.
    const order = i % 2 === 0 ? ["node-http", "undici"] : ["undici", "node-http"];
    const pair = {};
    for (const name of order) pair[name] = runChild(name, host);
    pairs.push(pair);
  }
  const bytes = pairs[0].undici.bytes;
  const summary = (phase) => {
    const of = (name, f) => median(pairs.map((p) => f(p[name][phase])));
    return {
      mbps: {
        "node-http": of("node-http", (r) => bytes / 1e6 / r.seconds),
        undici: of("undici", (r) => bytes / 1e6 / r.seconds),
      },
      cpuMs: { "node-http": of("node-http", (r) => r.cpuMs), undici: of("undici", (r) => r.cpuMs) },
      mbpsRatio: median(pairs.map((p) => p.undici[phase].seconds / p["node-http"][phase].seconds)),
      cpuRatio: median(pairs.map((p) => p["node-http"][phase].cpuMs / p.undici[phase].cpuMs)),
      pairRatios: pairs.map((p) => (p.undici[phase].seconds / p["node-http"][phase].seconds).toFixed(2)),
    };
  };
  return { bytes, cold: summary("cold"), warm: summary("warm") };
}

/** Milliseconds a fresh Node spends running `code` (measured inside the child). */
function childMs(code) {
  const script = `const t = performance.now(); ${code}; process.stdout.write(String(performance.now() - t));`;
  return Number(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

function loadTimes() {
  const times = { "node-http": [], undici: [], baseline: [] };
  for (let i = 0; i < LOAD_RUNS; i++) {
    // What every client shares (the interface module), to show each client's own cost.
    times.baseline.push(childMs(`await import(${JSON.stringify(distUrl("registry/http-client.js"))})`));
    for (const [name, client] of Object.entries(CLIENTS)) {
      times[name].push(
        childMs(`(await import(${JSON.stringify(distUrl(client.module))})).${client.factory}()`),
      );
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

/** True when importing @vigil/core (the whole library) loads the undici package. */
function coreLoadsUndici() {
  const script =
    'import { createRequire } from "node:module";' +
    `await import(${JSON.stringify(distUrl("index.js"))});` +
    "const cache = createRequire(import.meta.url).cache;" +
    'process.stdout.write(String(Object.keys(cache).some((k) => k.includes("/node_modules/undici/"))));';
  return (
    execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }) === "true"
  );
}

if (process.argv[2] === "--child") {
  const [, , , name, host, reads] = process.argv;
  await child(name, host, Number(reads));
} else {
  const images = testImagesDir();
  const registry = await startBenchRegistry(join(images, "oci"), ["python"]);
  try {
    const t = await throughput(registry.host);
    const load = loadTimes();
    const x = (v) => `${v.toFixed(2)}x`;
    console.log(
      `python layers ${(t.bytes / 1e6).toFixed(1)} MB via openBlob (sha256-verified): ${RUNS} processes per client, ` +
        `each reading them once cold then ${READS} times warm (median); module load: median of ${LOAD_RUNS} fresh processes`,
    );
    const rows = [];
    for (const phase of ["cold", "warm"]) {
      const p = t[phase];
      rows.push(
        [
          `${phase} blob throughput MB/s`,
          p.mbps["node-http"].toFixed(0),
          p.mbps.undici.toFixed(0),
          x(p.mbpsRatio),
        ],
        [
          `${phase} CPU ms per read of all layers`,
          p.cpuMs["node-http"].toFixed(0),
          p.cpuMs.undici.toFixed(0),
          x(p.cpuRatio),
        ],
      );
    }
    rows.push(
      [
        "module load + create ms",
        load["node-http"].toFixed(1),
        load.undici.toFixed(1),
        x(load["node-http"] / load.undici),
      ],
      [
        "  beyond http-client.js ms",
        (load["node-http"] - load.baseline).toFixed(1),
        (load.undici - load.baseline).toFixed(1),
        x((load["node-http"] - load.baseline) / (load.undici - load.baseline)),
      ],
    );
    printTable(["measure", "node-http", "undici", "node-http/undici"], rows);
    console.log(
      `throughput ratio of each pair, cold: ${t.cold.pairRatios.join(" ")}; warm: ${t.warm.pairRatios.join(" ")}`,
    );
    const loads = coreLoadsUndici();
    console.log(`importing @vigil/core loads undici: ${loads ? "YES (it must not)" : "no"}`);
    if (loads) process.exitCode = 1;
  } finally {
    registry.stop();
  }
}
