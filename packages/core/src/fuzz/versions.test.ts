/**
 * Fuzzing of version comparison, which reads version strings from image content (package
 * databases, lockfiles) and from advisories (range events): for each scheme, damaged versions
 * from the upstream comparison vectors in version/testdata. `compareVersions` returns or
 * rejects with a `VersionError`; a comparator's `parse` never throws; a comparison is
 * antisymmetric (a < b exactly when b > a), so sorting and range checks stay consistent.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe } from "vitest";
import { compareVersions } from "../version/compare-versions.js";
import { comparatorForEcosystem } from "../version/ecosystems.js";
import { VersionError } from "../version/errors.js";
import { CORE_SRC, Corpus } from "./test-support/corpus.js";
import { fuzz } from "./test-support/fuzz-property.js";

/** Each scheme's ecosystem and its vector file of `a <op> b` lines. */
const SCHEMES = [
  ["Debian:12", "osv-debian-versions.txt"],
  ["Alpine:v3.19", "osv-alpine-versions.txt"],
  ["Red Hat", "osv-redhat-versions.txt"],
  ["npm", "osv-semver-versions.txt"],
  ["Go", "osv-semver-versions.txt"],
  ["PyPI", "osv-pypi-versions.txt"],
  ["Maven", "osv-maven-versions.txt"],
  ["RubyGems", "osv-rubygems-versions.txt"],
  ["NuGet", "osv-nuget-versions.txt"],
  ["Packagist", "osv-packagist-versions.txt"],
] as const;

/** Both sides of the first comparison lines of a vector file. */
function versionsOf(file: string): string[] {
  return readFileSync(join(CORE_SRC, "version/testdata", file), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("#") && !line.startsWith("//"))
    .slice(0, 60)
    .flatMap((line) =>
      line
        .split("#")[0]!
        .trim()
        .split(/\s+[<>=]\s+/),
    );
}

describe("fuzz: version schemes", () => {
  for (const [ecosystem, file] of SCHEMES) {
    const versions = versionsOf(file);
    const corpus = new Corpus(new Map(versions.map((v, i) => [`${i}: ${v}`, Buffer.from(v)])));
    const comparator = comparatorForEcosystem(ecosystem);
    fuzz({
      parser: `version ${ecosystem.split(":")[0]}`,
      inputs: fc.record({ damaged: corpus.plans(), other: fc.constantFrom(...versions) }),
      expected: (error) => error instanceof VersionError,
      runsScale: 0.5,
      run: ({ damaged, other }) => {
        const version = corpus.apply(damaged).toString("utf8");
        comparator.parse(version);
        if (comparator.isValid(version) && comparator.isValid(other)) {
          const forward = comparator.compare(version, other);
          const backward = comparator.compare(other, version);
          if (forward !== -backward) {
            throw new Error(
              `${ecosystem}: compare(${version}, ${other}) = ${forward} but the reverse is ${backward}`,
            );
          }
          if (comparator.compare(version, version) !== 0)
            throw new Error(`${ecosystem}: ${version} differs from itself`);
        }
        compareVersions(ecosystem, version, other);
      },
    });
  }
});
