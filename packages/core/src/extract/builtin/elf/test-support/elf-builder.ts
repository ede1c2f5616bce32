/**
 * A small ELF writer for tests, from the gABI layout
 * (https://refspecs.linuxfoundation.org/elf/gabi4+/contents.html): both classes, both byte
 * orders, program headers with their segment bytes, and sections with a section-name table.
 * It builds the cases a host toolchain cannot: 32-bit and big-endian files, Go's pre-1.18
 * build info, damaged headers.
 *
 * Layout: file header, program header table, segment bytes (16-byte aligned, in the order
 * given), section bytes, the section-name table, then the section header table.
 */

/** One segment: its program header fields and the bytes it holds in the file. */
export interface SegmentSpec {
  readonly type: number;
  readonly flags: number;
  readonly vaddr: number;
  readonly data: Buffer;
  /** Defaults to the data length. */
  readonly memsz?: number;
}

/** One section (after the null section 0; `.shstrtab` is added last). */
export interface SectionSpec {
  readonly name: string;
  /** Defaults to SHT_PROGBITS (1). */
  readonly type?: number;
  readonly flags?: number;
  readonly addr?: number;
  readonly data: Buffer;
}

/** What to build. */
export interface ElfSpec {
  readonly is64: boolean;
  readonly littleEndian: boolean;
  /** `e_type`, default ET_EXEC (2). */
  readonly type?: number;
  /** `e_machine`, default 62 (x86-64) or 3 (i386); informative only. */
  readonly machine?: number;
  readonly segments?: readonly SegmentSpec[];
  readonly sections?: readonly SectionSpec[];
}

/** The file and where things landed in it. */
export interface BuiltElf {
  readonly bytes: Buffer;
  readonly phoff: number;
  /** File offset of each segment's bytes, in spec order. */
  readonly segmentOffsets: readonly number[];
  /** File offset of each named section's bytes. */
  readonly sectionOffsets: ReadonlyMap<string, number>;
  /** 0 when there are no sections. */
  readonly shoff: number;
  /** Field offsets of the file header in this class, for tests that damage it. */
  readonly headerFields: ElfHeaderFieldOffsets;
}

/** Where each file header field sits. */
export interface ElfHeaderFieldOffsets {
  readonly phoff: number;
  readonly shoff: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly shstrndx: number;
}

const SHT_PROGBITS = 1;
const SHT_STRTAB = 3;

