import { describe, expect, it } from "vitest";
import { compareVersions } from "./compare-versions.js";
import { comparatorForEcosystem, ecosystemBase, schemeForEcosystem } from "./ecosystems.js";
import { InvalidVersionError, UnknownEcosystemError, VersionError, VersionParseError } from "./errors.js";
import { BUILTIN_SCHEMES } from "./schemes.js";

describe("OSV ecosystem → scheme", () => {
  it.each([
    ["Debian:12", "deb"],
    ["Debian", "deb"],
    ["Ubuntu:22.04", "deb"],
    ["Ubuntu:22.04:LTS", "deb"],
    ["Ubuntu:Pro:24.04:LTS", "deb"],
    ["Alpine:v3.19", "apk"],
    ["Wolfi", "apk"],
    ["Chainguard", "apk"],
    ["Red Hat", "rpm"],
    ["Red Hat:enterprise_linux:9::appstream", "rpm"],
    ["Rocky Linux:9", "rpm"],
    ["AlmaLinux:8", "rpm"],
    ["SUSE:Linux Enterprise Server 15 SP5", "rpm"],
    ["openSUSE:Leap 15.5", "rpm"],
    ["npm", "semver-npm"],
    ["crates.io", "semver"],
    ["Hex", "semver"],
    ["Go", "semver-go"],
    ["PyPI", "pep440"],
    ["Maven", "maven"],
    ["RubyGems", "gem"],
    ["NuGet", "nuget"],
    ["Packagist", "composer"],
  ])("%s → %s", (ecosystem, scheme) => {
    expect(schemeForEcosystem(ecosystem)).toBe(scheme);
    expect(comparatorForEcosystem(ecosystem).scheme).toBe(scheme);
  });

  it("maps every ecosystem to a registered scheme", () => {
    for (const ecosystem of [
      "Debian",
      "Alpine",
      "Red Hat",
      "npm",
      "Go",
      "PyPI",
      "Maven",
      "RubyGems",
      "NuGet",
      "Packagist",
      "Hex",
      "crates.io",
      "Bitnami",
      "Mageia",
      "openEuler",
      "Photon OS",
      "Azure Linux",
      "Alpaquita",
    ]) {
      expect(BUILTIN_SCHEMES.has(schemeForEcosystem(ecosystem)!), ecosystem).toBe(true);
    }
  });

  it("strips only the release suffix", () => {
    expect(ecosystemBase("Red Hat:enterprise_linux:9::appstream")).toBe("Red Hat");
    expect(ecosystemBase("npm")).toBe("npm");
  });

  it.each(["", "debian", "Haskell", "CRAN", "Pub", "GIT", "constructor", "toString", "__proto__"])(
    "throws UnknownEcosystemError for %j",
    (ecosystem) => {
      expect(schemeForEcosystem(ecosystem)).toBeUndefined();
      expect(() => comparatorForEcosystem(ecosystem)).toThrow(UnknownEcosystemError);
    },
  );
});

describe("compareVersions", () => {
  it("compares in the ecosystem's scheme", () => {
    expect(compareVersions("Debian:12", "1.0~rc1-1", "1.0-1")).toBe(-1);
    expect(compareVersions("Alpine:v3.19", "1.0_p1-r0", "1.0-r5")).toBe(1);
    expect(compareVersions("Red Hat:enterprise_linux:9::baseos", "1:1.0-1.el9", "2.0-1.el9")).toBe(1);
    expect(compareVersions("npm", "1.0.0-rc.1", "1.0.0")).toBe(-1);
    expect(compareVersions("Go", "v2.0.0+incompatible", "2.0.0")).toBe(0);
    expect(compareVersions("PyPI", "1.0.post1", "1.0")).toBe(1);
    expect(compareVersions("Maven", "1.0-SNAPSHOT", "1.0")).toBe(-1);
    expect(compareVersions("RubyGems", "1.0.0.rc1", "1.0.0")).toBe(-1);
    expect(compareVersions("NuGet", "1.0.0-BETA", "1.0.0-beta")).toBe(0);
    expect(compareVersions("Packagist", "1.0-dev", "1.0")).toBe(-1);
    expect(compareVersions("crates.io", "0.10.0", "0.9.0")).toBe(1);
    expect(compareVersions("Hex", "1.0.0", "1.0.0-rc.0")).toBe(1);
  });

  it("throws InvalidVersionError naming ecosystem and version, caused by the parse error", () => {
    let thrown: unknown;
    try {
      compareVersions("Debian:12", "1.0", "a:1");
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidVersionError);
    expect(thrown).toBeInstanceOf(VersionError);
    const error = thrown as InvalidVersionError;
    expect(error.ecosystem).toBe("Debian:12");
    expect(error.version).toBe("a:1");
    expect(error.scheme).toBe("deb");
    expect(error.cause).toBeInstanceOf(VersionParseError);
    expect(error.message).toContain("Debian:12");
    expect(error.message).toContain('"a:1"');
  });

  it.each([
    ["Alpine:v3.19", "1.0-rc1"],
    ["Red Hat", ""],
    ["npm", "1.0"],
    ["Go", "v1.2-pre"],
    ["PyPI", "0.1-bulbasaur"],
    ["Maven", ""],
    ["RubyGems", "1beta"],
    ["NuGet", "v1.0"],
    ["Packagist", ""],
    ["crates.io", "1.0"],
  ])("throws InvalidVersionError for %s version %j", (ecosystem, version) => {
    expect(() => compareVersions(ecosystem, version, version)).toThrow(InvalidVersionError);
  });

  it("throws UnknownEcosystemError (a VersionError) before looking at the versions", () => {
    expect(() => compareVersions("Haskell", "1", "2")).toThrow(UnknownEcosystemError);
    expect(() => compareVersions("Haskell", "1", "2")).toThrow(VersionError);
  });
});
