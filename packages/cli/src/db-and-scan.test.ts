import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../scripts/test-env/env.js";

// The CLI as users run it: the built `vigil` bin in a child process (`npm test` builds first),
// against the real registry, on SQLite (the default) and on PostgreSQL.
const main = join(import.meta.dirname, "../dist/main.js");
const env = testEnv();
const work = mkdtempSync(join(tmpdir(), "vigil-cli-db-"));
const secdb = join(import.meta.dirname, "testdata/secdb");
const kev = join(
  import.meta.dirname,
  "../../core/src/advisory/sources/kev/testdata/known_exploited_vulnerabilities.json",
);
const POSTGRES = process.env.VIGIL_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const schema = `vigil_cli_${process.pid}_${randomBytes(3).toString("hex")}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
beforeAll(() => admin(`create schema "${schema}"`));
afterAll(async () => {
  await admin(`drop schema if exists "${schema}" cascade`);
  rmSync(work, { recursive: true, force: true });
});

function vigil(dataDir: string, args: string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [main, ...args], {
    encoding: "utf8",
    cwd: work,
    env: {
      ...process.env,
      VIGIL_DATA_DIR: dataDir,
      VIGIL_CACHE_DIR: join(work, "cache"),
      DATABASE_URL: "",
      ...extraEnv,
    },
    maxBuffer: 1 << 26,
    // A hung child must fail the test, not hang the suite (spawnSync blocks the worker).
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("vigil db", () => {
  const data = join(work, "data");

  it("imports Alpine secdb and KEV offline and reports them in status", () => {
    const run = vigil(data, ["db", "import", secdb, kev]);
    expect(run.stderr).not.toMatch(/FAILED/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/alpine-secdb: \d+ advisories/);
    expect(run.stdout).toMatch(/kev: 50 KEV entries, 1 records skipped/);
    const status = vigil(data, ["db", "status"]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^alpine-secdb\s+\d+\s+20\d\d-/m);
    expect(status.stdout).toMatch(/^kev\s+50\s/m);
  });

  it("a corrupt import fails, names the file, and keeps the data already stored", () => {
    const zip = join(work, "broken.zip");
    writeFileSync(zip, Buffer.concat([Buffer.from("PK\u0003\u0004"), randomBytes(200)]));
    const records = () => /^alpine-secdb\s+(\d+)/m.exec(vigil(data, ["db", "status"]).stdout)?.[1];
    const before = records();
    expect(Number(before)).toBeGreaterThan(0);
    const run = vigil(data, ["db", "import", "--source", "osv", zip]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/osv: FAILED .*broken\.zip/);
    expect(run.stderr).toMatch(/previous data is unchanged/);
    expect(records()).toBe(before);
  });

  it("exports the whole store and imports it into PostgreSQL with the same content", () => {
    const file = join(work, "store.jsonl");
    expect(vigil(data, ["db", "export", file]).code).toBe(0);
    const pgEnv = { DATABASE_URL: `${POSTGRES}?options=${encodeURIComponent(`-c search_path=${schema}`)}` };
    const imported = vigil(join(work, "unused"), ["db", "import", file], pgEnv);
    expect(imported.stderr).toBe("");
    expect(imported.code).toBe(0);
    const again = join(work, "store-from-pg.jsonl");
    expect(vigil(join(work, "unused"), ["db", "export", again], pgEnv).code).toBe(0);
    expect(readFileSync(again, "utf8")).toBe(readFileSync(file, "utf8"));
    expect(vigil(join(work, "unused"), ["db", "status"], pgEnv).stdout).toMatch(/\(postgres\)/);
  });
});

describe("vigil scan image", () => {
  const data = join(work, "data");
  const image = `${env.registry}/vigil/alpine-3.11:latest`;

  it("finds the openssl vulnerabilities of the Alpine 3.11 image through the origin package, exit 1", () => {
    const run = vigil(data, ["scan", "image", image, "--format", "json"]);
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.osEcosystem).toBe("Alpine:v3.11");
    const ssl = doc.findings.find(
      (f: { id: string; package: { name: string } }) =>
        f.id === "CVE-2020-1967" && f.package.name === "libssl1.1",
    );
    expect(ssl).toMatchObject({
      matchedVia: "source",
      matchedName: "openssl",
      fixedVersion: "1.1.1g-r0",
      status: "fixed",
      comparator: "apk",
    });
  });

  it("exit 0 when nothing reaches the severity threshold; a table for people", () => {
    const run = vigil(data, ["scan", "image", image, "--severity-threshold", "critical"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/libssl1\.1\s+1\.1\.1d-r3\s+CVE-/);
    expect(run.stdout).toMatch(/\d+ vulnerabilities \(.*\); \d+ fixable by upgrading/);
  });

  it("suppresses findings with an ignore file and reports expired rules", () => {
    const file = join(work, ".vigilignore.yaml");
    writeFileSync(
      file,
      "version: 1\nrules:\n  - id: CVE-2020-1967\n    reason: mitigated by our TLS proxy\n  - id: CVE-2021-3449\n    reason: old\n    expires: 2020-01-01\n",
    );
    const run = vigil(data, ["scan", "image", image, "--format", "json", "--ignore-file", file]);
    const doc = JSON.parse(run.stdout);
    expect(doc.findings.some((f: { id: string }) => f.id === "CVE-2020-1967")).toBe(false);
    expect(doc.suppressed.some((s: { match: { id: string } }) => s.match.id === "CVE-2020-1967")).toBe(true);
    expect(doc.findings.some((f: { id: string }) => f.id === "CVE-2021-3449")).toBe(true);
    expect(run.stderr).toMatch(/CVE-2021-3449 expired/);
  });

  it.each(["gitlab", "sarif", "cyclonedx", "cyclonedx-vex"])("writes --format %s", (format) => {
    const out = join(work, `report.${format}.json`);
    const run = vigil(data, ["scan", "image", image, "--format", format, "--output", out]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(JSON.parse(readFileSync(out, "utf8"))).toBeTypeOf("object");
  });

  it("gitlab-cluster needs the workload", () => {
    const run = vigil(data, ["scan", "image", image, "--format", "gitlab-cluster"]);
    expect(run).toMatchObject({ code: 2, stderr: expect.stringMatching(/needs --namespace/) });
    const ok = vigil(data, [
      "scan",
      "image",
      image,
      "--format",
      "gitlab-cluster",
      "--namespace",
      "shop",
      "--kind",
      "Deployment",
      "--name",
      "api",
      "--container-name",
      "app",
    ]);
    expect(JSON.parse(ok.stdout).scan.type).toBe("cluster_image_scanning");
  });

  it("with --offline and no advisory data, fails instead of reporting a clean image", () => {
    const run = vigil(join(work, "empty"), ["scan", "image", image, "--offline"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/advisory database is empty/);
    const warned = vigil(join(work, "empty2"), ["scan", "image", image]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/warning: the advisory database is empty/);
  });
});
