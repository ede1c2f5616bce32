/**
 * Hand-crafted broken and hostile archives. Every one must end in a ZipFormatError or a
 * ZipLimitError that names what was wrong (and the entry, when there is one); never in an
 * exception of another kind, a hang, or data that was not checked.
 */
import { crc32, deflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  openZip,
  type ZipArchive,
  ZipFormatError,
  type ZipFormatReason,
  ZipLimitError,
  type ZipLimitReason,
  type ZipLimits,
  zipSourceFromBuffer,
} from "./index.js";
import { buildZip, type ZipBuildEntry } from "./test-support/zip-builder.js";

const open = (bytes: Buffer, limits?: Partial<ZipLimits>) =>
  openZip(zipSourceFromBuffer(bytes), limits ? { limits } : {});

/** Opens and reads every entry; returns name → content. */
async function readEverything(bytes: Buffer, limits?: Partial<ZipLimits>): Promise<Map<string, Buffer>> {
  const archive = await open(bytes, limits);
  const out = new Map<string, Buffer>();
  for await (const { entry, data } of archive.readEntries({ filter: () => true })) out.set(entry.name, data);
  return out;
}

const isZipError = (error: unknown) => error instanceof ZipFormatError || error instanceof ZipLimitError;

/** Names and contents in one string: cheap to compare thousands of times. */
const fingerprint = (contents: Map<string, Buffer>) =>
  [...contents].map(([name, data]) => `${name}:${data.toString("base64")}`).join("|");

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a failure, got success");
}

async function expectFormat(promise: Promise<unknown>, reason: ZipFormatReason, entryName?: string) {
  const error = await failure(promise);
  expect(error, String(error)).toBeInstanceOf(ZipFormatError);
  expect((error as ZipFormatError).reason, (error as Error).message).toBe(reason);
  if (entryName !== undefined) expect((error as ZipFormatError).entryName).toBe(entryName);
  return error as ZipFormatError;
}

async function expectLimit(promise: Promise<unknown>, reason: ZipLimitReason, entryName?: string) {
  const error = await failure(promise);
  expect(error, String(error)).toBeInstanceOf(ZipLimitError);
  expect((error as ZipLimitError).reason, (error as Error).message).toBe(reason);
  if (entryName !== undefined) expect((error as ZipLimitError).entryName).toBe(entryName);
  return error as ZipLimitError;
}

const readFirst = async (bytes: Buffer, limits?: Partial<ZipLimits>) => {
  const archive = await open(bytes, limits);
  return archive.readEntry(archive.entries[0]!);
};

const SMALL: ZipBuildEntry[] = [
  { name: "a.json", data: '{"id":"A-1","modified":"2024-01-01T00:00:00Z"}' },
  { name: "dir/", method: 0 },
  { name: "b.txt", data: "stored text", method: 0 },
  { name: "c.bin", data: Buffer.alloc(3000, 7), dataDescriptor: "signature" },
  { name: "d.txt", data: "plain descriptor ".repeat(20), dataDescriptor: "plain" },
  { name: "e.json", data: "zip64 ".repeat(30), zip64: true },
];

describe("a well-formed hand-built archive", () => {
  it("reads back every member, with and without ZIP64 end records and with a prefix", async () => {
    const expected = new Map(SMALL.map((e) => [e.name as string, Buffer.from(e.data ?? "")]));
    for (const options of [{}, { zip64End: true }, { prefix: Buffer.from("MZ stub") }, { comment: "c" }]) {
      expect(await readEverything(buildZip(SMALL, options).bytes)).toEqual(expected);
    }
  });

  it("lists duplicate names as separate entries", async () => {
    const archive = await open(
      buildZip([
        { name: "x", data: "1" },
        { name: "x", data: "2" },
      ]).bytes,
    );
    expect(await Promise.all(archive.entries.map((e) => archive.readEntry(e).then(String)))).toEqual([
      "1",
      "2",
    ]);
  });

  it("reads an empty archive", async () => {
    expect((await open(buildZip([]).bytes)).entries).toEqual([]);
  });
});

