/**
 * Archives written by real tools (Info-ZIP's `zip`, Python's `zipfile`) in the test, read
 * with the reader and compared member by member with what Python's zipfile reads.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  openZip,
  type ZipArchive,
  type ZipEntry,
  ZipFormatError,
  zipSourceFromBuffer,
  zipSourceFromFile,
} from "./index.js";
import { python, pythonListing, pythonVersion, zip, zipVersion } from "./test-support/reference-tools.js";
import { buildZip } from "./test-support/zip-builder.js";

const work = mkdtempSync(join(tmpdir(), "vigil-zip-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Reads every entry with readEntry and with readEntries; both must give the same bytes. */
async function readAll(archive: ZipArchive): Promise<Map<string, Buffer>> {
  const one = new Map<string, Buffer>();
  for (const entry of archive.entries) one.set(entry.name, await archive.readEntry(entry));
  for await (const { entry, data } of archive.readEntries({ filter: () => true })) {
    expect(data.equals(one.get(entry.name)!), entry.name).toBe(true);
  }
  return one;
}

/** Opens `path` from a file and from memory, and checks it against Python's reading. */
async function checkAgainstPython(path: string, decodeName = (e: ZipEntry) => e.name): Promise<ZipArchive> {
  const expected = pythonListing(path);
  const fromBuffer = await openZip(zipSourceFromBuffer(readFileSync(path)));
  const source = await zipSourceFromFile(path);
  try {
    const fromFile = await openZip(source);
    for (const archive of [fromBuffer, fromFile]) {
      const contents = await readAll(archive);
      expect(
        archive.entries.map((e) => ({
          name: decodeName(e),
          size: e.uncompressedSize,
          compressedSize: e.compressedSize,
          method: e.method,
          flags: e.flags,
          crc: e.crc32,
          offset: e.localHeaderOffset,
          sha256: sha256(contents.get(e.name)!),
        })),
      ).toEqual(expected.map(({ rawName: _, ...rest }) => rest));
    }
    return fromFile;
  } finally {
    await source.close();
  }
}

/** Pseudo-random words: compresses like text (about 3:1), deterministically. */
function words(count: number): string {
  const vocabulary = [
    "vigil",
    "keeps",
    "watch",
    "over",
    "images",
    "that",
    "run",
    "in",
    "clusters",
    "and",
    "scans",
    "them",
  ];
  let seed = 7;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out.push(vocabulary[seed % vocabulary.length]!);
  }
  return out.join(" ");
}

function writeTree(root: string): void {
  mkdirSync(join(root, "dir/sub"), { recursive: true });
  writeFileSync(join(root, "dir/empty.txt"), "");
  writeFileSync(join(root, "dir/hello.txt"), "hello, world\n");
  writeFileSync(join(root, "dir/sub/lines.json"), JSON.stringify({ lines: Array(5000).fill("advisory") }));
  writeFileSync(join(root, "dir/random.bin"), randomBytes(70_000));
  // Text-like and large enough to be inflated in chunks, but under the 200:1 ratio limit.
  writeFileSync(join(root, "dir/big.txt"), words(600_000));
}

