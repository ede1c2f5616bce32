import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import {
  canonicalDigits,
  compareCanonicalDigits,
  compareNumbers,
  compareStrings,
  isDigitCode,
} from "../numeric.js";

/**
 * Alpine apk versions (also Wolfi and Chainguard): `1.2.3` numbers, an optional lower-case
 * letter, `_suffix[N]` parts, an optional `~hexhash`, an optional `-rN` package revision.
 * The grammar and the order follow apk-tools' test vectors (test/unit/version.data) and the
 * rules Alpine documents for pkgver (https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#pkgver):
 * pre-release suffixes `_alpha` < `_beta` < `_pre` < `_rc` sort before the bare version, and
 * `_cvs` < `_svn` < `_git` < `_hg` < `_p` after it.
 *
 * A version is compared as a stream of tokens; where the two streams first differ in kind, the
 * one with the more specific part (number, then letter, suffix, hash, revision, end) is newer,
 * except that a pre-release suffix is always older.
 */
export interface ApkVersion extends ParsedVersion {
  /** Token kinds (see {@link ApkToken}), in order. */
  readonly kinds: readonly ApkToken[];
  /**
   * Token values: digit strings for version numbers (see {@link parseApkVersion}), the hash as
   * written, and otherwise numbers (char code for letters, rank for suffixes, value of suffix and
   * revision numbers up to 15 digits) or canonical digit strings for longer ones.
   */
  readonly values: readonly (number | string)[];
}

/** The kinds of token, in the order that decides between two streams that differ in kind. */
export enum ApkToken {
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNumber = 4,
  Hash = 5,
  Revision = 6,
}

/**
 * Suffix names by rank; ranks below {@link FIRST_POST_SUFFIX} are pre-releases. `_post` is valid
 * in apk-tools 3 (version.data: `3.6.9_post1 ~ 3.6`); no upstream vector fixes its rank among
 * the post-release suffixes, so it is placed last.
 */
const SUFFIXES = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p", "post"] as const;
const FIRST_POST_SUFFIX = 4;
const END = 7;

const DOT = 46;
const UNDERSCORE = 95;
const TILDE = 126;
const HYPHEN = 45;
const LOWER_A = 97;
const LOWER_Z = 122;
const LOWER_F = 102;
const LOWER_R = 114;

function isLowerCode(c: number): boolean {
  return c >= LOWER_A && c <= LOWER_Z;
}

function isHexCode(c: number): boolean {
  return isDigitCode(c) || (c >= LOWER_A && c <= LOWER_F);
}

function numberValue(digits: string): number | string {
  const canonical = canonicalDigits(digits);
  return canonical.length <= 15 ? Number(canonical) : canonical;
}

/**
 * Parse into tokens. The first number is an integer; a later number that starts with `0` is
 * compared as a decimal fraction (apk-tools fixed its leading-zero handling for
 * https://gitlab.alpinelinux.org/alpine/apk-tools/-/issues/10882, with the vectors
 * `8.2.0 < 8.2.001` and `8.2.0015 < 8.2.002`), so its digits are kept as written.
 */
