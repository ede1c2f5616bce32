import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { createNpmPackageJsonExtractor, installedFolderName } from "./package-json-extractor.js";
import { ids, runOn, testdata } from "./test-support.js";

const extractor = createNpmPackageJsonExtractor();
const info = { size: 100, mode: 0o644 };

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

describe("lang/npm-package-json: which files", () => {
  it("wants node_modules/<name>/package.json and node_modules/@scope/<name>/package.json only", () => {
    const wanted = [
      "/app/node_modules/express/package.json",
      "/app/node_modules/express/node_modules/debug/package.json",
      "/app/node_modules/@babel/parser/package.json",
      "/app/node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json",
      "/usr/lib/node_modules/npm/package.json",
      "/app/.yarn/unplugged/is-callable-npm-1.2.7-808a303e61/node_modules/is-callable/package.json",
    ];
    const unwanted = [
      "/app/package.json", // the application itself
      "/app/packages/ws/package.json", // a workspace folder
      "/app/node_modules/package.json",
      "/app/node_modules/x/dist/esm/package.json", // {"type": "module"} markers
      "/app/node_modules/@babel/package.json",
      "/app/node_modules/@babel/parser/lib/package.json",
      "/app/node_modules/.bin/package.json",
      "/app/node_modules/x/package.json.bak",
      "/usr/share/nodejs/acorn/package.json", // Debian's, listed by dpkg
    ];
    for (const path of wanted) expect(extractor.required(path, info), path).toBe(true);
    for (const path of unwanted) expect(extractor.required(path, info), path).toBe(false);
    expect(installedFolderName("/a/node_modules/@s/b/package.json")).toBe("@s/b");
  });
});

describe("lang/npm-package-json: a real installed tree (trivy's npm analyzer fixture)", () => {
  const root = join(testdata, "trivy/npm-happy");
  const files = walk(root).map((f) => `/app/${relative(root, f)}`);

  it("reads every installed package.json, nested and scoped, and nothing else", async () => {
    const wanted = files.filter((f) => extractor.required(f, info));
    expect(wanted).not.toContain("/app/package-lock.json");
    const found: string[] = [];
    for (const path of wanted) {
      const result = await runOn(extractor, path, `trivy/npm-happy/${path.slice("/app/".length)}`);
      expect(result.issues).toEqual([]);
      found.push(...ids(result));
    }
    // Independently: the "name" and "version" of each package.json file under node_modules.
    const truth = files
      .filter((f) => f.includes("/node_modules/") && f.endsWith("/package.json"))
      .map((f) => JSON.parse(readFileSync(join(root, f.slice("/app/".length)), "utf8")))
      .map((j: { name: string; version: string }) => `${j.name}@${j.version}`)
      .sort();
    expect(found.sort()).toEqual(truth);
    expect(found).toEqual(
      expect.arrayContaining(["@babel/parser@7.23.6", "express@4.16.4", "ms@2.0.0", "ms@2.1.1"]),
    );
    expect(found).toHaveLength(8);
  });

  it("records the licence", async () => {
    const result = await runOn(
      extractor,
      "/app/node_modules/express/package.json",
      "trivy/npm-happy/node_modules/express/package.json",
    );
    expect(result.packages).toEqual([
      { type: "npm", name: "express", version: "4.16.4", metadata: { license: "MIT" } },
    ]);
  });
});

describe("lang/npm-package-json: licences and aliases", () => {
  it("reads the legacy licenses array and the license object", async () => {
    const legacy = await runOn(
      extractor,
      "/a/node_modules/x/package.json",
      "trivy/packagejson/legacy_array_package.json",
    );
    expect(legacy.packages[0]?.metadata?.license).toBe("Public Domain OR MIT");
    const object = await runOn(
      extractor,
      "/a/node_modules/x/package.json",
      "syft/package-license-object.json",
    );
    expect(object.packages[0]?.metadata?.license).toBe("ISC");
  });

  it("names an aliased package by its real name and keeps the folder name", async () => {
    const result = await runOn(extractor, "/a/node_modules/my-lodash/package.json", {
      text: '{"name":"lodash","version":"4.17.21"}',
    });
    expect(result.packages).toEqual([
      { type: "npm", name: "lodash", version: "4.17.21", metadata: { installedAs: "my-lodash" } },
    ]);
  });
});

describe("lang/npm-package-json: bad content is an issue, never a throw", () => {
  it.each([
    ["trivy/packagejson/invalid_package.json", "npm-package-json-invalid"],
    ["trivy/packagejson/without_version_package.json", "npm-package-json-incomplete"],
  ])("%s", async (file, code) => {
    const result = await runOn(extractor, "/a/node_modules/x/package.json", file);
    expect(result.packages).toEqual([]);
    expect(result.issues).toEqual([expect.objectContaining({ code, line: expect.any(Number) })]);
  });

  it("locates a syntax error on its line", async () => {
    const result = await runOn(extractor, "/a/node_modules/x/package.json", {
      text: '{\n  "name": "x",\n  "version": "1.0.0",,\n}\n',
    });
    expect(result.issues).toEqual([
      expect.objectContaining({ severity: "error", code: "npm-package-json-invalid", line: 3 }),
    ]);
  });

  it.each([
    ['"just a string"', "npm-package-json-invalid"],
    ['{"name": "has space", "version": "1.0.0"}', "npm-package-json-bad-name"],
    ['{"name": "x", "version": 1}', "npm-package-json-bad-version"],
    ["", "npm-package-json-invalid"],
  ])("%s", async (text, code) => {
    const result = await runOn(extractor, "/a/node_modules/x/package.json", { text });
    expect(result.packages).toEqual([]);
    expect(result.issues.map((i) => i.code)).toEqual([code]);
  });
});
