import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import { canonicalDigits, compareCanonicalDigits, isDigitCode, isLetterCode } from "../numeric.js";

/**
 * NuGet package versions (https://learn.microsoft.com/en-us/nuget/concepts/package-versioning):
 * SemVer 2.0.0 extended with an optional fourth number (`1.2.3.4`) and shortened forms
 * (`1`, `1.2` pad with zeros), leading zeros allowed in numbers (`1.01` = `1.1`), release
 * labels compared case-insensitively, build metadata ignored.
 */
export interface NugetVersion extends ParsedVersion {
  /** Major, minor, patch, revision as canonical digits (missing ones are `"0"`). */
  readonly numbers: readonly [string, string, string, string];
  /** Release labels, upper-cased for case-insensitive comparison; empty for a release. */
  readonly release: readonly string[];
}

const DOT = 46;
const HYPHEN = 45;
const PLUS = 43;

function isLabelCode(c: number): boolean {
  return isDigitCode(c) || isLetterCode(c) || c === HYPHEN;
}

/** Parse NuGetVersion's grammar: 1 to 4 numbers, `-labels`, `+metadata`. */
export function parseNugetVersion(version: string): NugetVersion | string {
  const s = version;
  const n = s.length;
  if (n === 0) return "version string is empty";
  const numbers: string[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    while (i < n && isDigitCode(s.charCodeAt(i))) i++;
    if (i === start)
      return numbers.length === 0 ? "version must start with a number" : "empty version number";
    numbers.push(canonicalDigits(s.slice(start, i)));
    if (i < n && s.charCodeAt(i) === DOT) {
      if (numbers.length === 4) return "more than four version numbers";
      i++;
      continue;
    }
    break;
  }
  const release: string[] = [];
  if (i < n && s.charCodeAt(i) === HYPHEN) {
    for (;;) {
      const start = ++i;
      while (i < n && isLabelCode(s.charCodeAt(i))) i++;
      if (i === start) return "empty release label";
      release.push(s.slice(start, i).toUpperCase());
      if (i < n && s.charCodeAt(i) === DOT) continue;
      break;
    }
  }
  if (i < n && s.charCodeAt(i) === PLUS) {
    for (;;) {
      const start = ++i;
      while (i < n && isLabelCode(s.charCodeAt(i))) i++;
      if (i === start) return "empty metadata label";
      if (i < n && s.charCodeAt(i) === DOT) continue;
      break;
    }
  }
  if (i < n) return `unexpected ${JSON.stringify(s.slice(i))}`;
  while (numbers.length < 4) numbers.push("0");
  return { version, numbers: numbers as unknown as NugetVersion["numbers"], release };
}

function isNumeric(label: string): boolean {
  for (let k = 0; k < label.length; k++) if (!isDigitCode(label.charCodeAt(k))) return false;
  return true;
}

function compareLabels(a: string, b: string): CompareResult {
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) return compareCanonicalDigits(canonicalDigits(a), canonicalDigits(b));
  if (an) return -1;
  if (bn) return 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** NuGet's VersionComparer (default mode): numbers, then release labels; metadata ignored. */
export function compareNugetVersions(a: NugetVersion, b: NugetVersion): CompareResult {
  for (let k = 0; k < 4; k++) {
    const r = compareCanonicalDigits(a.numbers[k]!, b.numbers[k]!);
    if (r !== 0) return r;
  }
  const ar = a.release;
  const br = b.release;
  if (ar.length === 0 || br.length === 0) return ar.length === br.length ? 0 : ar.length === 0 ? 1 : -1;
  const shared = Math.min(ar.length, br.length);
  for (let k = 0; k < shared; k++) {
    const r = compareLabels(ar[k]!, br[k]!);
    if (r !== 0) return r;
  }
  return ar.length === br.length ? 0 : ar.length < br.length ? -1 : 1;
}

/** The `nuget` scheme: NuGet. */
export const nugetComparator: VersionComparator<NugetVersion> = createComparator({
  scheme: "nuget",
  description: "NuGet versions as ordered by NuGet.Versioning's VersionComparer",
  parse: parseNugetVersion,
  compare: compareNugetVersions,
});
