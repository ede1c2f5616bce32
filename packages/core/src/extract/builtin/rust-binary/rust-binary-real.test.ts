import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createBufferFileReader } from "../../file-reader.js";
import { ensureCachedBuild } from "../elf/test-support/cached-build.js";
import { writer } from "../elf/test-support/elf-builder.js";
import { runWithPasses } from "../elf/test-support/forward-only-reader.js";
import { createRustBinaryExtractor } from "./rust-binary-extractor.js";

const recipe = join(import.meta.dirname, "test-support", "build-rust-binaries.sh");
const extractor = createRustBinaryExtractor();
let dir: string;
const scratch = mkdtempSync(join(tmpdir(), "vigil-rust-binary-"));

beforeAll(async () => {
  dir = await ensureCachedBuild(recipe);
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SERDE_JSON = [
  { type: "cargo", name: "itoa", version: "1.0.14" },
  { type: "cargo", name: "memchr", version: "2.7.4" },
  { type: "cargo", name: "ryu", version: "1.0.18" },
  { type: "cargo", name: "serde", version: "1.0.217" },
  { type: "cargo", name: "serde_json", version: "1.0.135" },
];

async function run(content: Buffer): Promise<ExtractorResult> {
  return extractor.extract({
    path: "/usr/local/bin/app",
    info: { size: content.length, mode: 0o755 },
    reader: createBufferFileReader(content),
  });
}
const file = (name: string) => readFileSync(join(dir, name));

/** A section as binutils' readelf lists it: the oracle for where things are. */
function readelfSection(name: string, section: string): { index: number; offset: number; size: number } {
  const out = execFileSync("readelf", ["-SW", join(dir, name)], { encoding: "utf8" });
  const line = out.split("\n").find((l) => l.includes(` ${section} `));
  const match = /\[\s*(\d+)\]\s+\S+\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(line ?? "");
  if (!match) throw new Error(`readelf lists no ${section} in ${name}`);
  return {
    index: Number(match[1]),
    offset: Number.parseInt(match[2]!, 16),
    size: Number.parseInt(match[3]!, 16),
  };
}

/** The .dep-v0 section as binutils' objcopy extracts it. */
function objcopyDump(name: string): Buffer {
  const out = join(scratch, `${name}.dep-v0`);
  execFileSync("objcopy", [
    "--dump-section",
    `.dep-v0=${out}`,
    join(dir, name),
    join(scratch, `${name}.copy`),
  ]);
  return readFileSync(out);
}

/** The crates the documented rules keep, computed from the JSON objcopy dumps from the binary. */
function expectedFromDump(name: string): string[] {
  const data = JSON.parse(inflateSync(objcopyDump(name)).toString("utf8")) as {
    packages: { name: string; version: string; source: string; kind?: string }[];
  };
  return data.packages
    .filter((p) => p.kind !== "build" && p.source !== "local")
    .map((p) => `${p.name}@${p.version}`);
}

const brief = (r: ExtractorResult) => r.packages.map((p) => `${p.name}@${p.version}`);

describe("binary/rust-cargo-auditable on real ELF executables (gcc + objcopy, test-support/build-rust-binaries.sh)", () => {
  it.each(["serde-json", "serde-json-alloc", "serde-json-stripped"])(
    "reports the runtime crates.io crates of %s, not build dependencies or the local root crate",
    async (name) => {
      expect(await run(file(name))).toEqual({ packages: SERDE_JSON, issues: [] });
      expect(brief(await run(file(name)))).toEqual(expectedFromDump(name));
      // what went in is exactly the compact fixture
      expect(inflateSync(objcopyDump(name)).toString("utf8")).toBe(
        readFileSync(join(dir, "serde-json.json"), "utf8"),
      );
    },
  );

  it("reports registry and git crates with their source, a crates.io root, and drops local crates", async () => {
    const result = await run(file("sources"));
    expect(result).toEqual({
      packages: [
        { type: "cargo", name: "libc", version: "0.2.153" },
        { type: "cargo", name: "mycorp-auth", version: "3.1.0", metadata: { source: "registry" } },
        { type: "cargo", name: "ring", version: "0.17.8", metadata: { source: "git" } },
        { type: "cargo", name: "ripgrep", version: "14.1.0" },
      ],
      issues: [],
    });
    expect(brief(result)).toEqual(expectedFromDump("sources"));
  });

  it("yields nothing, and no issue, for an executable without .dep-v0", async () => {
    expect(await run(file("hello"))).toEqual({ packages: [], issues: [] });
    const outcome = await runWithPasses(extractor, file("hello"));
    // The header, then the section header table and the names just before it: one step back.
    expect(outcome.backwardReads).toHaveLength(1);
  });

  it("records which reads go backwards: the section-name table and the .dep-v0 section", async () => {
    for (const name of ["serde-json", "serde-json-alloc", "serde-json-stripped"]) {
      const names = readelfSection(name, ".shstrtab");
      const dep = readelfSection(name, ".dep-v0");
      // Strictly forward (no window): both lie before the section header table.
      const strict = await runWithPasses(extractor, file(name));
      expect(strict.result.packages).toEqual(SERDE_JSON);
      expect(strict.backwardReads).toEqual([
        { offset: names.offset, length: names.size },
        { offset: dep.offset, length: dep.size },
      ]);
      // With the host's 64 KiB window both are still held: no second pass for a small binary.
      const windowed = await runWithPasses(extractor, file(name), { windowBytes: 64 * 1024 });
      expect(windowed.backwardReads).toEqual([]);
      expect(windowed.result.packages).toEqual(SERDE_JSON);
    }
  });

  describe("damage to a real binary becomes an issue", () => {
    const patched = (name: string, patch: (bytes: Buffer, shoff: number) => void) => {
      const bytes = Buffer.from(file(name));
      patch(bytes, Number(bytes.readBigUInt64LE(40)));
      return bytes;
    };
    const only = async (bytes: Buffer) => {
      const result = await run(bytes);
      expect(result.packages).toEqual([]);
      expect(result.issues).toHaveLength(1);
      return [result.issues[0]!.severity, result.issues[0]!.code];
    };
    const w = (bytes: Buffer) => writer(bytes, true, true);

    it("a file cut short, or section headers pointing past its end", async () => {
      expect(await only(file("serde-json").subarray(0, 4000))).toEqual(["warning", "elf-truncated-table"]);
      expect(await only(file("serde-json").subarray(0, 40))).toEqual(["warning", "elf-truncated-header"]);
      const past = patched("serde-json", (b) => w(b).u64(40, b.length + 100));
      expect(await only(past)).toEqual(["warning", "elf-truncated-table"]);
      const many = patched("serde-json", (b) => w(b).u16(60, 0xfff0));
      expect(await only(many)).toEqual(["warning", "elf-table-too-large"]);
      const names = patched("serde-json", (b) => w(b).u16(62, 400));
      expect(await only(names)).toEqual(["warning", "elf-bad-section-headers"]);
    });

    it("a .dep-v0 section that reaches past the end, is absurdly large or holds no bytes", async () => {
      const dep = readelfSection("serde-json", ".dep-v0");
      const field = (shoff: number, at: number) => shoff + dep.index * 64 + at;
      const beyond = patched("serde-json", (b, shoff) => w(b).u64(field(shoff, 32), 100_000));
      expect(await only(beyond)).toEqual(["error", "elf-truncated-section"]);
      const huge = patched("serde-json", (b, shoff) => w(b).u64(field(shoff, 32), 64 * 1024 * 1024));
      expect(await only(huge)).toEqual(["error", "elf-section-too-large"]);
      const nobits = patched("serde-json", (b, shoff) => w(b).u32(field(shoff, 4), 8));
      expect(await only(nobits)).toEqual(["error", "elf-bad-section"]);
    });

    it("a damaged zlib stream", async () => {
      const dep = readelfSection("serde-json", ".dep-v0");
      const header = patched("serde-json", (b) => b.fill(0, dep.offset, dep.offset + 2));
      expect(await only(header)).toEqual(["error", "rust-audit-bad-zlib"]);
      // The Adler-32 at the end no longer matches the data.
      const last = dep.offset + dep.size - 1;
      const checksum = patched("serde-json", (b) => b.writeUInt8(b.readUInt8(last) ^ 0xff, last));
      expect(await only(checksum)).toEqual(["error", "rust-audit-bad-zlib"]);
      const cut = patched("serde-json", (b, shoff) => w(b).u64(shoff + dep.index * 64 + 32, dep.size - 20));
      expect(await only(cut)).toEqual(["error", "rust-audit-bad-zlib"]);
    });
  });
});
