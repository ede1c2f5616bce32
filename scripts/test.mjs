#!/usr/bin/env node
// `npm test`: prepares everything the integration tests need, then runs vitest.
//   1. Debian packages the test environment uses: as root, installs the missing ones
//      (apt-get update only when something is missing); otherwise names them and stops.
//   2. The TypeScript build (tsc -b: every package), for tests that run the built CLI, and the
//      web UI (vite build), for the end-to-end tests in Chromium; then lint
//      (Biome) and a type check that also covers the tests.
//   3. The test images (scripts/test-env/build-images.sh): cached by recipe hash outside the
//      checkout, minutes on an empty cache, instant afterwards.
//   4. `vitest run` with this script's arguments (`npm test -- packages/core` passes them on);
//      exits with vitest's exit code. vitest's global setup starts the test registries.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Whether `name` is a command on PATH. */
function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/**
 * Debian packages behind the test environment (apache2-utils: htpasswd for the auth registry;
 * golang-go, gcc, libc6-dev: the Go and ELF executables the binary extractor tests build).
 */
const PACKAGES = [
  "docker-registry",
  "skopeo",
  "umoci",
  "debootstrap",
  "apache2-utils",
  "openssl",
  "jq",
  "zstd",
  "rpm",
  "zip",
  "python3",
  "golang-go",
  "gcc",
  "libc6-dev",
  // the web UI's end-to-end tests drive Debian's Chromium (playwright-core never downloads one)
  "chromium",
  // kubectl for the test Kubernetes API server's tests (scripts/test-env/kube-api): Debian 12's
  // kubernetes-client is kubectl 1.20, so it is installed only when no kubectl is on PATH and a
  // newer one (e.g. the Kubernetes project's `kubectl` package) is kept
  ...(hasCommand("kubectl") ? [] : ["kubernetes-client"]),
];
const isRoot = process.getuid?.() === 0;
const timings = [];

function log(message) {
  console.log(`[vigil test] ${message}`);
}

function fail(message, code = 2) {
  console.error(`[vigil test] ERROR: ${message}`);
  process.exit(code);
}

/** Runs a command with inherited stdio; returns its exit status. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: repo, stdio: "inherit", ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 128;
}

function timed(name, fn) {
  const started = performance.now();
  fn();
  timings.push(`${name} ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
const DPKG_FORMAT = "-f=${Package}\\t${db:Status-Abbrev}\\n";

function missingPackages() {
  const result = spawnSync("dpkg-query", ["-W", DPKG_FORMAT, ...PACKAGES], {
    encoding: "utf8",
  });
  if (result.error) fail("dpkg-query not found: the test environment needs Debian 12 (or a derivative)");
  const installed = new Set(
    result.stdout
      .split("\n")
      .map((line) => line.split("\t"))
      .filter(([, status]) => status?.startsWith("ii"))
      .map(([name]) => name),
  );
  return PACKAGES.filter((name) => !installed.has(name));
}

function ensurePackages() {
  const missing = missingPackages();
  if (missing.length === 0) return;
  if (!isRoot) {
    fail(
      `missing Debian packages: ${missing.join(" ")}\n` +
        `  install them as root:  apt-get install -y ${missing.join(" ")}\n` +
        "  (or run `npm test` as root once, which does it)",
    );
  }
  log(`installing ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  if (run("apt-get", ["update", "-q"], { env }) !== 0) fail("apt-get update failed");
  const code = run("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { env });
  if (code !== 0) fail(`apt-get install ${missing.join(" ")} failed`);
}

function runVitest(args) {
  return new Promise((resolve) => {
    const vitest = join(repo, "node_modules", "vitest", "vitest.mjs");
    const child = spawn(process.execPath, [vitest, "run", ...args], { cwd: repo, stdio: "inherit" });
    // vitest stops its registries in teardown: hand it the signal rather than dying first
    const forward = (signal) => child.kill(signal);
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, forward);
    child.once("error", (error) => fail(`could not start vitest: ${error.message}`));
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal === "SIGINT" ? 2 : 15)));
  });
}

timed("packages", ensurePackages);
timed("tsc", () => {
  const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
  if (run(process.execPath, [tsc, "-b"]) !== 0) fail("TypeScript build failed (tsc -b)", 1);
});
timed("web", () => {
  // the UI `vigil serve` serves, and the end-to-end tests open
  const vite = join(repo, "node_modules", "vite", "bin", "vite.js");
  if (
    run(process.execPath, [vite, "build", "--logLevel", "warn"], { cwd: join(repo, "packages", "web") }) !== 0
  )
    fail("building the web UI failed (vite build in packages/web)", 1);
});
timed("lint", () => {
  const biome = join(repo, "node_modules", "@biomejs", "biome", "bin", "biome");
  if (run(process.execPath, [biome, "check", "."]) !== 0)
    fail("lint failed (npx biome check .; --write fixes most)", 1);
});
timed("typecheck", () => {
  // The build skips test files; this checks them (and scripts/) too.
  const tsc = join(repo, "node_modules", "typescript", "bin", "tsc");
  if (run(process.execPath, [tsc, "-p", "tsconfig.check.json"]) !== 0) fail("type check of tests failed", 1);
  // the web UI's sources and unit tests, with the browser's types (JSX, DOM)
  if (run(process.execPath, [tsc, "-p", join("packages", "web", "tsconfig.test.json")]) !== 0)
    fail("type check of the web UI failed", 1);
});
timed("images", () => {
  const script = join(repo, "scripts", "test-env", "build-images.sh");
  if (run("bash", [script, "build"]) !== 0) fail("building the test images failed (see above)");
});
const started = performance.now();
const code = await runVitest(process.argv.slice(2));
timings.push(`vitest ${((performance.now() - started) / 1000).toFixed(1)} s`);
log(`${timings.join(", ")}; exit ${code}`);
process.exit(code);
