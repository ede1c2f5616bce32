import { describe, expect, it } from "vitest";
import type { VersionComparator } from "./comparator.js";
import { VersionParseError } from "./errors.js";
import { BUILTIN_COMPARATORS, createVersionSchemes, DuplicateSchemeError } from "./schemes.js";

/**
 * The contract every comparator keeps (ARCHITECTURE.md section 3): a total order on valid
 * versions, parse errors as values, `isValid` agreeing with `parse`, `compare` throwing the
 * scheme's {@link VersionParseError} on malformed input. Each scheme supplies a few valid
 * versions (in no particular order) and a few malformed ones.
 */
const SAMPLES: Record<string, { valid: string[]; invalid: string[] }> = {
  deb: {
    valid: ["1.0", "1:0.9", "1.0-1", "1.0~rc1-1", "1.0+dfsg-2ubuntu0.1", "0.0.0-0", "2.0"],
    invalid: ["", "a:1", "1.0-"],
  },
  apk: {
    valid: ["1.0", "1.0-r1", "1.0_rc1", "1.0_p2-r3", "1.0a", "1.02", "2.0_git20240101"],
    invalid: ["", "a1", "1.0-rc1"],
  },
  rpm: {
    valid: ["1.0", "1:0.9-1", "1.0-1.el9", "1.0~rc1", "1.0^git1", "0:1.0-1", "a:1"],
    invalid: ["", "1 0", "1:"],
  },
  semver: {
    valid: ["1.0.0", "v1.0.0", "1.0.0-rc.1", "1.0.0+b", "0.9.9", "1.0.0-alpha"],
    invalid: ["", "1.0", "01.0.0"],
  },
  "semver-npm": {
    valid: ["1.0.0", " 1.0.0", "1.0.0-rc.1", "1.0.0+b", "2.0.0-0"],
    invalid: ["", "=1.0.0", "1.0"],
  },
  "semver-go": {
    valid: ["v1", "v1.2", "1.2.3", "v2.0.0+incompatible", "v0.0.0-20200101000000-abcdefabcdef"],
    invalid: ["", "v1.2-pre", "v1+meta"],
  },
  pep440: {
    valid: ["1.0", "1!0.5", "1.0a1", "1.0.post1", "1.0.dev1", "1.0+local.1", "1.0rc1.dev2"],
    invalid: ["", "1.0-bulbasaur", "x"],
  },
  maven: {
    valid: ["1.0", "1.0-SNAPSHOT", "1.0.RC1", "1-alpha-1", "1.0-sp1", "1.0.Final", "2"],
    invalid: ["", " 1", "1 0"],
  },
  gem: { valid: ["1.0", "1.0.0.pre1", "1.0-rc1", "1.0.a", "2", "1.0.A"], invalid: ["", "1beta", "a"] },
  nuget: {
    valid: ["1.0", "1.0.0.1", "1.0.0-beta", "1.0.0-BETA.2", "1.0.0+meta", "2"],
    invalid: ["", "v1.0", "1.2.3.4.5"],
  },
  composer: {
    valid: ["1.0", "v1.0.0", "1.0-dev", "1.0RC1", "1.0pl1", "dev-main", "1.0.0.0"],
    invalid: ["", "v", "1 0"],
  },
};

describe("version comparator registry", () => {
  it("lists every scheme once, each with samples here", () => {
    const schemes = BUILTIN_COMPARATORS.map((c) => c.scheme);
    expect(new Set(schemes).size).toBe(schemes.length);
    expect([...schemes].sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  it("rejects a duplicate scheme", () => {
    const deb = BUILTIN_COMPARATORS[0]!;
    expect(() => createVersionSchemes([deb, deb])).toThrow(DuplicateSchemeError);
  });
});

describe.each(BUILTIN_COMPARATORS.map((c) => [c.scheme, c] as const))(
  "%s comparator contract",
  (scheme, comparator) => {
    const { valid, invalid } = SAMPLES[scheme]!;

    it("describes itself", () => {
      expect(comparator.description.length).toBeGreaterThan(10);
    });

    it("accepts its valid samples and parses them to objects that keep the input", () => {
      for (const v of valid) {
        const parsed = comparator.parse(v);
        expect(parsed, v).not.toBeInstanceOf(VersionParseError);
        expect((parsed as { version: string }).version).toBe(v);
        expect(comparator.isValid(v)).toBe(true);
      }
    });

    it("returns malformed input as a VersionParseError value naming scheme and version", () => {
      for (const v of invalid) {
        const parsed = comparator.parse(v);
        expect(parsed, v).toBeInstanceOf(VersionParseError);
        const error = parsed as VersionParseError;
        expect(error.scheme).toBe(scheme);
        expect(error.version).toBe(v);
        expect(error.reason.length).toBeGreaterThan(0);
        expect(comparator.isValid(v)).toBe(false);
        expect(() => comparator.compare(v, valid[0]!)).toThrow(VersionParseError);
        expect(() => comparator.compare(valid[0]!, v)).toThrow(VersionParseError);
        expect(() => comparator.compare(v, v)).toThrow(VersionParseError);
      }
    });

    it("is a total order: reflexive, antisymmetric, transitive, consistent with compareParsed", () => {
      checkTotalOrder(comparator, valid);
    });
  },
);

function checkTotalOrder(comparator: VersionComparator, versions: readonly string[]): void {
  for (const a of versions) {
    expect(comparator.compare(a, a)).toBe(0);
    for (const b of versions) {
      const ab = comparator.compare(a, b);
      expect([-1, 0, 1]).toContain(ab);
      expect(comparator.compare(b, a)).toBe(-ab || 0);
      const pa = comparator.parse(a);
      const pb = comparator.parse(b);
      if (!(pa instanceof VersionParseError) && !(pb instanceof VersionParseError)) {
        expect(comparator.compareParsed(pa, pb)).toBe(ab);
      }
      for (const c of versions) {
        const bc = comparator.compare(b, c);
        if (ab <= 0 && bc <= 0) expect(comparator.compare(a, c)).toBeLessThanOrEqual(0);
        if (ab >= 0 && bc >= 0) expect(comparator.compare(a, c)).toBeGreaterThanOrEqual(0);
      }
    }
  }
}
