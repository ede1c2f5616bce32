import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createJavaArchiveExtractor } from "./java-archive-extractor.js";

/** Info-ZIP's `zip`, which the test setup installs; the test is skipped where it is missing. */
const hasZip = spawnSync("zip", ["-v"]).status === 0;
const fixture = join(import.meta.dirname, "testdata/syft/jar-metadata/opensaml-core-3.4.6");

function zip(cwd: string, args: readonly string[]): void {
  const result = spawnSync("zip", args, { cwd, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`zip ${args.join(" ")} failed: ${result.stderr}`);
}

describe.skipIf(!hasZip)("lang/java-archive on archives written by Info-ZIP zip", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-java-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads a war that zip built around a jar that zip built (streamed, with data descriptors)", async () => {
    const lib = join(dir, "war/WEB-INF/lib");
    mkdirSync(lib, { recursive: true });
    zip(fixture, ["-q", "-r", "-X", join(lib, "opensaml-core-3.4.6.jar"), "META-INF"]);
    // `-fd` writes data descriptors, `-0` stores the nested jar as build tools do.
    zip(join(dir, "war"), ["-q", "-r", "-X", "-0", "-fd", join(dir, "app.war"), "WEB-INF"]);
    const content = readFileSync(join(dir, "app.war"));
    const result = await createJavaArchiveExtractor().extract({
      path: "/srv/app.war",
      content,
      info: { size: content.length, mode: 0o644 },
    });
    expect(result.packages.map((p) => `${p.name}@${p.version} ${p.path}`)).toEqual([
      "org.opensaml:opensaml-core@3.4.6 /srv/app.war!/WEB-INF/lib/opensaml-core-3.4.6.jar!/META-INF/maven/org.opensaml/opensaml-core/pom.properties",
    ]);
    expect(result.issues.filter((i) => i.severity !== "info")).toEqual([]);
  });
});
