import type { ElfHeader } from "./elf-header.js";

/** Program header types used here. */
export const PT_LOAD = 1;
export const PT_NOTE = 4;
/** Segment permission flags. */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

/** Smallest program header entry of each class (Elf32_Phdr, Elf64_Phdr). */
export const PHDR32_SIZE = 32;
export const PHDR64_SIZE = 56;

/** One program header: a segment of the file as the loader maps it. */
export interface ElfSegment {
  readonly type: number;
  readonly flags: number;
  /** File offset of the segment's first byte. */
  readonly offset: number;
  readonly vaddr: number;
  /** Bytes of the segment present in the file (the rest of `memsz` is zero-filled, .bss). */
  readonly filesz: number;
  readonly memsz: number;
}

/** Parse `count` program headers of `entrySize` bytes each from `table`. */
export function parseProgramHeaders(
  header: ElfHeader,
  table: Buffer,
  count: number,
  entrySize: number,
): ElfSegment[] {
  const f = header.fields(table);
  const segments: ElfSegment[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    // Elf64_Phdr moves p_flags up to keep the 64-bit fields aligned.
    segments.push(
      header.is64
        ? {
            type: f.u32(at),
            flags: f.u32(at + 4),
            offset: f.u64(at + 8),
            vaddr: f.u64(at + 16),
            filesz: f.u64(at + 32),
            memsz: f.u64(at + 40),
          }
        : {
            type: f.u32(at),
            offset: f.u32(at + 4),
            vaddr: f.u32(at + 8),
            filesz: f.u32(at + 16),
            memsz: f.u32(at + 20),
            flags: f.u32(at + 24),
          },
    );
  }
  return segments;
}

/**
 * The file offset of virtual address `vaddr` and how many bytes from there the same PT_LOAD
 * segment holds in the file, or undefined when no segment maps it from file bytes.
 */
export function fileOffsetOf(
  segments: readonly ElfSegment[],
  vaddr: number,
): { readonly offset: number; readonly available: number } | undefined {
  for (const segment of segments) {
    if (segment.type !== PT_LOAD) continue;
    if (vaddr >= segment.vaddr && vaddr < segment.vaddr + segment.filesz) {
      const delta = vaddr - segment.vaddr;
      return { offset: segment.offset + delta, available: segment.filesz - delta };
    }
  }
  return undefined;
}
