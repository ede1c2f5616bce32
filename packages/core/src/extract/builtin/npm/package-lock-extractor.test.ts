import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createNpmPackageLockExtractor } from "./package-lock-extractor.js";
import { ids, runOn, testdata } from "./test-support.js";

const extractor = createNpmPackageLockExtractor();
const info = { size: 100, mode: 0o644 };
const run = (file: string | { text: string }) => runOn(extractor, "/app/package-lock.json", file);

/**
 * The packages of a v2/v3 lockfile computed the simple way, independently of the
 * extractor: every `"version"` under a `node_modules/` key, by a regex over the text.
 */
function versionsByRegex(file: string): string[] {
  const text = readFileSync(join(testdata, file), "utf8");
  const out: string[] = [];
  for (const match of text.matchAll(
    /"(?:[^"]*\/)?node_modules\/((?:@[^/"]+\/)?[^/"]+)": \{\s*"version": "([^"]+)"/g,
  )) {
    out.push(`${match[1]}@${match[2]}`);
  }
  return out.sort();
}

describe("lang/npm-package-lock", () => {
  it("wants package-lock.json and npm-shrinkwrap.json outside node_modules, not npm's hidden lockfile", () => {
    expect(extractor.required("/app/package-lock.json", info)).toBe(true);
    expect(extractor.required("/npm-shrinkwrap.json", info)).toBe(true);
    expect(extractor.required("/app/node_modules/.package-lock.json", info)).toBe(false);
    expect(extractor.required("/app/node_modules/x/npm-shrinkwrap.json", info)).toBe(false);
    expect(extractor.required("/app/package.json", info)).toBe(false);
  });

  it("reads v1, v2 and v3 of the same project alike (trivy's parser fixtures)", async () => {
    const v1 = await run("trivy/npm/package-lock_v1.json");
    const v2 = await run("trivy/npm/package-lock_v2.json");
    const v3 = await run("trivy/npm/package-lock_v3.json");
    for (const result of [v1, v2, v3]) {
      expect(result.issues).toEqual([]);
      expect(result.packages).toHaveLength(33);
      expect(result.packages.filter((p) => p.metadata?.dev === "true")).toHaveLength(2);
      expect(result.packages.every((p) => p.metadata?.fromLockfile === "true")).toBe(true);
    }
    expect(ids(v1)).toEqual(ids(v3));
    expect(ids(v2)).toEqual(ids(v3));
    expect(ids(v3)).toEqual(versionsByRegex("trivy/npm/package-lock_v3.json"));
    expect(ids(v3)).toEqual(
      expect.arrayContaining(["@babel/helper-string-parser@7.19.4", "body-parser@1.18.3"]),
    );
  });

  it("keeps dev dependencies, marked", async () => {
    for (const file of ["scalibr/npm/one-package-dev.v1.json", "scalibr/npm/one-package-dev.v2.json"]) {
      const result = await run(file);
      expect(result.packages).toEqual([
        { type: "npm", name: "wrappy", version: "1.0.2", metadata: { fromLockfile: "true", dev: "true" } },
      ]);
    }
  });

  it("reads scoped packages and aliases under their real names", async () => {
    for (const file of ["scalibr/npm/scoped-packages.v1.json", "scalibr/npm/scoped-packages.v2.json"]) {
      expect(ids(await run(file))).toEqual(["@babel/code-frame@7.0.0", "wrappy@1.0.2"]);
    }
    for (const file of ["scalibr/npm/alias.v1.json", "scalibr/npm/alias.v2.json"]) {
      const result = await run(file);
      expect(ids(result)).toEqual(["@babel/code-frame@7.0.0", "string-width@4.2.0", "string-width@5.1.2"]);
      expect(result.packages.find((p) => p.name === "@babel/code-frame")?.metadata?.installedAs).toBe(
        "babel-code-frame",
      );
    }
  });

  it("skips the root, workspace folders and their links", async () => {
    const result = await run("trivy/npm/package-lock_v3_with_workspace.json");
    expect(ids(result)).toEqual(["debug@2.5.2", "debug@2.6.9", "ms@0.7.2", "ms@2.0.0"]);
    expect((await run("trivy/npm/package-lock_v3_broken_link.json")).packages).toEqual([]);
  });

  it("reads licences from v3 entries", async () => {
    const result = await run("trivy/npm/package-lock_v3_with_legacy_licenses.json");
    expect(result.packages.map((p) => `${p.name}: ${p.metadata?.license}`).sort()).toEqual([
      "mustache: MIT",
      "pause-stream: MIT OR Apache2",
      "tv4: Public Domain OR MIT",
    ]);
  });

  it("skips local folders and reports git dependencies of v1 as not from the registry", async () => {
    expect(ids(await run("scalibr/npm/files.v1.json"))).toEqual(["lodash@1.3.1"]);
    const commits = await run("scalibr/npm/commits.v1.json");
    expect(commits.issues.filter((i) => i.code === "npm-lock-not-registry")).toHaveLength(13);
    expect(commits.packages).toHaveLength(2);
  });

  it("reports bad content as located issues", async () => {
    const notJson = await run("scalibr/npm/not-json.txt");
    expect(notJson.packages).toEqual([]);
    expect(notJson.issues).toEqual([
      expect.objectContaining({ severity: "error", code: "npm-lock-invalid" }),
    ]);
    const unknown = await run({ text: '{\n  "name": "x",\n  "lockfileVersion": 4,\n  "packages": {}\n}\n' });
    expect(unknown.issues).toEqual([
      expect.objectContaining({ severity: "error", code: "npm-lock-unknown-version", line: 3 }),
    ]);
    const noVersion = await run({
      text: '{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {},\n    "node_modules/a": {}\n  }\n}\n',
    });
    expect(noVersion.issues).toEqual([
      expect.objectContaining({ code: "npm-lock-missing-version", line: 5, record: "node_modules/a" }),
    ]);
  });
});
