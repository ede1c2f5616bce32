/**
 * Vigil's own container image (build-image.sh beside this file), scanned by Vigil: built or
 * reused from the cache, pushed to a registry of this test's own, and read back by the built
 * `vigil` CLI. Its inventory is checked against the image's rootfs (dpkg-query over the unpacked
 * layers) and the lockfile, its config against what Kubernetes needs (non-root), and `node`
 * runs the CLI inside the unpacked rootfs (chroot) as the image user, `vigil serve` included,
 * on a read-only root as deploy/kustomize/server runs it.
 *
 * Needs root (the build and chroot), and the built packages (npm test runs tsc -b and the web
 * build first). The first build takes about a minute on top of the debootstrap cache.
 */
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnVigil } from "../../packages/cli/src/test-support/spawn-vigil.js";
import { httpRequest } from "../test-env/http-request.js";
import { pushImage, type RunningRegistry, startRegistry } from "../test-env/registry.js";

const execFileAsync = promisify(execFile);
const repo = join(import.meta.dirname, "../..");
const buildScript = join(import.meta.dirname, "build-image.sh");
const tracker = join(repo, "packages/core/src/advisory/sources/debian-tracker/testdata/tracker.json");
const version = (
  JSON.parse(readFileSync(join(repo, "packages/cli/package.json"), "utf8")) as { version: string }
).version;
const lockfile = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as {
  packages: Record<string, { version?: string; dev?: boolean; link?: boolean }>;
};

/** image.json of build-image.sh. */
interface BuiltImage {
  readonly tag: string;
  readonly manifestDigest: string;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly revision: string;
}

/** The parts of Vigil's JSON reports this test reads. */
interface ListedPackage {
  readonly type: string;
  readonly name: string;
  readonly version: string;
  readonly location: { readonly path: string };
}
interface SbomReport {
  readonly status: string;
  readonly image: { readonly manifestDigest: string; readonly configDigest: string };
  readonly os: { readonly id: string; readonly versionId: string };
  readonly packages: readonly ListedPackage[];
}
interface ScanReport {
  readonly os: { readonly id: string; readonly versionId: string };
  readonly packages: number;
  readonly findings: readonly {
    readonly id: string;
    readonly package: { readonly name: string };
    readonly severity: { readonly level: string };
  }[];
}

let imageDir: string;
let built: BuiltImage;
let registry: RunningRegistry;
let ref: string;
let work: string;
let rootfs: string;
let sbom: SbomReport;

