import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import { canonicalDigits, compareCanonicalDigits, compareNumbers, isDigitCode } from "../numeric.js";

/**
 * Packagist (Composer) versions, compared the way OSV compares them: PHP's `version_compare`
 * rules (https://www.php.net/manual/en/function.version-compare.php) after stripping a leading
 * `v`: `-`, `_` and `+` separate like `.`, so does a switch between digits and other
 * characters; special words sort dev < alpha = a < beta = b < RC = rc < (a number) < pl = p,
 * any other word before dev. Unlike PHP, numbers are not capped at PHP_INT_MAX and `#` stays
 * a part of its own (osv's fixtures: `1.2.3.# = 1.2.3.1`).
 */
export interface ComposerVersion extends ParsedVersion {
  /** Parts after canonicalization: canonical digit strings or words. */
  readonly parts: readonly string[];
}

/** PHP's special forms, matched as prefixes in this order (so `beta2x` is beta, `patch` is p). */
const SPECIAL_FORMS: readonly (readonly [string, number])[] = [
  ["dev", 0],
  ["alpha", 1],
  ["a", 1],
  ["beta", 2],
  ["b", 2],
  ["RC", 3],
  ["rc", 3],
  ["#", 4],
  ["pl", 5],
  ["p", 5],
];
const UNKNOWN_FORM = -6;
/** Where a number sits among the special forms (PHP compares numbers with words as `#N#`). */
const NUMBER_FORM = 4;

function isSpecialSeparator(c: number): boolean {
  return c === 45 || c === 95 || c === 43; // - _ +
}

/** Canonicalize like php_canonicalize_version and split into parts. */
export function parseComposerVersion(version: string): ComposerVersion | string {
  const n = version.length;
  if (n === 0) return "version string is empty";
  for (let k = 0; k < n; k++) {
    const c = version.charCodeAt(k);
    if (c <= 32 || c === 127) return "version contains whitespace or a control character";
  }
  let i = 0;
  const first = version.charCodeAt(0);
  if (first === 118 || first === 86) i = 1; // v or V
  if (i === n) return "no version after the 'v'";
  const parts: string[] = [];
  // A part ends at a separator or where digits meet non-digits.
  let start = i;
  for (; i <= n; i++) {
    const c = i < n ? version.charCodeAt(i) : -1;
    const separator = c === -1 || c === 46 || isSpecialSeparator(c);
    if (separator || (i > start && isDigitCode(c) !== isDigitCode(version.charCodeAt(i - 1)))) {
      if (i > start) parts.push(version.slice(start, i));
      start = separator ? i + 1 : i;
    }
  }
  if (parts.length === 0) return "no version parts";
  return { version, parts: parts.map((p) => (isDigitCode(p.charCodeAt(0)) ? canonicalDigits(p) : p)) };
}

function formOrder(part: string): number {
  if (isDigitCode(part.charCodeAt(0))) return NUMBER_FORM;
  for (const [name, order] of SPECIAL_FORMS) if (part.startsWith(name)) return order;
  return UNKNOWN_FORM;
}

function compareParts(a: readonly string[], ai: number, b: readonly string[], bi: number): CompareResult {
  while (ai < a.length && bi < b.length) {
    const pa = a[ai++]!;
    const pb = b[bi++]!;
    const na = isDigitCode(pa.charCodeAt(0));
    const nb = isDigitCode(pb.charCodeAt(0));
    const r = na && nb ? compareCanonicalDigits(pa, pb) : compareNumbers(formOrder(pa), formOrder(pb));
    if (r !== 0) return r;
  }
  // PHP: a longer version wins if its next part is a number; otherwise the rest is compared
  // with a number (`1.0` > `1.0-dev`, `1.0` < `1.0pl1`).
  if (ai < a.length) return isDigitCode(a[ai]!.charCodeAt(0)) ? 1 : compareParts(a, ai, NUMBER_PART, 0);
  if (bi < b.length) return isDigitCode(b[bi]!.charCodeAt(0)) ? -1 : compareParts(NUMBER_PART, 0, b, bi);
  return 0;
}

/** PHP's `#N#`: a stand-in part that sorts as a number among the special forms. */
const NUMBER_PART: readonly string[] = ["#"];

/** Compare two parsed Composer versions. */
export function compareComposerVersions(a: ComposerVersion, b: ComposerVersion): CompareResult {
  return compareParts(a.parts, 0, b.parts, 0);
}

/** The `composer` scheme: Packagist. */
export const composerComparator: VersionComparator<ComposerVersion> = createComparator({
  scheme: "composer",
  description: "Packagist versions by PHP version_compare rules, as OSV compares them",
  parse: parseComposerVersion,
  compare: compareComposerVersions,
});
