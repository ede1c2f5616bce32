import { type ElfFields, elfFields } from "./elf-fields.js";
import { type ElfResult, elfOk, elfProblem } from "./elf-problem.js";

/** `\x7fELF`, the first four bytes of every ELF file. */
export const ELF_MAGIC: Buffer = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
/** Size of the ELF32 file header, the smallest ELF file there is. */
export const ELF32_HEADER_SIZE = 52;
/** Size of the ELF64 file header. */
export const ELF64_HEADER_SIZE = 64;

/** Object file types (`e_type`) that can hold a program: executables and shared objects (PIE too). */
export const ET_EXEC = 2;
export const ET_DYN = 3;

/**
 * The ELF file header fields the extractors use
 * (https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html).
 */
export interface ElfHeader {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  /** `e_type`: {@link ET_EXEC}, {@link ET_DYN}, relocatable, core ... */
  readonly type: number;
  readonly machine: number;
  /** File offset of the program header table (0: none). */
  readonly phoff: number;
  readonly phentsize: number;
  /** Number of program headers; `0xffff` (PN_XNUM) means the count is in section 0. */
  readonly phnum: number;
  /** File offset of the section header table (0: none). */
  readonly shoff: number;
  readonly shentsize: number;
  /** Number of section headers; 0 with a non-zero `shoff` means the count is in section 0's `sh_size`. */
  readonly shnum: number;
  /** Index of the section-name string table; `0xffff` (SHN_XINDEX) means it is in section 0's `sh_link`. */
  readonly shstrndx: number;
  /** Field reads in this file's class and byte order, for the tables the header points at. */
  fields(buffer: Buffer): ElfFields;
}

/** Whether `bytes` start with the ELF magic. */
export function hasElfMagic(bytes: Buffer): boolean {
  return bytes.length >= ELF_MAGIC.length && bytes.subarray(0, ELF_MAGIC.length).equals(ELF_MAGIC);
}

/**
 * Parse the file header from the first bytes of a file that starts with the ELF magic
 * (`bytes` holds up to {@link ELF64_HEADER_SIZE} bytes of it). Both classes and both byte
 * orders: Go builds for 32-bit and big-endian targets, Rust too.
 */
export function parseElfHeader(bytes: Buffer): ElfResult<ElfHeader> {
  if (bytes.length < 16) {
    return elfProblem(
      "elf-truncated-header",
      `the file ends inside the ELF identification (${bytes.length} bytes)`,
    );
  }
  const elfClass = bytes[4];
  const data = bytes[5];
  if (elfClass !== 1 && elfClass !== 2) {
    return elfProblem("elf-bad-header", `unknown ELF class ${elfClass} (1 is 32-bit, 2 is 64-bit)`);
  }
  if (data !== 1 && data !== 2) {
    return elfProblem(
      "elf-bad-header",
      `unknown ELF data encoding ${data} (1 is little-endian, 2 is big-endian)`,
    );
  }
  const is64 = elfClass === 2;
  const littleEndian = data === 1;
  const size = is64 ? ELF64_HEADER_SIZE : ELF32_HEADER_SIZE;
  if (bytes.length < size) {
    return elfProblem(
      "elf-truncated-header",
      `the file ends inside the ELF${is64 ? 64 : 32} header (${bytes.length} of ${size} bytes)`,
    );
  }
  const f = elfFields(bytes, is64, littleEndian);
  // Offsets of e_phoff ... e_shstrndx differ between the classes only by the word size.
  const at = is64 ? { phoff: 32, shoff: 40, rest: 52 } : { phoff: 28, shoff: 32, rest: 40 };
  return elfOk({
    is64,
    littleEndian,
    type: f.u16(16),
    machine: f.u16(18),
    phoff: f.word(at.phoff),
    shoff: f.word(at.shoff),
    phentsize: f.u16(at.rest + 2),
    phnum: f.u16(at.rest + 4),
    shentsize: f.u16(at.rest + 6),
    shnum: f.u16(at.rest + 8),
    shstrndx: f.u16(at.rest + 10),
    fields: (buffer) => elfFields(buffer, is64, littleEndian),
  });
}
