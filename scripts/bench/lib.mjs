// Shared helpers of the benchmarks: child-process timing with peak memory, medians,
// a throwaway local registry, and the test images built by scripts/test-env.
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const cliMain = join(repoRoot, "packages/cli/dist/main.js");
const rssPreload = join(repoRoot, "scripts/bench/report-rss.mjs");

/** Runs `vigil <args>` to its end (setup commands: db import, admin); rejects with its stderr. */
export function runVigil(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`vigil ${args[0]}: ${stderr}`))));
  });
}

/** Median of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Run a command to completion; returns wall seconds and, for Node commands started with
 * `node: true`, the child's own peak RSS in MB (measured inside it at exit).
 */
export function timed(command, args, { node = false, env = {} } = {}) {
  const rssFile = join(tmpdir(), `vigil-rss-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const argv = node ? ["--import", rssPreload, ...args] : args;
  return new Promise((resolvePromise, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command, argv, {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env, VIGIL_RSS_FILE: rssFile },
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) {
        reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.slice(0, 2000)}`));
        return;
      }
      let rssMb;
      if (existsSync(rssFile)) {
        rssMb = Number(readFileSync(rssFile, "utf8")) / 1024;
        rmSync(rssFile, { force: true });
      }
      resolvePromise({ seconds, rssMb });
    });
  });
}

/** A free loopback TCP port. */
export function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
    server.on("error", reject);
  });
}

/** The built test images (building them when missing, which needs root). */
export function testImagesDir() {
  const script = join(repoRoot, "scripts/test-env/build-images.sh");
  const dir = execFileSync("bash", [script, "print-dir"], { encoding: "utf8" }).trim();
  if (!existsSync(join(dir, "done"))) execFileSync("bash", [script, "build"], { stdio: "inherit" });
  return dir;
}

/**
 * Start Debian's docker-registry on a free port with empty storage and push images into it:
 * `tags` from `layoutDir`, plus `[layout, tag]` pairs in `extra`. Each lands as `bench/<tag>:latest`.
 */
export async function startBenchRegistry(layoutDir, tags, extra = []) {
  const port = await freePort();
  const work = mkdtempSync(join(tmpdir(), "vigil-bench-registry-"));
  const config = join(work, "config.yml");
  mkdirSync(join(work, "data"));
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, "data")}\n  cache:\n    blobdescriptor: inmemory\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn("docker-registry", ["serve", config], { stdio: "ignore" });
  const host = `127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const response = await fetch(`http://${host}/v2/`);
      if (response.ok) break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  for (const [layout, tag] of [...tags.map((t) => [layoutDir, t]), ...extra]) {
    execFileSync("skopeo", [
      "copy",
      "-q",
      "--dest-tls-verify=false",
      `oci:${layout}:${tag}`,
      `docker://${host}/bench/${tag}:latest`,
    ]);
  }
  return {
    host,
    stop() {
      child.kill();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Print rows as an aligned table. */
export function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** sha256 of a file, streamed, as `sha256:<hex>`. */
export function sha256File(path) {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("data", (d) => hash.update(d))
      .on("end", () => resolvePromise(`sha256:${hash.digest("hex")}`))
      .on("error", reject);
  });
}

/**
 * Append an uncompressed layer tar to the single image of an OCI layout: gzip it (-1),
 * store it as a blob, and rewrite config, manifest and index with the new digests.
 * The tar file is consumed.
 */
export async function appendLayer(layout, tar, createdBy) {
  const diffId = await sha256File(tar);
  execFileSync("gzip", ["-1", "-n", tar]);
  const gz = `${tar}.gz`;
  const digest = await sha256File(gz);
  const blobs = join(layout, "blobs/sha256");
  renameSync(gz, join(blobs, digest.slice(7)));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  const manifest = JSON.parse(readFileSync(join(blobs, index.manifests[0].digest.slice(7)), "utf8"));
  const config = JSON.parse(readFileSync(join(blobs, manifest.config.digest.slice(7)), "utf8"));
  config.rootfs.diff_ids.push(diffId);
  config.history = [...(config.history ?? []), { created_by: createdBy }];
  const put = (text) => {
    const d = `sha256:${createHash("sha256").update(text).digest("hex")}`;
    writeFileSync(join(blobs, d.slice(7)), text);
    return { digest: d, size: Buffer.byteLength(text) };
  };
  manifest.config = { ...manifest.config, ...put(JSON.stringify(config)) };
  manifest.layers.push({
    mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
    digest,
    size: statSync(join(blobs, digest.slice(7))).size,
  });
  index.manifests = [{ ...index.manifests[0], ...put(JSON.stringify(manifest)) }];
  writeFileSync(join(layout, "index.json"), JSON.stringify(index));
}
