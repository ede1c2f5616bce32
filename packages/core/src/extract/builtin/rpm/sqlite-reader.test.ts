import { describe, expect, it } from "vitest";
import {
  columnNames,
  findTable,
  openSqlite,
  readSqlitePackages,
  readVarint,
  type SqliteFile,
} from "./sqlite-reader.js";
import { readTestdata } from "./test-support/fixtures.js";

/** rpm's own file at 512-byte pages: a multi-level table b-tree and overflow on every row. */
const SMALL_PAGES = "generated/rpmdb-page512.sqlite";

function open(bytes: Buffer): SqliteFile {
  const db = openSqlite(bytes);
  if ("problem" in db) throw new Error(db.problem);
  return db;
}

function packagesRoot(db: SqliteFile): number {
  const { table } = findTable(db, "Packages");
  if (!table) throw new Error("no Packages table");
  return table.rootPage;
}

const pageOffset = (db: SqliteFile, page: number) => (page - 1) * db.pageSize;

describe("readVarint", () => {
  it.each([
    [[0x00], 0, 1],
    [[0x7f], 127, 1],
    [[0x81, 0x00], 128, 2],
    [[0x83, 0xff, 0x7f], 65535, 3],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 2 ** 64 - 1, 9],
  ])("%j is %d", (bytes, value, next) => {
    expect(readVarint(Buffer.from(bytes), 0, bytes.length)).toEqual({ value, next });
  });

  it("stops at the limit instead of reading past it", () => {
    expect(readVarint(Buffer.from([0x81, 0x81, 0x01]), 0, 2)).toBeUndefined();
    expect(readVarint(Buffer.alloc(0), 0, 0)).toBeUndefined();
  });
});

describe("columnNames", () => {
  it("reads rpm's Packages definition and other quoting styles", () => {
    expect(
      columnNames(
        "CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)",
      ),
    ).toEqual(["hnum", "blob"]);
    expect(
      columnNames(
        'CREATE TABLE t ("a b" TEXT DEFAULT (1, 2), [c] INT, `d`, e NUMERIC(10,2), PRIMARY KEY (a), CHECK (e > 0))',
      ),
    ).toEqual(["a b", "c", "d", "e"]);
    expect(columnNames("CREATE VIRTUAL TABLE x USING fts5")).toEqual([]);
  });
});

describe("openSqlite", () => {
  it("reads the geometry of rpm's file", () => {
    const db = open(readTestdata("cbl-mariner-2.0/var/lib/rpm/rpmdb.sqlite"));
    expect(db).toMatchObject({
      pageSize: 4096,
      usableSize: 4096,
      pageCount: 880,
      textEncoding: 1,
      truncated: false,
    });
    const big = open(readTestdata("generated/rpmdb-page65536-reserved32.sqlite"));
    expect(big).toMatchObject({ pageSize: 65536, usableSize: 65504 });
  });

  it("refuses impossible page sizes and reserved areas", () => {
    const bytes = Buffer.from(readTestdata(SMALL_PAGES));
    bytes.writeUInt16BE(1000, 16);
    expect(openSqlite(bytes)).toEqual({ problem: expect.stringMatching(/page size 1000/) });
    bytes.writeUInt16BE(512, 16);
    bytes[20] = 40;
    expect(openSqlite(bytes)).toEqual({ problem: expect.stringMatching(/usable page size 472/) });
    expect(openSqlite(Buffer.from("SQLite format 3\0"))).toEqual({
      problem: expect.stringMatching(/not a SQLite/),
    });
  });
});