beforeAll(async () => {
  // the build prints the image directory as its last line; its progress goes to stderr
  const { stdout } = await execFileAsync("bash", [buildScript, "build"], {
    maxBuffer: 1 << 24,
    timeout: 540_000,
  });
  imageDir = stdout.trim().split("\n").at(-1)!;
  built = JSON.parse(readFileSync(join(imageDir, "image.json"), "utf8")) as BuiltImage;
  work = mkdtempSync(join(tmpdir(), "vigil-image-test-"));
  registry = await startRegistry();
  ref = `${registry.host}/vigil:${built.tag}`;
  await pushImage(`${join(imageDir, "oci")}:${built.tag}`, ref);
  // as root, so that the files keep their owners (the image user's directories)
  rootfs = join(work, "rootfs");
  await execFileAsync("umoci", ["raw", "unpack", "--image", `${join(imageDir, "oci")}:${built.tag}`, rootfs]);
  const run = await spawnVigil(work, ["sbom", ref, "--format", "json", "--insecure-registry", registry.host]);
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  sbom = JSON.parse(run.stdout) as SbomReport;
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

const packagesOfType = (type: string) => sbom.packages.filter((p) => p.type === type);

describe("Vigil's container image, scanned by Vigil", () => {
  it("is the image the build made, tagged with the CLI's version", () => {
    expect(built.tag).toBe(version);
    expect(sbom.status).toBe("complete");
    expect(sbom.image.manifestDigest).toBe(built.manifestDigest);
  });

  it("lists every Debian package of the dpkg status, as dpkg-query reads the rootfs", async () => {
    const { stdout } = await execFileAsync("dpkg-query", [
      "-W",
      `--admindir=${join(rootfs, "var/lib/dpkg")}`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
      "-f=${db:Status-Abbrev}\\t${Package}\\t${Version}\\n",
    ]);
    const installed = stdout
      .split("\n")
      .filter((line) => line.startsWith("ii"))
      .map((line) => line.split("\t").slice(1).join(" "))
      .sort();
    expect(installed.length).toBeGreaterThan(80); // Debian 12 minbase has 88
    const listed = packagesOfType("deb")
      .map((p) => `${p.name} ${p.version}`)
      .sort();
    expect(listed).toEqual(installed);
  });

  it("lists the npm packages of /app/node_modules at their lockfile versions, and no dev dependency", () => {
    const npm = packagesOfType("npm");
    for (const name of ["hono", "kysely", "better-sqlite3", "pg", "@hono/node-server"]) {
      const entry = npm.find((p) => p.name === name);
      expect(entry, name).toBeDefined();
      expect(entry!.version).toBe(lockfile.packages[`node_modules/${name}`]!.version);
      expect(entry!.location.path).toBe(`/app/node_modules/${name}/package.json`);
    }
    // every listed package is the lockfile's entry at that path, and none is a dev dependency
    const mismatched = npm.flatMap((p) => {
      const key = p.location.path.replace(/^\/app\//, "").replace(/\/package\.json$/, "");
      const locked = lockfile.packages[key];
      return locked?.version === p.version && !locked.dev ? [] : [`${key} ${p.version}`];
    });
    expect(mismatched).toEqual([]);
    const installedFromLock = Object.entries(lockfile.packages).filter(
      ([key, p]) => key.startsWith("node_modules/") && !p.dev && !p.link && existsIn(rootfs, `app/${key}`),
    );
    expect(npm).toHaveLength(installedFromLock.length);
    expect(npm.map((p) => p.name)).not.toContain("typescript");
    expect(npm.map((p) => p.name)).not.toContain("vitest");
  });

  it("detects Debian 12 and matches the image's packages against the advisory database", async () => {
    expect(sbom.os).toMatchObject({ id: "debian", versionId: "12" });
    const imported = await spawnVigil(work, ["db", "import", tracker]);
    expect(imported.code).toBe(0);
    const run = await spawnVigil(work, [
      "scan",
      "image",
      ref,
      "--format",
      "json",
      "--insecure-registry",
      registry.host,
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1); // findings: exit 1 at the default threshold
    const scan = JSON.parse(run.stdout) as ScanReport;
    expect(scan.os).toMatchObject({ id: "debian", versionId: "12" });
    expect(scan.packages).toBe(sbom.packages.length);
    // the hand-made tracker excerpt has zlib's CVE-2023-45853 open in bookworm (<no-dsa>)
    expect(scan.findings.map((f) => `${f.id} ${f.package.name}`)).toContain("CVE-2023-45853 zlib1g");
  });

  it("runs as the non-root user 65532 with the vigil entrypoint, serve, and its data directory", async () => {
    const res = await httpRequest(`http://${registry.host}/v2/vigil/blobs/${sbom.image.configDigest}`);
    expect(res.status).toBe(200);
    const { config } = JSON.parse(res.body.toString("utf8")) as {
      config: {
        User: string;
        Entrypoint: string[];
        Cmd: string[];
        Env: string[];
        WorkingDir: string;
        Labels: Record<string, string>;
      };
    };
    expect(config.User).toBe("65532:65532");
    expect(config.Entrypoint).toEqual(["/usr/local/bin/node", "/app/packages/cli/dist/main.js"]);
    expect(config.Cmd).toEqual(["serve"]);
    expect(config.WorkingDir).toBe("/app");
    expect(config.Env).toContain("VIGIL_DATA_DIR=/var/lib/vigil");
    expect(config.Labels).toMatchObject({
      "org.opencontainers.image.version": version,
      "org.opencontainers.image.revision": built.revision,
    });
    expect(config.Labels["org.opencontainers.image.source"]).toBeTruthy();
    expect(config.Labels["org.vigil.image.node"]).toMatch(/^node 20\./);
    expect(readFileSync(join(rootfs, "etc/passwd"), "utf8")).toContain(
      "vigil:x:65532:65532:Vigil:/var/lib/vigil:/usr/sbin/nologin",
    );
    for (const dir of ["var/lib/vigil", "var/cache/vigil"]) {
      expect(statSync(join(rootfs, dir))).toMatchObject({ uid: 65532, gid: 65532 });
    }
    expect(statSync(join(rootfs, "app/packages/cli/dist/main.js")).uid).toBe(0); // the app is read-only to it
  });

  it("runs vigil with the image's node and libraries, as uid 65532, SQLite included", async () => {
    const inImage = (args: string[]) =>
      execFileAsync("chroot", [
        "--userspec=65532:65532",
        rootfs,
        "/usr/bin/env",
        "-i",
        "VIGIL_DATA_DIR=/var/lib/vigil",
        "/usr/local/bin/node",
        "/app/packages/cli/dist/main.js",
        ...args,
      ]);
    expect((await inImage(["version"])).stdout).toBe(`${version}\n`);
    // `vigil` on PATH too, for CI jobs that run shell commands in the image
    const onPath = await execFileAsync("chroot", [
      "--userspec=65532:65532",
      rootfs,
      "/usr/bin/env",
      "-i",
      "PATH=/usr/local/bin:/usr/bin:/bin",
      "sh",
      "-c",
      "vigil version",
    ]);
    expect(onPath.stdout).toBe(`${version}\n`);
    // writes and reads the SQLite database under /var/lib/vigil: better-sqlite3's addon loads
    copyFileSync(tracker, join(rootfs, "tmp/tracker.json"));
    await inImage(["db", "import", "/tmp/tracker.json"]);
    const status = await inImage(["db", "status"]);
    expect(status.stdout).toContain("Database: /var/lib/vigil/vigil.db (sqlite)");
    expect(status.stdout).toMatch(/debian-tracker/);
    expect(statSync(join(rootfs, "var/lib/vigil/vigil.db")).uid).toBe(65532);
  });

  it("serves the API and the web UI as uid 65532 from a read-only root, writing only to the volumes", async () => {
    // as the Kustomize Deployment runs it: the root filesystem read-only, and volumes (tmpfs
    // here) at the data directory, the layer cache and /tmp; in a mount namespace of its own
    const script = `
      r=$1
      mount --bind "$r" "$r" && mount -o remount,bind,ro "$r" "$r"
      for d in var/lib/vigil var/cache/vigil tmp; do mount -t tmpfs -o mode=0777 tmpfs "$r/$d"; done
      exec chroot --userspec=65532:65532 "$r" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
        HOME=/tmp VIGIL_DATA_DIR=/var/lib/vigil VIGIL_CACHE_DIR=/var/cache/vigil \
        /usr/local/bin/node /app/packages/cli/dist/main.js serve --port=0 --host=127.0.0.1 \
        --no-scans --no-advisory-update`;
    const server = spawn(
      "unshare",
      ["--mount", "--propagation", "private", "--", "sh", "-c", script, "sh", rootfs],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    const closed = new Promise((resolve) => server.once("close", resolve));
    try {
      let stderr = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`vigil serve did not start: ${stderr}`)), 30_000);
        server.stderr.setEncoding("utf8").on("data", (d: string) => {
          stderr += d;
          const m = /serving (http:\/\/\S+) /.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(stderr).toContain("data: /var/lib/vigil/vigil.db");
      const health = await fetch(`${url}/api/v1/health`);
      expect(await health.json()).toMatchObject({ status: "ok", version, database: "sqlite" });
      const ui = await fetch(`${url}/`);
      expect(ui.status).toBe(200);
      expect(await ui.text()).toContain("<title>Vigil</title>");
    } finally {
      server.kill("SIGTERM"); // node itself: unshare, sh and chroot exec into it
      await closed;
    }
  });

  it("leaves out apt lists, docs other than copyright files, man pages, source maps and types", async () => {
    const { stdout } = await execFileAsync("find", [
      rootfs,
      "(",
      "-path",
      `${rootfs}/var/lib/apt/lists/*`,
      "-type",
      "f",
      ")",
      "-o",
      "(",
      "-path",
      `${rootfs}/usr/share/doc/*`,
      "-type",
      "f",
      "!",
      "-name",
      "copyright",
      ")",
      "-o",
      "(",
      "-path",
      `${rootfs}/usr/share/man/*`,
      ")",
      "-o",
      "(",
      "-path",
      `${rootfs}/app/*`,
      "(",
      "-name",
      "*.map",
      "-o",
      "-name",
      "*.d.ts",
      ")",
      ")",
    ]);
    expect(stdout).toBe("");
    expect(existsIn(rootfs, "var/lib/dpkg/status")).toBe(true);
    expect(existsIn(rootfs, "usr/share/doc/libc6/copyright")).toBe(true);
    expect(existsIn(rootfs, "usr/local/share/doc/nodejs/LICENSE")).toBe(true);
    // a bound on what a pull transfers (about 80 MB at the time of writing)
    expect(built.compressedBytes).toBeLessThan(120_000_000);
  });
});

function existsIn(root: string, path: string): boolean {
  try {
    statSync(join(root, path));
    return true;
  } catch {
    return false;
  }
}
