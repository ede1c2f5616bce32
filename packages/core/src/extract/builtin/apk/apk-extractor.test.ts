import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createApkExtractor } from "./apk-extractor.js";

const testdata = join(import.meta.dirname, "testdata/scalibr");
const extractor = createApkExtractor();

async function run(file: string) {
  const content = readFileSync(join(testdata, file));
  return extractor.extract({
    path: "/lib/apk/db/installed",
    content,
    info: { size: content.length, mode: 0o644 },
  });
}

/** Independent reading of the same file: every `P:` line with the `V:`/`o:` of its record. */
function grepRecords(file: string): string[] {
  return readFileSync(join(testdata, file), "utf8")
    .split(/\n\s*\n/)
    .filter((r) => /^P:/m.test(r))
    .map((r) => {
      const get = (k: string) => new RegExp(`^${k}:(.*)$`, "m").exec(r)?.[1] ?? "";
      return `${get("P")} ${get("V")} ${get("o") || get("P")} ${get("A")}`;
    })
    .sort();
}

describe("os/apk", () => {
  it("reads every package of a real Alpine database with origin and arch", async () => {
    const result = await run("installed");
    const ours = result.packages.map((p) => `${p.name} ${p.version} ${p.sourceName} ${p.arch}`).sort();
    expect(ours).toEqual(grepRecords("installed"));
    expect(ours).toHaveLength(15);
    expect(result.packages.find((p) => p.name === "musl")).toMatchObject({ type: "apk", sourceName: "musl" });
    expect(result.issues).toEqual([]);
  });

  it("uses the package name as origin when o: is missing", async () => {
    const result = await run("no-origin");
    expect(result.packages).toEqual([
      expect.objectContaining({ name: "pkgname", version: "1.2.3", sourceName: "pkgname" }),
    ]);
  });

  it("reports garbage lines with their line numbers", async () => {
    const result = await run("invalid");
    expect(result.packages).toEqual([]);
    expect(result.issues.map((i) => [i.code, i.line])).toEqual([
      ["apk-bad-line", 1],
      ["apk-bad-line", 3],
    ]);
  });

  it("reports a record without a version and keeps going", async () => {
    const content = Buffer.from("P:broken\nA:x86_64\n\nP:ok\nV:1.0-r0\n");
    const result = await extractor.extract({
      path: "/lib/apk/db/installed",
      content,
      info: { size: 1, mode: 0 },
    });
    expect(result.packages.map((p) => p.name)).toEqual(["ok"]);
    expect(result.issues).toEqual([
      expect.objectContaining({ code: "apk-missing-version", line: 1, record: "broken" }),
    ]);
  });

  it("reads an empty database as no packages", async () => {
    expect(await run("empty")).toEqual({ packages: [], issues: [] });
  });
});
