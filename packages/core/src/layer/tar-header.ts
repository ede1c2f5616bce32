/**
 * Decoding of one 512-byte tar header block: POSIX ustar, GNU and old v7 headers.
 * Reference: POSIX.1-2001 pax format (`pax` in IEEE Std 1003.1) and GNU tar's documentation
 * of its extensions (base-256 sizes, `L`/`K` long names).
 */

/** Size of a tar block; headers and content padding are aligned to it. */
export const TAR_BLOCK = 512;

/** A decoded header. `name`/`linkName` may still be replaced by PAX or GNU long names. */
export interface TarHeader {
  readonly name: string;
  readonly linkName: string;
  readonly mode: number;
  readonly size: number;
  /** The raw typeflag character (`0`, `5`, `x`, `L` ...); `\0` is normalized to `0`. */
  readonly typeFlag: string;
}

/** A header block that is not a valid header. */
export interface TarHeaderProblem {
  readonly problem: string;
}

/** True when every byte of the block is zero: one of the two end-of-archive blocks. */
export function isZeroBlock(block: Uint8Array): boolean {
  for (let i = 0; i < TAR_BLOCK; i++) if (block[i] !== 0) return false;
  return true;
}

/** Decode one header block; a checksum mismatch or a bad number is a problem, not a throw. */
export function decodeTarHeader(block: Buffer): TarHeader | TarHeaderProblem {
  const stored = parseOctal(block, 148, 8);
  if (stored === undefined) return { problem: "header checksum field is not a number" };
  if (stored !== checksum(block)) return { problem: "header checksum does not match its content" };
  const size = parseNumber(block, 124, 12);
  if (size === undefined || size < 0 || !Number.isSafeInteger(size)) {
    return { problem: "header size field is not a valid number" };
  }
  const mode = parseOctal(block, 100, 8) ?? 0;
  const rawType = block[156] ?? 0;
  const typeFlag = rawType === 0 ? "0" : String.fromCharCode(rawType);
  let name = cString(block, 0, 100);
  // ustar ("ustar\0") and GNU ("ustar ") both have the magic; only ustar has the 155-byte prefix.
  const isUstar = block[257] === 0x75 && block.toString("latin1", 257, 263) === "ustar\0";
  if (isUstar) {
    const prefix = cString(block, 345, 155);
    if (prefix !== "") name = `${prefix}/${name}`;
  }
  return { name, linkName: cString(block, 157, 100), mode, size, typeFlag };
}

/** Sum of the header bytes with the checksum field counted as spaces (unsigned, as POSIX says). */
function checksum(block: Buffer): number {
  let sum = 8 * 0x20;
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < TAR_BLOCK; i++) sum += block[i]!;
  return sum;
}

/** NUL-terminated UTF-8 field. */
function cString(block: Buffer, offset: number, length: number): string {
  let end = offset;
  const max = offset + length;
  while (end < max && block[end] !== 0) end++;
  return block.toString("utf8", offset, end);
}

/** Numeric field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function parseNumber(block: Buffer, offset: number, length: number): number | undefined {
  const first = block[offset]!;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative base-256: never a valid size
    let value = first & 0x7f;
    for (let i = 1; i < length; i++) {
      value = value * 256 + block[offset + i]!;
      if (!Number.isSafeInteger(value)) return undefined;
    }
    return value;
  }
  return parseOctal(block, offset, length);
}

/** Octal text padded with spaces or NULs; empty means 0. */
function parseOctal(block: Buffer, offset: number, length: number): number | undefined {
  let i = offset;
  const end = offset + length;
  while (i < end && block[i] === 0x20) i++;
  let value = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = block[i]!;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return undefined;
    value = value * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? 0 : value;
}

/**
 * Parse PAX extended header records (`"%d %s=%s\n"`). Returns the key/value map, or a
 * problem string for a malformed record.
 */
export function parsePaxRecords(data: Buffer): Map<string, string> | TarHeaderProblem {
  const records = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // trailing NUL padding written by some tools
    const space = data.indexOf(0x20, pos);
    if (space < 0) return { problem: "PAX record without a length" };
    const length = Number(data.toString("latin1", pos, space));
    if (!Number.isInteger(length) || length <= space - pos || pos + length > data.length) {
      return { problem: "PAX record length is out of range" };
    }
    const record = data.toString("utf8", space + 1, pos + length - 1);
    const eq = record.indexOf("=");
    if (eq < 0) return { problem: "PAX record without '='" };
    records.set(record.slice(0, eq), record.slice(eq + 1));
    pos += length;
  }
  return records;
}
