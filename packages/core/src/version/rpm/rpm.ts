import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import { compareDigitRuns, isDigitCode, isLetterCode } from "../numeric.js";

/**
 * RPM `[epoch:]version[-release]` (EVR), compared as librpm does: epochs, then versions, then
 * releases with rpmvercmp (https://rpm-software-management.github.io/rpm/manual/dependencies.html
 * and rpmio/rpmvercmp.c's documented rules, including `~` and `^` from rpm 4.10 and 4.15).
 * Used for Red Hat, Rocky Linux, AlmaLinux, SUSE and other rpm-based distributions.
 */
export interface RpmVersion extends ParsedVersion {
  /** Epoch digits as written (`""` for `:1`, which rpm reads as 0); `undefined` when absent. */
  readonly epoch: string | undefined;
  readonly upstream: string;
  /** Release after the last `-`; `undefined` when absent, which sorts before any release. */
  readonly release: string | undefined;
}

const TILDE = 126;
const CARET = 94;

function isAlnumCode(c: number): boolean {
  return isDigitCode(c) || isLetterCode(c);
}

/**
 * Split EVR the way rpm's parseEVR does: an epoch only when the string starts with digits
 * followed by `:` (so `a:1` and `1.m+e2:1` are plain versions), the release after the last `-`.
 * rpm itself accepts any string; only what no package can carry is malformed here.
 */
export function parseRpmVersion(version: string): RpmVersion | string {
  const n = version.length;
  if (n === 0) return "version string is empty";
  for (let i = 0; i < n; i++) {
    const c = version.charCodeAt(i);
    if (c <= 32 || c === 127) return "version contains whitespace or a control character";
  }
  let i = 0;
  while (i < n && isDigitCode(version.charCodeAt(i))) i++;
  let epoch: string | undefined;
  let start = 0;
  if (i < n && version.charCodeAt(i) === 58) {
    epoch = version.slice(0, i);
    start = i + 1;
  }
  const hyphen = version.lastIndexOf("-");
  let release: string | undefined;
  let end = n;
  if (hyphen >= start) {
    release = version.slice(hyphen + 1);
    end = hyphen;
  }
  if (end === start) return "version part is empty";
  const upstream = start === 0 && end === n ? version : version.slice(start, end);
  return { version, epoch, upstream, release };
}

/**
 * rpmvercmp: split both strings into alternating digit and letter segments (anything else
 * separates); `~` sorts before everything, even the end; `^` sorts after the end but before
 * any further segment; digits beat letters; the string with segments left over is newer.
 */
export function rpmvercmp(a: string, b: string): CompareResult {
  if (a === b) return 0;
  const aLen = a.length;
  const bLen = b.length;
  let i = 0;
  let j = 0;
  while (i < aLen || j < bLen) {
    while (
      i < aLen &&
      !isAlnumCode(a.charCodeAt(i)) &&
      a.charCodeAt(i) !== TILDE &&
      a.charCodeAt(i) !== CARET
    )
      i++;
    while (
      j < bLen &&
      !isAlnumCode(b.charCodeAt(j)) &&
      b.charCodeAt(j) !== TILDE &&
      b.charCodeAt(j) !== CARET
    )
      j++;
    const ac = i < aLen ? a.charCodeAt(i) : -1;
    const bc = j < bLen ? b.charCodeAt(j) : -1;
    if (ac === TILDE || bc === TILDE) {
      if (ac !== TILDE) return 1;
      if (bc !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ac === CARET || bc === CARET) {
      if (ac === -1) return -1;
      if (bc === -1) return 1;
      if (ac !== CARET) return 1;
      if (bc !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ac === -1 || bc === -1) break;
    const p = i;
    const q = j;
    const numeric = isDigitCode(ac);
    if (numeric) {
      while (i < aLen && isDigitCode(a.charCodeAt(i))) i++;
      while (j < bLen && isDigitCode(b.charCodeAt(j))) j++;
    } else {
      while (i < aLen && isLetterCode(a.charCodeAt(i))) i++;
      while (j < bLen && isLetterCode(b.charCodeAt(j))) j++;
    }
    // Segments of different kinds: a number is newer than letters.
    if (q === j) return numeric ? 1 : -1;
    const r = numeric ? compareDigitRuns(a, p, i, b, q, j) : compareRange(a, p, i, b, q, j);
    if (r !== 0) return r;
  }
  if (i >= aLen && j >= bLen) return 0;
  return i >= aLen ? -1 : 1;
}

function compareRange(a: string, p: number, i: number, b: string, q: number, j: number): CompareResult {
  const len = Math.min(i - p, j - q);
  for (let k = 0; k < len; k++) {
    const d = a.charCodeAt(p + k) - b.charCodeAt(q + k);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const la = i - p;
  const lb = j - q;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/** librpm's rpmverCmp: a missing epoch is 0; a missing release is older than any release. */
function compareOptional(a: string | undefined, b: string | undefined): CompareResult {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  return rpmvercmp(a, b);
}

/** Compare two parsed EVRs: epoch, version, release. */
export function compareRpmVersions(a: RpmVersion, b: RpmVersion): CompareResult {
  return (
    rpmvercmp(a.epoch || "0", b.epoch || "0") ||
    rpmvercmp(a.upstream, b.upstream) ||
    compareOptional(a.release, b.release)
  );
}

/** The `rpm` scheme: Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE and other rpm-based systems. */
export const rpmComparator: VersionComparator<RpmVersion> = createComparator({
  scheme: "rpm",
  description: "RPM epoch:version-release as compared by librpm (rpmvercmp)",
  parse: parseRpmVersion,
  compare: compareRpmVersions,
});
