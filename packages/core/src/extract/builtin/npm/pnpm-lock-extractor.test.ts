import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createPnpmLockExtractor, parsePackageKey } from "./pnpm-lock-extractor.js";
import { packageKeyOf } from "./pnpm-lock-snapshots.js";
import { ids, runOn } from "./test-support.js";

const extractor = createPnpmLockExtractor();
const run = (file: string | { text: string }) => runOn(extractor, "/app/pnpm-lock.yaml", file);

/** `name@version` of the packages marked dev, sorted. */
const devIds = (result: ExtractorResult) =>
  result.packages
    .filter((p) => p.metadata?.dev === "true")
    .map((p) => `${p.name}@${p.version}`)
    .sort();

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
    expect(v9.issues.map((i) => i.code)).toEqual(["pnpm-lock-missing-snapshot"]);
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

  describe("v9 dev marking from snapshots", () => {
    it("matches trivy's expected dev flags (two importers, prod edge into a dev root)", async () => {
      const result = await run("trivy/pnpm/pnpm-lock_v9.yaml");
      // trivy's parse_testcase.go pnpmV9 lists these 22 packages; package1 is a local folder, skipped here.
      expect(ids(result)).toEqual([
        "@babel/helper-string-parser@7.24.1",
        "asap@2.0.6",
        "asynckit@0.4.0",
        "await-sleep@0.0.1",
        "debug@4.3.4",
        "debug@4.3.5",
        "ee-first@1.1.1",
        "encodeurl@1.0.2",
        "escape-html@1.0.3",
        "finalhandler@1.1.1",
        "is-negative@2.0.1",
        "jquery@3.6.0",
        "lodash@4.17.21",
        "ms@2.0.0",
        "ms@2.1.2",
        "on-finished@2.3.0",
        "parseurl@1.3.3",
        "promise@8.1.0",
        "sleep-utils@1.0.3",
        "statuses@1.4.0",
        "unpipe@1.0.0",
      ]);
      // ms@2.0.0 is a devDependency of `.` but also under finalhandler -> debug@4.3.4: prod.
      expect(devIds(result)).toEqual(["await-sleep@0.0.1", "jquery@3.6.0", "lodash@4.17.21"]);
      // The fixture's debug snapshot names an optional supports-color@8.1.1 that it lacks.
      expect(result.issues).toEqual([
        {
          severity: "warning",
          code: "pnpm-lock-missing-snapshot",
          message: expect.stringContaining("supports-color 8.1.1"),
          line: 161,
          record: "snapshot debug@4.3.4(supports-color@8.1.1)",
        },
      ]);
    });

    it("walks cycles to an end (trivy: no dev package)", async () => {
      const result = await run("trivy/pnpm/pnpm-lock_v9_cyclic_import.yaml");
      expect(result.issues).toEqual([]);
      expect(ids(result)).toEqual([
        "browserslist@4.23.0",
        "caniuse-lite@1.0.30001627",
        "electron-to-chromium@1.4.789",
        "escalade@3.1.2",
        "node-releases@2.0.14",
        "picocolors@1.0.1",
        "update-browserslist-db@1.0.16",
      ]);
      expect(devIds(result)).toEqual([]);
    });

    it("keeps a package prod when any of its peer variants is prod", async () => {
      const result = await run("trivy/pnpm/pnpm-lock_v9_same-vers-diff-peers.yaml");
      expect(result.issues).toEqual([]);
      expect(result.packages).toHaveLength(6);
      // jest-pnp-resolver@1.2.3 has a dev-only snapshot (peer jest-resolve@27) and a prod one.
      expect(devIds(result)).toEqual(["jest-resolve@27.5.1", "jest-runner@27.5.1"]);
    });

    it("reads each document and each importer on its own", async () => {
      const docs = await run("trivy/pnpm/pnpm-lock_v9_multiple_documents.yaml");
      expect(docs.issues).toEqual([]);
      expect(docs.packages).toHaveLength(20);
      expect(devIds(docs)).toEqual([]);
      const workspace = await run("trivy/pnpm/pnpm-lock_v9_multi_version.yaml");
      expect(workspace.issues).toEqual([]);
      expect(ids(workspace)).toEqual(["is-number@6.0.0", "is-number@7.0.0"]);
      expect(devIds(workspace)).toEqual([]);
    });

    it("lists syft's expected packages, all prod", async () => {
      const snapshots = await run("syft/pnpm-v9-snapshots.yaml");
      expect(snapshots.issues).toEqual([]);
      expect(ids(snapshots)).toEqual([
        "cross-spawn@7.0.6",
        "isexe@2.0.0",
        "path-key@3.1.1",
        "shebang-command@2.0.0",
        "shebang-regex@3.0.0",
        "which@2.0.2",
      ]);
      expect(devIds(snapshots)).toEqual([]);
      // No snapshots section: the entries' own `dev: false` decide.
      const flat = await run("syft/pnpm-v9.yaml");
      expect(ids(flat)).toEqual([
        "@babel/core@7.24.7",
        "@babel/helper-plugin-utils@7.24.7",
        "is-positive@3.1.0",
        "rollup@4.18.0",
      ]);
      expect(devIds(flat)).toEqual([]);
    });

    it("skips link: workspace references, follows aliases and reports missing snapshots", async () => {
      const text = [
        "lockfileVersion: '9.0'", // 1
        "importers:",
        "  .:",
        "    dependencies:",
        "      lib: {specifier: 'workspace:*', version: 'link:packages/lib'}", // 5
        "    devDependencies:",
        "      kit: {specifier: ^1.0.0, version: 1.0.0}",
        "      strings: {specifier: 'npm:string-width@^4', version: string-width@4.2.3}",
        "      old: {specifier: 'npm:@s/old@1', version: 'npm:@s/old@1.0.0'}",
        "  packages/lib:", // 10
        "    optionalDependencies:",
        "      shared: {specifier: ^2.0.0, version: 2.0.0}",
        "packages:",
        "  shared@2.0.0: {}",
        "  kit@1.0.0: {}", // 15
        "  helper@3.0.0: {}",
        "  string-width@4.2.3: {}",
        "  '@s/old@1.0.0': {}",
        "snapshots:",
        "  shared@2.0.0: {}", // 20
        "  kit@1.0.0:",
        "    dependencies:",
        "      shared: 2.0.0",
        "      helper: 3.0.0(kit@1.0.0)",
        "      lib: link:../packages/lib", // 25
        "  helper@3.0.0(kit@1.0.0):",
        "    dependencies:",
        "      kit: 1.0.0",
        "  string-width@4.2.3:",
        "    dependencies:", // 30
        "      ghost: 9.9.9",
        "  '@s/old@1.0.0': {}",
        "",
      ].join("\n");
      const result = await run({ text });
      expect(ids(result)).toEqual([
        "@s/old@1.0.0",
        "helper@3.0.0",
        "kit@1.0.0",
        "shared@2.0.0",
        "string-width@4.2.3",
      ]);
      // shared is also under the dev root kit, but the workspace project packages/lib needs it.
      expect(devIds(result)).toEqual(["@s/old@1.0.0", "helper@3.0.0", "kit@1.0.0", "string-width@4.2.3"]);
      expect(result.issues).toEqual([
        expect.objectContaining({
          severity: "warning",
          code: "pnpm-lock-missing-snapshot",
          line: 31,
          record: "snapshot string-width@4.2.3",
        }),
      ]);
    });

    it("reads lockfile 7 with snapshots the same way", async () => {
      const text = [
        "lockfileVersion: '7.0'",
        "importers:",
        "  .:",
        "    devDependencies:",
        "      a: {specifier: ^1.0.0, version: 1.0.0}",
        "packages:",
        "  /a@1.0.0: {}",
        "  /b@1.0.0: {}",
        "snapshots:",
        "  /a@1.0.0:",
        "    dependencies:",
        "      b: 1.0.0",
        "  /b@1.0.0: {}",
        "",
      ].join("\n");
      const result = await run({ text });
      expect(result.issues).toEqual([]);
      expect(devIds(result)).toEqual(["a@1.0.0", "b@1.0.0"]);
    });

    it("finds the packages key of a snapshot key", () => {
      expect(packageKeyOf("a@1.0.0")).toBe("a@1.0.0");
      expect(packageKeyOf("/@s/a@1.0.0(b@2.0.0)(c@3.0.0)")).toBe("@s/a@1.0.0");
      expect(packageKeyOf("a@1.0.0(b@2.0.0(c@3.0.0))(patch_hash=abc)")).toBe("a@1.0.0");
    });
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
