import { describe, expect, it } from "vitest";
import { adler32, readNdbPackages } from "./ndb-reader.js";
import { readTestdata } from "./test-support/fixtures.js";

const SLE15 = "sle15-bci/usr/lib/sysimage/rpm/Packages.db";
/** Byte offset of slot `n` (slots 0 and 1 hold the 32-byte file header). */
const slot = (n: number) => 16 * n;

function sle15(): Buffer {
  return Buffer.from(readTestdata(SLE15));
}

describe("adler32", () => {
  it("matches the RFC 1950 reference value", () => {
    expect(adler32(Buffer.from("Wikipedia"), 0, 9)).toBe(0x11e60398);
    expect(adler32(Buffer.alloc(0), 0, 0)).toBe(1);
    expect(adler32(Buffer.alloc(100_000, 0xff), 0, 100_000)).toBe(0x149a302c);
  });
});

describe("readNdbPackages", () => {
  it("reads every package blob of SLE 15 BCI with verified checksums", () => {
    const read = readNdbPackages(readTestdata(SLE15));
    expect(read.problems).toEqual([]);
    // Package indexes are not dense: upgrades free old indexes (19 and 35 here) and take new ones.
    const indexes = read.blobs.map((b) => Number(b.record)).sort((a, b) => a - b);
    expect(indexes).toHaveLength(35);
    expect(new Set(indexes).size).toBe(35);
    expect(indexes.slice(-3)).toEqual([34, 39, 40]);
  });

  it("a checksum mismatch is a warning and the package is kept (rpm does not check on read)", () => {
    const bytes = sle15();
    const blockOffset = bytes.readUInt32LE(slot(2) + 8);
    const blockCount = bytes.readUInt32LE(slot(2) + 12);
    const tail = (blockOffset + blockCount) * 16 - 12;
    bytes.writeUInt32LE(bytes.readUInt32LE(tail) ^ 1, tail);
    const read = readNdbPackages(bytes);
    expect(read.blobs).toHaveLength(35);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-header",
        message: "package 1: blob checksum mismatch, its data may be damaged",
        record: "1",
        severity: "warning",
      },
    ]);
  });

  it("bad slots and blobs lose only their own package", () => {
    const bytes = sle15();
    bytes.write("Slxt", slot(3), "latin1"); // slot 3: no magic
    bytes.writeUInt32LE(0x7fffffff, slot(4) + 8); // slot 4: blob far past the end of the file
    bytes.writeUInt32LE(77, slot(5) + 4); // slot 5: claims package 77, its blob says 4
    const blob6 = bytes.readUInt32LE(slot(6) + 8) * 16;
    bytes.write("BlbX", blob6, "latin1"); // slot 6: no blob head
    const blob7 = bytes.readUInt32LE(slot(7) + 8) * 16;
    bytes.writeUInt32LE(bytes.readUInt32LE(blob7 + 12) + 64, blob7 + 12); // slot 7: length disagrees
    bytes.copy(bytes, slot(9), slot(8), slot(8) + 16); // slot 9 duplicates slot 8
    bytes.copy(bytes, slot(11) + 8, slot(10) + 8, slot(10) + 16); // slot 11 (package 10) reuses slot 10's blob
    const read = readNdbPackages(bytes);
    expect(read.problems).toEqual([
      // Slots are checked first, in slot order ...
      { code: "rpm-corrupt-database", message: "slot 3 has no slot magic", record: "slot 3" },
      {
        code: "rpm-corrupt-header",
        message: expect.stringMatching(/^slot 4 is invalid \(package 3, blocks 2147483647\+\d+ of \d+\)$/),
        record: "3",
      },
      {
        code: "rpm-corrupt-header",
        message: "package 7 has a second slot (slot 9), which is ignored",
        record: "7",
        severity: "warning",
      },
      // ... then blobs, in file order.
      {
        code: "rpm-corrupt-header",
        message: expect.stringMatching(/^package 77: blob at block \d+ belongs to package 4$/),
        record: "77",
      },
      {
        code: "rpm-corrupt-header",
        message: expect.stringMatching(/^package 5: no blob at block \d+$/),
        record: "5",
      },
      {
        code: "rpm-corrupt-header",
        message: expect.stringMatching(/^package 6: blob of \d+ bytes does not fill/),
        record: "6",
      },
      { code: "rpm-corrupt-header", message: "slot 11 overlaps the blob before it", record: "10" },
    ]);
    expect(read.blobs.map((b) => b.record)).not.toContain("2");
    expect(read.blobs).toHaveLength(35 - 7);
  });

  it("a header that promises more slot pages than the file holds is bounded by the file", () => {
    const bytes = sle15();
    bytes.writeUInt32LE(0xffffffff, 12);
    const read = readNdbPackages(bytes);
    expect(read.problems[0]).toEqual({
      code: "rpm-corrupt-database",
      message: `header declares 4294967295 slot pages, the file holds ${Math.floor(bytes.length / 4096)}`,
      record: "header",
    });
    // Every slot page after the first is blob data without slot magic: reported, not trusted.
    expect(read.blobs).toEqual([]);
  });

  it("refuses other versions and files without the magic", () => {
    const bytes = sle15();
    bytes.writeUInt32LE(1, 4);
    expect(readNdbPackages(bytes)).toEqual({
      blobs: [],
      problems: [
        { code: "rpm-unsupported-database", message: "ndb version 1 is not supported", record: "header" },
      ],
    });
    expect(readNdbPackages(Buffer.from("RpmP")).problems).toHaveLength(1);
    expect(readNdbPackages(Buffer.from("Rpm")).problems).toHaveLength(1);
  });
});
