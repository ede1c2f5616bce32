/**
 * A minimal read-only reader of the SQLite file format, enough to read one column of every row
 * of one rowid table (rpm's `Packages` table) straight from the bytes of the main database file.
 * Reference: https://www.sqlite.org/fileformat2.html (sections 1.3 header, 1.6 b-tree pages,
 * 1.7 cell payload overflow, 2.1 record format, 2.6 the schema table).
 *
 * Not implemented, on purpose: the write-ahead log (an extractor gets one file, and SQLite
 * copies the log into the main file when rpm's last connection closes, so images normally carry
 * none), index and WITHOUT ROWID b-trees, free lists, pointer maps. Every page number, offset and length is checked against the file; each page is visited
 * at most once per walk, so a cycle in the tree or in an overflow chain is reported, not
 * followed forever.
 */
import { type HeaderBlob, type HeaderBlobsResult, ProblemList, type ReadProblem } from "./header-blobs.js";

/** "SQLite format 3\0": the first 16 bytes of every database file. */
export const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

const HEADER_SIZE = 100;
const PAGE_LEAF_TABLE = 0x0d;
const PAGE_INTERIOR_TABLE = 0x05;
const PAGE_LEAF_INDEX = 0x0a;
const PAGE_INTERIOR_INDEX = 0x02;

/** An open database: the bytes and the geometry from its 100-byte header. */
export interface SqliteFile {
  readonly bytes: Buffer;
  readonly pageSize: number;
  /** Page size minus the reserved bytes at the end of every page. */
  readonly usableSize: number;
  /** Pages actually present in the file (never more than the file holds). */
  readonly pageCount: number;
  /** Text encoding of the database: 1 UTF-8, 2 UTF-16le, 3 UTF-16be. */
  readonly textEncoding: number;
  /** The file ends inside a page, or holds fewer pages than its header says. */
  readonly truncated: boolean;
}

/** A value of a record column. Integers beyond 2^53 lose precision (rpm has none). */
export type SqliteValue = null | number | string | Buffer;

/** One row of a table: its rowid and the chosen column (`undefined` if the row is too short). */
export interface SqliteRow {
  readonly rowid: number;
  readonly value: SqliteValue | undefined;
}

/** The rows read from a table and the problems met (damaged pages are skipped). */
export interface SqliteTableRead {
  readonly rows: readonly SqliteRow[];
  readonly problems: readonly ReadProblem[];
}

/** Open a database from its bytes, or say why these bytes are not one. */
export function openSqlite(bytes: Buffer): SqliteFile | { problem: string } {
  if (bytes.length < HEADER_SIZE || !bytes.subarray(0, 16).equals(SQLITE_MAGIC)) {
    return { problem: "not a SQLite database (no 'SQLite format 3' header)" };
  }
  const rawPageSize = bytes.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return { problem: `SQLite page size ${rawPageSize} is not a power of two between 512 and 65536` };
  }
  const usableSize = pageSize - bytes.readUInt8(20);
  // The format requires at least 480 usable bytes; the overflow arithmetic below relies on it.
  if (usableSize < 480) return { problem: `SQLite usable page size ${usableSize} is below 480` };
  const textEncoding = bytes.readUInt32BE(56) || 1;
  if (textEncoding > 3) return { problem: `unknown SQLite text encoding ${textEncoding}` };
  // The header's page count is only trusted by SQLite when the "version valid for" number
  // matches the change counter; the file length is the hard bound either way.
  const inFile = Math.floor(bytes.length / pageSize);
  const declared = bytes.readUInt32BE(28);
  const declaredValid = declared > 0 && bytes.readUInt32BE(24) === bytes.readUInt32BE(92);
  const pageCount = declaredValid ? Math.min(declared, inFile) : inFile;
  const truncated = bytes.length % pageSize !== 0 || (declaredValid && declared > inFile);
  return { bytes, pageSize, usableSize, pageCount, textEncoding, truncated };
}

/** A table from `sqlite_schema`: where its b-tree starts and the names of its columns. */
export interface SqliteTableInfo {
  readonly rootPage: number;
  readonly columns: readonly string[];
}

/** Find a table by name in the schema table (page 1). */
export function findTable(
  db: SqliteFile,
  name: string,
): { table: SqliteTableInfo | undefined; problems: readonly ReadProblem[] } {
  // sqlite_schema columns: type, name, tbl_name, rootpage, sql.
  const problems = new ProblemList();
  let table: SqliteTableInfo | undefined;
  walkTable(db, 1, problems, (_rowid, payload) => {
    if (table) return;
    const type = recordColumn(db, payload, 0);
    const rowName = recordColumn(db, payload, 1);
    if (type !== "table" || rowName !== name) return;
    const rootPage = recordColumn(db, payload, 3);
    const sql = recordColumn(db, payload, 4);
    if (typeof rootPage !== "number" || typeof sql !== "string") {
      problems.push(corrupt(`schema row of table ${name} has no root page or SQL`, "page 1"));
      return;
    }
    table = { rootPage, columns: columnNames(sql) };
  });
  return { table, problems: problems.list() };
}