export function parseApkVersion(version: string): ApkVersion | string {
  const n = version.length;
  if (n === 0) return "version string is empty";
  const kinds: ApkToken[] = [];
  const values: (number | string)[] = [];
  let i = 0;
  // Numbers: d+(.d+)*
  for (let first = true; ; first = false) {
    const start = i;
    while (i < n && isDigitCode(version.charCodeAt(i))) i++;
    if (i === start) return first ? "version must start with a digit" : "empty number after '.'";
    const digits = version.slice(start, i);
    kinds.push(ApkToken.Digit);
    values.push(first ? canonicalDigits(digits) : digits);
    if (i < n && version.charCodeAt(i) === DOT) {
      i++;
      continue;
    }
    break;
  }
  // One optional letter, which apk-tools 2.x (every Alpine release up to 3.21) lets digits
  // follow: secdb fixes such as `6.0.2p1-r0` (opensmtpd) and `1.9.5p2-r1` are real data.
  // apk-tools 3 rejects `0.1a1`; accepting it keeps those advisories usable.
  if (i < n && isLowerCode(version.charCodeAt(i))) {
    kinds.push(ApkToken.Letter);
    values.push(version.charCodeAt(i));
    i++;
    const start = i;
    while (i < n && isDigitCode(version.charCodeAt(i))) i++;
    if (i > start) {
      kinds.push(ApkToken.Digit);
      values.push(canonicalDigits(version.slice(start, i)));
    }
  }
  // Suffixes: (_name[digits])*
  while (i < n && version.charCodeAt(i) === UNDERSCORE) {
    const start = ++i;
    while (i < n && isLowerCode(version.charCodeAt(i))) i++;
    const rank = SUFFIXES.indexOf(version.slice(start, i) as (typeof SUFFIXES)[number]);
    if (rank < 0) return `unknown suffix ${JSON.stringify(version.slice(start - 1, i))}`;
    kinds.push(ApkToken.Suffix);
    values.push(rank);
    const digits = i;
    while (i < n && isDigitCode(version.charCodeAt(i))) i++;
    if (i > digits) {
      kinds.push(ApkToken.SuffixNumber);
      values.push(numberValue(version.slice(digits, i)));
    }
  }
  // Commit hash: ~hex
  if (i < n && version.charCodeAt(i) === TILDE) {
    const start = ++i;
    while (i < n && isHexCode(version.charCodeAt(i))) i++;
    if (i === start) return "empty commit hash after '~'";
    kinds.push(ApkToken.Hash);
    values.push(version.slice(start, i));
  }
  // Revision: -rN
  if (i < n && version.charCodeAt(i) === HYPHEN) {
    if (version.charCodeAt(i + 1) !== LOWER_R) return "expected -r<number> after '-'";
    const start = i + 2;
    i = start;
    while (i < n && isDigitCode(version.charCodeAt(i))) i++;
    if (i === start) return "revision -r has no number";
    kinds.push(ApkToken.Revision);
    values.push(numberValue(version.slice(start, i)));
  }
  if (i < n) return `unexpected ${JSON.stringify(version.slice(i))}`;
  return { version, kinds, values };
}

/**
 * Two numbers: as integers, unless either starts with `0` (only possible after the first
 * component), then digit by digit like decimal fractions (`02` < `1`, `026` < `27`).
 */
function compareDigitTokens(a: string, b: string): CompareResult {
  if (a.charCodeAt(0) === 48 || b.charCodeAt(0) === 48) return compareStrings(a, b);
  return compareCanonicalDigits(a, b);
}

function compareValues(a: number | string, b: number | string): CompareResult {
  if (typeof a === "number") return typeof b === "number" ? compareNumbers(a, b) : -1;
  return typeof b === "number" ? 1 : compareCanonicalDigits(a, b);
}

function isPreRelease(version: ApkVersion, k: number): boolean {
  return version.kinds[k] === ApkToken.Suffix && (version.values[k] as number) < FIRST_POST_SUFFIX;
}

/** Compare two parsed apk versions token by token. */
export function compareApkVersions(a: ApkVersion, b: ApkVersion): CompareResult {
  const length = Math.max(a.kinds.length, b.kinds.length);
  for (let k = 0; k < length; k++) {
    const ka = a.kinds[k] ?? END;
    const kb = b.kinds[k] ?? END;
    if (ka === kb) {
      const va = a.values[k]!;
      const vb = b.values[k]!;
      const r =
        ka === ApkToken.Digit
          ? compareDigitTokens(va as string, vb as string)
          : ka === ApkToken.Hash
            ? compareStrings(va as string, vb as string)
            : compareValues(va, vb);
      if (r !== 0) return r;
      continue;
    }
    if (isPreRelease(a, k)) return -1;
    if (isPreRelease(b, k)) return 1;
    return ka < kb ? 1 : -1;
  }
  return 0;
}

/**
 * apk's fuzzy match (`~` in `apk version -t` and in `pkg~1.2` constraints): `a` matches `b`
 * when `b`'s tokens are a prefix of `a`'s, so `3.6.9 ~ 3.6` and `3.6_pre1 ~ 3.6` hold.
 */
export function apkFuzzyMatch(a: ApkVersion, b: ApkVersion): boolean {
  if (b.kinds.length > a.kinds.length) return false;
  for (let k = 0; k < b.kinds.length; k++) {
    if (a.kinds[k] !== b.kinds[k] || a.values[k] !== b.values[k]) return false;
  }
  return true;
}

/** The `apk` scheme: Alpine, Wolfi, Chainguard. */
export const apkComparator: VersionComparator<ApkVersion> = createComparator({
  scheme: "apk",
  description: "Alpine apk package versions as compared by apk-tools",
  parse: parseApkVersion,
  compare: compareApkVersions,
});
