import { describe, expect, it } from "vitest";
import { buildTar, chunked, type TarSpec } from "../layer/test-support/tar-builder.js";
import { walkLayer } from "../layer/walk-layer.js";
import type { ExtractorResult, RangeReadExtractor } from "./extractor.js";
import { extractLayer } from "./run-extractors.js";

/**
 * A range extractor for a made-up executable format: the first 8 bytes say `RANGEFMT`,
 * the last 8 give the offset of a 16-byte name record, which sits anywhere in the file.
 * Reading the trailer first and the record after is exactly the backward read that
 * executables with section headers at the end need.
 */
const tailPointerExtractor: RangeReadExtractor = {
  name: "test/tail-pointer",
  version: 1,
  reads: "ranges",
  required: (_path, info) => (info.mode & 0o111) !== 0,
  extract: async ({ reader }): Promise<ExtractorResult> => {
    const magic = await reader.readAt(0, 8);
    if (magic.toString("latin1") !== "RANGEFMT") return { packages: [], issues: [] };
    const trailer = await reader.readAt(reader.size - 8, 8);
    const at = Number(trailer.readBigUInt64LE());
    if (at + 16 > reader.size) {
      return {
        packages: [],
        issues: [{ severity: "warning", code: "bad-pointer", message: `record at ${at} is past the end` }],
      };
    }
    const name = (await reader.readAt(at, 16)).toString("latin1").replace(/\0+$/, "");
    return {
      packages: [{ type: "npm", name, version: "1.0.0" }],
      issues: [],
    };
  },
};

function executable(size: number, recordAt: number, name: string): Buffer {
  const file = Buffer.alloc(size, 0x90);
  file.write("RANGEFMT", 0, "latin1");
  Buffer.from(name.padEnd(16, "\0"), "latin1").copy(file, recordAt);
  file.writeBigUInt64LE(BigInt(recordAt), size - 8);
  return file;
}

async function extract(entries: TarSpec[], reopenable = true) {
  const tar = buildTar(entries);
  const walk = walkLayer(chunked(tar, 64 * 1024));
  return extractLayer({
    walk,
    ...(reopenable ? { reopen: async () => walkLayer(chunked(tar, 64 * 1024)) } : {}),
    extractors: [tailPointerExtractor],
    layerDigest: "sha256:layer",
    maxFileSize: 1024 * 1024,
  });
}

const MiB = 1024 * 1024;

describe("range extraction in the layer host", () => {
  it("reads a record near the end in one pass, without reading the file", async () => {
    const layer = await extract([
      { name: "usr/bin/near", mode: 0o755, content: executable(8 * MiB, 8 * MiB - 1000, "near-end") },
    ]);
    expect(layer.files.flatMap((f) => f.packages.map((p) => `${f.path} ${p.name} ${p.foundBy}`))).toEqual([
      "/usr/bin/near near-end test/tail-pointer",
    ]);
    expect(layer.issues).toEqual([]);
    // The 8 MiB file is over the whole-file limit (1 MiB) and still read: only its header,
    // the window before the trailer and the trailer.
    expect(layer.stats.bytesRead).toBeLessThan(100 * 1024);
  });

  it("walks the layer again for a record behind the window, reading only the asked ranges", async () => {
    const layer = await extract([
      { name: "usr/bin/far", mode: 0o755, content: executable(8 * MiB, 4096, "far-back") },
      { name: "usr/bin/other", mode: 0o755, content: executable(2 * MiB, 2 * MiB - 100, "other") },
      { name: "usr/bin/link", type: "hardlink", linkName: "usr/bin/far", mode: 0o755 },
      { name: "etc/not-executable", content: executable(4096, 100, "ignored") },
    ]);
    const found = layer.files.flatMap((f) => f.packages.map((p) => `${f.path} ${p.name}`)).sort();
    expect(found).toEqual(["/usr/bin/far far-back", "/usr/bin/link far-back", "/usr/bin/other other"]);
    expect(layer.issues).toEqual([]);
    expect(layer.stats.bytesRead).toBeLessThan(400 * 1024);
  });

  it("says which file it could not finish when the layer cannot be read again", async () => {
    const layer = await extract(
      [{ name: "usr/bin/far", mode: 0o755, content: executable(MiB, 4096, "far-back") }],
      false,
    );
    expect(layer.files.flatMap((f) => f.packages)).toEqual([]);
    expect(layer.issues).toEqual([
      expect.objectContaining({
        code: "range-read-incomplete",
        source: "extract:test/tail-pointer",
        location: { layerDigest: "sha256:layer", path: "/usr/bin/far" },
      }),
    ]);
    expect(layer.issues[0]!.message).toMatch(
      /behind the forward read window, and the layer cannot be read again/,
    );
  });

  it("keeps an extractor's own issues located at the file", async () => {
    const file = executable(4096, 100, "x");
    file.writeBigUInt64LE(1_000_000n, 4096 - 8);
    const layer = await extract([{ name: "bin/bad", mode: 0o755, content: file }]);
    expect(layer.issues).toEqual([
      expect.objectContaining({
        code: "bad-pointer",
        location: { layerDigest: "sha256:layer", path: "/bin/bad" },
      }),
    ]);
  });

  it("fails the layer, not just the file, when the layer is truncated inside an executable", async () => {
    const tar = buildTar([{ name: "usr/bin/far", mode: 0o755, content: executable(2 * MiB, MiB, "cut") }]);
    const cut = tar.subarray(0, 512 + MiB / 2);
    await expect(
      extractLayer({
        walk: walkLayer(chunked(cut)),
        extractors: [tailPointerExtractor],
        layerDigest: "sha256:cut",
        maxFileSize: MiB,
      }),
    ).rejects.toThrow(/truncated/);
  });
});