describe("readSqlitePackages on damaged files", () => {
  it("reads every row of a healthy multi-level b-tree", () => {
    const read = readSqlitePackages(readTestdata(SMALL_PAGES));
    expect(read.problems).toEqual([]);
    expect(read.blobs.map((b) => b.record)).toEqual(Array.from({ length: 24 }, (_, i) => String(i + 1)));
  });

  it("a b-tree child that points back at its parent is a reported cycle", () => {
    const bytes = Buffer.from(readTestdata(SMALL_PAGES));
    const db = open(bytes);
    const root = packagesRoot(db);
    expect(bytes[pageOffset(db, root)]).toBe(0x05); // an interior table page
    bytes.writeUInt32BE(root, pageOffset(db, root) + 8); // right-most child := the root itself
    const read = readSqlitePackages(bytes);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-database",
        message: `b-tree page ${root} is reached twice (a cycle or a shared page)`,
        record: `page ${root}`,
      },
    ]);
    expect(read.blobs.length).toBeGreaterThan(0);
    expect(read.blobs.length).toBeLessThan(24);
  });

  it("an overflow chain that loops loses that row only", () => {
    const bytes = Buffer.from(readTestdata(SMALL_PAGES));
    const db = open(bytes);
    const [cell] = spillingCells(bytes, db);
    const firstOverflow = bytes.readUInt32BE(cell!.pointerAt);
    bytes.writeUInt32BE(firstOverflow, pageOffset(db, firstOverflow)); // the first links to itself
    const read = readSqlitePackages(bytes);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-header",
        message: expect.stringMatching(
          new RegExp(`overflow chain returns to page ${firstOverflow} \\(a cycle\\)$`),
        ),
        record: String(cell!.rowid),
      },
    ]);
    expect(read.blobs).toHaveLength(23);
  });

  it("two rows sharing one overflow chain: the second is refused (work stays linear)", () => {
    const bytes = Buffer.from(readTestdata(SMALL_PAGES));
    const db = open(bytes);
    const [first, second] = spillingCells(bytes, db);
    bytes.writeUInt32BE(bytes.readUInt32BE(first!.pointerAt), second!.pointerAt);
    const read = readSqlitePackages(bytes);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-header",
        message: expect.stringMatching(/overflow page \d+ is already used elsewhere$/),
        record: String(second!.rowid),
      },
    ]);
    expect(read.blobs).toHaveLength(23);
  });

  it("child pages outside the file and pages of the wrong kind are reported and skipped", () => {
    const bytes = Buffer.from(readTestdata(SMALL_PAGES));
    const db = open(bytes);
    const root = packagesRoot(db);
    const firstCell = bytes.readUInt16BE(pageOffset(db, root) + 12);
    const child = bytes.readUInt32BE(pageOffset(db, root) + firstCell);
    bytes.writeUInt32BE(999_999, pageOffset(db, root) + firstCell);
    bytes[pageOffset(db, root) + 8] = 0xff; // right-most child far outside too
    let read = readSqlitePackages(bytes);
    expect(read.problems.map((p) => p.message)).toEqual([
      `b-tree points to page 999999, outside the ${db.pageCount}-page file`,
      expect.stringMatching(/^b-tree points to page \d+, outside the \d+-page file$/),
    ]);
    bytes.writeUInt32BE(child, pageOffset(db, root) + firstCell);
    bytes[pageOffset(db, child)] = 0x0a; // claims to be an index leaf
    read = readSqlitePackages(bytes);
    expect(read.problems.map((p) => p.message)).toContain(
      `page ${child} in a table b-tree is an index page (type 10)`,
    );
  });

  it("a cell pointer outside its page is reported, never followed", () => {
    const bytes = Buffer.from(readTestdata(SMALL_PAGES));
    const db = open(bytes);
    const root = packagesRoot(db);
    bytes.writeUInt16BE(0xfff0, pageOffset(db, root) + 12);
    const read = readSqlitePackages(bytes);
    expect(read.problems).toEqual([
      {
        code: "rpm-corrupt-database",
        message: `page ${root} cell 0 offset 65520 is outside the cell content area`,
        record: `page ${root}`,
      },
    ]);
    expect(read.blobs).toEqual([]);
  });

  it("a database without a Packages table says so", () => {
    const bytes = Buffer.from(readTestdata(SMALL_PAGES));
    const at = bytes.indexOf("tablePackagesPackages");
    expect(at).toBeGreaterThan(0);
    bytes.write("tableXackagesPackages", at, "latin1");
    expect(readSqlitePackages(bytes)).toEqual({
      blobs: [],
      problems: [
        { code: "rpm-corrupt-database", message: "the database has no Packages table", record: "page 1" },
      ],
    });
  });

  it("a file cut inside a page says it is truncated", () => {
    const bytes = readTestdata(SMALL_PAGES);
    const read = readSqlitePackages(bytes.subarray(0, bytes.length - 100));
    expect(read.problems[0]).toEqual({
      code: "rpm-corrupt-database",
      message: expect.stringMatching(/^the file is truncated/),
      record: "page 1",
    });
  });
});

/**
 * The cells of the Packages table that spill over two overflow pages or more, with the offset
 * of their first-overflow-page pointer, in rowid order.
 */
function spillingCells(bytes: Buffer, db: SqliteFile): { rowid: number; pointerAt: number }[] {
  const cells: { rowid: number; pointerAt: number }[] = [];
  const visit = (page: number): void => {
    const base = pageOffset(db, page);
    const count = bytes.readUInt16BE(base + 3);
    if (bytes[base] === 0x05) {
      for (let i = 0; i < count; i++) visit(bytes.readUInt32BE(base + bytes.readUInt16BE(base + 12 + 2 * i)));
      visit(bytes.readUInt32BE(base + 8));
      return;
    }
    for (let i = 0; i < count; i++) {
      const cell = base + bytes.readUInt16BE(base + 8 + 2 * i);
      const size = readVarint(bytes, cell, base + db.usableSize)!;
      const rowid = readVarint(bytes, size.next, base + db.usableSize)!;
      const local = localSize(db.usableSize, size.value);
      if (size.value - local > db.usableSize - 4)
        cells.push({ rowid: rowid.value, pointerAt: rowid.next + local });
    }
  };
  visit(packagesRoot(db));
  expect(cells.length).toBeGreaterThanOrEqual(2);
  return cells;
}

/** Section 1.7 of the file format, written out again to locate overflow pages in tests. */
function localSize(usable: number, payload: number): number {
  const max = usable - 35;
  if (payload <= max) return payload;
  const min = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = min + ((payload - min) % (usable - 4));
  return k <= max ? k : min;
}
