import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createBufferFileReader, OutsideReadWindowError } from "../../file-reader.js";
import { buildElf } from "../elf/test-support/elf-builder.js";
import { runWithPasses } from "../elf/test-support/forward-only-reader.js";
import { createRustBinaryExtractor } from "./rust-binary-extractor.js";

const extractor = createRustBinaryExtractor();
const AUDIT = {
  packages: [
    { name: "adler", version: "1.0.2", source: "crates.io" },
    { name: "cc", version: "1.0.90", source: "crates.io", kind: "build" },
    { name: "tool", version: "0.3.0", source: "local", root: true, dependencies: [0] },
  ],
};

async function run(content: Buffer): Promise<ExtractorResult> {
  return extractor.extract({
    path: "/usr/bin/tool",
    info: { size: content.length, mode: 0o755 },
    reader: createBufferFileReader(content),
  });
}

function auditable(
  depV0: Buffer,
  layout = { is64: true, littleEndian: true },
  extra: Buffer = Buffer.alloc(0),
) {
  return buildElf({
    ...layout,
    sections: [
      { name: ".text", flags: 6, data: Buffer.alloc(64, 0xc3) },
      { name: ".dep-v0", data: depV0 },
      // a symbol table between the audit data and the section-name table, as in unstripped binaries
      ...(extra.length > 0 ? [{ name: ".symtab", type: 2, data: extra }] : []),
    ],
  });
}
const zjson = (value: unknown) => deflateSync(Buffer.from(JSON.stringify(value)));

describe("binary/rust-cargo-auditable", () => {
  it("wants executable files at least as large as an ELF header", () => {
    expect(extractor.required("/usr/local/bin/rg", { size: 5_000_000, mode: 0o755 })).toBe(true);
    expect(extractor.required("/usr/share/doc/rg/README", { size: 5_000, mode: 0o644 })).toBe(false);
    expect(extractor.required("/usr/local/bin", { size: 0, mode: 0o755 })).toBe(false);
  });

  it.each([
    { is64: true, littleEndian: true },
    { is64: true, littleEndian: false },
    { is64: false, littleEndian: true },
    { is64: false, littleEndian: false },
  ])("reads .dep-v0 from ELF (is64 $is64, littleEndian $littleEndian)", async (layout) => {
    expect(await run(auditable(zjson(AUDIT), layout).bytes)).toEqual({
      packages: [{ type: "cargo", name: "adler", version: "1.0.2" }],
      issues: [],
    });
  });

  it("needs one read behind the host's window when a large symbol table separates .dep-v0 from the tables", async () => {
    const elf = auditable(zjson(AUDIT), { is64: true, littleEndian: true }, Buffer.alloc(200 * 1024));
    const outcome = await runWithPasses(extractor, elf.bytes, { windowBytes: 64 * 1024 });
    expect(outcome.result.packages).toEqual([{ type: "cargo", name: "adler", version: "1.0.2" }]);
    expect(outcome.backwardReads).toEqual([
      { offset: elf.sectionOffsets.get(".dep-v0"), length: zjson(AUDIT).length },
    ]);
  });

  it("yields nothing for files without sections or without .dep-v0, and for scripts", async () => {
    expect(await run(buildElf({ is64: true, littleEndian: true }).bytes)).toEqual({
      packages: [],
      issues: [],
    });
    const plain = buildElf({
      is64: false,
      littleEndian: true,
      sections: [{ name: ".text", data: Buffer.alloc(8) }],
    });
    expect(await run(plain.bytes)).toEqual({ packages: [], issues: [] });
    expect(await run(Buffer.from("#!/usr/bin/env python3\nprint('not an ELF file at all')\n"))).toEqual({
      packages: [],
      issues: [],
    });
  });

  it.each([
    ["not JSON", deflateSync(Buffer.from("{packages: nope")), "rust-audit-invalid-json"],
    ["not UTF-8", deflateSync(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), "rust-audit-invalid-json"],
    ["JSON without packages", zjson({ crates: [] }), "rust-audit-no-packages"],
    ["a JSON array", zjson([AUDIT]), "rust-audit-no-packages"],
    ["raw JSON, not zlib", Buffer.from(JSON.stringify(AUDIT)), "rust-audit-bad-zlib"],
    ["a zlib bomb", deflateSync(Buffer.alloc(20 * 1024 * 1024, 0x20)), "rust-audit-too-large"],
  ])("reports %s as an error", async (_label, depV0, code) => {
    const result = await run(auditable(depV0).bytes);
    expect(result.packages).toEqual([]);
    expect(result.issues).toEqual([expect.objectContaining({ severity: "error", code })]);
  });

  it("refuses a .dep-v0 section over 4 MiB before reading it", async () => {
    const elf = auditable(Buffer.alloc(4 * 1024 * 1024 + 1));
    const outcome = await runWithPasses(extractor, elf.bytes);
    expect(outcome.result.issues).toEqual([expect.objectContaining({ code: "elf-section-too-large" })]);
    expect(outcome.reads.every((r) => r.length <= 1024 * 1024)).toBe(true);
  });

  it("keeps every good crate around malformed entries", async () => {
    const result = await run(
      auditable(
        zjson({
          packages: [
            { name: "adler", version: "1.0.2", source: "crates.io" },
            { name: "noversion", source: "crates.io" },
            "not an object",
            { name: "nosource", version: "1.0.0" },
            { name: "future", version: "2.0.0", source: "crates.io", kind: "dev" },
            { name: "bytes", version: "1.5.0", source: "crates.io", kind: "runtime" },
          ],
        }),
      ).bytes,
    );
    expect(result.packages.map((p) => `${p.name}@${p.version}`)).toEqual([
      "adler@1.0.2",
      "future@2.0.0",
      "bytes@1.5.0",
    ]);
    expect(result.issues.map((i) => [i.severity, i.code, i.record])).toEqual([
      ["warning", "rust-audit-bad-package", "packages[1]"],
      ["warning", "rust-audit-bad-package", "packages[2]"],
      ["warning", "rust-audit-bad-package", "nosource"],
      ["warning", "rust-audit-unknown-kind", "future"],
    ]);
  });

  it("lets the host's OutsideReadWindowError through", async () => {
    const bytes = auditable(zjson(AUDIT)).bytes;
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
