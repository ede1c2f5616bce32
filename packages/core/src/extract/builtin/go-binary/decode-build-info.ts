import type { FileReader } from "../../file-reader.js";
import { type ElfResult, type ElfSegment, elfOk, elfProblem } from "../elf/index.js";
import { BUILD_INFO_HEADER_SIZE } from "./find-build-info.js";
import { readPointedStrings } from "./read-pointed-strings.js";

/** Longest toolchain version string accepted (real ones are about 10 bytes). */
export const MAX_VERSION_BYTES = 4 * 1024;
/** Longest module information accepted: about 100 bytes a module, so room for thousands. */
export const MAX_MODINFO_BYTES = 1024 * 1024;
/** A varint of up to 64 bits takes at most 10 bytes. */
const MAX_VARINT_BYTES = 10;
/** The sentinels around the module information (cmd/go's modload infoStart/infoEnd). */
const FRAMING_BYTES = 16;

/** The two strings of a build info blob, before parsing. */
export interface RawBuildInfo {
  /** `runtime.buildVersion`, e.g. `go1.22.3`. */
  readonly goVersion: string;
  /** The module information without its framing; undefined for a binary not built in module mode. */
  readonly modInfo: string | undefined;
}

/**
 * Decode the build info blob at file offset `at` (Go's debug/buildinfo format): 14 bytes of
 * magic, the pointer size, a flags byte, then
 *
 * - Go 1.18 and later (flag 0x2): the version and module strings follow the 32-byte header,
 *   each as an unsigned varint length and the bytes;
 * - before Go 1.18: two pointers (of the given size and byte order, flag 0x1 = big-endian)
 *   to Go string headers `{data pointer, length}` holding the two strings. Pointers are
 *   virtual addresses, mapped to file offsets through the PT_LOAD segments; the string data
 *   lives in `.rodata`, before the data segment, so this format reads backwards once.
 */
export async function decodeBuildInfo(
  reader: FileReader,
  segments: readonly ElfSegment[],
  at: number,
): Promise<ElfResult<RawBuildInfo>> {
  const header = await reader.readAt(at, BUILD_INFO_HEADER_SIZE);
  if (header.length < BUILD_INFO_HEADER_SIZE) {
    return elfProblem("go-buildinfo-truncated", "the file ends inside the Go build info header");
  }
  const pointerSize = header[14]!;
  const flags = header[15]!;
  let strings: ElfResult<[Buffer, Buffer]>;
  if (flags & 0x2) {
    strings = await readInlineStrings(reader, at + BUILD_INFO_HEADER_SIZE);
  } else {
    if (pointerSize !== 4 && pointerSize !== 8) {
      return elfProblem(
        "go-buildinfo-bad-header",
        `the Go build info declares a pointer size of ${pointerSize}`,
      );
    }
    strings = await readPointedStrings(reader, segments, header, {
      pointerSize,
      bigEndian: (flags & 0x1) !== 0,
      limits: [MAX_VERSION_BYTES, MAX_MODINFO_BYTES],
    });
  }
  if (!strings.ok) return strings;
  const [version, modInfo] = strings.value;
  if (version.length === 0) {
    return elfProblem("go-buildinfo-no-version", "the Go build info has an empty toolchain version");
  }
  return elfOk({ goVersion: version.toString("utf8"), modInfo: unframe(modInfo) });
}

async function readInlineStrings(reader: FileReader, start: number): Promise<ElfResult<[Buffer, Buffer]>> {
  const version = await readVarintString(reader, start, MAX_VERSION_BYTES, "toolchain version");
  if (!version.ok) return version;
  const modInfo = await readVarintString(reader, version.value.end, MAX_MODINFO_BYTES, "module information");
  if (!modInfo.ok) return modInfo;
  return elfOk([version.value.bytes, modInfo.value.bytes]);
}

async function readVarintString(
  reader: FileReader,
  at: number,
  limit: number,
  what: string,
): Promise<ElfResult<{ bytes: Buffer; end: number }>> {
  const prefix = await reader.readAt(at, MAX_VARINT_BYTES);
  const varint = decodeUvarint(prefix);
  if (!varint) {
    return prefix.length < MAX_VARINT_BYTES && !prefix.some((b) => b < 0x80)
      ? elfProblem("go-buildinfo-truncated", `the file ends inside the length of the ${what}`)
      : elfProblem("go-buildinfo-bad-varint", `the length of the ${what} is not a valid varint`);
  }
  if (varint.value > limit) {
    return elfProblem(
      "go-buildinfo-too-large",
      `the ${what} claims ${varint.value} bytes, over the limit of ${limit}`,
    );
  }
  const start = at + varint.size;
  const bytes = await reader.readAt(start, varint.value);
  if (bytes.length < varint.value) {
    return elfProblem("go-buildinfo-truncated", `the file ends inside the ${what}`);
  }
  return elfOk({ bytes, end: start + varint.value });
}

/** An unsigned LEB128 varint (encoding/binary.Uvarint) at the start of `bytes`. */
function decodeUvarint(bytes: Buffer): { value: number; size: number } | undefined {
  let value = 0;
  for (let i = 0; i < Math.min(bytes.length, MAX_VARINT_BYTES); i++) {
    const byte = bytes[i]!;
    // Beyond 2^53 the length is absurd anyway; the limit check rejects it.
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) {
      if (i === MAX_VARINT_BYTES - 1 && byte > 1) return undefined; // overflows 64 bits
      return { value, size: i + 1 };
    }
  }
  return undefined;
}

/**
 * Strip the 16-byte sentinels around the module information, as debug/buildinfo does: a
 * string that is not framed that way (a binary built outside module mode stores none) holds
 * no module information.
 */
function unframe(modInfo: Buffer): string | undefined {
  if (modInfo.length < 2 * FRAMING_BYTES + 1 || modInfo[modInfo.length - FRAMING_BYTES - 1] !== 0x0a) {
    return undefined;
  }
  return modInfo.subarray(FRAMING_BYTES, modInfo.length - FRAMING_BYTES).toString("utf8");
}
