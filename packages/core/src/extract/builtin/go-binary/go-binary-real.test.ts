import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ExtractorResult } from "../../extractor.js";
import { createBufferFileReader } from "../../file-reader.js";
import { ensureCachedBuild } from "../elf/test-support/cached-build.js";
import { runWithPasses } from "../elf/test-support/forward-only-reader.js";
import { createGoBinaryExtractor } from "./go-binary-extractor.js";

const recipe = join(import.meta.dirname, "test-support", "build-go-binaries.sh");
const extractor = createGoBinaryExtractor();
let dir: string;

beforeAll(async () => {
  dir = await ensureCachedBuild(recipe);
});

/** Every binary of the recipe that is built from testdata/go-modules/app. */
const APP_BINARIES = [
  "app",
  "app-stripped",
  "app-pie",
  "app-external",
  "app-386",
  "app-arm64",
  "app-s390x",
  "app-mips",
] as const;

async function extractBuffered(name: string): Promise<ExtractorResult> {
  const content = readFileSync(join(dir, name));
  return extractor.extract({
    path: `/usr/local/bin/${name}`,
    info: { size: content.length, mode: 0o755 },
    reader: createBufferFileReader(content),
  });
}

/** `go version -m` of a binary, the Go toolchain's own reading of the same build info. */
function goVersionM(name: string): {
  goVersion: string;
  deps: { path: string; version: string; replace?: { path: string; version: string } }[];
} {
  const out = execFileSync("go", ["version", "-m", join(dir, name)], {
    encoding: "utf8",
    env: { ...process.env, GOENV: "off" },
  });
  const [first, ...lines] = out.split("\n");
  const goVersion = first!.slice(first!.indexOf(": ") + 2).trim();
  const deps: { path: string; version: string; replace?: { path: string; version: string } }[] = [];
  for (const line of lines) {
    const [, key, path, version] = line.split("\t");
    if (key === "dep") deps.push({ path: path!, version: version! });
    else if (key === "=>") deps[deps.length - 1]!.replace = { path: path!, version: version! };
  }
  return { goVersion, deps };
}

/** The expected packages derived from `go version -m` by the documented rules. */
function expectedFromOracle(name: string): string[] {
  const oracle = goVersionM(name);
  const packages = [`stdlib@${oracle.goVersion.replace(/^go/, "")}`];
  for (const dep of oracle.deps) {
    if (dep.replace?.path.startsWith("./")) continue;
    const linked = dep.replace ?? dep;
    packages.push(`${linked.path}@${linked.version.replace(/^v/, "")}`);
  }
  return packages.sort();
}

const brief = (r: ExtractorResult) => r.packages.map((p) => `${p.name}@${p.version}`).sort();

describe("binary/go-buildinfo on real Go binaries (Debian's Go, built by test-support/build-go-binaries.sh)", () => {
  it("reads the exact module list and toolchain of the default build", async () => {
    const goVersion = readFileSync(join(dir, "go-version.txt"), "utf8").split(" ")[2]!; // go1.19.8
    const stdlib = goVersion.replace(/^go/, "");
    const result = await extractBuffered("app");
    expect(result.packages).toEqual([
      { type: "golang", name: "stdlib", version: stdlib, metadata: { goToolchain: goVersion } },
      { type: "golang", name: "example.com/color", version: "0.4.0" },
      { type: "golang", name: "example.com/greet", version: "1.2.3" },
      { type: "golang", name: "example.com/greet/v2", version: "2.1.0" },
      { type: "golang", name: "example.com/incompat", version: "2.0.0+incompatible" },
      {
        type: "golang",
        name: "example.com/fork",
        version: "1.0.1",
        metadata: { replacedFrom: "example.com/old@v1.0.0" },
      },
      { type: "golang", name: "example.com/pseudo", version: "0.0.0-20240102030405-abcdefabcdef" },
    ]);
    expect(result.issues).toEqual([
      {
        severity: "info",
        code: "go-buildinfo-directory-replacement",
        message:
          "example.com/local v0.0.0 is replaced by the directory ./local, which has no module version; not listed",
        record: "example.com/local",
      },
    ]);
  });

  it.each(APP_BINARIES)("agrees with `go version -m` on %s", async (name) => {
    const result = await extractBuffered(name);
    expect(brief(result)).toEqual(expectedFromOracle(name));
    expect(result.issues.map((i) => i.code)).toEqual(["go-buildinfo-directory-replacement"]);
  });

  it.each(APP_BINARIES)("reads %s strictly forward: no read goes back, so no second pass", async (name) => {
    const content = readFileSync(join(dir, name));
    const outcome = await runWithPasses(extractor, content);
    expect(outcome.backwardReads).toEqual([]);
    expect(brief(outcome.result)).toEqual(expectedFromOracle(name));
    // The ELF header, the program headers, the notes, then the data segment: a handful of reads.
    expect(outcome.reads.length).toBeLessThanOrEqual(8);
  });

  it("finds the build info of an externally linked binary behind a .data larger than 64 KiB (Go note)", async () => {
    const result = await extractBuffered("bigdata-external");
    expect(brief(result)).toEqual(expectedFromOracle("bigdata-external"));
    expect(result.issues).toEqual([]);
    const content = readFileSync(join(dir, "bigdata-external"));
    expect((await runWithPasses(extractor, content)).backwardReads).toEqual([]);
  });

  it("lists only the toolchain of a binary built outside module mode", async () => {
    const result = await extractBuffered("nomod");
    expect(brief(result)).toEqual(expectedFromOracle("nomod"));
    expect(result.packages).toHaveLength(1);
    expect(result.issues).toEqual([]);
  });
});
