import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createGemExtractor, isInstalledGemspecPath } from "./gem-extractor.js";

const testdata = join(import.meta.dirname, "testdata");
const extractor = createGemExtractor();
const SPEC = "/usr/local/bundle/specifications/x.gemspec";

async function run(file: string, path = SPEC): Promise<ExtractorResult> {
  const content = readFileSync(join(testdata, file));
  return extractor.extract({ path, content, info: { size: content.length, mode: 0o644 } });
}

describe("language/gem", () => {
  it("wants installed specifications only", () => {
    const info = { size: 1, mode: 0o644 };
    for (const path of [
      "/usr/local/lib/ruby/gems/3.2.0/specifications/rake-13.0.6.gemspec",
      "/usr/local/lib/ruby/gems/3.2.0/specifications/default/uri-0.12.1.gemspec",
      "/app/vendor/bundle/ruby/3.2.0/specifications/rack-3.0.8.gemspec",
    ]) {
      expect(extractor.required(path, info), path).toBe(true);
    }
    for (const path of [
      "/usr/local/lib/ruby/gems/3.2.0/gems/rake-13.0.6/rake.gemspec",
      "/app/my.gemspec",
      "/usr/local/lib/ruby/gems/3.2.0/specifications/rake-13.0.6.gemspec.bak",
    ]) {
      expect(isInstalledGemspecPath(path), path).toBe(false);
    }
  });

  it("reads Trivy's cases as Trivy's parser test expects", async () => {
    expect((await run("trivy/license.gemspec")).packages).toEqual([
      { type: "gem", name: "async", version: "1.25.0", metadata: { license: "MIT" } },
    ]);
    expect((await run("trivy/multiple_licenses.gemspec")).packages).toEqual([
      { type: "gem", name: "test-unit", version: "3.3.7", metadata: { license: "Ruby, BSDL, PSFL" } },
    ]);
    // `spec.name = "async".freeze # comment`. Trivy ignores `licenses = "MIT"` (not an array);
    // RubyGems wraps a string with Array(), so the licence is real and kept here.
    expect((await run("trivy/normal01.gemspec")).packages).toEqual([
      { type: "gem", name: "async", version: "1.25.0", metadata: { license: "MIT" } },
    ]);
  });

  it("reports Trivy's malformed specifications instead of guessing", async () => {
    // Block variable `spec`, assignments on `s`: nothing is assigned to the specification.
    const wrongVariable = await run("trivy/malformed00.gemspec");
    expect(wrongVariable.packages).toEqual([]);
    expect(wrongVariable.issues.map((i) => i.code)).toEqual([
      "gemspec-missing-name",
      "gemspec-missing-version",
    ]);
    const noVersion = await run("trivy/malformed01.gemspec");
    expect(noVersion).toEqual({
      packages: [],
      issues: [
        expect.objectContaining({ code: "gemspec-missing-version", record: "async", severity: "error" }),
      ],
    });
  });

  it("reads OSV-SCALIBR's cases", async () => {
    expect((await run("scalibr/yaml-0.2.1.gemspec")).packages).toEqual([
      { type: "gem", name: "yaml", version: "0.2.1", metadata: { license: "Ruby, BSD-2-Clause" } },
    ]);
    const invalid = await run("scalibr/invalid.gemspec");
    expect(invalid.packages).toEqual([]);
    expect(invalid.issues).toContainEqual(expect.objectContaining({ code: "gemspec-not-literal", line: 6 }));
    const badspec = await run("scalibr/badspec.gemspec");
    expect(badspec).toEqual({
      packages: [],
      issues: [expect.objectContaining({ code: "gemspec-no-specification" })],
    });
  });

  it("marks default gems and skips an interpolated name", async () => {
    const content = Buffer.from(
      'Gem::Specification.new do |s|\n  s.name = "uri".freeze\n  s.version = "0.12.1"\nend\n',
    );
    const result = await extractor.extract({
      path: "/usr/lib/ruby/gems/3.1.0/specifications/default/uri-0.12.1.gemspec",
      content,
      info: { size: content.length, mode: 0o644 },
    });
    expect(result.packages).toEqual([
      { type: "gem", name: "uri", version: "0.12.1", metadata: { defaultGem: "true" } },
    ]);
    const interpolated = Buffer.from(
      'Gem::Specification.new do |s|\n  s.name = "x#{1}"\n  s.version = "1"\nend\n',
    );
    const bad = await extractor.extract({
      path: SPEC,
      content: interpolated,
      info: { size: 1, mode: 0o644 },
    });
    expect(bad.packages).toEqual([]);
    expect(bad.issues.map((i) => i.code)).toEqual(["gemspec-not-literal"]);
  });

  it("survives every truncation without throwing", async () => {
    const content = readFileSync(join(testdata, "trivy/multiple_licenses.gemspec"));
    for (let cut = 0; cut <= content.length; cut += 37) {
      const part = content.subarray(0, cut);
      const result = await extractor.extract({ path: SPEC, content: part, info: { size: cut, mode: 0o644 } });
      expect(result.packages.length + result.issues.length).toBeGreaterThan(0);
    }
  });
});
