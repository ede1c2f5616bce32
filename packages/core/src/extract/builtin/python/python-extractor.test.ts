import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createPythonExtractor, isPythonMetadataPath, normalizePythonName } from "./python-extractor.js";

const testdata = join(import.meta.dirname, "testdata");
const extractor = createPythonExtractor();
const info = { size: 1, mode: 0o644 };

async function run(content: Buffer | string, path = "/usr/lib/python3/dist-packages/x-1.dist-info/METADATA") {
  const buffer = Buffer.from(content);
  return (await extractor.extract({
    path,
    content: buffer,
    info: { size: buffer.length, mode: 0o644 },
  })) as ExtractorResult;
}

interface EmailOracle {
  name: string | null;
  version: string | null;
  normalized: string | null;
  license: string | null;
  licenseExpression: string | null;
  defects: string[];
}
const expected: Record<string, EmailOracle> = JSON.parse(
  readFileSync(join(testdata, "python-email-expected.json"), "utf8"),
);

describe("language/python against Python's own email parser", () => {
  for (const [file, want] of Object.entries(expected)) {
    it(`reads ${file} as importlib.metadata does`, async () => {
      const result = await run(readFileSync(join(testdata, file)));
      if (want.name && want.version) {
        expect(result.packages).toEqual([
          expect.objectContaining({
            type: "pypi",
            name: want.normalized,
            version: want.version,
            metadata: expect.objectContaining({ displayName: want.name }),
          }),
        ]);
      } else {
        expect(result.packages).toEqual([]);
        if (want.name || file !== "scalibr/empty") {
          expect(result.issues.map((i) => i.severity)).toContain("error");
        }
      }
      // Python reports a line that is not a header as a defect; we report it with its line.
      const badHeader = result.issues.find((i) => i.code === "python-metadata-bad-header");
      expect(badHeader !== undefined).toBe(want.defects.includes("MissingHeaderBodySeparatorDefect"));
      if (badHeader) expect(badHeader.line).toBeGreaterThan(1);
    });
  }

  it("takes License-Expression first, a one-line License otherwise, never UNKNOWN", async () => {
    const license = async (file: string) =>
      (await run(readFileSync(join(testdata, file)))).packages[0]?.metadata?.license;
    expect(await license("trivy/iniconfig-2.0.0.METADATA")).toBe("MIT");
    expect(await license("syft/Python-2.7.egg-info")).toBe("PSF license");
    expect(await license("scalibr/egginfo_pkginfo")).toBeUndefined();
    expect(await license("scalibr/pyopenssl-26.0.0.dist-info")).toBe(
      expected["scalibr/pyopenssl-26.0.0.dist-info"]!.licenseExpression ?? "Apache License, Version 2.0",
    );
  });
});

describe("language/python", () => {
  it("wants dist-info METADATA, egg-info PKG-INFO, .egg-info files and unzipped eggs, wherever installed", () => {
    const yes = [
      "/usr/lib/python3/dist-packages/six-1.16.0.egg-info",
      "/usr/local/lib/python3.12/site-packages/requests-2.31.0.dist-info/METADATA",
      "/app/.venv/lib/python3.11/site-packages/Flask-2.0.0.egg-info/PKG-INFO",
      "/usr/lib/python2.7/site-packages/foo-1.0-py2.7.egg/EGG-INFO/PKG-INFO",
      // pip install --target (AWS Lambda images)
      "/var/task/boto3-1.34.0.dist-info/METADATA",
    ];
    const no = [
      "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD",
      "/usr/lib/python3/dist-packages/six-1.16.0.egg-info/top_level.txt",
      "/python/dist-info/METADATA",
      "/python/egg-info/PKG-INFO",
      "/x/.egg-info",
      "/x/.dist-info/METADATA",
      "/src/EGG-INFO/PKG-INFO",
      "/usr/share/doc/METADATA",
    ];
    for (const path of yes) expect(isPythonMetadataPath(path), path).toBe(true);
    for (const path of no) expect(isPythonMetadataPath(path), path).toBe(false);
    expect(extractor.required(yes[0]!, info)).toBe(true);
  });

  it("normalizes names per PEP 503 and keeps the display name", async () => {
    expect(normalizePythonName("Zope.Interface")).toBe("zope-interface");
    expect(normalizePythonName("typing__extensions")).toBe("typing-extensions");
    const result = await run("Metadata-Version: 2.1\nName: Backports.SSL_Match-Hostname\nVersion: 3.5.0.1\n");
    expect(result.packages[0]).toMatchObject({
      name: "backports-ssl-match-hostname",
      metadata: { displayName: "Backports.SSL_Match-Hostname" },
    });
  });

  it("stops at the first blank line: the description body is never read as headers", async () => {
    const result = await run("Name: real\nVersion: 1.0\n\nName: fake\nVersion: 9.9\nnot a header\n");
    expect(result).toEqual({
      packages: [{ type: "pypi", name: "real", version: "1.0", metadata: { displayName: "real" } }],
      issues: [],
    });
  });

  it("reads CRLF files, folded headers and whitespace-only continuation lines", async () => {
    const text = "Name: folded\r\nLicense: MIT\r\n    \r\n  more\r\nVersion: 2.0\r\n\r\nbody";
    const result = await run(text);
    expect(result.packages).toEqual([
      { type: "pypi", name: "folded", version: "2.0", metadata: { displayName: "folded" } },
    ]);
  });

  it("keeps the first of repeated Name/Version headers and says so", async () => {
    const result = await run(readFileSync(join(testdata, "scalibr/repeated_pkginfo")));
    expect(result.packages.map((p) => p.version)).toEqual(["1.0.0"]);
    expect(result.issues).toEqual([
      expect.objectContaining({ code: "python-metadata-repeated-header", line: 4 }),
      expect.objectContaining({ code: "python-metadata-repeated-header", line: 5 }),
    ]);
  });

  it("reports a missing version with the project name", async () => {
    const result = await run(readFileSync(join(testdata, "syft/no-version-py3.8.egg-info")));
    expect(result).toEqual({
      packages: [],
      issues: [
        expect.objectContaining({ code: "python-missing-version", record: "no-version", severity: "error" }),
      ],
    });
  });

  it("survives every truncation and binary garbage without throwing", async () => {
    const content = readFileSync(join(testdata, "trivy/networkx-3.0.METADATA"));
    for (let cut = 0; cut < content.length; cut += 61) {
      const result = await run(content.subarray(0, cut));
      expect(result.packages.length).toBeLessThanOrEqual(1);
    }
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const result = await run(garbage);
    expect(result.packages).toEqual([]);
    expect(result.issues.length).toBeGreaterThan(0);
  });
});
