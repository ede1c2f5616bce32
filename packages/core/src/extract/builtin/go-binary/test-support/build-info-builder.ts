/**
 * Go build info blobs and whole ELF files holding them, written from the format that Go's
 * debug/buildinfo reads, for the cases the host's Go cannot build: the pointer format of
 * Go 1.17 and earlier, damaged blobs, and any class and byte order on demand.
 */
import { PF_R, PF_W, PF_X, PT_LOAD, PT_NOTE } from "../../elf/index.js";
import { type BuiltElf, buildElf } from "../../elf/test-support/elf-builder.js";

/** The sentinels the go command puts around the module information (as in a real Go 1.19 binary). */
export const MODINFO_START = Buffer.from("3077af0c9274080241e1c107e6d618e6", "hex");
export const MODINFO_END = Buffer.from("f932433186182072008242104116d8f2", "hex");
const MAGIC = Buffer.from("\xff Go buildinf:", "latin1");

/** Module information text with its sentinels, as stored in a binary. */
export function framedModInfo(text: string): Buffer {
  return Buffer.concat([MODINFO_START, Buffer.from(text, "utf8"), MODINFO_END]);
}

/** Go 1.18+ blob: the 32-byte header (flag 0x2) then two varint-prefixed strings. */
export function inlineBlob(goVersion: string, modInfo: Buffer, pointerSize: 4 | 8 = 8): Buffer {
  const header = Buffer.alloc(32);
  MAGIC.copy(header);
  header[14] = pointerSize;
  header[15] = 0x2;
  const version = Buffer.from(goVersion, "utf8");
  return Buffer.concat([header, uvarint(version.length), version, uvarint(modInfo.length), modInfo]);
}

/** encoding/binary.PutUvarint. */
export function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** A Go build ID note as the Go linker writes it (owner "Go", type 4). */
export function goBuildIdNote(littleEndian: boolean, buildId = "test-build-id"): Buffer {
  const name = Buffer.from("Go\0\0", "latin1");
  const desc = Buffer.from(buildId, "latin1");
  const head = Buffer.alloc(12);
  const u32 = (v: number, at: number) =>
    littleEndian ? head.writeUInt32LE(v, at) : head.writeUInt32BE(v, at);
  u32(name.length, 0);
  u32(desc.length, 4);
  u32(4, 8);
  const padding = Buffer.alloc((4 - (desc.length % 4)) % 4);
  return Buffer.concat([head, name, desc, padding]);
}

/** Layout options of the executables below. */
export interface GoElfOptions {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  /** Bytes of other data before the blob in the data segment (an external linker's `.data`). */
  readonly dataBefore?: number;
  /** Add the Go build ID note segment. */
  readonly goNote?: boolean;
}

/**
 * An executable laid out like Go's internal linker does it: text (R+X), rodata (R), then the
 * data segment (R+W) whose first bytes are `blob`.
 */
export function goElf(blob: Buffer, options: GoElfOptions): BuiltElf {
  const { is64, littleEndian } = options;
  const data = Buffer.concat([Buffer.alloc(options.dataBefore ?? 0, 0x5a), blob, Buffer.alloc(64)]);
  return buildElf({
    is64,
    littleEndian,
    segments: [
      ...(options.goNote
        ? [{ type: PT_NOTE, flags: PF_R, vaddr: 0x400f00, data: goBuildIdNote(littleEndian) }]
        : []),
      { type: PT_LOAD, flags: PF_R | PF_X, vaddr: 0x401000, data: Buffer.alloc(256, 0xc3) },
      { type: PT_LOAD, flags: PF_R, vaddr: 0x482000, data: Buffer.alloc(256, 0x11) },
      { type: PT_LOAD, flags: PF_R | PF_W, vaddr: 0x511000, data, memsz: data.length + 4096 },
    ],
  });
}

/**
 * An executable in the Go 1.17 and earlier layout: the blob at the start of the data segment
 * holds two pointers to Go string headers (`{data, len}`) further on in the data segment, whose
 * data pointers lead back into rodata, where the version and the module information are.
 */
export function pointerFormatElf(goVersion: string, modInfo: Buffer, options: GoElfOptions): BuiltElf {
  const { is64, littleEndian } = options;
  const size = is64 ? 8 : 4;
  const rodataAddr = 0x482000;
  const dataAddr = 0x511000;
  const version = Buffer.from(goVersion, "utf8");
  const rodata = Buffer.concat([Buffer.alloc(32, 0x11), version, modInfo]);
  const versionAddr = rodataAddr + 32;
  const modAddr = versionAddr + version.length;

  const pointer = (value: number) => {
    const b = Buffer.alloc(size);
    if (size === 8) littleEndian ? b.writeBigUInt64LE(BigInt(value)) : b.writeBigUInt64BE(BigInt(value));
    else littleEndian ? b.writeUInt32LE(value) : b.writeUInt32BE(value);
    return b;
  };
  // Header (32 bytes), then the two string headers at data+32 and data+32+2*size.
  const header = Buffer.alloc(32);
  MAGIC.copy(header);
  header[14] = size;
  header[15] = littleEndian ? 0 : 1;
  pointer(dataAddr + 32).copy(header, 16);
  pointer(dataAddr + 32 + 2 * size).copy(header, 16 + size);
  const stringHeaders = Buffer.concat([
    pointer(versionAddr),
    pointer(version.length),
    pointer(modAddr),
    pointer(modInfo.length),
  ]);
  const data = Buffer.concat([header, stringHeaders, Buffer.alloc(64)]);
  return buildElf({
    is64,
    littleEndian,
    segments: [
      { type: PT_LOAD, flags: PF_R | PF_X, vaddr: 0x401000, data: Buffer.alloc(256, 0xc3) },
      { type: PT_LOAD, flags: PF_R, vaddr: rodataAddr, data: rodata },
      { type: PT_LOAD, flags: PF_R | PF_W, vaddr: dataAddr, data },
    ],
  });
}
