import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { FileTooLargeError } from "./layer-entry.js";
import { LayerError } from "./layer-errors.js";
import { buildTar, chunked } from "./test-support/tar-builder.js";
import { type WalkLayerOptions, walkLayer } from "./walk-layer.js";

interface Seen {
  path: string;
  type: string;
  linkTarget?: string;
  whiteout?: { kind: string; target: string };
  content?: string;
}

async function collect(data: Buffer, options?: WalkLayerOptions, read = (_p: string) => true) {
  const walk = walkLayer(chunked(data), options);
  const seen: Seen[] = [];
  for await (const entry of walk) {
    const item: Seen = { path: entry.path, type: entry.type };
    if (entry.linkTarget !== undefined) item.linkTarget = entry.linkTarget;
    if (entry.whiteout) item.whiteout = entry.whiteout;
    if (entry.type === "file" && read(entry.path)) item.content = (await entry.read()).toString();
    seen.push(item);
  }
  return { seen, walk };
}

async function failure(data: Buffer, options?: WalkLayerOptions): Promise<unknown> {
  try {
    await collect(data, options);
  } catch (error) {
    return error;
  }
  throw new Error("walk did not fail");
}

const work = mkdtempSync(join(tmpdir(), "vigil-walk-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A real tree packed by GNU tar: long names, symlinks, hard links, whiteouts. */
const built = new Map<string, Buffer>();
function gnuTar(format: "gnu" | "posix"): Buffer {
  const cached = built.get(format);
  if (cached) return cached;
  const root = join(work, `tree-${format}`);
  const long = "d".repeat(60);
  mkdirSync(join(root, "etc"), { recursive: true });
  mkdirSync(join(root, "usr/lib", long, long), { recursive: true });
  writeFileSync(join(root, "usr/lib/os-release"), "ID=debian\n");
  symlinkSync("../usr/lib/os-release", join(root, "etc/os-release"));
  writeFileSync(join(root, "usr/lib", long, long, "deep.txt"), "deep");
  // Named to sort after usr/: tar stores the first name it meets as the file, later ones as links.
  linkSync(join(root, "usr/lib/os-release"), join(root, "var-hard"));
  writeFileSync(join(root, "etc/.wh.passwd"), "");
  mkdirSync(join(root, "opt"));
  writeFileSync(join(root, "opt/.wh..wh..opq"), "");
  const tar = execFileSync("tar", [`--format=${format}`, "--sort=name", "-C", root, "-cf", "-", "."], {
    maxBuffer: 1 << 26,
  });
  built.set(format, tar);
  return tar;
}

describe("walkLayer over real tars", () => {
  for (const format of ["gnu", "posix"] as const) {
    it(`reads a GNU tar (${format} format), plain, gzip and zstd`, async () => {
      const tar = gnuTar(format);
      const zst = execFileSync("zstd", ["-q", "-c"], { input: tar });
      for (const blob of [tar, gzipSync(tar), zst]) {
        const { seen, walk } = await collect(blob);
        const byPath = new Map(seen.map((s) => [s.path, s]));
        expect(byPath.get("/usr/lib/os-release")).toMatchObject({ type: "file", content: "ID=debian\n" });
        expect(byPath.get("/etc/os-release")).toMatchObject({
          type: "symlink",
          linkTarget: "../usr/lib/os-release",
        });
        expect(byPath.get("/var-hard")).toMatchObject({
          type: "hardlink",
          linkTarget: "/usr/lib/os-release",
        });
        const deep = `/usr/lib/${"d".repeat(60)}/${"d".repeat(60)}/deep.txt`;
        expect(byPath.get(deep)).toMatchObject({ type: "file", content: "deep" });
        expect(byPath.get("/etc/.wh.passwd")?.whiteout).toEqual({ kind: "file", target: "/etc/passwd" });
        expect(byPath.get("/opt/.wh..wh..opq")?.whiteout).toEqual({ kind: "opaque", target: "/opt" });
        expect(walk.stats.diffId).toBe(`sha256:${createHash("sha256").update(tar).digest("hex")}`);
        expect(walk.stats.uncompressedBytes).toBe(tar.length);
      }
    });
  }

  it("checks the uncompressed digest against the config's diff id", async () => {
    const tar = gnuTar("posix");
    const wrong = `sha256:${"0".repeat(64)}`;
    const error = await failure(gzipSync(tar), { expectedDiffId: wrong });
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).reason).toBe("diff-id-mismatch");
  });
});

