import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createBufferFileReader, OutsideReadWindowError } from "../../file-reader.js";
import { PF_R, PF_W, PT_LOAD } from "../elf/index.js";
import { buildElf, writer } from "../elf/test-support/elf-builder.js";
import { runWithPasses } from "../elf/test-support/forward-only-reader.js";
import { createGoBinaryExtractor } from "./go-binary-extractor.js";
import {
  framedModInfo,
  goElf,
  inlineBlob,
  pointerFormatElf,
  uvarint,
} from "./test-support/build-info-builder.js";

const extractor = createGoBinaryExtractor();

async function run(content: Buffer): Promise<ExtractorResult> {
  return extractor.extract({
    path: "/usr/bin/tool",
    info: { size: content.length, mode: 0o755 },
    reader: createBufferFileReader(content),
  });
}
const brief = (r: ExtractorResult) => r.packages.map((p) => `${p.name}@${p.version}`);

const MODINFO = [
  "path\texample.com/tool",
  "mod\texample.com/tool\t(devel)\t",
  "dep\tgolang.org/x/text\tv0.14.0\th1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=",
  "dep\tgithub.com/old/lib\tv1.0.0",
  "=>\tgithub.com/new/lib\tv1.0.5\th1:abc=",
  "build\t-compiler=gc",
  "",
].join("\n");
const EXPECTED = ["stdlib@1.17.13", "golang.org/x/text@0.14.0", "github.com/new/lib@1.0.5"];

const LAYOUTS = [
  { is64: true, littleEndian: true, label: "ELF64 little-endian" },
  { is64: true, littleEndian: false, label: "ELF64 big-endian" },
  { is64: false, littleEndian: true, label: "ELF32 little-endian" },
  { is64: false, littleEndian: false, label: "ELF32 big-endian" },
] as const;

