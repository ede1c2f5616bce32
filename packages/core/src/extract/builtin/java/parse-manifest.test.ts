import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { manifestValue, parseManifest } from "./parse-manifest.js";

const testdata = join(import.meta.dirname, "testdata");
const read = (file: string) => parseManifest(readFileSync(join(testdata, file)));
const entries = (map: ReadonlyMap<string, string>) => Object.fromEntries(map);

describe("parseManifest", () => {
  it("reads the main section and individual sections (syft extra-info)", () => {
    const { manifest, problems } = read("syft/manifest/extra-info");
    expect(entries(manifest.main)).toEqual({
      "manifest-version": "1.0",
      "archiver-version": "Plexus Archiver",
      "created-by": "Apache Maven 3.6.3",
    });
    expect(manifest.sections.map(entries)).toEqual([
      { name: "thing-1", "built-by": "?" },
      { "build-jdk": "14.0.1", "main-class": "hello.HelloWorld" },
    ]);
    expect(problems).toEqual([]);
  });

  it("joins continuation lines, removing exactly one space (syft continuation, scalibr symbolicname)", () => {
    expect(read("syft/manifest/continuation").manifest.main.get("plugin-scmurl")).toBe(
      "https://github.com/jenkinsci/plugin-pom/example-jenkins-plugin",
    );
    const { manifest } = read("scalibr/manifest-symbolicname/MANIFEST.MF");
    expect(manifest.main.get("export-package")).toBe(
      'com.google.common.util.concurrent.internal;version="1.0.1"',
    );
    // " use ListenableFuture" continues with a space that is data.
    expect(manifest.main.get("bundle-description")).toContain("they can use ListenableFuture");
    expect(manifest.main.get("bundle-symbolicname")).toBe("com.google.guava.failureaccess");
  });

  it("joins a UTF-8 character split across the 72-byte wrap before decoding it", () => {
    // "Implementation-Vendor: " is 23 bytes; 48 more make 71, then the 2-byte "é" is split.
    const head = Buffer.from(`Implementation-Vendor: ${"x".repeat(48)}`, "latin1");
    const content = Buffer.concat([
      head,
      Buffer.from([0xc3, 0x0d, 0x0a, 0x20, 0xa9]),
      Buffer.from("cole\r\n"),
    ]);
    expect(head.length + 1).toBe(72);
    expect(parseManifest(content).manifest.main.get("implementation-vendor")).toBe(`${"x".repeat(48)}école`);
  });

  it("accepts CR, LF and CR LF line ends and a missing final newline", () => {
    const { manifest } = parseManifest(Buffer.from("A: 1\rB: 2\r\n C\nD: 4"));
    expect(entries(manifest.main)).toEqual({ a: "1", b: "2C", d: "4" });
  });

  it("skips bad lines with their line numbers and keeps the rest (syft extra-empty-lines)", () => {
    const { manifest, problems } = read("syft/manifest/extra-empty-lines");
    expect(manifest.main.get("created-by")).toBe("Apache Maven 3.6.3");
    expect(manifest.sections.map(entries)).toEqual([
      { name: "thing-1", "built-by": "?" },
      { name: "thing-2", "built-by": "someone!" },
      { other: "things" },
      { last: "item" },
    ]);
    expect(problems.map((p) => p.line)).toEqual([9, 15, 18, 20]);
  });

  it("drops a continuation of a bad line with it (syft leading-space)", () => {
    const { manifest, problems } = read("syft/manifest/leading-space");
    // Lines 2 and 3 have no colon; line 4 starts with a space, so it continues line 3, not
    // line 1 (syft, trimming blanks, appends it to line 1's value).
    expect(manifest.main.get("key-keykeykey")).toBe("initialconfig:com");
    expect(manifest.main.get("should")).toBe("parse");
    expect(problems.map((p) => p.line)).toEqual([2, 3, 4]);
  });

  it("keeps the whole version with its date (syft version-with-date)", () => {
    expect(read("syft/manifest/version-with-date").manifest.main.get("implementation-version")).toBe(
      "1.3 2244 October 5 2005",
    );
  });

  it("finds a header in the main section first, then in the first section that has it", () => {
    const { manifest } = read("syft/jar-metadata/opensaml-core-3.4.6/META-INF/MANIFEST.MF");
    expect(manifestValue(manifest, "Implementation-Version")).toBe("3.4.6");
    expect(manifestValue(manifest, "Created-By")).toBe("Apache Maven 3.6.3");
    expect(manifestValue(manifest, "Bundle-Version")).toBeUndefined();
  });

  it("takes the first of two equal headers, as java.util.jar does", () => {
    expect(parseManifest(Buffer.from("A: 1\nA: 2\n")).manifest.main.get("a")).toBe("1");
  });

  it("reads an empty file as an empty manifest", () => {
    const { manifest, problems } = parseManifest(Buffer.alloc(0));
    expect(manifest.main.size).toBe(0);
    expect(manifest.sections).toEqual([]);
    expect(problems).toEqual([]);
  });
});
