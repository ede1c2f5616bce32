import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import {
  canonicalDigits,
  compareCanonicalDigits,
  compareStrings,
  isDigitCode,
  isLetterCode,
} from "../numeric.js";

/**
 * RubyGems versions, as Gem::Version parses and orders them
 * (https://docs.ruby-lang.org/en/master/Gem/Version.html): `N(.X)*` then an optional
 * `-prerelease`, where `-` reads as `.pre.`; segments are digit or letter runs; any segment
 * with letters makes a pre-release that sorts before the release; trailing zeros do not count.
 */
export interface GemVersion extends ParsedVersion {
  /**
   * Gem::Version's canonical segments: numbers as canonical digit strings, letter runs as
   * written (comparison is case-sensitive), with trailing zeros of the numeric prefix and
   * of the rest dropped.
   */
  readonly segments: readonly GemSegment[];
}

/** One segment: a number or a run of letters. */
export type GemSegment =
  | { readonly numeric: true; readonly value: string }
  | { readonly numeric: false; readonly value: string };

const DOT = 46;
const HYPHEN = 45;

function isAlnumCode(c: number): boolean {
  return isDigitCode(c) || isLetterCode(c);
}

/**
 * Gem::Version's pattern: `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`, with
 * surrounding whitespace stripped. RubyGems reads an empty string as `0`; Vigil reports it
 * as malformed, since an empty version in an advisory is missing data, not version 0.
 */
export function parseGemVersion(version: string): GemVersion | string {
  const s = version.trim();
  const n = s.length;
  if (n === 0) return "version string is empty";
  let i = 0;
  while (i < n && isDigitCode(s.charCodeAt(i))) i++;
  if (i === 0) return "version must start with a number";
  while (i < n && s.charCodeAt(i) === DOT) {
    const start = ++i;
    while (i < n && isAlnumCode(s.charCodeAt(i))) i++;
    if (i === start) return "empty segment after '.'";
  }
  if (i < n && s.charCodeAt(i) === HYPHEN) {
    for (;;) {
      const start = ++i;
      while (i < n && (isAlnumCode(s.charCodeAt(i)) || s.charCodeAt(i) === HYPHEN)) i++;
      if (i === start) return "empty pre-release segment";
      if (i < n && s.charCodeAt(i) === DOT) continue;
      break;
    }
  }
  if (i < n) return `unexpected ${JSON.stringify(s.slice(i))}`;
  return { version, segments: canonicalSegments(s) };
}

/** Split into digit and letter runs (`-` counts as `.pre.`), then drop trailing zeros. */
function canonicalSegments(s: string): GemSegment[] {
  const segments: GemSegment[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (isDigitCode(c)) {
      const start = i;
      while (i < n && isDigitCode(s.charCodeAt(i))) i++;
      segments.push({ numeric: true, value: canonicalDigits(s.slice(start, i)) });
    } else if (isLetterCode(c)) {
      const start = i;
      while (i < n && isLetterCode(s.charCodeAt(i))) i++;
      segments.push({ numeric: false, value: s.slice(start, i) });
    } else {
      if (c === HYPHEN) segments.push({ numeric: false, value: "pre" });
      i++;
    }
  }
  const firstText = segments.findIndex((seg) => !seg.numeric);
  const numericPart = firstText < 0 ? segments : segments.slice(0, firstText);
  const rest = firstText < 0 ? [] : segments.slice(firstText);
  return [...dropTrailingZeros(numericPart), ...dropTrailingZeros(rest)];
}

function dropTrailingZeros(segments: GemSegment[]): GemSegment[] {
  let end = segments.length;
  while (end > 0 && segments[end - 1]!.numeric && segments[end - 1]!.value === "0") end--;
  return end === segments.length ? segments : segments.slice(0, end);
}

const ZERO: GemSegment = { numeric: true, value: "0" };

/** Gem::Version#<=>: segment by segment, missing ones as 0, letters before numbers. */
export function compareGemVersions(a: GemVersion, b: GemVersion): CompareResult {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let k = 0; k < length; k++) {
    const l = a.segments[k] ?? ZERO;
    const r = b.segments[k] ?? ZERO;
    if (l.numeric !== r.numeric) return l.numeric ? 1 : -1;
    const result = l.numeric ? compareCanonicalDigits(l.value, r.value) : compareStrings(l.value, r.value);
    if (result !== 0) return result;
  }
  return 0;
}

/** The `gem` scheme: RubyGems. */
export const gemComparator: VersionComparator<GemVersion> = createComparator({
  scheme: "gem",
  description: "RubyGems versions as ordered by Gem::Version",
  parse: parseGemVersion,
  compare: compareGemVersions,
});