describe("truncated and damaged files", () => {
  const archives = {
    small: buildZip(SMALL).bytes,
    zip64: buildZip(SMALL, { zip64End: true }).bytes,
  };

  for (const [label, bytes] of Object.entries(archives)) {
    it(`${label}: every truncation fails with a typed error`, async () => {
      for (let length = 0; length < bytes.length; length++) {
        const error = await failure(readEverything(bytes.subarray(0, length)));
        expect(isZipError(error), `length ${length}: ${error}`).toBe(true);
      }
    });

    it(`${label}: cutting 1 to 9 bytes out anywhere fails with a typed error`, async () => {
      for (let at = 0; at < bytes.length; at++) {
        for (const cut of [1, 4, 9]) {
          const damaged = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + cut)]);
          const error = await failure(readEverything(damaged));
          expect(isZipError(error), `cut ${cut} at ${at}: ${error}`).toBe(true);
        }
      }
    });

    it(`${label}: inserting bytes anywhere but the start fails; at the start it is a prefix`, async () => {
      const original = await readEverything(bytes);
      for (let at = 0; at <= bytes.length; at++) {
        const damaged = Buffer.concat([bytes.subarray(0, at), Buffer.from("JUNK"), bytes.subarray(at)]);
        const outcome = await readEverything(damaged).catch((e: unknown) => e);
        if (outcome instanceof Map) {
          // Only a prefix or bytes after the end record leave the archive readable, and then unchanged.
          expect(at === 0 || at === bytes.length, `insert at ${at}`).toBe(true);
          expect(outcome).toEqual(original);
        } else {
          expect(isZipError(outcome), `insert at ${at}: ${outcome}`).toBe(true);
        }
      }
    });

    it(`${label}: any flipped byte fails with a typed error or reads the same content`, async () => {
      const original = await readEverything(bytes);
      for (let at = 0; at < bytes.length; at++) {
        for (const mask of [0xff, 0x01, 0x80]) {
          const damaged = Buffer.from(bytes);
          damaged[at]! ^= mask;
          const outcome = await readEverything(damaged).catch((e: unknown) => e);
          if (outcome instanceof Map)
            expect(fingerprint(outcome), `flip ${mask} at ${at}`).toBe(fingerprint(original));
          else if (!isZipError(outcome)) expect.fail(`flip ${mask} at ${at}: ${outcome}`);
        }
      }
    });
  }

  it("random damage to a larger archive never escapes as another kind of error", async () => {
    const entries: ZipBuildEntry[] = Array.from({ length: 40 }, (_, i) => ({
      name: `records/R-${i}.json`,
      data: JSON.stringify({ id: `R-${i}`, details: "x".repeat(i * 37) }),
      ...(i % 3 === 0 ? { method: 0 } : {}),
      ...(i % 5 === 0 ? { dataDescriptor: "signature" as const } : {}),
      ...(i % 7 === 0 ? { zip64: true } : {}),
    }));
    const bytes = buildZip(entries, { zip64End: true }).bytes;
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 1500; round++) {
      const damaged = Buffer.from(bytes);
      for (let k = 1 + random(4); k > 0; k--) damaged[random(damaged.length)] = random(256);
      const outcome = await readEverything(damaged).catch((e: unknown) => e);
      if (!(outcome instanceof Map)) {
        expect(
          outcome instanceof ZipFormatError || outcome instanceof ZipLimitError,
          `round ${round}: ${outcome}`,
        ).toBe(true);
      }
    }
  });

  it("reports a source that returns fewer bytes than the file size promised", async () => {
    const bytes = buildZip(SMALL).bytes;
    const shrinking = {
      size: bytes.length,
      read: async (o: number, l: number) => bytes.subarray(o, o + l - 1),
    };
    await expectFormat(openZip(shrinking), "truncated");
  });
});

