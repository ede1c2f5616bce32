import { type EntryLayout, LOCAL_HEADER_SIZE } from "./central-directory.js";
import { ZIP64_MARKER_32 } from "./extra-fields.js";
import {
  checkStored,
  inflateInMemory,
  inflateStreaming,
  SYNC_INFLATE_MAX_BYTES,
  SYNC_INFLATE_MAX_COMPRESSED,
} from "./inflate-entry.js";
import { describeMethod, type ZipEntry } from "./zip-entry.js";
import { ZipFormatError, ZipLimitError } from "./zip-errors.js";
import type { ZipLimits } from "./zip-limits.js";

const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const DATA_DESCRIPTOR_SIGNATURE = 0x08074b50;
/** Smallest data descriptor: CRC and two 32-bit sizes, no signature. */
const MIN_DESCRIPTOR = 12;
/** Largest: signature, CRC, two 64-bit sizes. */
const MAX_DESCRIPTOR = 24;
/** Local extra fields are usually as long as the central ones; this much more is read up front in case. */
const EXTRA_SLACK = 64;

/** Reads bytes of the archive; throws `ZipFormatError` outside the file. */
export type RangeReader = (
  offset: number,
  length: number,
  what: string,
  entryName?: string,
) => Promise<Buffer>;

/** What {@link readEntryData} needs besides the entry. */
export interface ReadEntryContext {
  readonly layout: EntryLayout;
  readonly limits: ZipLimits;
  /** Uncompressed bytes this entry may have (the caller's `maxBytes` or the limit). */
  readonly maxBytes: number;
  /** Uncompressed bytes already handed out from this archive. */
  readonly totalSoFar: number;
  readonly read: RangeReader;
  readonly signal?: AbortSignal;
}

/** Refuses, before reading anything, an entry that cannot or must not be read. */
export function checkReadable(entry: ZipEntry, context: ReadEntryContext): void {
  const { limits, maxBytes } = context;
  const where = { entryName: entry.name };
  if (entry.encrypted) throw new ZipFormatError("encrypted", "the entry is encrypted", where);
  if (entry.method !== 0 && entry.method !== 8) {
    throw new ZipFormatError(
      "unsupported-method",
      `compression method ${describeMethod(entry.method)} is not supported (only stored and deflate)`,
      where,
    );
  }
  if (entry.uncompressedSize > maxBytes) {
    throw new ZipLimitError(
      "entry-too-large",
      maxBytes,
      entry.uncompressedSize,
      `the entry is ${entry.uncompressedSize} bytes uncompressed; the limit is ${maxBytes}`,
      where,
    );
  }
  if (context.totalSoFar + entry.uncompressedSize > limits.maxTotalBytes) {
    throw new ZipLimitError(
      "total-too-large",
      limits.maxTotalBytes,
      context.totalSoFar + entry.uncompressedSize,
      `reading it would take the archive past ${limits.maxTotalBytes} uncompressed bytes in total`,
      where,
    );
  }
  if (
    entry.uncompressedSize >= limits.ratioCheckMinBytes &&
    entry.uncompressedSize > entry.compressedSize * limits.maxCompressionRatio
  ) {
    throw new ZipLimitError(
      "compression-ratio",
      limits.maxCompressionRatio,
      entry.uncompressedSize / Math.max(1, entry.compressedSize),
      `the entry expands ${entry.compressedSize} bytes to ${entry.uncompressedSize}, ` +
        `more than ${limits.maxCompressionRatio}:1`,
      where,
    );
  }
  if (entry.method === 0 && entry.compressedSize !== entry.uncompressedSize) {
    throw new ZipFormatError(
      "size-mismatch",
      `a stored entry declares ${entry.compressedSize} bytes stored and ${entry.uncompressedSize} uncompressed`,
      where,
    );
  }
}

/**
 * Reads one entry: its local header (which must repeat the central directory's name and
 * method, and its sizes and CRC unless a data descriptor carries them), the data (which
 * must end before the next entry), the data descriptor if flagged, then stored bytes or
 * inflated deflate data, checked against the declared size and CRC-32. The caller has
 * passed the entry through {@link checkReadable} first.
 */
