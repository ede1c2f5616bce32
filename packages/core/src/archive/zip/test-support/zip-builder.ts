/**
 * Builds zip archives byte by byte for tests, including ones no well-behaved tool writes:
 * lying sizes and CRCs, names that differ between headers, entries pointing at each other
 * or into the central directory, ZIP64 records on tiny archives, bytes prepended.
 */
import { crc32, deflateRawSync } from "node:zlib";

export interface ZipBuildEntry {
  readonly name: string | Buffer;
  /** Uncompressed content. */
  readonly data?: string | Buffer;
  /** 0 stored, 8 deflate (default); other values are written as given with the data stored. */
  readonly method?: number;
  /** Bytes written as the entry's data instead of compressing `data`. */
  readonly raw?: Buffer;
  readonly crc32?: number;
  readonly uncompressedSize?: number;
  readonly compressedSize?: number;
  readonly flags?: number;
  /** Set flag bit 11 (names are UTF-8). */
  readonly utf8?: boolean;
  /** Write a data descriptor (flag bit 3), with or without its optional signature. */
  readonly dataDescriptor?: "signature" | "plain";
  /** Put sizes (and the offset, in the central directory) in ZIP64 extra fields. */
  readonly zip64?: boolean;
  readonly localName?: string | Buffer;
  readonly localMethod?: number;
  readonly localCrc32?: number;
  readonly centralExtra?: Buffer;
  readonly localExtra?: Buffer;
  /** Central directory points here instead of at the entry's own local header. */
  readonly localHeaderOffset?: number;
  /** Write only the central directory header (use with `localHeaderOffset`). */
  readonly centralOnly?: boolean;
}

export interface ZipBuildOptions {
  readonly comment?: string | Buffer;
  /** Write a ZIP64 end record and locator even though nothing needs them. */
  readonly zip64End?: boolean;
  /** Bytes before the archive; offsets stay relative to the archive (as `cat stub a.zip` makes). */
  readonly prefix?: Buffer;
  readonly entryCount?: number;
  readonly centralDirectoryOffset?: number;
  readonly centralDirectorySize?: number;
  /** Bytes after the end record. */
  readonly trailer?: Buffer;
}

export interface BuiltZip {
  readonly bytes: Buffer;
  /** Offsets (in `bytes`) of each entry's local header, its data, and the central directory. */
  readonly localOffsets: readonly number[];
  readonly dataOffsets: readonly number[];
  readonly centralDirectoryOffset: number;
  readonly endOffset: number;
}

const toBuffer = (value: string | Buffer | undefined): Buffer =>
  value === undefined ? Buffer.alloc(0) : typeof value === "string" ? Buffer.from(value, "utf8") : value;

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}
function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}
function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}
function extraField(id: number, data: Buffer): Buffer {
  return Buffer.concat([u16(id), u16(data.length), data]);
}

export function buildZip(entries: readonly ZipBuildEntry[], options: ZipBuildOptions = {}): BuiltZip {
  const prefix = options.prefix ?? Buffer.alloc(0);
  const parts: Buffer[] = [];
  let length = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    length += b.length;
  };
  const central: Buffer[] = [];
  const localOffsets: number[] = [];
  const dataOffsets: number[] = [];
  for (const entry of entries) {
    const name = toBuffer(entry.name);
    const content = toBuffer(entry.data);
    const method = entry.method ?? 8;
    const data = entry.raw ?? (method === 8 ? deflateRawSync(content) : content);
    const crc = entry.crc32 ?? crc32(content);
    const usize = entry.uncompressedSize ?? content.length;
    const csize = entry.compressedSize ?? data.length;
    const flags = (entry.flags ?? 0) | (entry.utf8 ? 0x800 : 0) | (entry.dataDescriptor ? 0x8 : 0);
    const offset = length;
    localOffsets.push(prefix.length + offset);
    if (!entry.centralOnly) {
      const localName = entry.localName === undefined ? name : toBuffer(entry.localName);
      const localExtra = Buffer.concat([
        entry.zip64 ? extraField(1, Buffer.concat([u64(usize), u64(csize)])) : Buffer.alloc(0),
        entry.localExtra ?? Buffer.alloc(0),
      ]);
      const dd = entry.dataDescriptor !== undefined;
      push(
        Buffer.concat([
          u32(0x04034b50),
          u16(entry.zip64 ? 45 : 20),
          u16(flags),
          u16(entry.localMethod ?? method),
          u16(0),
          u16(0x21),
          u32(dd ? 0 : (entry.localCrc32 ?? crc)),
          u32(dd ? 0 : entry.zip64 ? 0xffffffff : csize),
          u32(dd ? 0 : entry.zip64 ? 0xffffffff : usize),
          u16(localName.length),
          u16(localExtra.length),
          localName,
          localExtra,
        ]),
      );
      dataOffsets.push(prefix.length + length);
      push(data);
      if (entry.dataDescriptor === "signature") push(u32(0x08074b50));
      if (dd) {
        push(u32(crc));
        push(entry.zip64 ? Buffer.concat([u64(csize), u64(usize)]) : Buffer.concat([u32(csize), u32(usize)]));
      }
    } else {
      dataOffsets.push(-1);
    }
    const headerOffset = entry.localHeaderOffset ?? offset;
    const centralExtra = Buffer.concat([
      entry.zip64
        ? extraField(1, Buffer.concat([u64(usize), u64(csize), u64(headerOffset)]))
        : Buffer.alloc(0),
      entry.centralExtra ?? Buffer.alloc(0),
    ]);
    central.push(
      Buffer.concat([
        u32(0x02014b50),
        u16(0x031e),
        u16(entry.zip64 ? 45 : 20),
        u16(flags),
        u16(method),
        u16(0),
        u16(0x21),
        u32(crc),
        u32(entry.zip64 ? 0xffffffff : csize),
        u32(entry.zip64 ? 0xffffffff : usize),
        u16(name.length),
        u16(centralExtra.length),
        u16(0),
        u16(0),
        u16(0),
        u32(0o100644 << 16),
        u32(entry.zip64 ? 0xffffffff : headerOffset),
        name,
        centralExtra,
      ]),
    );
  }
  const cdOffset = length;
  for (const c of central) push(c);
  const cdSize = length - cdOffset;
  const count = options.entryCount ?? entries.length;
  const declaredOffset = options.centralDirectoryOffset ?? cdOffset;
  const declaredSize = options.centralDirectorySize ?? cdSize;
  if (options.zip64End) {
    const recordOffset = length;
    push(
      Buffer.concat([
        u32(0x06064b50),
        u64(44),
        u16(45),
        u16(45),
        u32(0),
        u32(0),
        u64(count),
        u64(count),
        u64(declaredSize),
        u64(declaredOffset),
      ]),
    );
    push(Buffer.concat([u32(0x07064b50), u32(0), u64(recordOffset), u32(1)]));
  }
  const endOffset = prefix.length + length;
  const comment = toBuffer(options.comment);
  const z64 = options.zip64End;
  push(
    Buffer.concat([
      u32(0x06054b50),
      u16(0),
      u16(0),
      u16(z64 ? 0xffff : count),
      u16(z64 ? 0xffff : count),
      u32(z64 ? 0xffffffff : declaredSize),
      u32(z64 ? 0xffffffff : declaredOffset),
      u16(comment.length),
      comment,
    ]),
  );
  if (options.trailer) push(options.trailer);
  return {
    bytes: Buffer.concat([prefix, ...parts]),
    localOffsets,
    dataOffsets,
    centralDirectoryOffset: prefix.length + cdOffset,
    endOffset,
  };
}