/** Build an ELF file from `spec`. */
export function buildElf(spec: ElfSpec): BuiltElf {
  const { is64, littleEndian } = spec;
  const segments = spec.segments ?? [];
  const sections = spec.sections ?? [];
  const headerSize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const fields: ElfHeaderFieldOffsets = is64
    ? { phoff: 32, shoff: 40, phentsize: 54, phnum: 56, shentsize: 58, shnum: 60, shstrndx: 62 }
    : { phoff: 28, shoff: 32, phentsize: 42, phnum: 44, shentsize: 46, shnum: 48, shstrndx: 50 };

  const phoff = segments.length > 0 ? headerSize : 0;
  let cursor = headerSize + segments.length * phentsize;
  const segmentOffsets: number[] = [];
  for (const segment of segments) {
    cursor = align(cursor, 16) + (segment.vaddr % 16);
    segmentOffsets.push(cursor);
    cursor += segment.data.length;
  }
  const sectionOffsets = new Map<string, number>();
  const sectionPlaced: number[] = [];
  for (const section of sections) {
    cursor = align(cursor, 8);
    sectionPlaced.push(cursor);
    sectionOffsets.set(section.name, cursor);
    cursor += section.data.length;
  }
  let shoff = 0;
  let names = Buffer.alloc(0);
  const nameOffsets: number[] = [];
  let namesAt = 0;
  if (sections.length > 0) {
    const parts: Buffer[] = [Buffer.from([0])];
    let length = 1;
    for (const name of [...sections.map((s) => s.name), ".shstrtab"]) {
      nameOffsets.push(length);
      const bytes = Buffer.from(`${name}\0`, "latin1");
      parts.push(bytes);
      length += bytes.length;
    }
    names = Buffer.concat(parts);
    namesAt = cursor;
    cursor += names.length;
    shoff = align(cursor, 8);
    cursor = shoff + (sections.length + 2) * shentsize;
  }

  const out = Buffer.alloc(cursor);
  const w = writer(out, is64, littleEndian);
  out.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, littleEndian ? 1 : 2, 1], 0);
  w.u16(16, spec.type ?? 2);
  w.u16(18, spec.machine ?? (is64 ? 62 : 3));
  w.u32(20, 1);
  w.word(fields.phoff, phoff);
  w.word(fields.shoff, shoff);
  w.u16(fields.phentsize - 2, headerSize); // e_ehsize
  w.u16(fields.phentsize, phentsize);
  w.u16(fields.phnum, segments.length);
  w.u16(fields.shentsize, shentsize);
  w.u16(fields.shnum, sections.length > 0 ? sections.length + 2 : 0);
  w.u16(fields.shstrndx, sections.length > 0 ? sections.length + 1 : 0);

  for (const [i, segment] of segments.entries()) {
    const at = phoff + i * phentsize;
    const offset = segmentOffsets[i]!;
    segment.data.copy(out, offset);
    const memsz = segment.memsz ?? segment.data.length;
    if (is64) {
      w.u32(at, segment.type);
      w.u32(at + 4, segment.flags);
      w.word(at + 8, offset);
      w.word(at + 16, segment.vaddr);
      w.word(at + 24, segment.vaddr);
      w.word(at + 32, segment.data.length);
      w.word(at + 40, memsz);
      w.word(at + 48, 16);
    } else {
      w.u32(at, segment.type);
      w.word(at + 4, offset);
      w.word(at + 8, segment.vaddr);
      w.word(at + 12, segment.vaddr);
      w.word(at + 16, segment.data.length);
      w.word(at + 20, memsz);
      w.u32(at + 24, segment.flags);
      w.word(at + 28, 16);
    }
  }

  if (sections.length > 0) {
    names.copy(out, namesAt);
    const all = [
      ...sections.map((s, i) => ({ ...s, offset: sectionPlaced[i]!, nameOffset: nameOffsets[i]! })),
      {
        name: ".shstrtab",
        type: SHT_STRTAB,
        flags: 0,
        addr: 0,
        data: names,
        offset: namesAt,
        nameOffset: nameOffsets[sections.length]!,
      },
    ];
    for (const [i, section] of all.entries()) {
      section.data.copy(out, section.offset);
      const at = shoff + (i + 1) * shentsize; // entry 0 stays the null section
      w.u32(at, section.nameOffset);
      w.u32(at + 4, section.type ?? SHT_PROGBITS);
      if (is64) {
        w.word(at + 8, section.flags ?? 0);
        w.word(at + 16, section.addr ?? 0);
        w.word(at + 24, section.offset);
        w.word(at + 32, section.data.length);
        w.word(at + 48, 1);
      } else {
        w.word(at + 8, section.flags ?? 0);
        w.word(at + 12, section.addr ?? 0);
        w.word(at + 16, section.offset);
        w.word(at + 20, section.data.length);
        w.word(at + 32, 1);
      }
    }
  }
  return { bytes: out, phoff, segmentOffsets, sectionOffsets, shoff, headerFields: fields };
}

/** Integer writes in a class and byte order, for building and for damaging headers. */
export function writer(buffer: Buffer, is64: boolean, littleEndian: boolean) {
  const u16 = (at: number, v: number) =>
    littleEndian ? buffer.writeUInt16LE(v, at) : buffer.writeUInt16BE(v, at);
  const u32 = (at: number, v: number) =>
    littleEndian ? buffer.writeUInt32LE(v, at) : buffer.writeUInt32BE(v, at);
  const u64 = (at: number, v: number | bigint) =>
    littleEndian ? buffer.writeBigUInt64LE(BigInt(v), at) : buffer.writeBigUInt64BE(BigInt(v), at);
  return { u16, u32, u64, word: (at: number, v: number) => (is64 ? u64(at, v) : u32(at, v)) };
}

function align(value: number, to: number): number {
  return Math.ceil(value / to) * to;
}
