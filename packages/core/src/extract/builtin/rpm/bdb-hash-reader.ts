/**
 * Reads rpm's BerkeleyDB `Packages` file (RHEL/CentOS up to 8, Amazon Linux 2, old SUSE) without
 * Berkeley DB: the hash access method's on-disk pages as rpm uses them. Layout per Berkeley DB's
 * `dbinc/db_page.h` (as documented in rpm's own reader, lib/backend/bdb_ro.c):
 *
 * - page 0, the hash metadata page: magic 0x061561 at byte 12 (its byte order is the byte order
 *   of every number in the file), version at 16, page size at 20, encryption at 24, page type
 *   (8) at 25, last page number at 32, highest bucket at 72, 32 "spares" at 96;
 * - bucket `b` starts on page `b + spares[bitlength(b)]`; a bucket's pages chain through
 *   `next_pgno`;
 * - every page starts with a 26-byte header: page number at 8, next page at 16, item count at
 *   20, bytes used (overflow pages) at 22, type at 25 (2/13 hash, 7 overflow);
 * - a hash page holds item offsets after its header, key and data alternating; an item is
 *   inline (`H_KEYDATA`, type 1) or off-page (`H_OFFPAGE`, type 3: page number and total
 *   length of an overflow chain).
 *
 * The key is the 4-byte header number, the data is the header blob. Every page is visited at
 * most once, so chains that loop are reported instead of followed.
 */
import { type HeaderBlob, type HeaderBlobsResult, ProblemList, type ReadProblem } from "./header-blobs.js";

/** Berkeley DB hash magic; found at byte 12 in either byte order. */
export const BDB_HASH_MAGIC = 0x061561;
/** Berkeley DB b-tree magic: rpm keeps indexes, never Packages, in b-trees. */
export const BDB_BTREE_MAGIC = 0x053162;

const PAGE_HEADER_SIZE = 26;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_DUPLICATE = 2;
const H_OFFPAGE = 3;
const H_OFFDUP = 4;

/** Which byte order a Berkeley DB file with this magic at byte 12 uses, if any. */
export function bdbByteOrder(bytes: Buffer, magic = BDB_HASH_MAGIC): "le" | "be" | undefined {
  if (bytes.length < 16) return undefined;
  if (bytes.readUInt32LE(12) === magic) return "le";
  if (bytes.readUInt32BE(12) === magic) return "be";
  return undefined;
}

/** True when the bytes start like a Berkeley DB hash database (either byte order). */
export function isBdbHash(bytes: Buffer): boolean {
  return bdbByteOrder(bytes) !== undefined;
}

/** Every header blob of a BerkeleyDB hash `Packages` file. */
export function readBdbPackages(bytes: Buffer): HeaderBlobsResult {
  const problems = new ProblemList();
  const db = openBdb(bytes);
  if ("problem" in db) return { blobs: [], problems: [db.problem] };
  if (db.lastPage >= db.filePages) {
    problems.push(
      corrupt(
        `file holds ${db.filePages} pages but the metadata says the last page is ${db.lastPage}`,
        "page 0",
      ),
    );
  }
  let maxBucket = db.maxBucket;
  if (maxBucket >= db.filePages) {
    problems.push(
      corrupt(`metadata declares ${maxBucket + 1} buckets, more than the file has pages`, "page 0"),
    );
    maxBucket = db.filePages - 1;
  }
  const blobs: HeaderBlob[] = [];
  const seenHeaders = new Set<number>();
  const visited = new Set<number>();
  for (let bucket = 0; bucket <= maxBucket; bucket++) {
    let pageNo = bucket + (db.spares[bitLength(bucket)] ?? 0);
    while (pageNo !== 0) {
      if (visited.has(pageNo)) {
        problems.push(
          corrupt(`bucket ${bucket} chain returns to page ${pageNo} (a cycle)`, `page ${pageNo}`),
        );
        break;
      }
      visited.add(pageNo);
      const base = pageBase(db, pageNo);
      if (typeof base !== "number") {
        problems.push(corrupt(`bucket ${bucket}: ${base.problem}`, `page ${pageNo}`));
        break;
      }
      const type = bytes[base + 25]!;
      if (type === 0 && db.u32(base + 8) === 0) break; // never written: an empty bucket
      if (type !== P_HASH && type !== P_HASH_UNSORTED) {
        problems.push(
          corrupt(`bucket ${bucket} page ${pageNo} has type ${type}, not a hash page`, `page ${pageNo}`),
        );
        break;
      }
      readHashPage(db, { pageNo, base, visited }, blobs, seenHeaders, problems);
      pageNo = db.u32(base + 16);
    }
  }
  return { blobs, problems: problems.list() };
}

