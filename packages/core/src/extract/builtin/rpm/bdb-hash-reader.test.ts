import { describe, expect, it } from "vitest";
import { bdbByteOrder, isBdbHash, readBdbPackages } from "./bdb-hash-reader.js";
import { readTestdata } from "./test-support/fixtures.js";

/** Many buckets (14) and long overflow chains: 512-byte pages, two keys per bucket. */
const MANY_BUCKETS = "generated/Packages-le-page512";
const PAGE = 512;

/** Page numbers of a given type (byte 25 of the page header). */
function pagesOfType(bytes: Buffer, pageSize: number, type: number): number[] {
  const out: number[] = [];
  for (let p = 1; p < bytes.length / pageSize; p++) if (bytes[p * pageSize + 25] === type) out.push(p);
  return out;
}

describe("byte order", () => {
  it("finds the magic in either byte order", () => {
    expect(bdbByteOrder(readTestdata("libuuid/var/lib/rpm/Packages"))).toBe("le");
    expect(bdbByteOrder(readTestdata("generated/Packages-be"))).toBe("be");
    expect(isBdbHash(readTestdata("generated/rpmdb.sqlite"))).toBe(false);
    expect(isBdbHash(Buffer.alloc(15))).toBe(false);
  });

  it("reads the same header blobs from big- and little-endian files", () => {
    const le = readBdbPackages(readTestdata(MANY_BUCKETS));
    const be = readBdbPackages(readTestdata("generated/Packages-be"));
    expect(le.problems).toEqual([]);
    expect(be.problems).toEqual([]);
    const sorted = (r: typeof le) => [...r.blobs].sort((a, b) => Number(a.record) - Number(b.record));
    expect(sorted(be)).toEqual(sorted(le));
    // Key 0, rpm's instance counter, is not a package.
    expect(le.blobs.map((b) => b.record)).not.toContain("0");
    expect(le.blobs).toHaveLength(24);
  });
});

