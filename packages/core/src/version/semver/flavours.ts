import type { VersionComparator } from "../comparator.js";
import { createSemverComparator, type SemverVersion } from "./semver.js";

/**
 * Plain SemVer 2.0.0 (optional leading `v`), for crates.io (Cargo's `semver` crate) and Hex
 * (Elixir's `Version`): both require major.minor.patch, forbid leading zeros in numbers and
 * numeric pre-release identifiers, and ignore build metadata for precedence. Numbers are not
 * capped (Cargo caps at u64, Elixir has none); osv's shared fixtures need 30-digit numbers.
 */
export const semverComparator: VersionComparator<SemverVersion> = createSemverComparator({
  scheme: "semver",
  description: "Semantic Versioning 2.0.0 (crates.io, Hex)",
  trimWhitespace: false,
  shorthand: false,
});

/**
 * npm: node-semver's strict parse. It trims surrounding whitespace; its loose mode (`=1.2.3`,
 * `v 1.2.3`, `1.2.3beta`) is a range-syntax convenience that registry versions never use, so
 * it is not accepted. node-semver rejects numbers above 2^53-1; they compare exactly here.
 */
export const npmSemverComparator: VersionComparator<SemverVersion> = createSemverComparator({
  scheme: "semver-npm",
  description: "npm versions as parsed by node-semver (strict mode)",
  trimWhitespace: true,
  shorthand: false,
});

/**
 * Go modules: golang.org/x/mod/semver. The `v` is optional because OSV's Go records omit it;
 * `v1` and `v1.2` are shorthands for `v1.0.0` and `v1.2.0`; `+incompatible` (a major version
 * 2 or later without a go.mod, https://go.dev/ref/mod#incompatible-versions) is build metadata
 * and so does not affect ordering. Pseudo-versions are ordinary pre-releases.
 */
export const goSemverComparator: VersionComparator<SemverVersion> = createSemverComparator({
  scheme: "semver-go",
  description: "Go module versions as ordered by golang.org/x/mod/semver",
  trimWhitespace: false,
  shorthand: true,
});
