import { describe, expect, it } from "vitest";
import { identifierUrl, safeHttpUrl } from "./advisory-links.js";

describe("links out of advisory data", () => {
  it("links identifiers to where they are described", () => {
    expect(identifierUrl("CVE-2024-3094")).toBe("https://nvd.nist.gov/vuln/detail/CVE-2024-3094");
    expect(identifierUrl("GHSA-jfh8-c2jp-5v3q")).toBe("https://github.com/advisories/GHSA-jfh8-c2jp-5v3q");
    expect(identifierUrl("DSA-5678-1")).toBe("https://osv.dev/vulnerability/DSA-5678-1");
    expect(identifierUrl("a/../b")).toBe("https://osv.dev/vulnerability/a%2F..%2Fb");
  });

  it("makes only http(s) references into links", () => {
    expect(safeHttpUrl("https://example.org/a?b=1")).toBe("https://example.org/a?b=1");
    for (const hostile of [
      "javascript:alert(1)",
      " JAVASCRIPT:alert(1)",
      "data:text/html,<b>",
      "vbscript:x",
      "//x",
      "not a url",
    ]) {
      expect(safeHttpUrl(hostile), hostile).toBeUndefined();
    }
  });
});
