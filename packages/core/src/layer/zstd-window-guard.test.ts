import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decompressLayer } from "./decompress.js";
import { LayerError } from "./layer-errors.js";
import { MAX_ZSTD_WINDOW, ZstdWindowGuard } from "./zstd-window-guard.js";

/** zstd from stdin writes frames without a content size, so the window descriptor decides. */
function zstd(input: Buffer, ...args: string[]): Buffer {
  return execFileSync("zstd", ["-q", "-c", ...args], { input });
}

function guardAll(data: Buffer, chunk: number): void {
  const guard = new ZstdWindowGuard();
  for (let at = 0; at < data.length; at += chunk) guard.check(data.subarray(at, at + chunk));
}

async function decompressed(data: Buffer): Promise<Buffer> {
  async function* source() {
    for (let at = 0; at < data.length; at += 4096) yield data.subarray(at, at + 4096);
  }
  const out: Buffer[] = [];
  for await (const chunk of decompressLayer(source())) out.push(chunk);
  return Buffer.concat(out);
}

const payload = randomBytes(300_000);

describe("ZstdWindowGuard", () => {
  it("lets real zstd output through at every chunking, concatenated and skippable frames included", () => {
    const skippable = Buffer.concat([Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0]), Buffer.from("abc")]);
    const streams = [
      zstd(payload),
      zstd(payload, "--long=27"),
      zstd(Buffer.alloc(0)),
      Buffer.concat([zstd(payload), skippable, zstd(payload, "-19", "--check")]),
    ];
    for (const stream of streams)
      for (const chunk of [1, 3, 7, 4096]) expect(() => guardAll(stream, chunk)).not.toThrow();
  });

  it("refuses a frame that asks for a window over the limit, naming its offset, in any frame", () => {
    const big = zstd(payload, "--long=28");
    for (const [stream, offset] of [
      [big, 0],
      [Buffer.concat([zstd(payload), big]), zstd(payload).length],
    ] as const) {
      for (const chunk of [1, 5, 4096]) {
        expect(() => guardAll(stream, chunk)).toThrow(
          new LayerError(
            "too-large",
            `zstd frame at byte ${offset} asks for a ${2 ** 28}-byte window, over the ${MAX_ZSTD_WINDOW}-byte limit`,
          ),
        );
      }
    }
  });

  it("reads the window of a single-segment frame from its content size", () => {
    // magic, descriptor (single segment, 4-byte content size), content size 2^30
    const header = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0, 0, 0, 0, 0x40]);
    expect(() => guardAll(header, 2)).toThrow(/asks for a 1073741824-byte window/);
  });
});

describe("decompressLayer with hostile compressed streams", () => {
  it("stops a zstd layer asking for a 2 GiB window before decoding it, as a LayerError", async () => {
    const error = await decompressed(zstd(payload, "--long=31")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).reason).toBe("too-large");
  });

  it("decodes a zstd layer within the limit", async () => {
    expect((await decompressed(zstd(payload, "--long=27"))).equals(payload)).toBe(true);
  });

  it("reports data after the end of a gzip stream as corrupt compression, however long it is", async () => {
    const { gzipSync } = await import("node:zlib");
    for (const trailing of [Buffer.from("garbage"), Buffer.alloc(500_000, 3)]) {
      const error = await decompressed(Buffer.concat([gzipSync(payload), trailing])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LayerError);
      expect((error as LayerError).reason).toBe("corrupt-compression");
    }
  });
});
