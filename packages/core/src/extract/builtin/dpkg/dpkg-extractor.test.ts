import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createDpkgExtractor } from "./dpkg-extractor.js";

const testdata = join(import.meta.dirname, "testdata");
const extractor = createDpkgExtractor();

async function run(file: string, path = "/var/lib/dpkg/status"): Promise<ExtractorResult> {
  const content = readFileSync(join(testdata, file));
  return extractor.extract({ path, content, info: { size: content.length, mode: 0o644 } });
}

interface QueryRow {
  package: string;
  version: string;
  architecture: string;
  source_package: string;
  source_version: string;
  db_status_abbrev: string;
}
const expected: Record<string, { packages: QueryRow[] }> = JSON.parse(
  readFileSync(join(testdata, "dpkg-query-expected.json"), "utf8"),
);

/** dpkg-query's abbreviated states whose files are on disk (second letter of db:Status-Abbrev). */
const PRESENT = new Set(["i", "U", "F", "H", "W", "t"]);

describe("os/dpkg against dpkg-query's own answers", () => {
  for (const [file, { packages }] of Object.entries(expected)) {
    it(`reads ${file} exactly as dpkg-query does`, async () => {
      const result = await run(file);
      const ours = result.packages
        .map((p) => [p.name, p.version, p.arch, p.sourceName, p.sourceVersion].join("\t"))
        .sort();
      const theirs = packages
        .filter((row) => PRESENT.has(row.db_status_abbrev[1]!))
        .map((row) =>
          [row.package, row.version, row.architecture, row.source_package, row.source_version].join("\t"),
        )
        .sort();
      expect(ours).toEqual(theirs);
      expect(ours.length).toBeGreaterThan(0);
    });
  }
});

describe("os/dpkg", () => {
  it("wants the status file and status.d entries, not md5sums or other files", () => {
    const info = { size: 1, mode: 0o644 };
    expect(extractor.required("/var/lib/dpkg/status", info)).toBe(true);
    expect(extractor.required("/var/lib/dpkg/status.d/libc6", info)).toBe(true);
    expect(extractor.required("/var/lib/dpkg/status.d/libc6.md5sums", info)).toBe(false);
    expect(extractor.required("/var/lib/dpkg/status-old", info)).toBe(false);
    expect(extractor.required("/var/lib/dpkg/status.d/x/y", info)).toBe(false);
  });

  it("reads distroless status.d files that have no Status field", async () => {
    const result = await run("syft/libsqlite3-0", "/var/lib/dpkg/status.d/libsqlite3-0");
    expect(result.packages).toEqual([
      expect.objectContaining({
        name: "libsqlite3-0",
        version: "3.34.1-3",
        sourceName: "sqlite3",
        arch: "arm64",
      }),
    ]);
    const multiple = await run("syft/status.d-multiple", "/var/lib/dpkg/status.d/multiple");
    // syft's fixture mixes an empty name, a package without a version and two good ones.
    expect(multiple.packages.map((p) => `${p.name} ${p.version}`)).toEqual([
      "tzdata 2020a-0+deb10u1",
      "util-linux 2.33.1-0.1",
    ]);
    expect(multiple.issues.map((i) => i.code)).toEqual(["dpkg-missing-package", "dpkg-missing-version"]);
  });

  it("takes the source version from `Source: name (version)`", async () => {
    const result = await run("trivy/valid-status");
    const libc = result.packages.find((p) => p.name === "libc-bin");
    expect(libc).toMatchObject({ sourceName: "glibc", version: "2.27-3ubuntu1" });
    const binutils = result.packages.find((p) => p.sourceName !== p.name && p.sourceVersion !== p.version);
    expect(binutils).toBeDefined();
  });

  it("reports a paragraph without a version with its line, and keeps the others", async () => {
    const result = await run("scalibr/noversion");
    expect(result.packages.map((p) => p.name)).toEqual(["foo", "bar"]);
    expect(result.issues).toEqual([
      expect.objectContaining({ code: "dpkg-missing-version", line: 5, record: "acl", severity: "error" }),
    ]);
  });

  it("reports a paragraph without a package name", async () => {
    const result = await run("scalibr/nopackage");
    expect(result.issues.map((i) => i.code)).toContain("dpkg-missing-package");
  });

  it("skips packages that are not installed (config-files, not-installed)", async () => {
    const result = await run("scalibr/statusfield");
    const names = result.packages.map((p) => p.name);
    const content = readFileSync(join(testdata, "scalibr/statusfield"), "utf8");
    expect(content).toMatch(/Status: (deinstall|purge|install) ok (config-files|not-installed)/);
    expect(names.length).toBeLessThan((content.match(/^Package:/gm) ?? []).length);
  });

  it("turns garbage into located issues, never a throw", async () => {
    const result = await run("scalibr/invalid");
    expect(result.packages).toEqual([]);
    expect(result.issues.length).toBeGreaterThan(0);
    expect(result.issues[0]).toHaveProperty("line");
    const empty = await run("scalibr/empty");
    expect(empty).toEqual({ packages: [], issues: [] });
  });

  it("survives every truncation of a real status file", async () => {
    const content = readFileSync(join(testdata, "trivy/valid-status"));
    for (let cut = 0; cut < content.length; cut += 997) {
      const part = content.subarray(0, cut);
      const result = await extractor.extract({
        path: "/var/lib/dpkg/status",
        content: part,
        info: { size: cut, mode: 0 },
      });
      expect(Array.isArray(result.packages)).toBe(true);
    }
  });
});