describe("binary/go-buildinfo", () => {
  it("wants executable files at least as large as an ELF header, whatever their path", () => {
    expect(extractor.required("/usr/local/bin/kubectl", { size: 50_000_000, mode: 0o755 })).toBe(true);
    expect(extractor.required("/app/server", { size: 52, mode: 0o100 })).toBe(true);
    expect(extractor.required("/usr/lib/libgo.so", { size: 4096, mode: 0o755 })).toBe(true);
    expect(extractor.required("/etc/passwd", { size: 4096, mode: 0o644 })).toBe(false);
    expect(extractor.required("/usr/bin/tiny", { size: 51, mode: 0o755 })).toBe(false);
    // directories, symbolic links and hard links are declared with size 0
    expect(extractor.required("/usr/bin", { size: 0, mode: 0o755 })).toBe(false);
  });

  it("yields nothing, and no issue, for an executable that is not ELF or has no build info", async () => {
    expect(await run(Buffer.from("#!/bin/sh\necho hello from a shell script of some length\n"))).toEqual({
      packages: [],
      issues: [],
    });
    const c = buildElf({
      is64: true,
      littleEndian: true,
      segments: [{ type: PT_LOAD, flags: PF_R | PF_W, vaddr: 0x1000, data: Buffer.alloc(4096) }],
    });
    expect(await run(c.bytes)).toEqual({ packages: [], issues: [] });
    expect(await run(buildElf({ is64: true, littleEndian: true }).bytes)).toEqual({
      packages: [],
      issues: [],
    });
  });

  it.each(LAYOUTS)("reads the Go 1.18+ inline format from an $label file", async (layout) => {
    const elf = goElf(inlineBlob("go1.17.13", framedModInfo(MODINFO), layout.is64 ? 8 : 4), layout);
    const result = await run(elf.bytes);
    expect(brief(result)).toEqual(EXPECTED);
    expect(result.issues).toEqual([]);
    expect(result.packages[2]).toEqual({
      type: "golang",
      name: "github.com/new/lib",
      version: "1.0.5",
      metadata: { replacedFrom: "github.com/old/lib@v1.0.0" },
    });
    expect((await runWithPasses(extractor, elf.bytes)).backwardReads).toEqual([]);
  });

  it.each(LAYOUTS)(
    "reads the Go 1.17 pointer format from an $label file, with one read back into rodata",
    async (layout) => {
      const elf = pointerFormatElf("go1.17.13", framedModInfo(MODINFO), layout);
      expect(brief(await run(elf.bytes))).toEqual(EXPECTED);
      const outcome = await runWithPasses(extractor, elf.bytes);
      expect(brief(outcome.result)).toEqual(EXPECTED);
      // The strings live in rodata, before the data segment that holds the blob: one read of
      // both goes back, so the host needs exactly one more pass.
      const rodata = elf.segmentOffsets[1]!;
      const length = "go1.17.13".length + framedModInfo(MODINFO).length;
      expect(outcome.backwardReads).toEqual([{ offset: rodata + 32, length }]);
    },
  );

  it("searches past 64 KiB of .data only in a binary that carries the Go build ID note", async () => {
    const blob = inlineBlob("go1.17.13", framedModInfo(MODINFO));
    const withNote = goElf(blob, { is64: true, littleEndian: true, dataBefore: 100 * 1024, goNote: true });
    expect(brief(await run(withNote.bytes))).toEqual(EXPECTED);
    expect((await runWithPasses(extractor, withNote.bytes)).backwardReads).toEqual([]);
    // Without the note, like debug/buildinfo without section headers: only the first 64 KiB.
    const withoutNote = goElf(blob, { is64: true, littleEndian: true, dataBefore: 100 * 1024 });
    expect(await run(withoutNote.bytes)).toEqual({ packages: [], issues: [] });
    // A magic that is not 16-byte aligned is not the blob.
    const misaligned = goElf(blob, { is64: true, littleEndian: true, dataBefore: 8, goNote: true });
    expect(await run(misaligned.bytes)).toEqual({ packages: [], issues: [] });
  });

  it("reports a main module that has a version and marks it", async () => {
    const modInfo = "path\texample.com/tool/cmd/tool\nmod\texample.com/tool\tv1.4.0\th1:x=\n";
    const result = await run(goElf(inlineBlob("go1.22.3", framedModInfo(modInfo)), LAYOUTS[0]).bytes);
    expect(result.packages).toEqual([
      { type: "golang", name: "stdlib", version: "1.22.3", metadata: { goToolchain: "go1.22.3" } },
      { type: "golang", name: "example.com/tool", version: "1.4.0", metadata: { mainModule: "true" } },
    ]);
  });

  it("says why the standard library is missing for development and unknown toolchains", async () => {
    const devel = await run(
      goElf(inlineBlob("devel go1.23-0a1b2c3 Tue Jan 2 2024", framedModInfo(MODINFO)), LAYOUTS[0]).bytes,
    );
    expect(brief(devel)).toEqual(EXPECTED.slice(1));
    expect(devel.issues).toEqual([
      expect.objectContaining({ severity: "info", code: "go-buildinfo-devel-toolchain" }),
    ]);
    const odd = await run(goElf(inlineBlob("gccgo-13", framedModInfo(MODINFO)), LAYOUTS[0]).bytes);
    expect(odd.issues).toEqual([
      expect.objectContaining({ severity: "warning", code: "go-buildinfo-unknown-toolchain" }),
    ]);
  });

  it("reads only the toolchain when the module information is missing or not framed", async () => {
    const gopath = await run(goElf(inlineBlob("go1.17.13", Buffer.alloc(0)), LAYOUTS[0]).bytes);
    expect(brief(gopath)).toEqual(["stdlib@1.17.13"]);
    const unframed = await run(goElf(inlineBlob("go1.17.13", Buffer.from(MODINFO)), LAYOUTS[0]).bytes);
    expect(brief(unframed)).toEqual(["stdlib@1.17.13"]);
    expect(unframed.issues).toEqual([]);
  });

  it("keeps every good module around malformed module lines", async () => {
    const bad = `${MODINFO}dep\tonly-a-path\nfrob\tx\n=>\torphan\tv1.0.0\n`;
    const result = await run(goElf(inlineBlob("go1.17.13", framedModInfo(bad)), LAYOUTS[0]).bytes);
    expect(brief(result)).toEqual(EXPECTED);
    expect(result.issues.map((i) => [i.severity, i.code, i.record])).toEqual([
      ["warning", "go-buildinfo-bad-modinfo", "modinfo line 7"],
      ["warning", "go-buildinfo-bad-modinfo", "modinfo line 8"],
      ["warning", "go-buildinfo-bad-modinfo", "modinfo line 9"],
    ]);
  });

  describe("damaged files become issues, never exceptions", () => {
    const good = () => goElf(inlineBlob("go1.17.13", framedModInfo(MODINFO)), LAYOUTS[0]);
    const issueOf = async (bytes: Buffer) => {
      const result = await run(bytes);
      expect(result.packages).toEqual([]);
      expect(result.issues).toHaveLength(1);
      return [result.issues[0]!.severity, result.issues[0]!.code];
    };

    it("a truncated or unknown ELF header", async () => {
      expect(await issueOf(good().bytes.subarray(0, 60))).toEqual(["warning", "elf-truncated-header"]);
      expect(await issueOf(good().bytes.subarray(0, 12))).toEqual(["warning", "elf-truncated-header"]);
      const badClass = Buffer.from(good().bytes);
      badClass[4] = 3;
      expect(await issueOf(badClass)).toEqual(["warning", "elf-bad-header"]);
      const badData = Buffer.from(good().bytes);
      badData[5] = 0;
      expect(await issueOf(badData)).toEqual(["warning", "elf-bad-header"]);
    });

    it("program headers past the end, absurdly many, or too small", async () => {
      const elf = good();
      const past = Buffer.from(elf.bytes);
      writer(past, true, true).word(elf.headerFields.phoff, past.length - 10);
      expect(await issueOf(past)).toEqual(["warning", "elf-truncated-table"]);
      const huge = Buffer.from(elf.bytes);
      writer(huge, true, true).u16(elf.headerFields.phnum, 0xfffe);
      expect(await issueOf(huge)).toEqual(["warning", "elf-table-too-large"]);
      const small = Buffer.from(elf.bytes);
      writer(small, true, true).u16(elf.headerFields.phentsize, 8);
      expect(await issueOf(small)).toEqual(["warning", "elf-bad-header"]);
      const offsetOverflow = Buffer.from(elf.bytes);
      writer(offsetOverflow, true, true).u64(elf.headerFields.phoff, 0xffffffffffffff00n);
      expect(await issueOf(offsetOverflow)).toEqual(["warning", "elf-truncated-table"]);
    });

    it("a blob cut off in its header or strings", async () => {
      const elf = good();
      const blobAt = elf.segmentOffsets[2]!;
      expect(await issueOf(elf.bytes.subarray(0, blobAt + 20))).toEqual(["error", "go-buildinfo-truncated"]);
      expect(await issueOf(elf.bytes.subarray(0, blobAt + 33))).toEqual(["error", "go-buildinfo-truncated"]);
      expect(await issueOf(elf.bytes.subarray(0, blobAt + 60))).toEqual(["error", "go-buildinfo-truncated"]);
    });

    it("absurd or malformed varint lengths", async () => {
      const header = inlineBlob("", Buffer.alloc(0)).subarray(0, 32);
      const tooLong = Buffer.concat([header, uvarint(100 * 1024 * 1024), Buffer.alloc(16)]);
      expect(await issueOf(goElf(tooLong, LAYOUTS[0]).bytes)).toEqual(["error", "go-buildinfo-too-large"]);
      const endless = Buffer.concat([header, Buffer.alloc(12, 0xff)]);
      expect(await issueOf(goElf(endless, LAYOUTS[0]).bytes)).toEqual(["error", "go-buildinfo-bad-varint"]);
      const empty = Buffer.concat([header, uvarint(0), uvarint(0)]);
      expect(await issueOf(goElf(empty, LAYOUTS[0]).bytes)).toEqual(["error", "go-buildinfo-no-version"]);
    });

    it("pointer-format blobs with a bad pointer size or addresses outside the segments", async () => {
      const elf = pointerFormatElf("go1.17.13", framedModInfo(MODINFO), LAYOUTS[0]);
      const blobAt = elf.segmentOffsets[2]!;
      const badSize = Buffer.from(elf.bytes);
      badSize[blobAt + 14] = 3;
      expect(await issueOf(badSize)).toEqual(["error", "go-buildinfo-bad-header"]);
      const wild = Buffer.from(elf.bytes);
      wild.writeBigUInt64LE(0x7777777n, blobAt + 16);
      expect(await issueOf(wild)).toEqual(["error", "go-buildinfo-bad-pointer"]);
      const longString = Buffer.from(elf.bytes);
      longString.writeBigUInt64LE(50_000n, blobAt + 32 + 24); // the module string's length
      expect(await issueOf(longString)).toEqual(["error", "go-buildinfo-bad-pointer"]);
    });
  });

  it("lets the host's OutsideReadWindowError through", async () => {
    const bytes = goElf(inlineBlob("go1.17.13", framedModInfo(MODINFO)), LAYOUTS[0]).bytes;
    const reader = {
      size: bytes.length,
      readAt: async (offset: number, length: number) => {
        if (offset > 0) throw new OutsideReadWindowError("/usr/bin/tool", offset, length);
        return bytes.subarray(0, length);
      },
    };
    await expect(
      extractor.extract({ path: "/usr/bin/tool", info: { size: bytes.length, mode: 0o755 }, reader }),
    ).rejects.toBeInstanceOf(OutsideReadWindowError);
  });
});