/** Read one column of every row of a rowid table, in rowid order. */
export function readTableColumn(db: SqliteFile, rootPage: number, column: number): SqliteTableRead {
  const problems = new ProblemList();
  const rows: SqliteRow[] = [];
  walkTable(db, rootPage, problems, (rowid, payload) => {
    const value = recordColumn(db, payload, column);
    if (isProblem(value)) {
      problems.push({
        code: "rpm-corrupt-header",
        message: `row ${rowid}: ${value.problem}`,
        record: String(rowid),
      });
      return;
    }
    rows.push({ rowid, value });
  });
  return { rows, problems: problems.list() };
}

/**
 * Depth-first walk of a table b-tree calling `onRow` with every row's full payload. A page (tree
 * node or overflow page) is used at most once per walk, so the work is bounded by the file size.
 */
function walkTable(
  db: SqliteFile,
  rootPage: number,
  problems: ProblemList,
  onRow: (rowid: number, payload: Buffer) => void,
): void {
  const visited = new Set<number>();
  // Children are pushed in reverse so that rows come out in rowid order.
  const stack: number[] = [rootPage];
  while (stack.length > 0) {
    const pageNo = stack.pop()!;
    if (!isPageNumber(db, pageNo)) {
      problems.push(
        corrupt(`b-tree points to page ${pageNo}, outside the ${db.pageCount}-page file`, `page ${pageNo}`),
      );
      continue;
    }
    if (visited.has(pageNo)) {
      problems.push(
        corrupt(`b-tree page ${pageNo} is reached twice (a cycle or a shared page)`, `page ${pageNo}`),
      );
      continue;
    }
    visited.add(pageNo);
    const page = readBtreePage(db, pageNo);
    if (isProblem(page)) {
      problems.push(corrupt(page.problem, `page ${pageNo}`));
      continue;
    }
    if (page.type === PAGE_INTERIOR_TABLE) {
      stack.push(page.rightChild);
      for (let i = page.cellOffsets.length - 1; i >= 0; i--) {
        const at = page.cellOffsets[i]!;
        if (at + 4 > page.end) {
          problems.push(corrupt(`cell ${i} of interior page ${pageNo} runs past the page`, `page ${pageNo}`));
          continue;
        }
        stack.push(db.bytes.readUInt32BE(page.base + at));
      }
      continue;
    }
    if (page.type !== PAGE_LEAF_TABLE) {
      const kind =
        page.type === PAGE_LEAF_INDEX || page.type === PAGE_INTERIOR_INDEX ? "an index" : "not a b-tree";
      problems.push(
        corrupt(`page ${pageNo} in a table b-tree is ${kind} page (type ${page.type})`, `page ${pageNo}`),
      );
      continue;
    }
    for (let i = 0; i < page.cellOffsets.length; i++) {
      const cell = readLeafCell(db, page, page.cellOffsets[i]!, visited);
      if (isProblem(cell)) {
        const record = cell.rowid === undefined ? `page ${pageNo}` : String(cell.rowid);
        const code = cell.rowid === undefined ? "rpm-corrupt-database" : "rpm-corrupt-header";
        problems.push({ code, message: `page ${pageNo} cell ${i}: ${cell.problem}`, record });
        continue;
      }
      onRow(cell.rowid, cell.payload);
    }
  }
}

interface BtreePage {
  readonly type: number;
  /** Absolute offset of the page in the file. */
  readonly base: number;
  /** Usable end of the page, relative to `base`. */
  readonly end: number;
  readonly cellOffsets: readonly number[];
  readonly rightChild: number;
}

function readBtreePage(db: SqliteFile, pageNo: number): BtreePage | { problem: string } {
  const base = (pageNo - 1) * db.pageSize;
  const end = db.usableSize;
  // Page 1 carries the 100-byte database header before its b-tree header.
  const headerAt = pageNo === 1 ? HEADER_SIZE : 0;
  const bytes = db.bytes;
  const type = bytes.readUInt8(base + headerAt);
  const interior = type === PAGE_INTERIOR_TABLE || type === PAGE_INTERIOR_INDEX;
  const headerSize = interior ? 12 : 8;
  const cellCount = bytes.readUInt16BE(base + headerAt + 3);
  const pointersAt = headerAt + headerSize;
  if (pointersAt + 2 * cellCount > end) {
    return { problem: `page ${pageNo} declares ${cellCount} cells, more than fit in the page` };
  }
  const cellOffsets: number[] = new Array(cellCount);
  for (let i = 0; i < cellCount; i++) {
    const at = bytes.readUInt16BE(base + pointersAt + 2 * i);
    if (at < pointersAt + 2 * cellCount || at >= end) {
      return { problem: `page ${pageNo} cell ${i} offset ${at} is outside the cell content area` };
    }
    cellOffsets[i] = at;
  }
  const rightChild = interior ? bytes.readUInt32BE(base + headerAt + 8) : 0;
  return { type, base, end, cellOffsets, rightChild };
}