describe("structure", () => {
  it("not a zip at all", async () => {
    await expectFormat(open(Buffer.from("just some text, long enough to hold an end record")), "not-a-zip");
    await expectFormat(open(Buffer.alloc(5)), "not-a-zip");
  });

  it("an end record whose comment runs past the end of the file", async () => {
    const bytes = buildZip(SMALL, { comment: "a comment" }).bytes;
    await expectFormat(open(bytes.subarray(0, bytes.length - 3)), "not-a-zip");
  });

  it("an end record inside the comment is taken, as Go and Python take it, and then fails", async () => {
    const inner = buildZip([{ name: "fake", data: "fake" }]).bytes;
    const bytes = buildZip([{ name: "real", data: "real" }], {
      comment: inner.subarray(inner.length - 22),
    }).bytes;
    await expectFormat(open(bytes), "bad-signature");
  });

  it("a central directory offset beyond the file", async () => {
    await expectFormat(open(buildZip(SMALL, { centralDirectoryOffset: 1e9 }).bytes), "out-of-bounds");
  });

  it("a central directory size beyond its end record", async () => {
    await expectFormat(open(buildZip(SMALL, { centralDirectorySize: 5000 }).bytes), "out-of-bounds");
  });

  it("a central directory header with a bad signature", async () => {
    const built = buildZip(SMALL);
    const bytes = Buffer.from(built.bytes);
    bytes.writeUInt32LE(0x12345678, built.centralDirectoryOffset);
    await expectFormat(open(bytes), "bad-signature");
  });

  it("fewer or more entries than the end record declares", async () => {
    await expectFormat(open(buildZip(SMALL, { entryCount: SMALL.length + 1 }).bytes), "bad-count");
    await expectFormat(open(buildZip(SMALL, { entryCount: SMALL.length - 1 }).bytes), "bad-count");
    await expectFormat(open(buildZip(SMALL, { entryCount: 65535 }).bytes), "bad-count");
  });

  it("an archive split over disks", async () => {
    const built = buildZip(SMALL);
    const bytes = Buffer.from(built.bytes);
    bytes.writeUInt16LE(1, built.endOffset + 4);
    await expectFormat(open(bytes), "multi-disk");
  });

  it("a ZIP64 locator pointing at nothing, and ZIP64 values beyond 2^53", async () => {
    const built = buildZip(SMALL, { zip64End: true });
    const bytes = Buffer.from(built.bytes);
    const locator = built.endOffset - 20;
    bytes.writeBigUInt64LE(3n, locator + 8);
    const zip64Record = built.endOffset - 20 - 56;
    bytes.writeUInt32LE(0, zip64Record); // the fallback position must not match either
    await expectFormat(open(bytes), "bad-zip64");
    const huge = Buffer.from(built.bytes);
    huge.writeBigUInt64LE(2n ** 60n, zip64Record + 32);
    await expectFormat(open(huge), "bad-zip64");
  });

  it("ZIP64 markers without a ZIP64 extra field", async () => {
    const built = buildZip([{ name: "a", data: "a", zip64: true }]);
    const bytes = Buffer.from(built.bytes);
    bytes.writeUInt16LE(0x9999, built.centralDirectoryOffset + 46 + 1); // rename the extra field's id
    await expectFormat(open(bytes), "bad-zip64", "a");
  });

  it("a name flagged UTF-8 that is not UTF-8", async () => {
    await expectFormat(
      open(buildZip([{ name: Buffer.from([0x61, 0xff, 0xfe]), utf8: true }]).bytes),
      "bad-name",
    );
  });
});