describe(`archives made by ${zipVersion ?? "Info-ZIP zip"}`, () => {
  it("Info-ZIP zip is installed", () => {
    expect(zipVersion, "these tests need Info-ZIP's zip: `apt-get install zip`").toBeDefined();
  });

  const tree = join(work, "tree");
  writeTree(tree);

  it("reads a deflated archive with directories, an empty file and a stored (incompressible) member", async () => {
    const path = join(work, "deflated.zip");
    zip(tree, ["-q", "-r", "-9", path, "dir"]);
    const archive = await checkAgainstPython(path);
    const names = archive.entries.map((e) => e.name);
    expect(names).toContain("dir/sub/");
    expect(archive.entries.find((e) => e.name === "dir/sub/")!.isDirectory).toBe(true);
    expect(new Set(archive.entries.map((e) => e.method))).toEqual(new Set([0, 8]));
  });

  it("reads a stored archive with a comment", async () => {
    const path = join(work, "stored.zip");
    zip(tree, ["-q", "-r", "-0", path, "dir"]);
    zip(tree, ["-q", "-z", path], "comment from the test\n");
    const archive = await checkAgainstPython(path);
    expect(archive.comment).toBe("comment from the test");
    expect(archive.entries.every((e) => e.method === 0)).toBe(true);
  });

  it("reads data descriptors written when the output is a pipe", async () => {
    const path = join(work, "streamed.zip");
    writeFileSync(path, zip(tree, ["-q", "-r", "-", "dir"]));
    const archive = await checkAgainstPython(path);
    expect(archive.entries.filter((e) => !e.isDirectory).every((e) => e.hasDataDescriptor)).toBe(true);
  });

  it("reads ZIP64 end records and extra fields (zip -fz)", async () => {
    const path = join(work, "forced-zip64.zip");
    zip(tree, ["-q", "-r", "-fz", path, "dir"]);
    const archive = await checkAgainstPython(path);
    expect(archive.zip64).toBe(true);
  });

  it("reads UTF-8 names written without the UTF-8 flag as UTF-8 (Python reads them as CP437)", async () => {
    const root = join(work, "utf8");
    mkdirSync(join(root, "d"), { recursive: true });
    writeFileSync(join(root, "d/ünïcödé-名前.txt"), "x");
    const path = join(work, "utf8.zip");
    zip(root, ["-q", "-r", path, "d"]);
    // Python decodes unflagged names as CP437; compare raw bytes instead of names.
    const expected = pythonListing(path).map((m) => m.rawName);
    const archive = await openZip(zipSourceFromBuffer(readFileSync(path)));
    expect(archive.entries.map((e) => Buffer.from(e.name, "utf8").toString("hex"))).toEqual(expected);
    expect(archive.entries.map((e) => e.name)).toContain("d/ünïcödé-名前.txt");
    expect(archive.entries.every((e) => (e.flags & 0x800) === 0)).toBe(true);
  });

  it("reads an archive with a stub prepended, with and without zip -A adjusting the offsets", async () => {
    const plain = join(work, "plain.zip");
    zip(tree, ["-q", "-r", plain, "dir"]);
    const stub = Buffer.from('#!/bin/sh\nexec java -jar "$0" "$@"\n');
    const unadjusted = join(work, "unadjusted.zip");
    writeFileSync(unadjusted, Buffer.concat([stub, readFileSync(plain)]));
    const adjusted = join(work, "adjusted.zip");
    writeFileSync(adjusted, Buffer.concat([stub, readFileSync(plain)]));
    zip(work, ["-q", "-A", adjusted]);
    expect((await checkAgainstPython(unadjusted)).prefixBytes).toBe(stub.length);
    expect((await checkAgainstPython(adjusted)).prefixBytes).toBe(0);
  });

  it("refuses an encrypted member, naming it", async () => {
    const path = join(work, "encrypted.zip");
    zip(tree, ["-q", "-P", "secret", path, "dir/hello.txt"]);
    const archive = await openZip(zipSourceFromBuffer(readFileSync(path)));
    const entry = archive.entries[0]!;
    expect(entry.encrypted).toBe(true);
    const error = await archive.readEntry(entry).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZipFormatError);
    expect(error).toMatchObject({ reason: "encrypted", entryName: "dir/hello.txt" });
  });

  it("refuses bzip2 members, saying which method", async () => {
    const path = join(work, "bzip2.zip");
    zip(tree, ["-q", "-Z", "bzip2", path, "dir/big.txt"]);
    const archive = await openZip(zipSourceFromBuffer(readFileSync(path)));
    await expect(archive.readEntry(archive.entries[0]!)).rejects.toThrow(
      'entry "dir/big.txt": compression method bzip2 (12) is not supported',
    );
  });
});