/**
 * One table-leaf cell: payload size, rowid, the local part of the payload and, when it spills,
 * the overflow chain (section 1.7). Returns the whole payload.
 */
function readLeafCell(
  db: SqliteFile,
  page: BtreePage,
  cellAt: number,
  used: Set<number>,
): { rowid: number; payload: Buffer } | { problem: string; rowid?: number } {
  const limit = page.base + page.end;
  const size = readVarint(db.bytes, page.base + cellAt, limit);
  if (size === undefined) return { problem: "payload size runs past the page" };
  const key = readVarint(db.bytes, size.next, limit);
  if (key === undefined) return { problem: "rowid runs past the page" };
  const rowid = key.value;
  const payloadSize = size.value;
  // A payload can never be larger than the whole file; this also bounds the chain walk below.
  if (payloadSize > db.bytes.length)
    return { problem: `payload of ${payloadSize} bytes exceeds the file`, rowid };
  const local = localPayloadSize(db.usableSize, payloadSize);
  const start = key.next;
  if (start + local > limit) return { problem: "local payload runs past the page", rowid };
  if (local === payloadSize) return { rowid, payload: db.bytes.subarray(start, start + local) };
  if (start + local + 4 > limit) return { problem: "overflow page number runs past the page", rowid };
  const firstOverflow = db.bytes.readUInt32BE(start + local);
  const parts: Buffer[] = [db.bytes.subarray(start, start + local)];
  let collected = local;
  let next = firstOverflow;
  const seen = new Set<number>();
  const perPage = db.usableSize - 4;
  while (collected < payloadSize) {
    if (next === 0)
      return { problem: `overflow chain ends after ${collected} of ${payloadSize} bytes`, rowid };
    if (!isPageNumber(db, next)) return { problem: `overflow page ${next} is outside the file`, rowid };
    if (seen.has(next)) return { problem: `overflow chain returns to page ${next} (a cycle)`, rowid };
    // A page belongs to one b-tree node or one chain. Refusing reuse keeps the total work linear
    // in the file size even when every cell of a hostile file points at the same long chain.
    if (used.has(next)) return { problem: `overflow page ${next} is already used elsewhere`, rowid };
    seen.add(next);
    used.add(next);
    const base = (next - 1) * db.pageSize;
    const take = Math.min(perPage, payloadSize - collected);
    parts.push(db.bytes.subarray(base + 4, base + 4 + take));
    collected += take;
    next = db.bytes.readUInt32BE(base);
  }
  return { rowid, payload: Buffer.concat(parts, payloadSize) };
}

/** How many payload bytes a table-leaf cell keeps on its own page (section 1.7). */
function localPayloadSize(usable: number, payload: number): number {
  const maxLocal = usable - 35;
  if (payload <= maxLocal) return payload;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const k = minLocal + ((payload - minLocal) % (usable - 4));
  return k <= maxLocal ? k : minLocal;
}

/**
 * Column `index` of a record (section 2.1): a header of serial types, then the values.
 * `undefined` when the record has fewer columns (SQLite's rule for columns added later).
 */
function recordColumn(
  db: SqliteFile,
  payload: Buffer,
  index: number,
): SqliteValue | undefined | { problem: string } {
  const headerSize = readVarint(payload, 0, payload.length);
  if (headerSize === undefined || headerSize.value > payload.length || headerSize.value < headerSize.next) {
    return { problem: "record header is damaged" };
  }
  let typeAt = headerSize.next;
  let valueAt = headerSize.value;
  for (let i = 0; typeAt < headerSize.value; i++) {
    const serial = readVarint(payload, typeAt, headerSize.value);
    if (serial === undefined) return { problem: "record header is damaged" };
    typeAt = serial.next;
    const length = serialLength(serial.value);
    if (length === undefined)
      return { problem: `record column ${i} has reserved serial type ${serial.value}` };
    if (valueAt + length > payload.length) return { problem: `record column ${i} runs past the payload` };
    if (i === index) return decodeValue(db, payload, valueAt, serial.value, length);
    valueAt += length;
  }
  return undefined;
}

function serialLength(serial: number): number | undefined {
  if (serial >= 12) return Math.floor((serial - 12) / 2);
  return [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, undefined, undefined][serial];
}

