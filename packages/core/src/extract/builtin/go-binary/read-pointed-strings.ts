import type { FileReader } from "../../file-reader.js";
import { type ElfResult, type ElfSegment, elfOk, elfProblem, fileOffsetOf } from "../elf/index.js";

/** Strings this close to each other are read together. */
const NEARBY_BYTES = 64 * 1024;

/** How the pointers of a pre-1.18 build info blob are written, and the string limits. */
export interface PointerFormat {
  readonly pointerSize: 4 | 8;
  readonly bigEndian: boolean;
  /** Largest toolchain version and module information accepted, in that order. */
  readonly limits: readonly [number, number];
}

/**
 * The toolchain version and the module information of a Go 1.17-or-earlier build info blob,
 * whose 32-byte `header` holds, at bytes 16 and 16 + pointer size, the virtual addresses of
 * two Go string headers (`{data pointer, length}`: runtime.buildVersion and runtime.modinfo).
 * Addresses are mapped to file offsets through the PT_LOAD segments. The string headers are
 * in the data segment after the blob, the strings in `.rodata` before it: the strings are
 * read behind the blob, in one read when they are close, so the host's forward stream needs
 * one more pass for such a binary.
 */
export async function readPointedStrings(
  reader: FileReader,
  segments: readonly ElfSegment[],
  header: Buffer,
  format: PointerFormat,
): Promise<ElfResult<[Buffer, Buffer]>> {
  const { pointerSize, bigEndian, limits } = format;
  const pointer = (bytes: Buffer, offset: number): number => {
    if (pointerSize === 4) return bigEndian ? bytes.readUInt32BE(offset) : bytes.readUInt32LE(offset);
    const value = bigEndian ? bytes.readBigUInt64BE(offset) : bytes.readBigUInt64LE(offset);
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.POSITIVE_INFINITY : Number(value);
  };
  const what = ["toolchain version", "module information"] as const;
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
