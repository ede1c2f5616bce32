import { zipCrc32 } from "./crc32.js";
import { tryDecodeUtf8 } from "./entry-name.js";
import { ZipFormatError } from "./zip-errors.js";

/** Header ids of the extra fields the reader interprets (APPNOTE 4.5, 4.6.9). */
const ZIP64_EXTRA = 0x0001;
const UNICODE_PATH_EXTRA = 0x7075;

/** A 32-bit size or offset of this value means "see the ZIP64 extra field" (APPNOTE 4.4.8). */
export const ZIP64_MARKER_32 = 0xffffffff;
/** A 16-bit count or disk number of this value means "see the ZIP64 record". */
export const ZIP64_MARKER_16 = 0xffff;

/** The extra fields of one header that matter for reading. */
export interface ExtraFields {
  /** Data of the ZIP64 extended information field. */
  readonly zip64?: Buffer;
  /** Name from an Info-ZIP Unicode Path field whose CRC matches the header's raw name. */
  readonly unicodePath?: string;
}

/**
 * Walks the extra field blocks (id, size, data). A trailing block that does not fit is
 * ignored, as Go and Java do: such padding is common (zipalign) and carries no meaning.
 */
export function parseExtraFields(extra: Buffer, rawName: Uint8Array): ExtraFields {
  let zip64: Buffer | undefined;
  let unicodePath: string | undefined;
  let pos = 0;
  while (pos + 4 <= extra.length) {
    const id = extra.readUInt16LE(pos);
    const size = extra.readUInt16LE(pos + 2);
    const start = pos + 4;
    if (start + size > extra.length) break;
    const data = extra.subarray(start, start + size);
    if (id === ZIP64_EXTRA && zip64 === undefined) zip64 = data;
    else if (id === UNICODE_PATH_EXTRA && unicodePath === undefined && size >= 5 && data[0] === 1) {
      if (data.readUInt32LE(1) === zipCrc32(rawName)) unicodePath = tryDecodeUtf8(data.subarray(5));
    }
    pos = start + size;
  }
  return { ...(zip64 ? { zip64 } : {}), ...(unicodePath !== undefined ? { unicodePath } : {}) };
}

/** A 64-bit little-endian value as a safe integer, or a {@link ZipFormatError}. */
export function readSafeUint64(buffer: Buffer, pos: number, what: string, entryName?: string): number {
  const value = buffer.readBigUInt64LE(pos);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new ZipFormatError("bad-zip64", `${what} ${value} is beyond 2^53`, { entryName });
  }
  return Number(value);
}

/** The 32-bit header values a ZIP64 extra field may replace, in the field's fixed order. */
export interface Zip64Candidates {
  uncompressedSize: number;
  compressedSize: number;
  localHeaderOffset?: number;
  diskStart?: number;
}

/**
 * Replaces each value that holds the ZIP64 marker by the next value of the ZIP64 extra
 * field (APPNOTE 4.5.3: the field holds only the values whose header field is the marker,
 * always in the order uncompressed size, compressed size, offset, disk).
 */
export function applyZip64(values: Zip64Candidates, field: Buffer | undefined, entryName: string): void {
  let pos = 0;
  const next = (what: string, bytes: 8 | 4): number => {
    if (field === undefined || pos + bytes > field.length) {
      throw new ZipFormatError("bad-zip64", `${what} needs a ZIP64 extra field value that is missing`, {
        entryName,
      });
    }
    const value = bytes === 8 ? readSafeUint64(field, pos, what, entryName) : field.readUInt32LE(pos);
    pos += bytes;
    return value;
  };
  if (values.uncompressedSize === ZIP64_MARKER_32) values.uncompressedSize = next("uncompressed size", 8);
  if (values.compressedSize === ZIP64_MARKER_32) values.compressedSize = next("compressed size", 8);
  if (values.localHeaderOffset === ZIP64_MARKER_32) values.localHeaderOffset = next("local header offset", 8);
  if (values.diskStart === ZIP64_MARKER_16) values.diskStart = next("disk number", 4);
}
