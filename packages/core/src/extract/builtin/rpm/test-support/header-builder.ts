/**
 * Builds rpm header blobs for tests, with optional raw overrides of index fields so that
 * damaged headers can be made on purpose.
 */
import { RpmType } from "../rpm-header.js";

/** One entry to write. `offset`/`count` override the computed values (to corrupt a header). */
export interface EntrySpec {
  readonly tag: number;
  readonly type: number;
  readonly value: string | readonly string[] | readonly number[] | Buffer;
  readonly offset?: number;
  readonly count?: number;
}

/** A header blob (`il`, `dl`, index, data store), as rpm databases store it. */
export function buildHeaderBlob(entries: readonly EntrySpec[]): Buffer {
  const index = Buffer.alloc(16 * entries.length);
  const parts: Buffer[] = [];
  let size = 0;
  entries.forEach((entry, i) => {
    const { bytes, count, align } = encode(entry);
    const pad = (align - (size % align)) % align;
    if (pad) {
      parts.push(Buffer.alloc(pad));
      size += pad;
    }
    index.writeInt32BE(entry.tag, 16 * i);
    index.writeUInt32BE(entry.type, 16 * i + 4);
    index.writeInt32BE(entry.offset ?? size, 16 * i + 8);
    index.writeUInt32BE(entry.count ?? count, 16 * i + 12);
    parts.push(bytes);
    size += bytes.length;
  });
  const preamble = Buffer.alloc(8);
  preamble.writeUInt32BE(entries.length, 0);
  preamble.writeUInt32BE(size, 4);
  return Buffer.concat([preamble, index, ...parts]);
}

function encode(entry: EntrySpec): { bytes: Buffer; count: number; align: number } {
  const { type, value } = entry;
  if (Buffer.isBuffer(value)) return { bytes: value, count: value.length, align: 1 };
  if (typeof value === "string") return { bytes: Buffer.from(`${value}\0`, "utf8"), count: 1, align: 1 };
  if (type === RpmType.STRING_ARRAY || type === RpmType.I18NSTRING) {
    const strings = value as readonly string[];
    return {
      bytes: Buffer.from(strings.map((s) => `${s}\0`).join(""), "utf8"),
      count: strings.length,
      align: 1,
    };
  }
  const numbers = value as readonly number[];
  const size = type === RpmType.INT16 ? 2 : type === RpmType.INT32 ? 4 : type === RpmType.INT64 ? 8 : 1;
  const bytes = Buffer.alloc(size * numbers.length);
  numbers.forEach((n, i) => {
    if (size === 1) bytes.writeUInt8(n, i);
    else if (size === 2) bytes.writeUInt16BE(n, 2 * i);
    else if (size === 4) bytes.writeUInt32BE(n, 4 * i);
    else bytes.writeBigUInt64BE(BigInt(n), 8 * i);
  });
  return { bytes, count: numbers.length, align: size };
}
