/**
 * Reads rpm's own "ndb" package database, `Packages.db` (SUSE since 15 SP3 / openSUSE). Layout
 * per rpm's lib/backend/ndb/rpmpkg.c; every number is little-endian:
 *
 * - a 32-byte file header: magic "RpmP", version 0, generation, number of slot pages, next
 *   package index;
 * - slot pages (4096 bytes each; the first slots of page 0 are taken by the header): 16-byte
 *   slots {magic "Slot", package index, block offset, block count}; block offset 0 = free slot;
 * - blobs in 16-byte blocks: a 16-byte head {magic "BlbS", package index, timestamp, length},
 *   the header blob, zero padding, and a 12-byte tail {adler32 of head+blob+padding, length,
 *   magic "BlbE"}.
 *
 * rpm gives up on the whole database at the first bad slot; we report it and read the rest.
 */
import { type HeaderBlob, type HeaderBlobsResult, ProblemList, type ReadProblem } from "./header-blobs.js";

/** "RpmP" read as a little-endian number, the first four bytes of `Packages.db`. */
export const NDB_MAGIC = Buffer.from("RpmP", "latin1");

const FILE_HEADER_SIZE = 32;
const SLOT_PAGE_SIZE = 4096;
const SLOT_SIZE = 16;
const BLOCK_SIZE = 16;
const BLOB_HEAD_SIZE = 16;
const BLOB_TAIL_SIZE = 12;
const SLOT_MAGIC = 0x746f6c53; // "Slot"
const BLOB_HEAD_MAGIC = 0x53626c42; // "BlbS"
const BLOB_TAIL_MAGIC = 0x45626c42; // "BlbE"

/** True when the bytes start with the NDB magic. */
export function isNdb(bytes: Buffer): boolean {
  return bytes.length >= 4 && bytes.subarray(0, 4).equals(NDB_MAGIC);
}

/** Every header blob of an NDB `Packages.db`. */
export function readNdbPackages(bytes: Buffer): HeaderBlobsResult {
  if (!isNdb(bytes) || bytes.length < FILE_HEADER_SIZE) {
    return { blobs: [], problems: [corrupt("not an rpm ndb database (no 'RpmP' header)", "header")] };
  }
  const version = bytes.readUInt32LE(4);
  if (version !== 0) {
    return {
      blobs: [],
      problems: [
        {
          code: "rpm-unsupported-database",
          message: `ndb version ${version} is not supported`,
          record: "header",
        },
      ],
    };
  }
  const problems = new ProblemList();
  const slotPages = bytes.readUInt32LE(12);
  if (slotPages === 0) problems.push(corrupt("header declares no slot pages", "header"));
  // Slot pages that the file does not hold are reported once; the slots that are there are read.
  const pagesPresent = Math.min(slotPages, Math.floor(bytes.length / SLOT_PAGE_SIZE));
  if (pagesPresent < slotPages) {
    problems.push(
      corrupt(`header declares ${slotPages} slot pages, the file holds ${pagesPresent}`, "header"),
    );
  }
  if (bytes.length % BLOCK_SIZE !== 0) {
    problems.push({
      ...corrupt(`file length ${bytes.length} is not a whole number of blocks`, "header"),
      severity: "warning",
    });
  }
  const fileBlocks = Math.floor(bytes.length / BLOCK_SIZE);
  // Blobs live after the slot pages; rpm rejects slots pointing into them.
  const firstBlobBlock = slotPages * (SLOT_PAGE_SIZE / BLOCK_SIZE);
  const slots: Slot[] = [];
  const seen = new Set<number>();
  const slotEnd = pagesPresent * SLOT_PAGE_SIZE;
  for (
    let at = FILE_HEADER_SIZE, slot = FILE_HEADER_SIZE / SLOT_SIZE;
    at + SLOT_SIZE <= slotEnd;
    at += SLOT_SIZE, slot++
  ) {
    const where = `slot ${slot}`;
    if (bytes.readUInt32LE(at) !== SLOT_MAGIC) {
      problems.push(corrupt(`${where} has no slot magic`, where));
      continue;
    }
    const pkgIndex = bytes.readUInt32LE(at + 4);
    const blockOffset = bytes.readUInt32LE(at + 8);
    const blockCount = bytes.readUInt32LE(at + 12);
    if (blockOffset === 0) continue; // a free slot
    if (
      pkgIndex === 0 ||
      blockCount === 0 ||
      blockOffset < firstBlobBlock ||
      blockOffset + blockCount > fileBlocks
    ) {
      const what = `package ${pkgIndex}, blocks ${blockOffset}+${blockCount} of ${fileBlocks}`;
      problems.push({
        code: "rpm-corrupt-header",
        message: `${where} is invalid (${what})`,
        record: String(pkgIndex),
      });
      continue;
    }
    if (seen.has(pkgIndex)) {
      problems.push({
        code: "rpm-corrupt-header",
        message: `package ${pkgIndex} has a second slot (${where}), which is ignored`,
        record: String(pkgIndex),
        severity: "warning",
      });
      continue;
    }
    seen.add(pkgIndex);
    slots.push({ where, pkgIndex, blockOffset, blockCount });
  }
  // Blobs never share blocks (rpm treats overlap as corruption). Refusing overlaps also keeps the
  // work linear in the file size: many slots cannot all point at one huge blob.
  slots.sort((a, b) => a.blockOffset - b.blockOffset);
  const blobs: HeaderBlob[] = [];
  let freeFrom = 0;
  for (const { where, pkgIndex, blockOffset, blockCount } of slots) {
    const record = String(pkgIndex);
    if (blockOffset < freeFrom) {
      problems.push({ code: "rpm-corrupt-header", message: `${where} overlaps the blob before it`, record });
      continue;
    }
    freeFrom = blockOffset + blockCount;
    const blob = readBlob(bytes, pkgIndex, blockOffset, blockCount);
    if ("problem" in blob) {
      problems.push({ code: "rpm-corrupt-header", message: `package ${pkgIndex}: ${blob.problem}`, record });
      continue;
    }
    if (!blob.checksumOk) {
      // rpm itself does not verify the checksum when it reads a package, so the package is kept;
      // the warning tells whoever reads the result that its values may be damaged.
      problems.push({
        code: "rpm-corrupt-header",
        message: `package ${pkgIndex}: blob checksum mismatch, its data may be damaged`,
        record,
        severity: "warning",
      });
    }
    blobs.push({ record, blob: blob.value });
  }
  return { blobs, problems: problems.list() };
}

