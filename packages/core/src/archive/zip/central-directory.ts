import { CENTRAL_HEADER_SIZE, type CentralDirectoryLocation } from "./end-of-central-directory.js";
import { decodeEntryName } from "./entry-name.js";
import { applyZip64, parseExtraFields, type Zip64Candidates } from "./extra-fields.js";
import type { ZipEntry } from "./zip-entry.js";
import { ZipFormatError } from "./zip-errors.js";

const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
/** Fixed part of a local header (APPNOTE 4.3.7): the least any entry occupies before its data. */
export const LOCAL_HEADER_SIZE = 30;

const FLAG_ENCRYPTED = 1 << 0;
const FLAG_DATA_DESCRIPTOR = 1 << 3;
const FLAG_STRONG_ENCRYPTION = 1 << 6;
const FLAG_UTF8 = 1 << 11;
const FLAG_MASKED_HEADERS = 1 << 13;
const METHOD_WINZIP_AES = 99;

/** What the reader keeps about an entry beyond what it shows. */
export interface EntryLayout {
  /** The name's raw bytes, which the local header must repeat. */
  readonly rawName: Buffer;
  /** Where the next entry's local header (or the central directory) begins: the entry's data must end before it. */
  regionEnd: number;
}

/** The parsed central directory: public entries and, at the same indexes, their layout. */
export interface CentralDirectory {
  readonly entries: readonly ZipEntry[];
  readonly layouts: readonly EntryLayout[];
}

/**
 * Parses every central directory header (APPNOTE 4.3.12), resolving ZIP64 extra fields and
 * names, then checks that the entries' byte ranges do not overlap each other or the central
 * directory: the defence against overlapping-entry bombs, where many headers share one
 * highly compressed kernel, and against entries that point into the directory itself.
 */
export function parseCentralDirectory(cd: Buffer, where: CentralDirectoryLocation): CentralDirectory {
  const entries: ZipEntry[] = [];
  const layouts: EntryLayout[] = [];
  let pos = 0;
  for (let index = 0; index < where.entryCount; index++) {
    const headerOffset = where.offset + pos;
    if (pos + CENTRAL_HEADER_SIZE > cd.length) {
      throw new ZipFormatError(
        "bad-count",
        `the central directory ends inside entry ${index} of ${where.entryCount}`,
        { offset: headerOffset },
      );
    }
    if (cd.readUInt32LE(pos) !== CENTRAL_HEADER_SIGNATURE) {
      throw new ZipFormatError("bad-signature", `no central directory header for entry ${index}`, {
        offset: headerOffset,
      });
    }
    const flags = cd.readUInt16LE(pos + 8);
    const method = cd.readUInt16LE(pos + 10);
    const crc32 = cd.readUInt32LE(pos + 16);
    const nameLength = cd.readUInt16LE(pos + 28);
    const extraLength = cd.readUInt16LE(pos + 30);
    const commentLength = cd.readUInt16LE(pos + 32);
    const end = pos + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
    if (end > cd.length) {
      throw new ZipFormatError("bad-count", `the central directory ends inside entry ${index}'s header`, {
        offset: headerOffset,
      });
    }
    const nameStart = pos + CENTRAL_HEADER_SIZE;
    const rawName = cd.subarray(nameStart, nameStart + nameLength);
    const extra = parseExtraFields(
      cd.subarray(nameStart + nameLength, nameStart + nameLength + extraLength),
      rawName,
    );
    const name = nameOf(rawName, flags, extra.unicodePath, headerOffset);
    const values: Zip64Candidates = {
      compressedSize: cd.readUInt32LE(pos + 20),
      uncompressedSize: cd.readUInt32LE(pos + 24),
      diskStart: cd.readUInt16LE(pos + 34),
      localHeaderOffset: cd.readUInt32LE(pos + 42),
    };
    applyZip64(values, extra.zip64, name);
    if (values.diskStart !== 0) {
      throw new ZipFormatError("multi-disk", `the entry starts on disk ${values.diskStart}`, {
        entryName: name,
      });
    }
    const localHeaderOffset = values.localHeaderOffset! + where.prefixBytes;
    if (localHeaderOffset + LOCAL_HEADER_SIZE + nameLength + values.compressedSize > where.offset) {
      throw new ZipFormatError(
        "out-of-bounds",
        `the entry (local header at ${localHeaderOffset}, ${values.compressedSize} compressed bytes) ` +
          `reaches into the central directory at ${where.offset}`,
        { entryName: name },
      );
    }
    entries.push({
      index,
      name,
      isDirectory: name.endsWith("/"),
      method,
      flags,
      encrypted:
        (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION | FLAG_MASKED_HEADERS)) !== 0 ||
        method === METHOD_WINZIP_AES,
      hasDataDescriptor: (flags & FLAG_DATA_DESCRIPTOR) !== 0,
      crc32,
      compressedSize: values.compressedSize,
      uncompressedSize: values.uncompressedSize,
      localHeaderOffset,
    });
    layouts.push({ rawName, regionEnd: where.offset });
    pos = end;
  }
  if (pos !== cd.length) {
    throw new ZipFormatError(
      "bad-count",
      `the central directory has ${cd.length - pos} bytes after its ${where.entryCount} declared entries`,
      { offset: where.offset + pos },
    );
  }
  assignRegions(entries, layouts, where.offset);
  return { entries, layouts };
}

function nameOf(rawName: Buffer, flags: number, unicodePath: string | undefined, offset: number): string {
  return decodeEntryName(rawName, (flags & FLAG_UTF8) !== 0, unicodePath, offset);
}

/**
 * Sorts entries by local header offset and gives each the bytes up to the next one. The
 * smallest an entry can occupy is a local header with its name plus its compressed data;
 * if that reaches the next entry, they overlap. (The exact extent, with the local extra
 * field and data descriptor, is checked against `regionEnd` when the entry is read.)
 */
function assignRegions(entries: readonly ZipEntry[], layouts: EntryLayout[], directoryOffset: number): void {
  const order = entries
    .map((_, i) => i)
    .sort((a, b) => entries[a]!.localHeaderOffset - entries[b]!.localHeaderOffset);
  for (let k = 0; k < order.length; k++) {
    const entry = entries[order[k]!]!;
    const layout = layouts[order[k]!]!;
    const next = k + 1 < order.length ? entries[order[k + 1]!]! : undefined;
    const regionEnd = next ? next.localHeaderOffset : directoryOffset;
    const minimalEnd =
      entry.localHeaderOffset + LOCAL_HEADER_SIZE + layout.rawName.length + entry.compressedSize;
    if (minimalEnd > regionEnd) {
      throw new ZipFormatError(
        "overlap",
        `the entry (local header at ${entry.localHeaderOffset}, ${entry.compressedSize} compressed bytes) ` +
          `overlaps entry ${JSON.stringify(next!.name)} at ${regionEnd}`,
        { entryName: entry.name },
      );
    }
    layout.regionEnd = regionEnd;
  }
}