describe("damaged BerkeleyDB files", () => {
  it("an overflow chain that loops back loses that header only", () => {
    const bytes = Buffer.from(readTestdata(MANY_BUCKETS));
    // Overflow pages that continue a chain: make one of them point at itself.
    const overflow = pagesOfType(bytes, PAGE, 7).find((p) => bytes.readUInt32LE(p * PAGE + 16) !== 0)!;
    bytes.writeUInt32LE(overflow, overflow * PAGE + 16);
    const read = readBdbPackages(bytes);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-header",
        message: expect.stringMatching(
          new RegExp(`overflow chain returns to page ${overflow} \\(a cycle\\)$`),
        ),
        record: expect.stringMatching(/^\d+$/),
      },
    ]);
    expect(read.blobs).toHaveLength(23);
  });

  it("two headers sharing one overflow chain: the second is refused (work stays linear)", () => {
    const bytes = Buffer.from(readTestdata(MANY_BUCKETS));
    // Off-page data items (type 3) on hash pages: point the second at the first one's chain.
    const offPage: number[] = [];
    for (const p of pagesOfType(bytes, PAGE, 13)) {
      const entries = bytes.readUInt16LE(p * PAGE + 20);
      for (let i = 1; i < entries; i += 2) {
        const at = p * PAGE + bytes.readUInt16LE(p * PAGE + 26 + 2 * i);
        if (bytes[at] === 3) offPage.push(at);
      }
    }
    expect(offPage.length).toBeGreaterThan(2);
    bytes.copy(bytes, offPage[1]! + 4, offPage[0]! + 4, offPage[0]! + 12);
    const read = readBdbPackages(bytes);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-header",
        message: expect.stringMatching(/overflow page \d+ is already used elsewhere$/),
        record: expect.stringMatching(/^\d+$/),
      },
    ]);
    expect(read.blobs).toHaveLength(23);
  });

  it("a bucket chain that loops is reported and the pages read so far are kept", () => {
    const bytes = Buffer.from(readTestdata(MANY_BUCKETS));
    const bucketPage = pagesOfType(bytes, PAGE, 13)[0]!;
    bytes.writeUInt32LE(bucketPage, bucketPage * PAGE + 16);
    const read = readBdbPackages(bytes);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-database",
        message: expect.stringMatching(new RegExp(`chain returns to page ${bucketPage} \\(a cycle\\)$`)),
        record: `page ${bucketPage}`,
      },
    ]);
    expect(read.blobs).toHaveLength(24);
  });

  it("a page that is not the page it should be is refused (like rpm's bdb_ro)", () => {
    const bytes = Buffer.from(readTestdata(MANY_BUCKETS));
    const bucketPage = pagesOfType(bytes, PAGE, 13)[0]!;
    bytes.writeUInt32LE(4242, bucketPage * PAGE + 8);
    const read = readBdbPackages(bytes);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-database",
        message: expect.stringMatching(new RegExp(`page ${bucketPage} calls itself page 4242$`)),
        record: `page ${bucketPage}`,
      },
    ]);
    expect(read.blobs.length).toBeLessThan(24);
  });

  it("an item offset outside the page and an overflow page claiming too much are reported", () => {
    const bytes = Buffer.from(readTestdata("libuuid/var/lib/rpm/Packages"));
    const hashPages = pagesOfType(bytes, 4096, 13).filter((p) => bytes.readUInt16LE(p * 4096 + 20) > 0);
    expect(hashPages.length).toBeGreaterThan(0);
    const copy = Buffer.from(bytes);
    for (const p of hashPages) copy.writeUInt16LE(10, p * 4096 + 26); // first key inside the header area
    expect(readBdbPackages(copy).problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/key 0: item at offset 10 .* outside the page's item area/),
    );
    const overflow = Buffer.from(bytes);
    const first = pagesOfType(overflow, 4096, 7)[0]!;
    overflow.writeUInt16LE(4090, first * 4096 + 22); // more than a 4096-byte page can hold
    const read = readBdbPackages(overflow);
    expect(read.blobs).toEqual([]);
    expect(read.problems).toEqual([
      { code: "rpm-corrupt-header", message: expect.stringMatching(/claims 4090 bytes$/), record: "1" },
    ]);
  });

  it("absurd metadata is bounded by the file, not trusted", () => {
    const bytes = Buffer.from(readTestdata(MANY_BUCKETS));
    bytes.writeUInt32LE(0xffffffff, 72); // highest bucket
    for (let i = 0; i < 32; i++) bytes.writeUInt32LE(0, 96 + 4 * i); // every bucket on page 0 + n
    const started = performance.now();
    const read = readBdbPackages(bytes);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(read.problems[0]).toEqual({
      code: "rpm-corrupt-database",
      message: "metadata declares 4294967296 buckets, more than the file has pages",
      record: "page 0",
    });
  });

  it("refuses what it cannot read: encryption, unknown versions, odd page sizes", () => {
    const bytes = readTestdata("libuuid/var/lib/rpm/Packages");
    const patched = (write: (b: Buffer) => void) => {
      const copy = Buffer.from(bytes);
      write(copy);
      return readBdbPackages(copy).problems;
    };
    expect(patched((b) => b.writeUInt8(1, 24))).toEqual([
      {
        code: "rpm-unsupported-database",
        message: "unsupported: an encrypted BerkeleyDB database",
        record: "page 0",
      },
    ]);
    expect(patched((b) => b.writeUInt32LE(7, 16))).toEqual([
      {
        code: "rpm-unsupported-database",
        message: "unsupported: BerkeleyDB hash version 7",
        record: "page 0",
      },
    ]);
    expect(patched((b) => b.writeUInt32LE(3000, 20))).toEqual([
      {
        code: "rpm-corrupt-database",
        message: "page size 3000 is not a power of two between 512 and 65536",
        record: "page 0",
      },
    ]);
    expect(patched((b) => b.writeUInt8(9, 25))).toEqual([
      { code: "rpm-corrupt-database", message: "page 0 has type 9, not hash metadata", record: "page 0" },
    ]);
  });
});
