import type { FileReader } from "../../file-reader.js";
import { type ElfResult, type ElfSegment, elfOk, elfProblem, fileOffsetOf } from "../elf/index.js";
import { BUILD_INFO_HEADER_SIZE } from "./find-build-info.js";

/** Longest toolchain version string accepted (real ones are about 10 bytes). */
const MAX_VERSION_BYTES = 4 * 1024;
/** Longest module information accepted: about 100 bytes a module, so room for thousands. */
const MAX_MODINFO_BYTES = 1024 * 1024;
/** Strings of the pre-1.18 format this close to each other are read together. */
const NEARBY_BYTES = 64 * 1024;
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
    strings = await readPointedStrings(reader, segments, header, pointerSize, (flags & 0x1) !== 0);
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

async function readPointedStrings(
  reader: FileReader,
  segments: readonly ElfSegment[],
  header: Buffer,
  pointerSize: 4 | 8,
  bigEndian: boolean,
): Promise<ElfResult<[Buffer, Buffer]>> {
  const pointer = (bytes: Buffer, offset: number): number => {
    if (pointerSize === 4) return bigEndian ? bytes.readUInt32BE(offset) : bytes.readUInt32LE(offset);
    const value = bigEndian ? bytes.readBigUInt64BE(offset) : bytes.readBigUInt64LE(offset);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  };
  const what = ["toolchain version", "module information"] as const;
  const limits = [MAX_VERSION_BYTES, MAX_MODINFO_BYTES];
  // Both string headers first, then both strings, each pair in file order.
  const headerAt: number[] = [];
  for (const [i, name] of what.entries()) {
    const address = pointer(header, 16 + i * pointerSize);
    const mapped = fileOffsetOf(segments, address);
    if (!mapped || mapped.available < 2 * pointerSize) {
      return elfProblem(
        "go-buildinfo-bad-pointer",
        `the ${name} string header address 0x${address.toString(16)} is not in a loaded segment`,
      );
    }
    headerAt.push(mapped.offset);
  }
  const stringHeaders = new Map<number, Buffer>();
  for (const offset of [...headerAt].sort((a, b) => a - b)) {
    const bytes = await reader.readAt(offset, 2 * pointerSize);
    if (bytes.length < 2 * pointerSize) {
      return elfProblem("go-buildinfo-truncated", "the file ends inside a Go string header");
    }
    stringHeaders.set(offset, bytes);
  }
  const targets: { index: number; offset: number; length: number }[] = [];
  for (const [i, name] of what.entries()) {
    const stringHeader = stringHeaders.get(headerAt[i]!)!;
    const address = pointer(stringHeader, 0);
    const length = pointer(stringHeader, pointerSize);
    if (length > limits[i]!) {
      return elfProblem(
        "go-buildinfo-too-large",
        `the ${name} claims ${length} bytes, over the limit of ${limits[i]}`,
      );
    }
    if (length === 0) {
      targets.push({ index: i, offset: 0, length: 0 });
      continue;
    }
    const mapped = fileOffsetOf(segments, address);
    if (!mapped || mapped.available < length) {
      return elfProblem(
        "go-buildinfo-bad-pointer",
        `the ${name} (${length} bytes at address 0x${address.toString(16)}) is not in a loaded segment`,
      );
    }
    targets.push({ index: i, offset: mapped.offset, length });
  }
  const result: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0)];
  const present = targets.filter((t) => t.length > 0).sort((a, b) => a.offset - b.offset);
  // Both strings are in .rodata, behind the blob: one read for both when they are close, so
  // the host needs one more pass over the layer, not two.
  const [first, second] = present;
  const spans =
    first &&
    second &&
    second.offset >= first.offset + first.length &&
    second.offset - (first.offset + first.length) <= NEARBY_BYTES
      ? [
          {
            offset: first.offset,
            length: second.offset + second.length - first.offset,
            parts: [first, second],
          },
        ]
      : present.map((t) => ({ offset: t.offset, length: t.length, parts: [t] }));
  for (const span of spans) {
    const bytes = await reader.readAt(span.offset, span.length);
    for (const part of span.parts) {
      const from = part.offset - span.offset;
      if (bytes.length < from + part.length) {
        return elfProblem("go-buildinfo-truncated", `the file ends inside the ${what[part.index]}`);
      }
      result[part.index] = bytes.subarray(from, from + part.length);
    }
  }
  return elfOk([result[0]!, result[1]!]);
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