describe("names", () => {
  it("reads unflagged non-UTF-8 names as CP437, as APPNOTE says", async () => {
    const archive = await open(buildZip([{ name: Buffer.from([0x80, 0x81, 0xe1, 0x2e, 0x74]) }]).bytes);
    expect(archive.entries[0]!.name).toBe("Çüß.t");
  });

  it("uses an Info-ZIP Unicode Path field for a non-UTF-8 name when its CRC matches", async () => {
    const raw = Buffer.from([0x80, 0x2e, 0x74]);
    const unicode = (crc: number) => {
      const name = Buffer.from("Ça.t");
      const data = Buffer.alloc(5);
      data[0] = 1;
      data.writeUInt32LE(crc, 1);
      const header = Buffer.alloc(4);
      header.writeUInt16LE(0x7075, 0);
      header.writeUInt16LE(5 + name.length, 2);
      return Buffer.concat([header, data, name]);
    };
    const good = await open(buildZip([{ name: raw, centralExtra: unicode(crc32(raw)) }]).bytes);
    expect(good.entries[0]!.name).toBe("Ça.t");
    const stale = await open(buildZip([{ name: raw, centralExtra: unicode(crc32(raw) ^ 1) }]).bytes);
    expect(stale.entries[0]!.name).toBe("Ç.t");
    // A valid UTF-8 name is never replaced by a second name only some readers see.
    const utf8 = Buffer.from("é.t");
    const kept = await open(buildZip([{ name: utf8, centralExtra: unicode(crc32(utf8)) }]).bytes);
    expect(kept.entries[0]!.name).toBe("é.t");
  });

  it("quotes hostile names in messages", async () => {
    const error = await expectFormat(
      readFirst(buildZip([{ name: "evil\u001b[31m\n.txt", data: "x", crc32: 1 }]).bytes),
      "crc-mismatch",
    );
    expect(error.message).toContain('entry "evil\\u001b[31m\\n.txt"');
  });
});

describe("entries that disagree with themselves", () => {
  it("a local header with a bad signature", async () => {
    const built = buildZip(SMALL);
    const bytes = Buffer.from(built.bytes);
    bytes.writeUInt32LE(0, built.localOffsets[2]!);
    const archive = await open(bytes);
    await expectFormat(archive.readEntry(archive.entries[2]!), "bad-signature", "b.txt");
  });

  it("a local header naming another file", async () => {
    await expectFormat(
      readFirst(buildZip([{ name: "a.txt", localName: "b.txt", data: "x" }]).bytes),
      "header-mismatch",
    );
  });

  it("a local header with another method, CRC or size", async () => {
    await expectFormat(
      readFirst(buildZip([{ name: "a", data: "x", localMethod: 0 }]).bytes),
      "header-mismatch",
    );
    await expectFormat(
      readFirst(buildZip([{ name: "a", data: "x", localCrc32: 5 }]).bytes),
      "header-mismatch",
    );
    const built = buildZip([{ name: "a", data: "xyz" }]);
    const bytes = Buffer.from(built.bytes);
    bytes.writeUInt32LE(2, built.localOffsets[0]! + 22);
    await expectFormat(readFirst(bytes), "header-mismatch", "a");
  });

  it("a data descriptor whose CRC differs", async () => {
    const built = buildZip([{ name: "a", data: "xyz", dataDescriptor: "signature" }]);
    const bytes = Buffer.from(built.bytes);
    const descriptor = built.centralDirectoryOffset - 16;
    bytes.writeUInt32LE(7, descriptor + 4);
    await expectFormat(readFirst(bytes), "header-mismatch", "a");
  });

  it("a CRC-32 that does not match the data", async () => {
    await expectFormat(
      readFirst(buildZip([{ name: "a", data: "xyz", crc32: 1234 }]).bytes),
      "crc-mismatch",
      "a",
    );
    await expectFormat(
      readFirst(buildZip([{ name: "s", data: "xyz", method: 0, crc32: 1234 }]).bytes),
      "crc-mismatch",
      "s",
    );
  });

  it("corrupt deflate data", async () => {
    await expectFormat(
      readFirst(buildZip([{ name: "a", raw: Buffer.from([0xff, 0xff, 0xff, 0xff]) }]).bytes),
      "corrupt-data",
      "a",
    );
  });

  it("a deflate stream that ends before the declared compressed size", async () => {
    const raw = Buffer.concat([deflateRawSync(Buffer.from("hello")), Buffer.from("trailing bytes")]);
    await expectFormat(readFirst(buildZip([{ name: "a", data: "hello", raw }]).bytes), "corrupt-data", "a");
  });

  it("a deflate stream cut short", async () => {
    const raw = deflateRawSync(Buffer.from("hello ".repeat(100))).subarray(0, 10);
    await expectFormat(
      readFirst(buildZip([{ name: "a", data: "hello ".repeat(100), raw }]).bytes),
      "corrupt-data",
    );
  });

  it("data shorter or longer than declared", async () => {
    await expectFormat(
      readFirst(buildZip([{ name: "a", data: "abc", uncompressedSize: 10 }]).bytes),
      "size-mismatch",
    );
    await expectFormat(
      readFirst(buildZip([{ name: "a", data: "abcdef", uncompressedSize: 3 }]).bytes),
      "size-mismatch",
    );
    await expectFormat(
      readFirst(buildZip([{ name: "s", data: "abc", method: 0, uncompressedSize: 4 }]).bytes),
      "size-mismatch",
      "s",
    );
  });

  it("unsupported and encrypted methods", async () => {
    const error = await expectFormat(
      readFirst(buildZip([{ name: "x.bin", data: "abc", method: 9 }]).bytes),
      "unsupported-method",
      "x.bin",
    );
    expect(error.message).toContain("deflate64 (9)");
    await expectFormat(readFirst(buildZip([{ name: "x", data: "abc", method: 99 }]).bytes), "encrypted");
    await expectFormat(readFirst(buildZip([{ name: "x", data: "abc", flags: 1 }]).bytes), "encrypted");
    await expectFormat(readFirst(buildZip([{ name: "x", data: "abc", flags: 1 << 6 }]).bytes), "encrypted");
  });
});

