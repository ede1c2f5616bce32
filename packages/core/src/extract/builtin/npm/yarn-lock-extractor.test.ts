import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ids, runOn, testdata } from "./test-support.js";
import { createYarnLockExtractor, splitDescriptor } from "./yarn-lock-extractor.js";

const extractor = createYarnLockExtractor();
const run = (file: string | { text: string }) => runOn(extractor, "/app/yarn.lock", file);

/** Independent count: the two-space indented `version` lines of a yarn.lock (v1 or berry). */
function versionLines(file: string): number {
  return readFileSync(join(testdata, file), "utf8").match(/^ {2}version:? /gm)?.length ?? 0;
}

describe("lang/yarn-lock", () => {
  it("wants yarn.lock outside node_modules", () => {
    const info = { size: 1, mode: 0o644 };
    expect(extractor.required("/app/yarn.lock", info)).toBe(true);
    expect(extractor.required("/app/node_modules/x/yarn.lock", info)).toBe(false);
    expect(extractor.required("/app/yarn.lock.bak", info)).toBe(false);
  });

  it("reads yarn 1 lockfiles: one package per entry", async () => {
    const result = await run("trivy/yarn/yarn_happy.lock");
    expect(result.issues).toEqual([]);
    expect(result.packages).toHaveLength(versionLines("trivy/yarn/yarn_happy.lock"));
    expect(result.packages.every((p) => p.metadata?.fromLockfile === "true")).toBe(true);
    expect(ids(await run("scalibr/yarn/scoped-packages.v1.lock"))).toEqual([
      "@babel/code-frame@7.12.11",
      "@babel/compat-data@7.14.0",
    ]);
  });

  it("reads berry lockfiles, without workspaces, and the package inside a patch", async () => {
    const happy = await run("trivy/yarn/yarn_v2_happy.lock");
    expect(happy.issues).toEqual([]);
    // less __metadata's version line and the workspace itself (code@workspace:.)
    expect(happy.packages).toHaveLength(versionLines("trivy/yarn/yarn_v2_happy.lock") - 2);
    expect(ids(happy)).toContain("fsevents@2.1.3");
    expect(ids(happy)).not.toContain("code@0.0.0-use.local");
    const syft = await run("syft/yarn-berry.lock");
    expect(ids(syft)).toEqual([
      "@babel/code-frame@7.10.4",
      "@types/minimatch@3.0.3",
      "@types/qs@6.9.4",
      "ajv@6.12.3",
      "asn1.js@4.10.1",
      "atob@2.1.2",
      "aws-sdk@2.706.0",
      "jhipster-core@7.3.4",
    ]);
    expect(ids(await run("scalibr/yarn/exclude-root.v2.lock"))).toEqual(["ansi-regex@6.1.0"]);
  });

  it("names aliases by the package they install", async () => {
    const expected = ["@babel/helper-validator-identifier@7.22.20", "ansi-regex@5.0.1", "ansi-regex@6.0.1"];
    expect(ids(await run("scalibr/yarn/with-aliases.v1.lock"))).toEqual(expected);
    expect(ids(await run("scalibr/yarn/with-aliases.v2.lock"))).toEqual(expected);
    expect(splitDescriptor("@s/a@npm:^1.0.0")).toEqual({ name: "@s/a", range: "npm:^1.0.0" });
    expect(splitDescriptor("x@npm:@s/a@^1")).toEqual({ name: "@s/a", range: "npm:^1" });
  });

  it("skips local folders and files (file:, link:)", async () => {
    expect(ids(await run("scalibr/yarn/files.v1.lock"))).toEqual(["etag@1.8.1", "lodash@1.3.1"]);
    expect(ids(await run("trivy/yarn/yarn_with_local.lock"))).toEqual([
      "asap@2.0.6",
      "jquery@3.4.1",
      "promise@8.0.3",
    ]);
  });

  it("reports bad content as located issues", async () => {
    const unknown = await run({ text: "# comment\n# yarn lockfile v7\n\na@^1:\n  version 1.0.0\n" });
    expect(unknown.packages).toEqual([]);
    expect(unknown.issues).toEqual([
      expect.objectContaining({ severity: "error", code: "yarn-lock-unknown-version", line: 2 }),
    ]);
    const v1 = await run({
      text: '# yarn lockfile v1\n\na@^1:\n  resolved "x"\n\nnot a header\nb@^2:\n  version "2.0.0"\n',
    });
    expect(ids(v1)).toEqual(["b@2.0.0"]);
    expect(v1.issues).toEqual([
      expect.objectContaining({ code: "yarn-lock-bad-line", line: 6 }),
      expect.objectContaining({ code: "yarn-lock-missing-version", line: 3, record: "a@^1" }),
    ]);
    const berry = await run({ text: '__metadata:\n  version: 8\n\n"a@npm:^1":\n  version: [1\n' });
    expect(berry.issues).toEqual([
      expect.objectContaining({ severity: "error", code: "yarn-lock-invalid", line: expect.any(Number) }),
    ]);
  });
});
