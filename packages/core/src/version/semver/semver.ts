import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import { compareCanonicalDigits, compareStrings, isDigitCode, isLetterCode } from "../numeric.js";

/**
 * Semantic Versioning 2.0.0 (https://semver.org), with the few ways ecosystems bend it
 * expressed as a {@link SemverFlavour}. Precedence ignores build metadata (semver.org item 10),
 * so `1.0.0+a` and `1.0.0+b` compare equal, as they do in npm, Go, Cargo's matching and Hex.
 */
export interface SemverVersion extends ParsedVersion {
  /** Canonical digit strings: numbers can exceed 2^53 in real data and osv's fixtures. */
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  /** Pre-release identifiers; empty for a release. */
  readonly prerelease: readonly string[];
  /** Build metadata identifiers (ignored by comparison); for Go this holds `incompatible`. */
  readonly build: readonly string[];
}

/** The ways an ecosystem's parser differs from plain SemVer 2.0.0. */
export interface SemverFlavour {
  readonly scheme: string;
  readonly description: string;
  /**
   * Strip surrounding whitespace first, as node-semver's constructor does (`"  v1.2.3"`
   * is valid there even in strict mode).
   */
  readonly trimWhitespace: boolean;
  /**
   * Accept `v1` and `v1.2` as `v1.0.0` and `v1.2.0` when nothing follows them, as
   * golang.org/x/mod/semver does (and reject `v1.2-pre`, `v1+meta`).
   */
  readonly shorthand: boolean;
}

const DOT = 46;
const HYPHEN = 45;
const PLUS = 43;
const LOWER_V = 118;

function isIdentifierCode(c: number): boolean {
  return isDigitCode(c) || isLetterCode(c) || c === HYPHEN;
}

/**
 * Parse one SemVer version. A leading `v` is accepted in every flavour: OSV records and
 * osv-scanner's shared semver fixtures (used for npm, crates.io, Go and Hex) carry it.
 */
export function parseSemver(input: string, flavour: SemverFlavour): SemverVersion | string {
  const s = flavour.trimWhitespace ? input.trim() : input;
  const n = s.length;
  if (n === 0) return "version string is empty";
  let i = s.charCodeAt(0) === LOWER_V ? 1 : 0;
  const numbers: string[] = [];
  for (;;) {
    const start = i;
    while (i < n && isDigitCode(s.charCodeAt(i))) i++;
    const name = numbers.length === 0 ? "major" : numbers.length === 1 ? "minor" : "patch";
    if (i === start) return `${name} version is not a number`;
    if (s.charCodeAt(start) === 48 && i - start > 1) return `${name} version has a leading zero`;
    numbers.push(s.slice(start, i));
    if (numbers.length === 3) break;
    if (i < n && s.charCodeAt(i) === DOT) {
      i++;
      continue;
    }
    if (flavour.shorthand && i === n) break;
    return numbers.length === 1
      ? "expected major.minor.patch, found no minor version"
      : "expected major.minor.patch, found no patch version";
  }
  const shorthand = numbers.length < 3;
  const prerelease: string[] = [];
  const build: string[] = [];
  if (i < n && s.charCodeAt(i) === HYPHEN) {
    i = readIdentifiers(s, i + 1, prerelease, true);
    if (i < 0) return "invalid pre-release identifier";
  }
  if (i < n && s.charCodeAt(i) === PLUS) {
    i = readIdentifiers(s, i + 1, build, false);
    if (i < 0) return "invalid build metadata identifier";
  }
  if (i < n) return `unexpected character ${JSON.stringify(s[i])}`;
  if (shorthand && (prerelease.length > 0 || build.length > 0)) {
    return "a shortened version (v1, v1.2) cannot carry pre-release or build metadata";
  }
  return {
    version: input,
    major: numbers[0]!,
    minor: numbers[1] ?? "0",
    patch: numbers[2] ?? "0",
    prerelease,
    build,
  };
}

/**
 * Read dot-separated identifiers from `start` into `out`; returns the index after them, or -1
 * on an empty identifier, a bad character, or (for pre-release) a numeric one with a leading zero.
 */
function readIdentifiers(s: string, start: number, out: string[], numericNoLeadingZero: boolean): number {
  const n = s.length;
  let i = start;
  for (;;) {
    const begin = i;
    let numeric = true;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (!isIdentifierCode(c)) break;
      if (!isDigitCode(c)) numeric = false;
      i++;
    }
    if (i === begin) return -1;
    if (numericNoLeadingZero && numeric && i - begin > 1 && s.charCodeAt(begin) === 48) return -1;
    out.push(s.slice(begin, i));
    if (i < n && s.charCodeAt(i) === DOT) {
      i++;
      continue;
    }
    if (i < n && s.charCodeAt(i) !== PLUS) return -1;
    return i;
  }
}

function isNumericIdentifier(id: string): boolean {
  for (let i = 0; i < id.length; i++) if (!isDigitCode(id.charCodeAt(i))) return false;
  return true;
}

/** semver.org item 11: numeric identifiers numerically, before alphanumeric ones (ASCII order). */
function comparePrereleaseIdentifier(a: string, b: string): CompareResult {
  const aNumeric = isNumericIdentifier(a);
  const bNumeric = isNumericIdentifier(b);
  if (aNumeric && bNumeric) return compareCanonicalDigits(a, b);
  if (aNumeric) return -1;
  if (bNumeric) return 1;
  return compareStrings(a, b);
}

/** Compare by precedence (semver.org item 11); build metadata is ignored. */
export function compareSemver(a: SemverVersion, b: SemverVersion): CompareResult {
  const core =
    compareCanonicalDigits(a.major, b.major) ||
    compareCanonicalDigits(a.minor, b.minor) ||
    compareCanonicalDigits(a.patch, b.patch);
  if (core !== 0) return core;
  const ap = a.prerelease;
  const bp = b.prerelease;
  if (ap.length === 0 || bp.length === 0) {
    return ap.length === bp.length ? 0 : ap.length === 0 ? 1 : -1;
  }
  const shared = Math.min(ap.length, bp.length);
  for (let k = 0; k < shared; k++) {
    const r = comparePrereleaseIdentifier(ap[k]!, bp[k]!);
    if (r !== 0) return r;
  }
  return ap.length === bp.length ? 0 : ap.length < bp.length ? -1 : 1;
}

/** Build the comparator of one flavour. */
export function createSemverComparator(flavour: SemverFlavour): VersionComparator<SemverVersion> {
  return createComparator({
    scheme: flavour.scheme,
    description: flavour.description,
    parse: (version) => parseSemver(version, flavour),
    compare: compareSemver,
  });
}