export async function readEntryData(entry: ZipEntry, context: ReadEntryContext): Promise<Buffer> {
  context.signal?.throwIfAborted();
  const { layout, read } = context;
  const name = entry.name;
  const start = entry.localHeaderOffset;
  const region = layout.regionEnd - start;
  const small =
    entry.compressedSize <= SYNC_INFLATE_MAX_COMPRESSED && entry.uncompressedSize <= SYNC_INFLATE_MAX_BYTES;
  // One read covers header, name, a typical extra field, data and descriptor of a small entry.
  const guess =
    LOCAL_HEADER_SIZE +
    layout.rawName.length +
    EXTRA_SLACK +
    (small ? entry.compressedSize + MAX_DESCRIPTOR : 0);
  let head = await read(start, Math.min(region, guess), "local header", name);
  if (head.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
    throw new ZipFormatError("bad-signature", "no local header where the central directory points", {
      entryName: name,
      offset: start,
    });
  }
  const nameLength = head.readUInt16LE(26);
  const extraLength = head.readUInt16LE(28);
  const dataOffset = start + LOCAL_HEADER_SIZE + nameLength + extraLength;
  const descriptorLength = entry.hasDataDescriptor ? MIN_DESCRIPTOR : 0;
  const dataEnd = dataOffset + entry.compressedSize;
  if (dataEnd + descriptorLength > layout.regionEnd) {
    throw new ZipFormatError(
      "overlap",
      `the entry's data (to offset ${dataEnd + descriptorLength}) runs into the next entry or the central directory at ${layout.regionEnd}`,
      { entryName: name, offset: start },
    );
  }
  const wanted =
    (small ? dataEnd + Math.min(MAX_DESCRIPTOR, layout.regionEnd - dataEnd) : dataOffset) - start;
  if (wanted > head.length) head = await read(start, wanted, "local header", name);
  checkLocalHeader(entry, layout, head, nameLength, extraLength);

  if (entry.hasDataDescriptor) {
    const at = dataEnd - start;
    const descriptor = small
      ? head.subarray(at, at + MIN_DESCRIPTOR + 4)
      : await read(
          dataEnd,
          Math.min(MIN_DESCRIPTOR + 4, layout.regionEnd - dataEnd),
          "data descriptor",
          name,
        );
    const crc =
      descriptor.readUInt32LE(0) === DATA_DESCRIPTOR_SIGNATURE && descriptor.length >= 8
        ? descriptor.readUInt32LE(4)
        : descriptor.readUInt32LE(0);
    if (crc !== entry.crc32) {
      throw new ZipFormatError(
        "header-mismatch",
        "the data descriptor's CRC-32 differs from the central directory's",
        {
          entryName: name,
          offset: dataEnd,
        },
      );
    }
  }

  if (small) {
    const at = dataOffset - start;
    const data = head.subarray(at, at + entry.compressedSize);
    return entry.method === 0 ? checkStored(entry, data) : inflateInMemory(entry, data);
  }
  if (entry.method === 0) {
    return checkStored(entry, await read(dataOffset, entry.compressedSize, "stored data", name));
  }
  return inflateStreaming(
    entry,
    dataOffset,
    (offset, length) => read(offset, length, "deflate data", name),
    context.signal,
  );
}

function checkLocalHeader(
  entry: ZipEntry,
  layout: EntryLayout,
  head: Buffer,
  nameLength: number,
  extraLength: number,
): void {
  const mismatch = (what: string) =>
    new ZipFormatError("header-mismatch", `the local header's ${what} differs from the central directory's`, {
      entryName: entry.name,
      offset: entry.localHeaderOffset,
    });
  const localName = head.subarray(LOCAL_HEADER_SIZE, LOCAL_HEADER_SIZE + nameLength);
  if (!localName.equals(layout.rawName)) throw mismatch("name");
  if (head.readUInt16LE(8) !== entry.method) throw mismatch("compression method");
  const flags = head.readUInt16LE(6);
  if ((flags & 1) !== (entry.flags & 1)) throw mismatch("encryption flag");
  if (entry.hasDataDescriptor || (flags & 8) !== 0) return;
  // Without a descriptor the local header carries the real values (or ZIP64 markers).
  if (head.readUInt32LE(14) !== entry.crc32) throw mismatch("CRC-32");
  const compressed = head.readUInt32LE(18);
  const uncompressed = head.readUInt32LE(22);
  if (compressed === ZIP64_MARKER_32 || uncompressed === ZIP64_MARKER_32) {
    const extra = head.subarray(LOCAL_HEADER_SIZE + nameLength, LOCAL_HEADER_SIZE + nameLength + extraLength);
    checkLocalZip64(entry, extra, compressed, uncompressed, mismatch);
    return;
  }
  if (compressed !== entry.compressedSize) throw mismatch("compressed size");
  if (uncompressed !== entry.uncompressedSize) throw mismatch("uncompressed size");
}

/** In a local header the ZIP64 field holds both sizes (APPNOTE 4.5.3), uncompressed first. */
function checkLocalZip64(
  entry: ZipEntry,
  extra: Buffer,
  compressed: number,
  uncompressed: number,
  mismatch: (what: string) => ZipFormatError,
): void {
  for (let pos = 0; pos + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(pos);
    const size = extra.readUInt16LE(pos + 2);
    if (pos + 4 + size > extra.length) break;
    if (id === 1 && size >= 16) {
      const localUncompressed =
        uncompressed === ZIP64_MARKER_32 ? Number(extra.readBigUInt64LE(pos + 4)) : uncompressed;
      const localCompressed =
        compressed === ZIP64_MARKER_32 ? Number(extra.readBigUInt64LE(pos + 12)) : compressed;
      if (localCompressed !== entry.compressedSize) throw mismatch("compressed size");
      if (localUncompressed !== entry.uncompressedSize) throw mismatch("uncompressed size");
      return;
    }
    pos += 4 + size;
  }
  throw new ZipFormatError("bad-zip64", "the local header has ZIP64 size markers but no ZIP64 extra field", {
    entryName: entry.name,
    offset: entry.localHeaderOffset,
  });
}
