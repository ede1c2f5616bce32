import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createOsReleaseExtractor } from "./os-release-extractor.js";

const testdata = join(import.meta.dirname, "testdata");
const extractor = createOsReleaseExtractor();

async function factsOf(path: string, content: Buffer | string) {
  const buf = Buffer.from(content);
  return extractor.extract({ path, content: buf, info: { size: buf.length, mode: 0o644 } });
}

describe("os/os-release", () => {
  it.each([
    ["debian-os-release", "/usr/lib/os-release", { id: "debian", versionId: "8", priority: 90 }],
    ["alpine-os-release", "/etc/os-release", { id: "alpine", versionId: "3.11.6", priority: 100 }],
    ["ubuntu-os-release", "/etc/os-release", { id: "ubuntu", versionId: "20.04", versionCodename: "focal" }],
    ["sles-os-release", "/etc/os-release", { id: "sles", versionId: "15.2", idLike: ["suse"] }],
    ["redhat-release", "/etc/redhat-release", { id: "rhel", versionId: "8.10", priority: 30 }],
  ])("reads %s", async (file, path, expected) => {
    const result = await factsOf(path, readFileSync(join(testdata, file)));
    expect(result.osFacts?.[0]).toMatchObject({ ...expected, source: path });
    expect(result.issues).toEqual([]);
  });

  it("reads alpine-release and debian_version as fallbacks", async () => {
    expect((await factsOf("/etc/alpine-release", "3.19.1\n")).osFacts?.[0]).toMatchObject({
      id: "alpine",
      versionId: "3.19.1",
    });
    expect((await factsOf("/etc/debian_version", "12.5\n")).osFacts?.[0]).toMatchObject({
      id: "debian",
      versionId: "12",
    });
    expect((await factsOf("/etc/debian_version", "trixie/sid\n")).osFacts?.[0]).toMatchObject({
      id: "debian",
      versionCodename: "trixie/sid",
    });
  });

  it("handles quoting and escapes as os-release(5) describes", async () => {
    const result = await factsOf(
      "/etc/os-release",
      'ID=\'debian\'\nPRETTY_NAME="Say \\"hi\\""\n# comment\nVERSION_ID=12\n',
    );
    expect(result.osFacts?.[0]).toMatchObject({ id: "debian", prettyName: 'Say "hi"', versionId: "12" });
  });

  it("records bad lines with their number and a missing ID as issues", async () => {
    const result = await factsOf("/etc/os-release", "NAME=Thing\nthis is not valid\n");
    expect(result.osFacts ?? []).toEqual([]);
    expect(result.issues.map((i) => [i.code, i.line])).toEqual([
      ["os-release-bad-line", 2],
      ["os-release-no-id", undefined],
    ]);
  });
});
