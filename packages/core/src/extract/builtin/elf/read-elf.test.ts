import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createBufferFileReader } from "../../file-reader.js";
import { parseNotes } from "./notes.js";
import { PF_R, PF_W, PF_X, PT_LOAD, PT_NOTE } from "./program-headers.js";
import { readElfHeader, readNamedSections, readProgramHeaders } from "./read-elf.js";
import { buildElf, writer } from "./test-support/elf-builder.js";

const LAYOUTS = [
  { is64: true, littleEndian: true },
  { is64: true, littleEndian: false },
  { is64: false, littleEndian: true },
  { is64: false, littleEndian: false },
] as const;

const scratch = mkdtempSync(join(tmpdir(), "vigil-elf-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const note = (littleEndian: boolean) => {
  const b = Buffer.alloc(20);
  const w = writer(b, false, littleEndian);
  w.u32(0, 4);
  w.u32(4, 4);
  w.u32(8, 4);
  b.write("Go\0\0abcd", 12, "latin1");
  return b;
};

function sample(layout: { is64: boolean; littleEndian: boolean }) {
  return buildElf({
    ...layout,
    segments: [
      { type: PT_NOTE, flags: PF_R, vaddr: 0x400100, data: note(layout.littleEndian) },
      { type: PT_LOAD, flags: PF_R | PF_X, vaddr: 0x401000, data: Buffer.alloc(64, 0xc3) },
      { type: PT_LOAD, flags: PF_R | PF_W, vaddr: 0x402000, data: Buffer.alloc(64, 1), memsz: 4096 },
    ],
    sections: [
      { name: ".text", flags: 6, addr: 0x401000, data: Buffer.alloc(16) },
      { name: ".dep-v0", data: Buffer.from("payload") },
    ],
  });
}

describe("ELF reading", () => {
  it.each(LAYOUTS)(
    "reads what binutils' readelf reads (is64 $is64, littleEndian $littleEndian)",
    async (layout) => {
      const elf = sample(layout);
      const file = join(scratch, `sample-${layout.is64}-${layout.littleEndian}`);
      writeFileSync(file, elf.bytes);
      // readelf is the oracle for the builder and the reader alike.
      const oracle = execFileSync("readelf", ["-hlSW", file], { encoding: "utf8" });
      expect(oracle).toContain(layout.is64 ? "ELF64" : "ELF32");
      expect(oracle).toContain(layout.littleEndian ? "little endian" : "big endian");
      expect(oracle).toMatch(/\.dep-v0\s+PROGBITS/);

      const reader = createBufferFileReader(elf.bytes);
      const header = await readElfHeader(reader);
      if (!header?.ok) throw new Error("header");
      expect(header.value).toMatchObject({ ...layout, type: 2, phnum: 3, shnum: 4, shstrndx: 3 });
      const segments = await readProgramHeaders(reader, header.value);
      if (!segments.ok) throw new Error(segments.problem.message);
      expect(segments.value.map((s) => [s.type, s.flags, s.offset, s.vaddr, s.filesz, s.memsz])).toEqual([
        [PT_NOTE, PF_R, elf.segmentOffsets[0], 0x400100, 20, 20],
        [PT_LOAD, PF_R | PF_X, elf.segmentOffsets[1], 0x401000, 64, 64],
        [PT_LOAD, PF_R | PF_W, elf.segmentOffsets[2], 0x402000, 64, 4096],
      ]);
      const loads = [...oracle.matchAll(/^\s+(LOAD|NOTE)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)/gm)].map((m) => [
        m[1],
        Number.parseInt(m[2]!, 16),
        Number.parseInt(m[3]!, 16),
      ]);
      expect(loads).toEqual(
        segments.value.map((s) => [s.type === PT_LOAD ? "LOAD" : "NOTE", s.offset, s.vaddr]),
      );
      const sections = await readNamedSections(reader, header.value);
      if (!sections.ok) throw new Error(sections.problem.message);
      expect(sections.value.map((s) => [s.name, s.offset, s.size])).toEqual([
        ["", 0, 0],
        [".text", elf.sectionOffsets.get(".text"), 16],
        [".dep-v0", elf.sectionOffsets.get(".dep-v0"), 7],
        [".shstrtab", expect.any(Number), 25],
      ]);
      const noteBytes = elf.bytes.subarray(elf.segmentOffsets[0]!, elf.segmentOffsets[0]! + 20);
      expect(parseNotes(header.value, noteBytes)).toEqual([{ name: "Go", type: 4 }]);
    },
  );

  it("says undefined for files that are not ELF, and a problem for damaged tables", async () => {
    expect(await readElfHeader(createBufferFileReader(Buffer.from("#!/bin/sh\n")))).toBeUndefined();
    expect(await readElfHeader(createBufferFileReader(Buffer.alloc(0)))).toBeUndefined();
    const elf = sample(LAYOUTS[0]);
    const damaged = Buffer.from(elf.bytes);
    writer(damaged, true, true).u16(elf.headerFields.shstrndx, 9);
    const reader = createBufferFileReader(damaged);
    const header = await readElfHeader(reader);
    if (!header?.ok) throw new Error("header");
    expect(await readNamedSections(reader, header.value)).toMatchObject({
      ok: false,
      problem: { code: "elf-bad-section-headers" },
    });
  });

  it("follows extended section numbering (count and name index in section 0)", async () => {
    const elf = sample(LAYOUTS[2]);
    const bytes = Buffer.from(elf.bytes);
    const w = writer(bytes, false, true);
    w.u16(elf.headerFields.shnum, 0);
    w.u16(elf.headerFields.shstrndx, 0xffff);
    w.u32(elf.shoff + 20, 4); // section 0 sh_size: the count
    w.u32(elf.shoff + 24, 3); // section 0 sh_link: the name table index
    const reader = createBufferFileReader(bytes);
    const header = await readElfHeader(reader);
    if (!header?.ok) throw new Error("header");
    const sections = await readNamedSections(reader, header.value);
    expect(sections.ok && sections.value.map((s) => s.name)).toEqual(["", ".text", ".dep-v0", ".shstrtab"]);
  });

  it("stops reading notes at a malformed entry", async () => {
    const header = await readElfHeader(
      createBufferFileReader(buildElf({ is64: false, littleEndian: true }).bytes),
    );
    if (!header?.ok) throw new Error("header");
    const runaway = Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 0, 0, 0]); // namesz 4 GiB
    expect(parseNotes(header.value, Buffer.concat([note(true), runaway]))).toEqual([{ name: "Go", type: 4 }]);
  });
});