interface Slot {
  readonly where: string;
  readonly pkgIndex: number;
  readonly blockOffset: number;
  readonly blockCount: number;
}

/** The header blob stored in blocks [offset, offset + count), after checking head and tail. */
function readBlob(
  bytes: Buffer,
  pkgIndex: number,
  blockOffset: number,
  blockCount: number,
): { value: Buffer; checksumOk: boolean } | { problem: string } {
  const start = blockOffset * BLOCK_SIZE;
  const end = (blockOffset + blockCount) * BLOCK_SIZE;
  if (end - start < BLOB_HEAD_SIZE + BLOB_TAIL_SIZE)
    return { problem: `${blockCount} blocks cannot hold a blob` };
  if (bytes.readUInt32LE(start) !== BLOB_HEAD_MAGIC) return { problem: `no blob at block ${blockOffset}` };
  if (bytes.readUInt32LE(start + 4) !== pkgIndex) {
    return { problem: `blob at block ${blockOffset} belongs to package ${bytes.readUInt32LE(start + 4)}` };
  }
  const length = bytes.readUInt32LE(start + 12);
  const needed = Math.ceil((BLOB_HEAD_SIZE + length + BLOB_TAIL_SIZE) / BLOCK_SIZE);
  if (needed !== blockCount)
    return { problem: `blob of ${length} bytes does not fill its ${blockCount} blocks` };
  const tail = end - BLOB_TAIL_SIZE;
  if (bytes.readUInt32LE(tail + 8) !== BLOB_TAIL_MAGIC || bytes.readUInt32LE(tail + 4) !== length) {
    return { problem: "blob tail is damaged" };
  }
  const checksumOk = adler32(bytes, start, tail) === bytes.readUInt32LE(tail);
  return { value: bytes.subarray(start + BLOB_HEAD_SIZE, start + BLOB_HEAD_SIZE + length), checksumOk };
}

/** Adler-32 (RFC 1950) of bytes[start, end). */
export function adler32(bytes: Uint8Array, start: number, end: number): number {
  let a = 1;
  let b = 0;
  let i = start;
  while (i < end) {
    // Reduce every 5552 bytes, as RFC 1950 does, so the sums stay small exact integers.
    const stop = Math.min(end, i + 5552);
    for (; i < stop; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return (b * 65536 + a) >>> 0;
}

function corrupt(message: string, record: string): ReadProblem {
  return { code: "rpm-corrupt-database", message, record };
}
