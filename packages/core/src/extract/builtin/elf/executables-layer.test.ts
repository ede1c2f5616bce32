import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildTar, chunked } from "../../../layer/test-support/tar-builder.js";
import { walkLayer } from "../../../layer/walk-layer.js";
import { extractLayer } from "../../run-extractors.js";
import { createGoBinaryExtractor } from "../go-binary/go-binary-extractor.js";
import { createRustBinaryExtractor } from "../rust-binary/rust-binary-extractor.js";
import { ensureCachedBuild } from "./test-support/cached-build.js";

const builtin = join(import.meta.dirname, "..");
let go: string;
let rust: string;

beforeAll(async () => {
  go = await ensureCachedBuild(join(builtin, "go-binary", "test-support", "build-go-binaries.sh"));
  rust = await ensureCachedBuild(join(builtin, "rust-binary", "test-support", "build-rust-binaries.sh"));
});

describe("the Go and Rust binary extractors in the layer host", () => {
  it("share one forward pass over a layer of real executables larger than the whole-file limit", async () => {
    const goApp = readFileSync(join(go, "app"));
    const tar = buildTar([
      { name: "usr/local/bin/app", mode: 0o755, content: goApp },
      { name: "usr/local/bin/app-pie", mode: 0o755, content: readFileSync(join(go, "app-pie")) },
      { name: "usr/local/bin/bigdata", mode: 0o755, content: readFileSync(join(go, "bigdata-external")) },
      { name: "usr/bin/rust-tool", mode: 0o755, content: readFileSync(join(rust, "serde-json")) },
      { name: "usr/bin/hello", mode: 0o755, content: readFileSync(join(rust, "hello")) },
      { name: "usr/bin/script", mode: 0o755, content: "#!/bin/sh\necho 'not an ELF file'\n" },
      { name: "usr/local/bin/app-link", type: "hardlink", linkName: "usr/local/bin/app", mode: 0o755 },
      { name: "etc/app.conf", content: goApp.subarray(0, 4096) },
    ]);
    const layer = await extractLayer({
      walk: walkLayer(chunked(tar, 64 * 1024)),
      reopen: async () => walkLayer(chunked(tar, 64 * 1024)),
      extractors: [createGoBinaryExtractor(), createRustBinaryExtractor()],
      layerDigest: "sha256:executables",
      maxFileSize: 1024 * 1024,
    });

    const found = (path: string) =>
      layer.files
        .filter((f) => f.path === path)
        .flatMap((f) => f.packages.map((p) => `${p.foundBy} ${p.name}@${p.version}`));
    const stdlib = readFileSync(join(go, "go-version.txt"), "utf8").split(" ")[2]!.replace(/^go/, "");
    const goModules = [
      `binary/go-buildinfo stdlib@${stdlib}`,
      "binary/go-buildinfo example.com/color@0.4.0",
      "binary/go-buildinfo example.com/greet@1.2.3",
      "binary/go-buildinfo example.com/greet/v2@2.1.0",
      "binary/go-buildinfo example.com/incompat@2.0.0+incompatible",
      "binary/go-buildinfo example.com/fork@1.0.1",
      "binary/go-buildinfo example.com/pseudo@0.0.0-20240102030405-abcdefabcdef",
    ];
    expect(found("/usr/local/bin/app")).toEqual(goModules);
    expect(found("/usr/local/bin/app-pie")).toEqual(goModules);
    expect(found("/usr/local/bin/bigdata")).toEqual([`binary/go-buildinfo stdlib@${stdlib}`]);
    expect(found("/usr/bin/rust-tool")).toEqual([
      "binary/rust-cargo-auditable itoa@1.0.14",
      "binary/rust-cargo-auditable memchr@2.7.4",
      "binary/rust-cargo-auditable ryu@1.0.18",
      "binary/rust-cargo-auditable serde@1.0.217",
      "binary/rust-cargo-auditable serde_json@1.0.135",
    ]);
    expect(found("/usr/bin/hello")).toEqual([]);
    expect(found("/usr/bin/script")).toEqual([]);
    // A hard link's tar header has no size, so it is not offered; its target is, above.
    expect(layer.files.map((f) => f.path)).not.toContain("/usr/local/bin/app-link");
    expect(layer.files.map((f) => f.path)).not.toContain("/etc/app.conf");

    expect(layer.issues.map((i) => [i.source, i.code, i.location.path])).toEqual([
      ["extract:binary/go-buildinfo", "go-buildinfo-directory-replacement", "/usr/local/bin/app"],
      ["extract:binary/go-buildinfo", "go-buildinfo-directory-replacement", "/usr/local/bin/app-pie"],
    ]);
    // Headers, tables and the start of the data segments: a small part of ~8 MiB of executables.
    const total = tar.length;
    expect(layer.stats.bytesRead).toBeLessThan(total / 3);
  });
});
