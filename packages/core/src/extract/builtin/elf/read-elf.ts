import type { FileReader } from "../../file-reader.js";
import { ELF64_HEADER_SIZE, type ElfHeader, hasElfMagic, parseElfHeader } from "./elf-header.js";
import { type ElfResult, elfOk, elfProblem } from "./elf-problem.js";
import { type ElfSegment, PHDR32_SIZE, PHDR64_SIZE, parseProgramHeaders } from "./program-headers.js";
import {
  type ElfSection,
  parseSectionHeaders,
  SHDR32_SIZE,
  SHDR64_SIZE,
  SHN_XINDEX,
  SHT_NOBITS,
  stringAt,
} from "./section-headers.js";

/**
 * Largest header table or string table read in one piece. Real executables have a dozen
 * program headers and a few dozen sections (a few KiB); a larger count is damage or a trap.
 */
export const MAX_ELF_TABLE_BYTES = 1024 * 1024;

/** `e_phnum` value meaning "the count is in section 0's `sh_info`" (only core files need it). */
const PN_XNUM = 0xffff;

/** A section with its name. */
export interface NamedSection extends ElfSection {
  /** Undefined when the name offset points outside the section-name table. */
  readonly name: string | undefined;
}

/**
 * The ELF file header, or undefined when the file does not start with the ELF magic (a shell
 * script, a text file with the executable bit): that is not a problem, just not ours.
 */
export async function readElfHeader(reader: FileReader): Promise<ElfResult<ElfHeader> | undefined> {
  const bytes = await reader.readAt(0, ELF64_HEADER_SIZE);
  if (!hasElfMagic(bytes)) return undefined;
  return parseElfHeader(bytes);
}

/** Every program header (none when the file has no program header table). */
export async function readProgramHeaders(
  reader: FileReader,
  header: ElfHeader,
): Promise<ElfResult<ElfSegment[]>> {
  if (header.phoff === 0 || header.phnum === 0) return elfOk([]);
  if (header.phnum === PN_XNUM) {
    return elfProblem("elf-unsupported", "the program header count is stored in section 0 (PN_XNUM)");
  }
  const minimum = header.is64 ? PHDR64_SIZE : PHDR32_SIZE;
  const table = await readTable(
    reader,
    "program header",
    header.phoff,
    header.phnum,
    header.phentsize,
    minimum,
  );
  if (!table.ok) return table;
  return elfOk(parseProgramHeaders(header, table.value, header.phnum, header.phentsize));
}

/**
 * Every section header with its name from the section-name string table (none when the file
 * has no section header table: sections are optional in an executable, a loader needs only
 * the program headers).
 */
export async function readNamedSections(
  reader: FileReader,
  header: ElfHeader,
): Promise<ElfResult<NamedSection[]>> {
  if (header.shoff === 0) return elfOk([]);
  const minimum = header.is64 ? SHDR64_SIZE : SHDR32_SIZE;
  let count = header.shnum;
  let nameIndex = header.shstrndx;
  if (count === 0 || nameIndex === SHN_XINDEX) {
    // Extended numbering (gABI "Extended Section Numbering"): section 0 holds the real values.
    const first = await readTable(reader, "section header", header.shoff, 1, header.shentsize, minimum);
    if (!first.ok) return first;
    const [zero] = parseSectionHeaders(header, first.value, 1, header.shentsize);
    if (count === 0) count = zero!.size;
    if (nameIndex === SHN_XINDEX) nameIndex = zero!.link;
    if (count === 0) return elfOk([]);
  }
  const table = await readTable(reader, "section header", header.shoff, count, header.shentsize, minimum);
  if (!table.ok) return table;
  const sections = parseSectionHeaders(header, table.value, count, header.shentsize);
  const names = sections[nameIndex];
  if (!names) {
    return elfProblem(
      "elf-bad-section-headers",
      `the section-name table index ${nameIndex} is not one of the ${count} sections`,
    );
  }
  const strings = await readSectionBytes(reader, names, MAX_ELF_TABLE_BYTES, "section-name table");
  if (!strings.ok) return strings;
  return elfOk(
    sections.map((section) => ({ ...section, name: stringAt(strings.value, section.nameOffset) })),
  );
}

/**
 * The file bytes of one section, refusing sections without file bytes, larger than `limit`
 * or reaching past the end of the file.
 */
export async function readSectionBytes(
  reader: FileReader,
  section: ElfSection,
  limit: number,
  what: string,
): Promise<ElfResult<Buffer>> {
  if (section.type === SHT_NOBITS) {
    return elfProblem("elf-bad-section", `the ${what} occupies no file bytes (SHT_NOBITS)`);
  }
  if (section.size > limit) {
    return elfProblem(
      "elf-section-too-large",
      `the ${what} is ${section.size} bytes, over the limit of ${limit}`,
    );
  }
  if (section.offset + section.size > reader.size) {
    return elfProblem(
      "elf-truncated-section",
      `the ${what} (${section.size} bytes at offset ${section.offset}) reaches past the end of the ${reader.size}-byte file`,
    );
  }
  const bytes = await reader.readAt(section.offset, section.size);
  if (bytes.length < section.size) {
    return elfProblem("elf-truncated-section", `the file ends inside the ${what}`);
  }
  return elfOk(bytes);
}

async function readTable(
  reader: FileReader,
  what: string,
  offset: number,
  count: number,
  entrySize: number,
  minimumEntrySize: number,
): Promise<ElfResult<Buffer>> {
  if (entrySize < minimumEntrySize) {
    return elfProblem(
      "elf-bad-header",
      `${what} entries are ${entrySize} bytes, less than the ${minimumEntrySize} the format needs`,
    );
  }
  const bytes = count * entrySize;
  if (bytes > MAX_ELF_TABLE_BYTES) {
    return elfProblem(
      "elf-table-too-large",
      `the ${what} table (${count} entries of ${entrySize} bytes) is over the limit of ${MAX_ELF_TABLE_BYTES} bytes`,
    );
  }
  if (offset + bytes > reader.size) {
    return elfProblem(
      "elf-truncated-table",
      `the ${what} table (${bytes} bytes at offset ${offset}) reaches past the end of the ${reader.size}-byte file`,
    );
  }
  const table = await reader.readAt(offset, bytes);
  if (table.length < bytes)
    return elfProblem("elf-truncated-table", `the file ends inside the ${what} table`);
  return elfOk(table);
}
