import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import { compareNumbers, isDigitCode, isLetterCode } from "../numeric.js";

/**
 * Debian package versions, `[epoch:]upstream_version[-debian_revision]`, compared as dpkg does
 * (Debian Policy 5.6.12, https://www.debian.org/doc/debian-policy/ch-controlfields.html#version).
 * Used for Debian, Ubuntu and every other dpkg-based distribution.
 */
export interface DebVersion extends ParsedVersion {
  /** The epoch; 0 when absent. */
  readonly epoch: number;
  readonly upstream: string;
  /** The Debian revision; `""` when absent, which dpkg orders exactly like `"0"`. */
  readonly revision: string;
  /** {@link debSortKey} of `upstream`, computed once so comparing touches no strings. */
  readonly upstreamKey: readonly number[];
  /** {@link debSortKey} of `revision`. */
  readonly revisionKey: readonly number[];
}

/** dpkg stores the epoch in an int and rejects anything larger. */
const MAX_EPOCH = 2147483647;

const TILDE = 126;
const COLON = 58;
const HYPHEN = 45;
const PLUS = 43;
const DOT = 46;

/**
 * Parse with dpkg's hard errors (lib/dpkg/parse.c parseversion). dpkg only warns when the
 * upstream version does not start with a digit and still compares such versions, so that is
 * accepted here too; characters outside the policy's set are errors in dpkg and here.
 */
export function parseDebVersion(version: string): DebVersion | string {
  const length = version.length;
  if (length === 0) return "version string is empty";
  const colon = version.indexOf(":");
  let epoch = 0;
  let start = 0;
  if (colon >= 0) {
    if (colon === 0) return "epoch is empty";
    for (let i = 0; i < colon; i++) {
      const c = version.charCodeAt(i);
      if (!isDigitCode(c)) return "epoch is not a number";
      epoch = epoch * 10 + (c - 48);
      if (epoch > MAX_EPOCH) return "epoch is too big";
    }
    start = colon + 1;
    if (start === length) return "nothing after the epoch colon";
  }
  const hyphen = version.lastIndexOf("-");
  let upstreamEnd = length;
  let revision = "";
  if (hyphen >= start) {
    if (hyphen === length - 1) return "revision is empty";
    if (hyphen === start) return "upstream version is empty";
    upstreamEnd = hyphen;
    for (let i = hyphen + 1; i < length; i++) {
      const c = version.charCodeAt(i);
      if (!(isDigitCode(c) || isLetterCode(c) || c === DOT || c === PLUS || c === TILDE)) {
        return `invalid character ${JSON.stringify(version[i])} in revision`;
      }
    }
    revision = version.slice(hyphen + 1);
  }
  for (let i = start; i < upstreamEnd; i++) {
    const c = version.charCodeAt(i);
    if (
      !(
        isDigitCode(c) ||
        isLetterCode(c) ||
        c === DOT ||
        c === PLUS ||
        c === TILDE ||
        c === HYPHEN ||
        c === COLON
      )
    ) {
      return `invalid character ${JSON.stringify(version[i])} in upstream version`;
    }
  }
  const upstream = start === 0 && upstreamEnd === length ? version : version.slice(start, upstreamEnd);
  return {
    version,
    epoch,
    upstream,
    revision,
    upstreamKey: debSortKey(upstream),
    revisionKey: debSortKey(revision),
  };
}

/** Digits per number chunk in a sort key: 9 keeps every chunk a small integer. */
const CHUNK = 9;

/**
 * Encode a version fragment so that comparing two keys element by element (missing elements
 * read as 0) gives dpkg's verrevcmp result: each non-digit run becomes its characters'
 * {@link order} weights (never 0) and a 0 terminator, each digit run its significant-digit
 * count and then its digits in chunks of {@link CHUNK}. Equal-length numbers chunk alike and
 * differing lengths decide at the count, so numbers of any size compare exactly.
 */
export function debSortKey(fragment: string): number[] {
  const key: number[] = [];
  const n = fragment.length;
  let i = 0;
  while (i < n) {
    for (let c = fragment.charCodeAt(i); i < n && !isDigitCode(c); c = fragment.charCodeAt(++i))
      key.push(order(c));
    key.push(0);
    while (i < n && fragment.charCodeAt(i) === 48) i++;
    const start = i;
    while (i < n && isDigitCode(fragment.charCodeAt(i))) i++;
    key.push(i - start);
    for (let chunk = start; chunk < i; chunk += CHUNK) {
      let value = 0;
      const end = Math.min(chunk + CHUNK, i);
      for (let k = chunk; k < end; k++) value = value * 10 + (fragment.charCodeAt(k) - 48);
      key.push(value);
    }
  }
  return key;
}

/** Compare two {@link debSortKey} keys. */
function compareSortKeys(a: readonly number[], b: readonly number[]): CompareResult {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = i < a.length ? a[i]! : 0;
    const y = i < b.length ? b[i]! : 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** dpkg's character weight: `~` before the end, the end before letters, letters before the rest. */
function order(c: number): number {
  if (isLetterCode(c)) return c;
  if (c === TILDE) return -1;
  return c + 256;
}

/**
 * dpkg's verrevcmp on two strings (the parsed path compares precomputed {@link debSortKey}s,
 * which must agree with this): alternate non-digit runs (compared by {@link order}) and digit runs
 * (compared as unbounded integers), walking both strings without allocating.
 */
export function compareDebFragment(a: string, b: string): CompareResult {
  const aLen = a.length;
  const bLen = b.length;
  let i = 0;
  let j = 0;
  while (i < aLen || j < bLen) {
    for (;;) {
      const ac = i < aLen ? a.charCodeAt(i) : -1;
      const bc = j < bLen ? b.charCodeAt(j) : -1;
      const aText = ac >= 0 && !isDigitCode(ac);
      const bText = bc >= 0 && !isDigitCode(bc);
      if (!aText && !bText) break;
      const ao = aText ? order(ac) : 0;
      const bo = bText ? order(bc) : 0;
      if (ao !== bo) return ao < bo ? -1 : 1;
      i++;
      j++;
    }
    while (i < aLen && a.charCodeAt(i) === 48) i++;
    while (j < bLen && b.charCodeAt(j) === 48) j++;
    let firstDiff = 0;
    for (;;) {
      const aDigit = i < aLen && isDigitCode(a.charCodeAt(i));
      const bDigit = j < bLen && isDigitCode(b.charCodeAt(j));
      if (aDigit && bDigit) {
        if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
        i++;
        j++;
        continue;
      }
      if (aDigit) return 1;
      if (bDigit) return -1;
      break;
    }
    if (firstDiff !== 0) return firstDiff < 0 ? -1 : 1;
  }
  return 0;
}

/** Compare two parsed Debian versions: epoch, then upstream version, then revision. */
export function compareDebVersions(a: DebVersion, b: DebVersion): CompareResult {
  return (
    compareNumbers(a.epoch, b.epoch) ||
    compareSortKeys(a.upstreamKey, b.upstreamKey) ||
    compareSortKeys(a.revisionKey, b.revisionKey)
  );
}

/** The `deb` scheme: Debian, Ubuntu and other dpkg-based distributions. */
export const debComparator: VersionComparator<DebVersion> = createComparator({
  scheme: "deb",
  description: "Debian package versions as compared by dpkg (Debian Policy 5.6.12)",
  parse: parseDebVersion,
  compare: compareDebVersions,
});
