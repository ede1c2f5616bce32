import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import { canonicalDigits, compareCanonicalDigits, compareStrings, isDigitCode } from "../numeric.js";

/**
 * Python package versions (PEP 440, https://peps.python.org/pep-0440/, and the packaging
 * specification https://packaging.python.org/en/latest/specifications/version-specifiers/):
 * `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, with the spellings the specification
 * normalizes (case, `alpha`/`beta`/`c`/`pre`/`preview`, `-`/`_`/`.` separators, implicit
 * numbers, `1.0-1` as a post release, a leading `v`, surrounding whitespace).
 * Legacy (non-PEP 440) versions, which packaging dropped in version 22, are malformed.
 */
export interface Pep440Version extends ParsedVersion {
  /** Canonical digits; `"0"` when absent. */
  readonly epoch: string;
  /** Release numbers as canonical digits, as written (`1.0` keeps its `0`). */
  readonly release: readonly string[];
  /** Normalized pre-release label `a`, `b` or `rc`, with its number; absent for none. */
  readonly pre: { readonly label: "a" | "b" | "rc"; readonly number: string } | undefined;
  readonly post: string | undefined;
  readonly dev: string | undefined;
  /** Local version parts, lower-case; numeric parts as canonical digits. */
  readonly local: readonly string[] | undefined;
}

const PRE_LABELS: readonly (readonly [string, "a" | "b" | "rc"])[] = [
  ["alpha", "a"],
  ["a", "a"],
  ["beta", "b"],
  ["b", "b"],
  ["preview", "rc"],
  ["pre", "rc"],
  ["c", "rc"],
  ["rc", "rc"],
];
const POST_LABELS = ["post", "rev", "r"] as const;

const DOT = 46;
const HYPHEN = 45;
const UNDERSCORE = 95;
const PLUS = 43;
const BANG = 33;

function isSeparator(c: number): boolean {
  return c === DOT || c === HYPHEN || c === UNDERSCORE;
}

function isLowerAlnum(c: number): boolean {
  return isDigitCode(c) || (c >= 97 && c <= 122);
}

/** A tiny cursor over the lower-cased version, for the optional parts' backtracking. */
class Cursor {
  i = 0;
  constructor(readonly s: string) {}
  code(offset = 0): number {
    return this.i + offset < this.s.length ? this.s.charCodeAt(this.i + offset) : -1;
  }
  digits(): string | undefined {
    const start = this.i;
    while (isDigitCode(this.code())) this.i++;
    return this.i > start ? this.s.slice(start, this.i) : undefined;
  }
  word(word: string): boolean {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return true;
    }
    return false;
  }
  separator(): void {
    if (isSeparator(this.code())) this.i++;
  }
}

/** Parse by the specification's grammar (its appendix regular expression), by hand. */
export function parsePep440(version: string): Pep440Version | string {
  const trimmed = version.trim();
  if (trimmed.length === 0) return "version string is empty";
  // ASCII only: lower-casing could otherwise turn a non-ASCII letter (the Kelvin sign) into
  // an ASCII one, and packaging's grammar is ASCII (its test: `1.0+\u0130` is invalid).
  for (let k = 0; k < trimmed.length; k++) {
    if (trimmed.charCodeAt(k) > 127) return "non-ASCII character";
  }
  const c = new Cursor(trimmed.toLowerCase());
  if (c.code() === 118) c.i++; // v
  let epoch = "0";
  let first = c.digits();
  if (first === undefined) return "release must start with a number";
  if (c.code() === BANG) {
    c.i++;
    epoch = canonicalDigits(first);
    first = c.digits();
    if (first === undefined) return "release must follow the epoch";
  }
  const release = [canonicalDigits(first)];
  while (c.code() === DOT && isDigitCode(c.code(1))) {
    c.i++;
    release.push(canonicalDigits(c.digits()!));
  }

  let pre: Pep440Version["pre"];
  {
    const mark = c.i;
    c.separator();
    const label = PRE_LABELS.find(([spelling]) => c.word(spelling));
    if (label) {
      const sepMark = c.i;
      c.separator();
      const number = c.digits();
      if (number === undefined) c.i = sepMark;
      pre = { label: label[1], number: canonicalDigits(number ?? "0") };
    } else c.i = mark;
  }

  let post: string | undefined;
  {
    const mark = c.i;
    if (c.code() === HYPHEN && isDigitCode(c.code(1))) {
      c.i++;
      post = canonicalDigits(c.digits()!);
    } else {
      c.separator();
      if (POST_LABELS.some((label) => c.word(label))) {
        const sepMark = c.i;
        c.separator();
        const number = c.digits();
        if (number === undefined) c.i = sepMark;
        post = canonicalDigits(number ?? "0");
      } else c.i = mark;
    }
  }

  let dev: string | undefined;
  {
    const mark = c.i;
    c.separator();
    if (c.word("dev")) {
      const sepMark = c.i;
      c.separator();
      const number = c.digits();
      if (number === undefined) c.i = sepMark;
      dev = canonicalDigits(number ?? "0");
    } else c.i = mark;
  }

  let local: string[] | undefined;
  if (c.code() === PLUS) {
    c.i++;
    local = [];
    for (;;) {
      const start = c.i;
      while (isLowerAlnum(c.code())) c.i++;
      if (c.i === start) return "empty local version segment";
      const part = c.s.slice(start, c.i);
      local.push(isNumericPart(part) ? canonicalDigits(part) : part);
      if (isSeparator(c.code())) {
        c.i++;
        continue;
      }
      break;
    }
  }
  if (c.i < c.s.length) return `unexpected ${JSON.stringify(c.s.slice(c.i))}`;
  return { version, epoch, release, pre, post, dev, local };
}

