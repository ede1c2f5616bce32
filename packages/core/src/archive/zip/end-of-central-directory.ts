import { readSafeUint64 } from "./extra-fields.js";
import { readRange } from "./range-read.js";
import { ZipFormatError, ZipLimitError } from "./zip-errors.js";
import type { ZipLimits } from "./zip-limits.js";
import type { ZipSource } from "./zip-source.js";

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const ZIP64_EOCD_SIZE = 56;
/** Smallest central directory header (APPNOTE 4.3.12): used to bound the declared count. */
export const CENTRAL_HEADER_SIZE = 46;

/** Where the central directory is and what the end records say about it. */
export interface CentralDirectoryLocation {
  readonly entryCount: number;
  /** File offset of the central directory (already shifted by `prefixBytes`). */
  readonly offset: number;
  readonly size: number;
  /**
   * Bytes before the archive proper (a self-extractor stub, a launch script prepended to
   * an executable jar): every offset the archive declares is shifted by this much.
   */
  readonly prefixBytes: number;
  readonly zip64: boolean;
  readonly comment: Buffer;
}

/** Finds the end record: the last signature whose comment ends exactly at end of file, else one whose comment fits. */
function findEndRecord(tail: Buffer): number {
  let fitting = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0; i--) {
    if (tail.readUInt32LE(i) !== EOCD_SIGNATURE) continue;
    const end = i + EOCD_SIZE + tail.readUInt16LE(i + 20);
    if (end === tail.length) return i;
    if (end < tail.length && fitting < 0) fitting = i;
  }
  return fitting;
}

/**
 * Reads the end of central directory record (APPNOTE 4.3.16) and, when a ZIP64 locator
 * precedes it, the ZIP64 end record (4.3.14, 4.3.15); checks that the central directory
 * they describe lies inside the file, before the end records, on one disk, within limits.
 */
export async function locateCentralDirectory(
  source: ZipSource,
  limits: ZipLimits,
): Promise<CentralDirectoryLocation> {
  if (source.size < EOCD_SIZE) {
    throw new ZipFormatError("not-a-zip", `not a zip file: only ${source.size} bytes`);
  }
  const tailLength = Math.min(source.size, EOCD_SIZE + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = await readRange(source, tailStart, tailLength, "end of file");
  const at = findEndRecord(tail);
  if (at < 0) {
    throw new ZipFormatError(
      "not-a-zip",
      "not a zip file, or a truncated one: no end of central directory record in the last " +
        `${tailLength} bytes`,
    );
  }
  const eocdOffset = tailStart + at;
  const disk = tail.readUInt16LE(at + 4);
  const cdDisk = tail.readUInt16LE(at + 6);
  let entriesOnDisk = tail.readUInt16LE(at + 8);
  let entryCount = tail.readUInt16LE(at + 10);
  let size = tail.readUInt32LE(at + 12);
  let offset = tail.readUInt32LE(at + 16);
  const comment = Buffer.from(tail.subarray(at + EOCD_SIZE, at + EOCD_SIZE + tail.readUInt16LE(at + 20)));
  let multiDisk = disk !== 0 || cdDisk !== 0;

  // The central directory must end where the (ZIP64) end records begin.
  let directoryEnd = eocdOffset;
  let zip64 = false;
  const locatorOffset = eocdOffset - ZIP64_LOCATOR_SIZE;
  if (locatorOffset >= 0) {
    const locator = await readRange(source, locatorOffset, ZIP64_LOCATOR_SIZE, "ZIP64 end locator");
    if (locator.readUInt32LE(0) === ZIP64_LOCATOR_SIGNATURE) {
      zip64 = true;
      if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) > 1) multiDisk = true;
      const declared = readSafeUint64(locator, 8, "ZIP64 end record offset");
      const recordOffset = await findZip64Record(source, declared, locatorOffset);
      const record = await readRange(source, recordOffset, ZIP64_EOCD_SIZE, "ZIP64 end record");
      const recordEnd = recordOffset + 12 + readSafeUint64(record, 4, "ZIP64 end record size");
      // APPNOTE 4.3.14/4.3.15: the locator immediately follows the record.
      if (recordEnd !== locatorOffset) {
        throw new ZipFormatError("bad-zip64", "the ZIP64 end record does not end where its locator begins", {
          offset: recordOffset,
        });
      }
      if (record.readUInt32LE(16) !== 0 || record.readUInt32LE(20) !== 0) multiDisk = true;
      entriesOnDisk = readSafeUint64(record, 24, "ZIP64 entry count");
      entryCount = readSafeUint64(record, 32, "ZIP64 entry count");
      size = readSafeUint64(record, 40, "ZIP64 central directory size");
      offset = readSafeUint64(record, 48, "ZIP64 central directory offset");
      directoryEnd = recordOffset;
    }
  }
  // Bounds first: a size beyond the file is damage (a lost ZIP64 locator, a cut), not a limit.
  if (multiDisk || entriesOnDisk !== entryCount) {
    throw new ZipFormatError("multi-disk", "archives split over several disks are not supported", {
      offset: eocdOffset,
    });
  }
  const prefixBytes = directoryEnd - (offset + size);
  if (prefixBytes < 0) {
    throw new ZipFormatError(
      "out-of-bounds",
      `the central directory (offset ${offset}, ${size} bytes) runs past its end record at ${directoryEnd}`,
      { offset: eocdOffset },
    );
  }
  if (entryCount > limits.maxEntries) {
    throw new ZipLimitError(
      "too-many-entries",
      limits.maxEntries,
      entryCount,
      `the archive declares ${entryCount} entries; the limit is ${limits.maxEntries}`,
    );
  }
  if (size > limits.maxCentralDirectoryBytes) {
    throw new ZipLimitError(
      "central-directory-too-large",
      limits.maxCentralDirectoryBytes,
      size,
      `the central directory is ${size} bytes; the limit is ${limits.maxCentralDirectoryBytes}`,
    );
  }
  if (entryCount * CENTRAL_HEADER_SIZE > size) {
    throw new ZipFormatError(
      "bad-count",
      `${entryCount} entries cannot fit in a central directory of ${size} bytes`,
      { offset: eocdOffset },
    );
  }
  return { entryCount, offset: offset + prefixBytes, size, prefixBytes, zip64, comment };
}

/**
 * The ZIP64 end record is where the locator says or, in an archive with bytes prepended
 * (whose offsets are relative to the archive, not the file), right before the locator.
 */
async function findZip64Record(source: ZipSource, declared: number, locatorOffset: number): Promise<number> {
  const candidates = [declared, locatorOffset - ZIP64_EOCD_SIZE];
  for (const candidate of candidates) {
    if (candidate < 0 || candidate + ZIP64_EOCD_SIZE > locatorOffset) continue;
    const signature = await readRange(source, candidate, 4, "ZIP64 end record");
    if (signature.readUInt32LE(0) === ZIP64_EOCD_SIGNATURE) return candidate;
  }
  throw new ZipFormatError("bad-zip64", `no ZIP64 end record at offset ${declared} named by the locator`, {
    offset: locatorOffset,
  });
}
