import type { FileReader } from "../../file-reader.js";
import { type ElfSegment, PF_W, PF_X, PT_LOAD } from "../elf/index.js";

/** The first 14 bytes of the build info blob (Go's debug/buildinfo `buildInfoMagic`). */
export const BUILD_INFO_MAGIC: Buffer = Buffer.from("\xff Go buildinf:", "latin1");
/** The blob is 16-byte aligned in memory and has a 32-byte header. */
export const BUILD_INFO_ALIGN = 16;
export const BUILD_INFO_HEADER_SIZE = 32;

/** How far into a writable segment the blob is looked for, like debug/buildinfo does. */
const FIRST_WINDOW = 64 * 1024;
/** How far when the binary is known to be Go (see {@link FindBuildInfoOptions.deep}). */
const DEEP_WINDOW = 16 * 1024 * 1024;
const DEEP_CHUNK = 1024 * 1024;

/** Options of {@link findBuildInfo}. */
export interface FindBuildInfoOptions {
  /**
   * Search each writable segment up to 16 MiB instead of its first 64 KiB. For binaries that
   * carry a Go build ID note: when gcc or another external linker links a Go program
   * (cgo, `-linkmode=external`), `.go.buildinfo` is placed after `.data` rather than at the
   * start of the segment, and `.data` can be larger than 64 KiB. (A PIE's relro segment,
   * which comes first, is then searched through as well: on the host's forward stream that
   * costs little more than skipping it.)
   */
  readonly deep: boolean;
  readonly signal?: AbortSignal;
}

/**
 * The file offset of the Go build info blob, or undefined when there is none.
 *
 * Go's linker puts the `.go.buildinfo` section at the start of the first writable data
 * segment (debug/buildinfo's fallback when an ELF file has no section headers: the first
 * PT_LOAD that is writable and not executable). A PIE has another writable PT_LOAD before
 * that one, `.data.rel.ro` (read-only after relocation, under PT_GNU_RELRO), so every
 * writable, non-executable PT_LOAD is searched, in file order, which also keeps the reads
 * moving forward. Only the program headers are needed: the section headers sit at the
 * end of the file and are absent from some stripped executables.
 */
export async function findBuildInfo(
  reader: FileReader,
  segments: readonly ElfSegment[],
  options: FindBuildInfoOptions,
): Promise<number | undefined> {
  const candidates = dataSegments(segments, reader.size);
  const window = options.deep ? DEEP_WINDOW : FIRST_WINDOW;
  for (const segment of candidates) {
    const end = Math.min(segment.offset + Math.min(segment.filesz, window), reader.size);
    // Alignment is of the virtual address; file offset and address agree modulo the page size.
    let position =
      segment.offset + ((BUILD_INFO_ALIGN - (segment.vaddr % BUILD_INFO_ALIGN)) % BUILD_INFO_ALIGN);
    let chunkSize = FIRST_WINDOW;
    while (position + BUILD_INFO_MAGIC.length <= end) {
      options.signal?.throwIfAborted();
      const chunk = await reader.readAt(position, Math.min(chunkSize, end - position));
      const found = alignedIndexOf(chunk);
      if (found !== undefined) return position + found;
      if (chunk.length < BUILD_INFO_MAGIC.length) break;
      // Continue at the first aligned offset whose magic did not fit in this chunk (the
      // overlap is served from memory by the retaining reader, not read again).
      const checked = chunk.length - BUILD_INFO_MAGIC.length + 1;
      position += Math.ceil(checked / BUILD_INFO_ALIGN) * BUILD_INFO_ALIGN;
      chunkSize = DEEP_CHUNK;
    }
  }
  return undefined;
}

/**
 * The segments that may hold the build info: writable, not executable PT_LOADs with file
 * bytes inside the file, in file order.
 */
export function dataSegments(segments: readonly ElfSegment[], fileSize: number): ElfSegment[] {
  return segments
    .filter(
      (s) =>
        s.type === PT_LOAD &&
        (s.flags & (PF_X | PF_W)) === PF_W &&
        s.filesz > 0 &&
        Number.isSafeInteger(s.vaddr) &&
        s.offset < fileSize,
    )
    .sort((a, b) => a.offset - b.offset);
}

/** Index of the magic at a multiple of 16 in `chunk` (which starts aligned), if any. */
function alignedIndexOf(chunk: Buffer): number | undefined {
  let index = chunk.indexOf(BUILD_INFO_MAGIC);
  while (index >= 0) {
    if (index % BUILD_INFO_ALIGN === 0) return index;
    index = chunk.indexOf(BUILD_INFO_MAGIC, index + 1);
  }
  return undefined;
}
