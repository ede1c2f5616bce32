import { describe, expect, it } from "vitest";
import { packageUrl } from "../../../inventory/package-url.js";
import { createBuiltinExtractors } from "../index.js";

describe("Maven package URLs", () => {
  it("puts the group in the namespace: pkg:maven/group/artifact@version", () => {
    const purl = packageUrl(
      { type: "maven", name: "org.apache.logging.log4j:log4j-core", version: "2.17.1" },
      undefined,
    );
    expect(purl).toBe("pkg:maven/org.apache.logging.log4j/log4j-core@2.17.1");
  });

  it("is a generic purl when the group is unknown (maven requires a namespace), whatever the OS", () => {
    const os = { id: "debian", versionId: "12" } as Parameters<typeof packageUrl>[1];
    expect(packageUrl({ type: "maven", name: "commons-lang3", version: "3.12.0" }, os)).toBe(
      "pkg:generic/commons-lang3@3.12.0",
    );
  });
});

describe("built-in list", () => {
  it("includes lang/java-archive", () => {
    expect(createBuiltinExtractors().map((e) => e.name)).toContain("lang/java-archive");
  });
});
