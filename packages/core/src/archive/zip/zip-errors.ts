/**
 * What was wrong with an archive's structure or data. Each names the rule that failed, so
 * callers (and tests) can tell a truncated download from a hostile archive.
 */
export type ZipFormatReason =
  /** No end of central directory record: not a zip, or cut before its end. */
  | "not-a-zip"
  /** A structure runs past the end of the file. */
  | "truncated"
  /** A record does not start with the signature its position requires. */
  | "bad-signature"
  /** An offset points outside the file, or file data reaches into the central directory. */
  | "out-of-bounds"
  /** Two entries share bytes (overlapping-entry bombs, quine-like archives). */
  | "overlap"
  /** The archive is split over several disks (spanned), which is not supported. */
  | "multi-disk"
  /** A ZIP64 record or extra field is missing, malformed or out of range. */
  | "bad-zip64"
  /** The central directory does not hold exactly the entries the end record declares. */
  | "bad-count"
  /** An entry name is not valid in the encoding its flags declare. */
  | "bad-name"
  /** A local header or data descriptor disagrees with the central directory. */
  | "header-mismatch"
  /** A compression method other than stored (0) and deflate (8). */
  | "unsupported-method"
  /** The entry is encrypted (traditional PKWARE, strong encryption or WinZip AES). */
  | "encrypted"
  /** The compressed data is not a valid deflate stream of exactly the declared length. */
  | "corrupt-data"
  /** The data does not have the size the central directory declares. */
  | "size-mismatch"
  /** The CRC-32 of the data differs from the declared one. */
  | "crc-mismatch";

/** Which limit of {@link ZipLimits} an archive or entry exceeded. */
export type ZipLimitReason =
  | "too-many-entries"
  | "central-directory-too-large"
  | "entry-too-large"
  | "total-too-large"
  | "compression-ratio";

/** Where in the archive a problem is: the entry (as named in the central directory) and/or a file offset. */
export interface ZipErrorLocation {
  readonly entryName?: string;
  readonly offset?: number;
  readonly cause?: unknown;
}

/** Names quoted the way JSON quotes them, so control characters in hostile names stay visible. */
function quoteName(name: string): string {
  const quoted = JSON.stringify(name);
  return quoted.length > 202 ? `${quoted.slice(0, 200)}…"` : quoted;
}

function locate(message: string, where: ZipErrorLocation): string {
  const parts: string[] = [];
  if (where.entryName !== undefined) parts.push(`entry ${quoteName(where.entryName)}`);
  if (where.offset !== undefined) parts.push(`offset ${where.offset}`);
  return parts.length > 0 ? `${parts.join(", ")}: ${message}` : message;
}

/** Base class of every error the zip reader raises about the archive itself. */
export abstract class ZipError extends Error {
  /** The entry the problem is in, if it is in one. */
  readonly entryName?: string;
  /** The file offset of the structure that failed, when known. */
  readonly offset?: number;

  constructor(message: string, where: ZipErrorLocation) {
    super(locate(message, where), where.cause === undefined ? undefined : { cause: where.cause });
    if (where.entryName !== undefined) this.entryName = where.entryName;
    if (where.offset !== undefined) this.offset = where.offset;
  }
}

/** The archive is malformed, damaged, or uses a feature this reader refuses. */
export class ZipFormatError extends ZipError {
  override readonly name = "ZipFormatError";

  constructor(
    readonly reason: ZipFormatReason,
    message: string,
    where: ZipErrorLocation = {},
  ) {
    super(message, where);
  }
}

/** The archive is well-formed (as far as was read) but over one of the configured limits. */
export class ZipLimitError extends ZipError {
  override readonly name = "ZipLimitError";

  constructor(
    readonly reason: ZipLimitReason,
    /** The limit that applied. */
    readonly limit: number,
    /** The value that exceeded it (declared or counted). */
    readonly actual: number,
    message: string,
    where: ZipErrorLocation = {},
  ) {
    super(message, where);
  }
}