function decodeValue(
  db: SqliteFile,
  payload: Buffer,
  at: number,
  serial: number,
  length: number,
): SqliteValue {
  if (serial === 0) return null;
  if (serial === 8) return 0;
  if (serial === 9) return 1;
  if (serial === 7) return payload.readDoubleBE(at);
  if (serial <= 6) return length === 8 ? Number(payload.readBigInt64BE(at)) : payload.readIntBE(at, length);
  const bytes = payload.subarray(at, at + length);
  if (serial % 2 === 0) return bytes;
  if (db.textEncoding === 1) return bytes.toString("utf8");
  // UTF-16: an odd trailing byte cannot be a character (and `swap16` needs an even length).
  const even = bytes.subarray(0, bytes.length - (bytes.length % 2));
  return db.textEncoding === 2 ? even.toString("utf16le") : Buffer.from(even).swap16().toString("utf16le");
}

/**
 * SQLite's variable-length integer: 1 to 9 bytes, big-endian, 7 bits per byte with the high bit
 * as "more follows", the ninth byte giving all 8 bits. `undefined` if it runs past `limit`.
 */
export function readVarint(
  bytes: Buffer,
  at: number,
  limit: number,
): { value: number; next: number } | undefined {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at + i >= limit) return undefined;
    const byte = bytes[at + i]!;
    if (i === 8) return { value: value * 256 + byte, next: at + 9 };
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return { value, next: at + i + 1 };
  }
  return undefined;
}

/**
 * Column names from a `CREATE TABLE` statement: the first word of each top-level definition in
 * the parenthesized list, unquoted; table constraints are skipped.
 */
export function columnNames(sql: string): string[] {
  const open = sql.indexOf("(");
  const close = sql.lastIndexOf(")");
  if (open < 0 || close < open) return [];
  const body = sql.slice(open + 1, close);
  const parts: string[] = [];
  let depth = 0;
  let quote = "";
  let current = "";
  for (const ch of body) {
    if (quote) {
      if (ch === quote) quote = "";
    } else if (ch === "'" || ch === '"' || ch === "`") {
      quote = ch;
    } else if (ch === "[") {
      quote = "]";
    } else if (ch === "(") {
      depth++;
    } else if (ch === ")") {
      depth--;
    } else if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current);
  const constraints = new Set(["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]);
  const names: string[] = [];
  for (const part of parts) {
    const match = /^\s*("([^"]*)"|'([^']*)'|`([^`]*)`|\[([^\]]*)\]|([^\s(]+))/.exec(part);
    if (!match) continue;
    const bare = match[6];
    if (bare !== undefined && constraints.has(bare.toUpperCase())) continue;
    names.push(match[2] ?? match[3] ?? match[4] ?? match[5] ?? bare ?? "");
  }
  return names;
}

function isPageNumber(db: SqliteFile, pageNo: number): boolean {
  return Number.isInteger(pageNo) && pageNo >= 1 && pageNo <= db.pageCount;
}

function isProblem(value: unknown): value is { problem: string } {
  return typeof value === "object" && value !== null && !Buffer.isBuffer(value) && "problem" in value;
}

function corrupt(message: string, record: string): ReadProblem {
  return { code: "rpm-corrupt-database", message, record };
}

/**
 * Every `blob` of rpm's `Packages` table (`CREATE TABLE Packages (hnum INTEGER PRIMARY KEY
 * AUTOINCREMENT, blob BLOB NOT NULL)`, rpm's lib/backend/sqlite.c); the rowid is the header
 * number.
 */
export function readSqlitePackages(bytes: Buffer): HeaderBlobsResult {
  const db = openSqlite(bytes);
  if (isProblem(db)) return { blobs: [], problems: [corrupt(db.problem, "page 1")] };
  const found = findTable(db, "Packages");
  const { table } = found;
  const problems = [...found.problems];
  if (db.truncated) {
    const message = `the file is truncated: ${bytes.length} bytes, ${db.pageCount} whole pages of ${db.pageSize} bytes`;
    problems.unshift(corrupt(message, "page 1"));
  }
  if (!table) {
    return { blobs: [], problems: [...problems, corrupt("the database has no Packages table", "page 1")] };
  }
  const column = table.columns.indexOf("blob");
  if (column < 0) {
    return { blobs: [], problems: [...problems, corrupt("the Packages table has no blob column", "page 1")] };
  }
  const read = readTableColumn(db, table.rootPage, column);
  const blobs: HeaderBlob[] = [];
  const all: ReadProblem[] = [...problems, ...read.problems];
  for (const row of read.rows) {
    if (Buffer.isBuffer(row.value)) blobs.push({ record: String(row.rowid), blob: row.value });
    else
      all.push({
        code: "rpm-corrupt-header",
        message: `row ${row.rowid} has no header blob`,
        record: String(row.rowid),
      });
  }
  return { blobs, problems: all };
}
