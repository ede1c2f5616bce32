import type { CompareResult } from "./comparator.js";

/**
 * Helpers for numbers written as digit strings. Version numbers in real data exceed 2^53
 * (dates with times, `999999999999999999999999999991` in osv's fixtures), so every scheme
 * compares them as strings: leading zeros skipped, then by length, then digit by digit.
 */

/** True for the char codes of `0`..`9`. */
export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** True for ASCII letters. */
export function isLetterCode(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * Compare the digit runs `a[aStart, aEnd)` and `b[bStart, bEnd)` as unbounded non-negative
 * integers. Empty runs count as zero. The runs must contain only digits.
 */
export function compareDigitRuns(
  a: string,
  aStart: number,
  aEnd: number,
  b: string,
  bStart: number,
  bEnd: number,
): CompareResult {
  while (aStart < aEnd && a.charCodeAt(aStart) === 48) aStart++;
  while (bStart < bEnd && b.charCodeAt(bStart) === 48) bStart++;
  const aLen = aEnd - aStart;
  const bLen = bEnd - bStart;
  if (aLen !== bLen) return aLen < bLen ? -1 : 1;
  for (let i = 0; i < aLen; i++) {
    const d = a.charCodeAt(aStart + i) - b.charCodeAt(bStart + i);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Strip leading zeros from a digit string (`"007"` → `"7"`, `"000"` → `"0"`, `""` → `"0"`). */
export function canonicalDigits(digits: string): string {
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48) i++;
  return digits.length === 0 ? "0" : i === 0 ? digits : digits.slice(i);
}

/** Compare two canonical digit strings (no leading zeros) as integers. */
export function compareCanonicalDigits(a: string, b: string): CompareResult {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Plain three-way comparison of two strings by UTF-16 code units (ASCII order for ASCII). */
export function compareStrings(a: string, b: string): CompareResult {
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Three-way comparison of two finite numbers. */
export function compareNumbers(a: number, b: number): CompareResult {
  return a === b ? 0 : a < b ? -1 : 1;
}
