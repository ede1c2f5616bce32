import type { ElfHeader } from "./elf-header.js";

/** Section types used here. */
export const SHT_NOBITS = 8;
/** `e_shstrndx` value meaning "the index is in section 0's `sh_link`". */
export const SHN_XINDEX = 0xffff;

/** Smallest section header entry of each class (Elf32_Shdr, Elf64_Shdr). */
export const SHDR32_SIZE = 40;
export const SHDR64_SIZE = 64;

/** One section header. */
export interface ElfSection {
  /** Offset of the section's name in the section-name string table. */
  readonly nameOffset: number;
  readonly type: number;
  readonly flags: number;
  readonly addr: number;
  /** File offset of the section's bytes. */
  readonly offset: number;
  /** Size in bytes (in the file, unless the type is {@link SHT_NOBITS}). */
  readonly size: number;
  readonly link: number;
}

/** Parse `count` section headers of `entrySize` bytes each from `table`. */
export function parseSectionHeaders(
  header: ElfHeader,
  table: Buffer,
  count: number,
  entrySize: number,
): ElfSection[] {
  const f = header.fields(table);
  const sections: ElfSection[] = [];
  for (let i = 0; i < count; i++) {
    const at = i * entrySize;
    sections.push(
      header.is64
        ? {
            nameOffset: f.u32(at),
            type: f.u32(at + 4),
            flags: f.u64(at + 8),
            addr: f.u64(at + 16),
            offset: f.u64(at + 24),
            size: f.u64(at + 32),
            link: f.u32(at + 40),
          }
        : {
            nameOffset: f.u32(at),
            type: f.u32(at + 4),
            flags: f.u32(at + 8),
            addr: f.u32(at + 12),
            offset: f.u32(at + 16),
            size: f.u32(at + 20),
            link: f.u32(at + 24),
          },
    );
  }
  return sections;
}

/** The NUL-terminated name at `offset` of a string table, or undefined if it runs off the table. */
export function stringAt(table: Buffer, offset: number): string | undefined {
  if (offset >= table.length) return undefined;
  const end = table.indexOf(0, offset);
  if (end < 0) return undefined;
  return table.toString("latin1", offset, end);
}