interface BdbFile {
  readonly bytes: Buffer;
  readonly littleEndian: boolean;
  readonly u32: (at: number) => number;
  readonly u16: (at: number) => number;
  readonly pageSize: number;
  readonly filePages: number;
  readonly lastPage: number;
  readonly maxBucket: number;
  readonly spares: readonly number[];
}

function openBdb(bytes: Buffer): BdbFile | { problem: ReadProblem } {
  const order = bdbByteOrder(bytes);
  if (order === undefined) {
    if (bdbByteOrder(bytes, BDB_BTREE_MAGIC)) {
      return { problem: unsupported("a BerkeleyDB b-tree (rpm keeps Packages in a hash)") };
    }
    return { problem: corrupt("not a BerkeleyDB hash database (no magic at byte 12)", "page 0") };
  }
  const le = order === "le";
  const u32 = le ? (at: number) => bytes.readUInt32LE(at) : (at: number) => bytes.readUInt32BE(at);
  const u16 = le ? (at: number) => bytes.readUInt16LE(at) : (at: number) => bytes.readUInt16BE(at);
  // The hash metadata fields end with the spares at byte 224.
  if (bytes.length < 512)
    return { problem: corrupt(`file is ${bytes.length} bytes, too short for metadata`, "page 0") };
  const version = u32(16);
  // Hash format versions 8 to 10 are Berkeley DB 4.x-6.x, the ones rpm ever wrote (bdb_ro.c).
  if (version < 8 || version > 10) return { problem: unsupported(`BerkeleyDB hash version ${version}`) };
  const pageSize = u32(20);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    return {
      problem: corrupt(`page size ${pageSize} is not a power of two between 512 and 65536`, "page 0"),
    };
  }
  if (bytes[24] !== 0) return { problem: unsupported("an encrypted BerkeleyDB database") };
  if (bytes[25] !== P_HASHMETA)
    return { problem: corrupt(`page 0 has type ${bytes[25]}, not hash metadata`, "page 0") };
  const spares: number[] = [];
  for (let i = 0; i < 32; i++) spares.push(u32(96 + 4 * i));
  return {
    bytes,
    littleEndian: le,
    u32,
    u16,
    pageSize,
    filePages: Math.floor(bytes.length / pageSize),
    lastPage: u32(32),
    maxBucket: u32(72),
    spares,
  };
}

/** Offset of page `pageNo` in the file, after checking it exists and says it is that page. */
function pageBase(db: BdbFile, pageNo: number): number | { problem: string } {
  if (pageNo < 1 || pageNo >= db.filePages)
    return { problem: `page ${pageNo} is outside the ${db.filePages}-page file` };
  const base = pageNo * db.pageSize;
  const stored = db.u32(base + 8);
  if (stored !== pageNo && !(stored === 0 && db.bytes[base + 25] === 0)) {
    return { problem: `page ${pageNo} calls itself page ${stored}` };
  }
  return base;
}

/** A page being read, and every page used so far (each page serves one purpose only). */
interface PageContext {
  readonly pageNo: number;
  readonly base: number;
  readonly visited: Set<number>;
}

/** Collect the key/data pairs of one hash page. */
function readHashPage(
  db: BdbFile,
  page: PageContext,
  blobs: HeaderBlob[],
  seenHeaders: Set<number>,
  problems: ProblemList,
): void {
  const { pageNo, base } = page;
  const entries = db.u16(base + 20);
  const firstItem = PAGE_HEADER_SIZE + 2 * entries;
  if (firstItem > db.pageSize) {
    problems.push(corrupt(`page ${pageNo} declares ${entries} items, more than fit`, `page ${pageNo}`));
    return;
  }
  if (entries % 2 !== 0) {
    problems.push(corrupt(`page ${pageNo} has an odd number of items (${entries})`, `page ${pageNo}`));
  }
  // Items are packed from the end of the page downwards: item i ends where item i-1 starts.
  const itemAt = (i: number) => db.u16(base + PAGE_HEADER_SIZE + 2 * i);
  const itemEnd = (i: number) => (i === 0 ? db.pageSize : itemAt(i - 1));
  for (let i = 0; i + 1 < entries; i += 2) {
    const key = readItem(db, page, itemAt(i), itemEnd(i), firstItem);
    if ("problem" in key) {
      problems.push(corrupt(`page ${pageNo} key ${i / 2}: ${key.problem}`, `page ${pageNo}`));
      continue;
    }
    if (key.value.length !== 4) {
      problems.push(
        corrupt(
          `page ${pageNo} key ${i / 2} is ${key.value.length} bytes, not a header number`,
          `page ${pageNo}`,
        ),
      );
      continue;
    }
    // Keys are header numbers in the byte order of the machine that wrote the file, which is
    // also the byte order of the file.
    const headerNumber = db.littleEndian ? key.value.readUInt32LE(0) : key.value.readUInt32BE(0);
    // Key 0 holds rpm's next-instance counter, not a package (rpm's iterators skip it too).
    if (headerNumber === 0) continue;
    const record = String(headerNumber);
    const data = readItem(db, page, itemAt(i + 1), itemEnd(i + 1), firstItem);
    if ("problem" in data) {
      problems.push({ code: "rpm-corrupt-header", message: `header ${record}: ${data.problem}`, record });
      continue;
    }
    if (seenHeaders.has(headerNumber)) {
      problems.push({
        code: "rpm-corrupt-header",
        message: `header ${record} is stored twice; the second copy (page ${pageNo}) is ignored`,
        record,
        severity: "warning",
      });
      continue;
    }
    seenHeaders.add(headerNumber);
    blobs.push({ record, blob: data.value });
  }
}