describe("overlapping and out-of-place entries", () => {
  it("many central directory entries sharing one local header (overlapping-entry bomb)", async () => {
    const kernel = Buffer.alloc(1_000_000, 0x41);
    // Names of one length, so each header alone fits before the central directory.
    const entries: ZipBuildEntry[] = [{ name: "k00", data: kernel }];
    for (let i = 1; i < 50; i++) {
      entries.push({
        name: `k${String(i).padStart(2, "0")}`,
        data: kernel,
        centralOnly: true,
        localHeaderOffset: 0,
      });
    }
    const error = await expectFormat(open(buildZip(entries).bytes), "overlap");
    expect(error.message).toContain("overlaps entry");
  });

  it("an entry whose local header lies inside another entry's data", async () => {
    const built = buildZip([{ name: "outer", data: "x".repeat(5000), method: 0 }]);
    const inner: ZipBuildEntry = {
      name: "inner",
      data: "y",
      centralOnly: true,
      localHeaderOffset: built.dataOffsets[0]! + 100,
    };
    await expectFormat(
      open(buildZip([{ name: "outer", data: "x".repeat(5000), method: 0 }, inner]).bytes),
      "overlap",
    );
  });

  it("a quine-like entry whose data covers the central directory", async () => {
    await expectFormat(
      open(
        buildZip([{ name: "self.zip", data: "abc", method: 0, compressedSize: 500, uncompressedSize: 500 }])
          .bytes,
      ),
      "out-of-bounds",
      "self.zip",
    );
  });

  it("an entry pointing into the central directory or past the file", async () => {
    const first = buildZip([{ name: "a", data: "a" }]);
    await expectFormat(
      open(
        buildZip([
          { name: "a", data: "a" },
          { name: "b", centralOnly: true, localHeaderOffset: first.centralDirectoryOffset },
        ]).bytes,
      ),
      "out-of-bounds",
      "b",
    );
    await expectFormat(
      open(
        buildZip([
          { name: "a", data: "a" },
          { name: "b", centralOnly: true, zip64: true, localHeaderOffset: 2 ** 40 },
        ]).bytes,
      ),
      "out-of-bounds",
      "b",
    );
  });

  it("a local extra field that pushes the data into the next entry", async () => {
    const built = buildZip([
      { name: "a", data: "first" },
      { name: "b", data: "second" },
    ]);
    const bytes = Buffer.from(built.bytes);
    bytes.writeUInt16LE(40, built.localOffsets[0]! + 28);
    const archive = await open(bytes);
    await expectFormat(archive.readEntry(archive.entries[0]!), "overlap", "a");
  });
});