/** The specification's normal form, as packaging's `str(Version(...))` prints it. */
export function normalizePep440(v: Pep440Version): string {
  let out = v.epoch === "0" ? "" : `${v.epoch}!`;
  out += v.release.join(".");
  if (v.pre) out += `${v.pre.label}${v.pre.number}`;
  if (v.post !== undefined) out += `.post${v.post}`;
  if (v.dev !== undefined) out += `.dev${v.dev}`;
  if (v.local) out += `+${v.local.join(".")}`;
  return out;
}

const PRE_RANK = { a: 0, b: 1, rc: 2 } as const;

function compareRelease(a: readonly string[], b: readonly string[]): CompareResult {
  // Trailing zeros do not count: 1.0 == 1.0.0.
  const length = Math.max(a.length, b.length);
  for (let k = 0; k < length; k++) {
    const r = compareCanonicalDigits(a[k] ?? "0", b[k] ?? "0");
    if (r !== 0) return r;
  }
  return 0;
}

/**
 * Where the pre-release puts a version among its release's versions: a dev release of the
 * release itself (`1.0.dev0`, no pre and no post) sorts before its pre-releases; a final
 * release after them.
 */
function preKey(v: Pep440Version): number {
  if (v.pre) return PRE_RANK[v.pre.label];
  return v.post === undefined && v.dev !== undefined ? -1 : 3;
}

function isNumericPart(part: string): boolean {
  for (let k = 0; k < part.length; k++) if (!isDigitCode(part.charCodeAt(k))) return false;
  return part.length > 0;
}

function compareLocal(a: readonly string[] | undefined, b: readonly string[] | undefined): CompareResult {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  const length = Math.min(a.length, b.length);
  for (let k = 0; k < length; k++) {
    const pa = a[k]!;
    const pb = b[k]!;
    const na = isNumericPart(pa);
    const nb = isNumericPart(pb);
    // Numeric parts sort after alphanumeric ones.
    const r = na && nb ? compareCanonicalDigits(pa, pb) : na ? 1 : nb ? -1 : compareStrings(pa, pb);
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Compare by the specification's order: epoch, release, pre, post, dev, local. */
export function comparePep440(a: Pep440Version, b: Pep440Version): CompareResult {
  let r = compareCanonicalDigits(a.epoch, b.epoch) || compareRelease(a.release, b.release);
  if (r !== 0) return r;
  const pa = preKey(a);
  const pb = preKey(b);
  if (pa !== pb) return pa < pb ? -1 : 1;
  if (a.pre && b.pre) {
    r = compareCanonicalDigits(a.pre.number, b.pre.number);
    if (r !== 0) return r;
  }
  // No post release sorts first, no dev release sorts last.
  if (a.post !== b.post) {
    if (a.post === undefined) return -1;
    if (b.post === undefined) return 1;
    r = compareCanonicalDigits(a.post, b.post);
    if (r !== 0) return r;
  }
  if (a.dev !== b.dev) {
    if (a.dev === undefined) return 1;
    if (b.dev === undefined) return -1;
    r = compareCanonicalDigits(a.dev, b.dev);
    if (r !== 0) return r;
  }
  return compareLocal(a.local, b.local);
}

/** The `pep440` scheme: PyPI. */
export const pep440Comparator: VersionComparator<Pep440Version> = createComparator({
  scheme: "pep440",
  description: "Python versions by PEP 440 as implemented by packaging (no legacy versions)",
  parse: parsePep440,
  compare: comparePep440,
});
