/**
 * Fuzzing of the executable extractors (Go build info, Rust cargo-auditable data) and the ELF
 * reader under them. The seeds are ELF files in each class and byte order written by the
 * repository's ELF builders around Go build info and the real cargo-auditable documents in
 * testdata; real Go and Rust binaries are megabytes built by a toolchain on demand, so their
 * own tests (go-binary-real, rust-binary-real) cover them.
 */
import { deflateSync } from "node:zlib";
import { describe } from "vitest";
import { buildElf } from "../extract/builtin/elf/test-support/elf-builder.js";
import { createGoBinaryExtractor } from "../extract/builtin/go-binary/index.js";
import {
  framedModInfo,
  goElf,
  inlineBlob,
  pointerFormatElf,
} from "../extract/builtin/go-binary/test-support/build-info-builder.js";
import { createRustBinaryExtractor } from "../extract/builtin/rust-binary/index.js";
import { Corpus } from "./test-support/corpus.js";
import { checkResult, fuzzExtractor, runExtractor } from "./test-support/fuzz-extractor.js";
import { fuzz } from "./test-support/fuzz-property.js";

const MODINFO = framedModInfo(
  [
    "path\texample.com/app",
    "mod\texample.com/app\t(devel)\t",
    "dep\texample.com/greet\tv1.2.3\th1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=",
    "dep\texample.com/fork\tv1.0.0",
    "=>\texample.com/fork\tv1.0.1\th1:abc=",
    "dep\texample.com/pseudo\tv0.0.0-20240102030405-abcdefabcdef",
    "build\t-compiler=gc",
    "build\tCGO_ENABLED=0",
    "",
  ].join("\n"),
);

const LAYOUTS = [
  { is64: true, littleEndian: true },
  { is64: true, littleEndian: false },
  { is64: false, littleEndian: true },
  { is64: false, littleEndian: false },
] as const;

const goSeeds = new Map<string, Buffer>();
for (const layout of LAYOUTS) {
  const label = `${layout.is64 ? "ELF64" : "ELF32"} ${layout.littleEndian ? "LE" : "BE"}`;
  goSeeds.set(
    `go1.22 inline ${label}`,
    goElf(inlineBlob("go1.22.5", MODINFO), { ...layout, goNote: true }).bytes,
  );
  goSeeds.set(`go1.17 pointers ${label}`, pointerFormatElf("go1.17.13", MODINFO, layout).bytes);
}

const auditDocuments = Corpus.fromCoreDir("extract/builtin/rust-binary/testdata/audit-data");

/** An executable whose `.dep-v0` section holds `audit` compressed, as cargo-auditable writes it. */
function auditable(audit: Buffer, layout: (typeof LAYOUTS)[number]): Buffer {
  return buildElf({
    ...layout,
    sections: [
      { name: ".text", flags: 6, data: Buffer.alloc(64, 0xc3) },
      { name: ".dep-v0", data: deflateSync(audit) },
      { name: ".symtab", type: 2, data: Buffer.alloc(48, 1) },
    ],
  }).bytes;
}

const rustSeeds = new Map<string, Buffer>();
for (const name of auditDocuments.names) {
  for (const layout of LAYOUTS.slice(0, 3)) {
    const label = `${name} ${layout.is64 ? "ELF64" : "ELF32"} ${layout.littleEndian ? "LE" : "BE"}`;
    rustSeeds.set(label, auditable(auditDocuments.bytes(name), layout));
  }
}

describe("fuzz: executables", () => {
  fuzzExtractor({
    extractor: createGoBinaryExtractor(),
    paths: ["/usr/local/bin/app"],
    corpus: new Corpus(goSeeds),
  });

  fuzzExtractor({
    extractor: createRustBinaryExtractor(),
    paths: ["/usr/local/bin/tool"],
    corpus: new Corpus(rustSeeds),
  });

  // The audit data is compressed, so byte damage to the file rarely reaches its JSON: these
  // inputs damage the JSON (structured edits and bytes) and then compress it into the section.
  const rust = createRustBinaryExtractor();
  fuzz({
    parser: "extract binary/rust-cargo-auditable (audit JSON)",
    inputs: auditDocuments.plans({ json: true }),
    run: async (plan) =>
      checkResult(
        await runExtractor(rust, "/usr/local/bin/tool", auditable(auditDocuments.apply(plan), LAYOUTS[0])),
      ),
  });
});