describe(`archives made by ${pythonVersion ?? "Python"}'s zipfile`, () => {
  it("python3 is installed", () => {
    expect(pythonVersion, "these tests need python3: `apt-get install python3`").toBeDefined();
  });

  const make = (name: string, program: string, input = ""): string => {
    const path = join(work, name);
    python(`import sys, zipfile, os\npath = sys.argv[1]\n${program}`, [path], input);
    return path;
  };

  it("reads stored and deflated members, UTF-8 flagged names and a comment", async () => {
    const path = make(
      "python.zip",
      `
with zipfile.ZipFile(path, "w") as z:
    z.comment = "kommentar ü".encode()
    z.writestr(zipfile.ZipInfo("stored.txt"), b"stored " * 100)
    z.writestr("deflated.json", b'{"id": "X"}' * 1000, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("ünïcode/名前.txt", b"utf-8 flagged", compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("empty", b"", compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("dir/", b"")
`,
    );
    const archive = await checkAgainstPython(path);
    expect(archive.comment).toBe("kommentar ü");
    expect(archive.entries.find((e) => e.name === "ünïcode/名前.txt")!.flags & 0x800).toBe(0x800);
  });

  it("reads ZIP64 extra fields on small members (force_zip64)", async () => {
    const path = make(
      "force-zip64.zip",
      `
with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
    for i in range(20):
        with z.open(f"member-{i}.json", "w", force_zip64=True) as f:
            f.write(b'{"n": %d}' % i * (i + 1))
`,
    );
    await checkAgainstPython(path);
  });

  it("reads ZIP64 data descriptors written to an unseekable stream", async () => {
    const path = make(
      "unseekable.zip",
      `
class Unseekable:
    def __init__(self, f): self.f = f
    def write(self, b): return self.f.write(b)
    def flush(self): self.f.flush()
with open(path, "wb") as raw:
    with zipfile.ZipFile(Unseekable(raw), "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i in range(5):
            with z.open(f"streamed-{i}.txt", "w", force_zip64=(i % 2 == 0)) as f:
                f.write(b"line %d\\n" % i * 1000)
`,
    );
    const archive = await checkAgainstPython(path);
    expect(archive.entries.every((e) => e.hasDataDescriptor)).toBe(true);
  });

  it("reads an archive of 70,000 members, which needs the ZIP64 end record", async () => {
    const path = make(
      "many.zip",
      `
with zipfile.ZipFile(path, "w") as z:
    for i in range(70000):
        z.writestr(f"{i:05d}.json", b"{}")
`,
    );
    const archive = await openZip(zipSourceFromBuffer(readFileSync(path)));
    expect(archive.zip64).toBe(true);
    expect(archive.entries).toHaveLength(70_000);
    let count = 0;
    for await (const { entry, data } of archive.readEntries()) {
      expect(data.toString()).toBe("{}");
      expect(entry.name).toBe(`${String(count).padStart(5, "0")}.json`);
      count++;
    }
    expect(count).toBe(70_000);
  });

  it("inflates a large member in chunks (above the in-memory threshold)", async () => {
    const path = make(
      "large.zip",
      `
import random
random.seed(7)
data = bytes(random.getrandbits(8) for _ in range(3_000_000))
with zipfile.ZipFile(path, "w") as z:
    z.writestr("random.bin", data, compress_type=zipfile.ZIP_DEFLATED)
    z.writestr("random-stored.bin", data[:2_500_000])
    z.writestr("text.txt", sys.stdin.buffer.read(), compress_type=zipfile.ZIP_DEFLATED)
`,
      words(4_000_000),
    );
    await checkAgainstPython(path);
  });

  it("decodes unflagged non-UTF-8 names as CP437 exactly as Python does", async () => {
    const path = join(work, "cp437.zip");
    const name = Buffer.from(Array.from({ length: 128 }, (_, i) => 0x80 + i));
    writeFileSync(path, buildZip([{ name, data: "x" }]).bytes);
    const archive = await checkAgainstPython(path);
    expect(archive.entries[0]!.name).toHaveLength(128);
  });

  it("refuses LZMA members, saying which method", async () => {
    const path = make(
      "lzma.zip",
      `
with zipfile.ZipFile(path, "w") as z:
    z.writestr("a.txt", b"a" * 100, compress_type=zipfile.ZIP_LZMA)
`,
    );
    const archive = await openZip(zipSourceFromBuffer(readFileSync(path)));
    await expect(archive.readEntry(archive.entries[0]!)).rejects.toMatchObject({
      name: "ZipFormatError",
      reason: "unsupported-method",
      message: expect.stringContaining("LZMA (14)"),
    });
  });
});
