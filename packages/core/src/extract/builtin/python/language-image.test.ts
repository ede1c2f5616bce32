import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { packageUrl } from "../../../inventory/package-url.js";
import { buildTar, chunked } from "../../../layer/test-support/tar-builder.js";
import { walkLayer } from "../../../layer/walk-layer.js";
import type { LayerPackage } from "../../../model/layer-inventory.js";
import { extractLayer } from "../../run-extractors.js";
import { createBuiltinExtractors } from "../index.js";

/**
 * syft's multi-ecosystem mock rootfs (`image-pkg-coverage`, its Dockerfile copies `pkgs/` to
 * the image root), reduced to the files the language extractors read, as one layer through
 * the real extraction host with every built-in extractor.
 */
const root = join(import.meta.dirname, "testdata", "image-pkg-coverage");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

async function extractTree() {
  const tar = buildTar(
    files(root)
      .sort()
      .map((path) => ({ name: relative(root, path), content: readFileSync(path) })),
  );
  return extractLayer({
    walk: walkLayer(chunked(tar)),
    extractors: createBuiltinExtractors(),
    layerDigest: "sha256:test",
    maxFileSize: 16 * 1024 * 1024,
  });
}

describe("language extractors over syft's image-pkg-coverage tree", () => {
  it("finds what syft's integration test expects, by ecosystem", async () => {
    const layer = await extractTree();
    const found = new Map<string, string[]>();
    const all: LayerPackage[] = layer.files.flatMap((f) => f.packages);
    for (const p of all)
      found.set(p.foundBy, [...(found.get(p.foundBy) ?? []), `${p.name}@${p.version}`].sort());

    // syft: "find gemspec packages" (bundler 2.1.4 in specifications/, unbundler 3.1.4 in specifications/default/).
    expect(found.get("language/gem")).toEqual(["bundler@2.1.4", "unbundler@3.1.4"]);
    // syft: "find PHP composer installed.json packages", versions as written (v1.3.0).
    expect(found.get("language/composer")).toEqual([
      "nikic/fast-route@v1.3.0",
      "psr/container@2.0.2",
      "psr/http-factory@1.0.1",
    ]);
    // syft expects Pygments and requests as well, from directories named plainly `dist-info/` and
    // `egg-info/`; pip and setuptools always name them `<name>-<version>.dist-info` /
    // `<name>.egg-info`, and Trivy and OSV-SCALIBR skip these too.
    expect(found.get("language/python")).toEqual(["someotherpkg@3.19.0", "somerequests@3.22.0"]);
    // syft lists this file only in directory scans, with projects (TestLibrary, TestCommon) and
    // two framework-provided packages; packages that put code in the app are these ten.
    expect(found.get("language/dotnet-deps")).toHaveLength(10);
    expect(found.get("language/dotnet-deps")).toContain("Newtonsoft.Json@13.0.1");
    expect(layer.issues).toEqual([]);
  });

  it("gives each ecosystem its package URL", async () => {
    const layer = await extractTree();
    const purls = layer.files.flatMap((f) => f.packages.map((p) => packageUrl(p, undefined))).sort();
    expect(purls).toEqual(
      expect.arrayContaining([
        "pkg:composer/nikic/fast-route@v1.3.0",
        "pkg:gem/bundler@2.1.4",
        "pkg:nuget/Newtonsoft.Json@13.0.1",
        "pkg:pypi/somerequests@3.22.0",
      ]),
    );
    const pypi = packageUrl(
      { type: "pypi", name: "zope-interface", version: "6.0", metadata: { displayName: "Zope.Interface_x" } },
      undefined,
    );
    // purl's pypi rule: lowercase and `_` → `-`; dots stay (PEP 503 would turn them into `-`).
    expect(pypi).toBe("pkg:pypi/zope.interface-x@6.0");
  });
});