describe("walkLayer against bad input", () => {
  const good = buildTar([
    { name: "etc/a.txt", content: "a".repeat(3000) },
    { name: "etc/b.txt", content: "b" },
  ]);

  it("reports a truncated plain tar as truncated", async () => {
    const error = await failure(good.subarray(0, 1000));
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).reason).toBe("truncated");
    expect((error as Error).message).toMatch(/truncated/);
  });

  it("reports a truncated gzip stream", async () => {
    const gz = gzipSync(Buffer.concat([good, Buffer.alloc(100_000, 1)]));
    const error = await failure(gz.subarray(0, gz.length - 40));
    expect((error as LayerError).reason).toBe("truncated");
  });

  it("reports corrupt gzip data", async () => {
    const gz = gzipSync(good);
    const bad = Buffer.from(gz);
    for (let i = 20; i < 60; i++) bad[i] = 0xff;
    const error = await failure(bad);
    expect(error).toBeInstanceOf(LayerError);
    expect(["corrupt-compression", "truncated", "corrupt-tar"]).toContain((error as LayerError).reason);
  });

  it("reports a truncated zstd stream", async () => {
    const zst = execFileSync("zstd", ["-q", "-c"], {
      input: Buffer.concat([good, Buffer.alloc(200_000, 7)]),
    });
    const error = await failure(zst.subarray(0, zst.length - 30));
    expect(error).toBeInstanceOf(LayerError);
    expect((error as LayerError).reason).toBe("truncated");
  });

  it("rejects a header with a bad checksum, naming the offset", async () => {
    const tar = buildTar([
      { name: "a", content: "x" },
      { name: "b", content: "y", corruptChecksum: true },
    ]);
    const error = await failure(tar);
    expect((error as LayerError).reason).toBe("corrupt-tar");
    expect((error as Error).message).toMatch(/checksum.*|at byte 1024/);
  });

  it("skips entries whose path climbs out of the root and records an issue", async () => {
    const tar = buildTar([
      { name: "../../etc/shadow", content: "evil" },
      { name: "ok/../../x", content: "evil" },
      { name: "etc/ok", content: "fine" },
      { name: "etc/link", type: "symlink", linkName: "../../../../etc/shadow" },
      { name: "etc/hl", type: "hardlink", linkName: "../../outside" },
      { name: "safe", pax: { path: "../pax-escape" }, content: "evil" },
    ]);
    const { seen, walk } = await collect(tar);
    expect(seen.map((s) => s.path)).toEqual(["/etc/ok", "/etc/link"]);
    expect(walk.issues.map((i) => i.code).sort()).toEqual([
      "hardlink-traversal",
      "path-traversal",
      "path-traversal",
      "path-traversal",
      "symlink-escapes-root",
    ]);
  });

  it("stops a decompression bomb at the uncompressed limit", async () => {
    const bomb = gzipSync(buildTar([{ name: "zeros", content: Buffer.alloc(20 * 1024 * 1024) }]));
    expect(bomb.length).toBeLessThan(100_000);
    const error = await failure(bomb, { limits: { maxUncompressedBytes: 1024 * 1024 } });
    expect((error as LayerError).reason).toBe("too-large");
  });

  it("stops at the entry limit", async () => {
    const tar = buildTar(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, content: "x" })));
    const error = await failure(tar, { limits: { maxEntries: 10 } });
    expect((error as LayerError).reason).toBe("too-many-entries");
  });

  it("refuses to read a file over the size limit but walks on", async () => {
    const walk = walkLayer(chunked(good), { limits: { maxFileSize: 100 } });
    const outcomes: string[] = [];
    for await (const entry of walk) {
      try {
        outcomes.push((await entry.read()).toString());
      } catch (error) {
        expect(error).toBeInstanceOf(FileTooLargeError);
        outcomes.push("too large");
      }
    }
    expect(outcomes).toEqual(["too large", "b"]);
  });

  it("passes source errors (such as a digest mismatch found at the end) through unchanged", async () => {
    class DigestMismatch extends Error {}
    async function* source() {
      yield* chunked(gzipSync(good));
      throw new DigestMismatch("digest mismatch");
    }
    let caught: unknown;
    try {
      for await (const _ of walkLayer(source())) {
        // consume
      }
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DigestMismatch);
  });

  it("stops when the signal is aborted", async () => {
    const controller = new AbortController();
    controller.abort(new Error("user cancelled"));
    const error = await failure(good, { signal: controller.signal });
    expect((error as LayerError).reason).toBe("aborted");
  });

  it("rejects a size field that lies beyond the data", async () => {
    const tar = buildTar([{ name: "a", content: "xyz", size: 10_000 }], { end: false });
    const error = await failure(tar);
    expect((error as LayerError).reason).toBe("truncated");
  });

  it("accepts a tar that ends on a block boundary without the end marker, with an info issue", async () => {
    const tar = buildTar([{ name: "a", content: "xyz" }], { end: false });
    const { seen, walk } = await collect(tar);
    expect(seen).toHaveLength(1);
    expect(walk.issues[0]?.code).toBe("tar-no-end-marker");
  });
});