/** One item (key or data) whose bytes lie in [start, end) of the page; follows off-page items. */
function readItem(
  db: BdbFile,
  page: PageContext,
  start: number,
  end: number,
  firstItem: number,
): { value: Buffer } | { problem: string } {
  if (start < firstItem || end > db.pageSize || end <= start) {
    return { problem: `item at offset ${start} (to ${end}) is outside the page's item area` };
  }
  const { base, pageNo } = page;
  const type = db.bytes[base + start]!;
  if (type === H_KEYDATA) return { value: db.bytes.subarray(base + start + 1, base + end) };
  if (type === H_OFFPAGE) {
    if (end - start !== 12) return { problem: `off-page item is ${end - start} bytes, not 12` };
    return readOverflow(db, db.u32(base + start + 4), db.u32(base + start + 8), page.visited);
  }
  if (type === H_DUPLICATE || type === H_OFFDUP) {
    return { problem: `duplicate-key items (type ${type}) are not used by rpm and not supported` };
  }
  return { problem: `unknown item type ${type} on page ${pageNo}` };
}

/** The bytes of an overflow chain of `length` bytes starting on `first`. */
function readOverflow(
  db: BdbFile,
  first: number,
  length: number,
  used: Set<number>,
): { value: Buffer } | { problem: string } {
  if (length === 0 || length > db.bytes.length)
    return { problem: `off-page item length ${length} is impossible` };
  const parts: Buffer[] = [];
  const seen = new Set<number>();
  let collected = 0;
  let pageNo = first;
  while (collected < length) {
    if (pageNo === 0) return { problem: `overflow chain ends after ${collected} of ${length} bytes` };
    if (seen.has(pageNo)) return { problem: `overflow chain returns to page ${pageNo} (a cycle)` };
    // One page, one purpose: refusing reuse keeps the work linear in the file size even when
    // every item of a hostile file points at the same long chain.
    if (used.has(pageNo)) return { problem: `overflow page ${pageNo} is already used elsewhere` };
    seen.add(pageNo);
    used.add(pageNo);
    const base = pageBase(db, pageNo);
    if (typeof base !== "number") return { problem: `overflow chain: ${base.problem}` };
    if (db.bytes[base + 25] !== P_OVERFLOW)
      return { problem: `overflow chain reaches page ${pageNo}, not an overflow page` };
    const onPage = db.u16(base + 22);
    if (onPage === 0 || PAGE_HEADER_SIZE + onPage > db.pageSize || onPage > length - collected) {
      return { problem: `overflow page ${pageNo} claims ${onPage} bytes` };
    }
    parts.push(db.bytes.subarray(base + PAGE_HEADER_SIZE, base + PAGE_HEADER_SIZE + onPage));
    collected += onPage;
    pageNo = db.u32(base + 16);
  }
  return { value: parts.length === 1 ? parts[0]! : Buffer.concat(parts, length) };
}

/** Number of bits needed for `n` (0 for 0): the index into `spares` for bucket `n`. */
function bitLength(n: number): number {
  return n === 0 ? 0 : 32 - Math.clz32(n);
}

function corrupt(message: string, record: string): ReadProblem {
  return { code: "rpm-corrupt-database", message, record };
}

function unsupported(what: string): ReadProblem {
  return { code: "rpm-unsupported-database", message: `unsupported: ${what}`, record: "page 0" };
}
