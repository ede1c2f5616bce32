import { describe, expect, it } from "vitest";
import { createPnpmLockExtractor, parsePackageKey } from "./pnpm-lock-extractor.js";
import { ids, runOn } from "./test-support.js";

const extractor = createPnpmLockExtractor();
const run = (file: string | { text: string }) => runOn(extractor, "/app/pnpm-lock.yaml", file);

describe("lang/pnpm-lock", () => {
  it("wants pnpm-lock.yaml outside node_modules (not pnpm's node_modules/.pnpm/lock.yaml)", () => {
    const info = { size: 1, mode: 0o644 };
    expect(extractor.required("/app/pnpm-lock.yaml", info)).toBe(true);
    expect(extractor.required("/app/node_modules/.pnpm/lock.yaml", info)).toBe(false);
  });

  it("reads the package keys of v5, v6 and v9 alike", async () => {
    const v5 = await run("trivy/pnpm/pnpm-lock_normal.yaml");
    const v6 = await run("trivy/pnpm/pnpm-lock_v6.yaml");
    for (const result of [v5, v6]) {
      expect(result.issues).toEqual([]);
      expect(ids(result)).toEqual(["asap@2.0.6", "jquery@3.6.0", "promise@8.1.0"]);
    }
    for (const file of [
      "scalibr/pnpm/scoped-packages.yaml",
      "scalibr/pnpm/scoped-packages-v6-lockfile.yaml",
      "scalibr/pnpm/scoped-packages.v9.yaml",
    ]) {
      expect(ids(await run(file))[0], file).toMatch(/^@typescript-eslint\/types@5\.\d+\.\d+$/);
    }
    expect(ids(await run("scalibr/pnpm/peer-dependencies.yaml"))).toEqual(["acorn-jsx@5.3.2", "acorn@8.7.0"]);
  });

  it("reads v9 with tarball dependencies and skips local folders", async () => {
    const v9 = await run("trivy/pnpm/pnpm-lock_v9.yaml");
    expect(v9.issues).toEqual([]);
    expect(ids(v9)).toEqual(expect.arrayContaining(["asynckit@0.4.0", "debug@4.3.5", "is-negative@2.0.1"]));
    expect(ids(v9).some((id) => id.startsWith("package1@"))).toBe(false);
    const archives = await run("trivy/pnpm/pnpm-lock_archives.yaml");
    expect(ids(archives)).toEqual([
      "asynckit@0.4.0",
      "debug@4.3.4",
      "is-negative@2.0.1",
      "lodash@4.17.21",
      "ms@2.1.2",
    ]);
  });

  it("reads every YAML document of the file", async () => {
    const result = await run("trivy/pnpm/pnpm-lock_v9_multiple_documents.yaml");
    expect(result.packages).toHaveLength(20);
    expect(ids(result)).toEqual(expect.arrayContaining(["@pnpm/exe@11.9.0", "is-number@7.0.0"]));
  });

  it("marks dev dependencies of v5/v6", async () => {
    const result = await run("trivy/pnpm/pnpm-lock_with_dev.yaml");
    expect(result.packages).toHaveLength(85);
    expect(result.packages.filter((p) => p.metadata?.dev === "true")).toHaveLength(79);
  });

  it("reads keys with peer suffixes", () => {
    expect(parsePackageKey("/acorn-jsx/5.3.2_acorn@8.7.0", 5.3)).toEqual({
      name: "acorn-jsx",
      version: "5.3.2",
    });
    expect(parsePackageKey("/@s/a@1.0.0(react@17.0.2)", 6)).toEqual({ name: "@s/a", version: "1.0.0" });
    expect(parsePackageKey("@s/a@1.0.0(b@2.0.0)(c@3.0.0)", 9)).toEqual({ name: "@s/a", version: "1.0.0" });
  });

  it("reports bad content as located issues", async () => {
    const notYaml = await run("scalibr/pnpm/not-yaml.txt");
    expect(notYaml.packages).toEqual([]);
    expect(notYaml.issues).toEqual([expect.objectContaining({ severity: "error" })]);
    const unknown = await run({ text: "# x\nlockfileVersion: '4.0'\npackages:\n  /a/1.0.0: {}\n" });
    expect(unknown.packages).toEqual([]);
    expect(unknown.issues).toEqual([expect.objectContaining({ code: "pnpm-lock-unknown-version", line: 2 })]);
    const bad = await run({ text: "lockfileVersion: '9.0'\npackages:\n  x: {}\n  ok@1.0.0: {}\n" });
    expect(ids(bad)).toEqual(["ok@1.0.0"]);
    expect(bad.issues).toEqual([
      expect.objectContaining({ code: "pnpm-lock-bad-entry", line: 3, record: "x" }),
    ]);
    const broken = await run({ text: "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {\n" });
    expect(broken.issues).toEqual([
      expect.objectContaining({ code: "pnpm-lock-invalid", line: expect.any(Number) }),
    ]);
    expect((await run("scalibr/pnpm/no-packages.yaml")).issues).toEqual([]);
  });
});
