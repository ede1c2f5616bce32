import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Spec, Validation } from "@cyclonedx/cyclonedx-library";
import { afterAll, describe, expect, it } from "vitest";
import { testEnv } from "../../../scripts/test-env/env.js";

// The CLI is tested as users run it: the built `vigil` bin in a child process
// (`npm test` builds first).
const main = join(import.meta.dirname, "../dist/main.js");
const env = testEnv();
const cacheDir = mkdtempSync(join(tmpdir(), "vigil-cli-"));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

function vigil(...args: string[]) {
  const result = spawnSync(process.execPath, [main, ...args], {
    encoding: "utf8",
    env: { ...process.env, VIGIL_CACHE_DIR: cacheDir },
    maxBuffer: 1 << 26,
    // A hung child must fail the test, not hang the suite (spawnSync blocks the worker).
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("vigil sbom", () => {
  it("prints a CycloneDX 1.6 SBOM that validates against the official schema", async () => {
    const run = vigil("sbom", `${env.registry}/vigil/minbase:latest`, "--format", "cyclonedx");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    expect(await validator.validate(run.stdout)).toBeNull();
    const doc = JSON.parse(run.stdout);
    expect(doc.components.filter((c: { type: string }) => c.type === "library")).toHaveLength(88);
  });

  it("prints a table for people, with no progress codes when piped", () => {
    const run = vigil("sbom", `oci:${env.ociLayoutDir}:alpine-3.11`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^TYPE\s+NAME\s+VERSION/m);
    expect(run.stdout).toMatch(/14 packages: 14 apk/);
    expect(run.stdout + run.stderr).not.toContain("\x1b[");
  });

  it("writes JSON to --output", () => {
    const out = join(cacheDir, "out.json");
    const run = vigil(
      "sbom",
      `docker-archive:${join(env.archivesDir, "rpm-bdb.docker.tar")}`,
      "--format",
      "json",
      "--output",
      out,
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
  });

  it("exits 2 with a message a person understands for an image that does not exist", () => {
    const run = vigil("sbom", `${env.registry}/vigil/no-such-image:latest`);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^vigil: could not read .*no-such-image/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
  });

  it("exits 2 on an unknown format or option, pointing at the help", () => {
    expect(vigil("sbom", "x", "--format", "xml")).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown --format/),
    });
    expect(vigil("sbom", "x", "--bogus")).toMatchObject({ code: 2, stderr: expect.stringMatching(/--help/) });
    expect(vigil("nonsense")).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command/) });
  });

  it("names the platforms an index offers when the requested one is missing", () => {
    const run = vigil("sbom", `${env.registry}/vigil/multiarch:latest`, "--platform", "linux/s390x");
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/linux\/amd64/);
    expect(run.stderr).toMatch(/linux\/arm64/);
  });
});