describe("limits", () => {
  const zeros = Buffer.alloc(64 * 1024 * 1024);
  const bombData = deflateRawSync(zeros, { level: 9 });
  const bombCrc = crc32(zeros);

  it("an honest bomb is refused by its ratio before anything is inflated", async () => {
    const bytes = buildZip([
      { name: "bomb", raw: bombData, crc32: bombCrc, uncompressedSize: zeros.length },
    ]).bytes;
    const started = performance.now();
    const error = await expectLimit(readFirst(bytes), "compression-ratio", "bomb");
    expect(error.actual).toBeGreaterThan(1000);
    expect(performance.now() - started).toBeLessThan(50);
    await expectLimit(
      readFirst(bytes, { maxCompressionRatio: 2000, maxEntryBytes: 16 * 1024 ** 2 }),
      "entry-too-large",
    );
    const archive = await open(bytes, { maxCompressionRatio: 2000 });
    await expectLimit(archive.readEntry(archive.entries[0]!, { maxBytes: 1000 }), "entry-too-large", "bomb");
  });

  it("a bomb that lies about its size stops at the declared size", async () => {
    const bytes = buildZip([{ name: "liar", raw: bombData, crc32: 0, uncompressedSize: 1000 }]).bytes;
    const started = performance.now();
    await expectFormat(readFirst(bytes), "size-mismatch", "liar");
    expect(performance.now() - started).toBeLessThan(50);
  });

  it("a large lying entry inflated in chunks stops at the declared size", async () => {
    // Incompressible first part so the entry takes the chunked path, then a long run of zeros.
    let seed = 1;
    const noise = Buffer.alloc(1_500_000);
    for (let i = 0; i < noise.length; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      noise[i] = seed >>> 16;
    }
    const raw = deflateRawSync(Buffer.concat([noise, zeros]));
    const bytes = buildZip([{ name: "big-liar", raw, crc32: 0, uncompressedSize: 2_000_000 }]).bytes;
    await expectFormat(readFirst(bytes), "size-mismatch", "big-liar");
    const trailing = buildZip([
      { name: "big-trailing", raw: Buffer.concat([deflateRawSync(noise), Buffer.alloc(10)]), data: noise },
    ]).bytes;
    await expectFormat(readFirst(trailing), "corrupt-data", "big-trailing");
  });

  it("too many entries, too large a central directory", async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ name: `e${i}`, data: "x" }));
    await expectLimit(open(buildZip(entries).bytes, { maxEntries: 10 }), "too-many-entries");
    await expectLimit(
      open(buildZip(entries).bytes, { maxCentralDirectoryBytes: 100 }),
      "central-directory-too-large",
    );
  });

  it("the total uncompressed bytes read from one archive", async () => {
    const entries = Array.from({ length: 10 }, (_, i) => ({ name: `e${i}`, data: Buffer.alloc(1000, i) }));
    const archive = await open(buildZip(entries).bytes, { maxTotalBytes: 4500 });
    for (let i = 0; i < 4; i++) await archive.readEntry(archive.entries[i]!);
    expect(archive.bytesRead).toBe(4000);
    await expectLimit(archive.readEntry(archive.entries[4]!), "total-too-large", "e4");
  });

  it("stops at an aborted signal with the signal's reason, not a zip error", async () => {
    const archive: ZipArchive = await open(buildZip(SMALL).bytes);
    const controller = new AbortController();
    controller.abort(new Error("cancelled by the test"));
    await expect(archive.readEntry(archive.entries[0]!, { signal: controller.signal })).rejects.toThrow(
      "cancelled by the test",
    );
    const iterate = async () => {
      for await (const _ of archive.readEntries({ signal: controller.signal })) {
        // nothing
      }
    };
    await expect(iterate()).rejects.toThrow("cancelled by the test");
  });

  it("refuses an entry of another archive", async () => {
    const one = await open(buildZip(SMALL).bytes);
    const two = await open(buildZip(SMALL).bytes);
    await expect(one.readEntry(two.entries[0]!)).rejects.toThrow(TypeError);
  });
});
