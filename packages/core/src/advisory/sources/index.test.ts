import { describe, expect, it } from "vitest";
import { createBuiltinSources } from "./index.js";

describe("createBuiltinSources", () => {
  it("lists every built-in source once, by name, each with its upstream default", () => {
    const sources = createBuiltinSources();
    expect(sources.map((s) => [s.name, s.version, s.ecosystems, s.defaultLocation])).toEqual([
      ["alpine-secdb", 1, ["Alpine"], "https://secdb.alpinelinux.org"],
      ["debian-tracker", 1, ["Debian"], "https://security-tracker.debian.org/tracker/data/json"],
      ["epss", 1, [], "https://epss.cyentia.com/epss_scores-current.csv.gz"],
      ["kev", 1, [], "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"],
      [
        "osv",
        1,
        expect.arrayContaining(["Alpine", "Debian", "PyPI"]),
        "https://osv-vulnerabilities.storage.googleapis.com",
      ],
    ]);
  });

  it("makes fresh sources on every call", () => {
    expect(createBuiltinSources()[0]).not.toBe(createBuiltinSources()[0]);
  });
});
