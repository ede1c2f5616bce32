import {
  type CompareResult,
  createComparator,
  type ParsedVersion,
  type VersionComparator,
} from "../comparator.js";
import { canonicalDigits, compareCanonicalDigits, compareStrings, isDigitCode } from "../numeric.js";

/**
 * Maven versions, ordered as maven-artifact's ComparableVersion orders them
 * (https://maven.apache.org/ref/3.8.7/maven-artifact/apidocs/org/apache/maven/artifact/versioning/ComparableVersion.html):
 * `.` and `-` separate items, so does a switch between digits and letters; a `-` (and a switch)
 * opens a sub-list, and so does a qualifier after a `.` ("1.0.RC2 < 1.0-RC3 < 1.0.1");
 * trailing zeros and release qualifiers are dropped; known qualifiers sort
 * alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp, and unknown
 * ones after them, alphabetically. Behaviour checked against maven-artifact 3.8.7 (Debian 12)
 * and Maven's own ComparableVersionTest.
 */
export interface MavenVersion extends ParsedVersion {
  /** The parsed item list, normalized. */
  readonly items: readonly MavenItem[];
}

/** An item: a number, a qualifier (stored by its sort key), or a sub-list. */
export type MavenItem =
  | { readonly kind: "number"; readonly digits: string }
  | { readonly kind: "qualifier"; readonly key: string }
  | { readonly kind: "list"; readonly items: MavenItem[] };

const QUALIFIERS = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const ALIASES: Readonly<Record<string, string>> = { ga: "", final: "", release: "", cr: "rc" };
const SINGLE_LETTER: Readonly<Record<string, string>> = { a: "alpha", b: "beta", m: "milestone" };
/** The sort key of the empty qualifier, i.e. of a release. */
const RELEASE_KEY = String(QUALIFIERS.indexOf(""));

/**
 * A qualifier's sort key: its index among the known qualifiers, or `7-<name>` so unknown ones
 * sort after all known ones and alphabetically among themselves (keys compare as strings).
 */
function qualifier(value: string, followedByDigit: boolean): MavenItem {
  let name = followedByDigit && value.length === 1 ? (SINGLE_LETTER[value] ?? value) : value;
  name = ALIASES[name] ?? name;
  const index = QUALIFIERS.indexOf(name);
  return { kind: "qualifier", key: index < 0 ? `${QUALIFIERS.length}-${name}` : String(index) };
}

function isNull(item: MavenItem): boolean {
  if (item.kind === "number") return item.digits === "0";
  if (item.kind === "qualifier") return item.key === RELEASE_KEY;
  return item.items.length === 0;
}

/** Drop trailing null items (0, release qualifiers, empty lists), looking past sub-lists. */
function normalize(list: MavenItem[]): void {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i]!;
    if (isNull(item)) list.splice(i, 1);
    else if (item.kind !== "list") break;
  }
}

function newList(parent: MavenItem[], stack: MavenItem[][]): MavenItem[] {
  const items: MavenItem[] = [];
  parent.push({ kind: "list", items });
  stack.push(items);
  return items;
}

/** Parse into ComparableVersion's item tree. Any non-empty string without whitespace is valid. */
export function parseMavenVersion(version: string): MavenVersion | string {
  const n = version.length;
  if (n === 0) return "version string is empty";
  for (let k = 0; k < n; k++) {
    const c = version.charCodeAt(k);
    if (c <= 32 || c === 127) return "version contains whitespace or a control character";
  }
  const s = version.toLowerCase();
  const root: MavenItem[] = [];
  const stack: MavenItem[][] = [root];
  let list = root;
  let isDigit = false;
  let start = 0;
  const item = (from: number, to: number, digit: boolean): MavenItem =>
    digit
      ? { kind: "number", digits: canonicalDigits(s.slice(from, to)) }
      : qualifier(s.slice(from, to), false);

  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */ || c === 45 /* - */) {
      list.push(i === start ? { kind: "number", digits: "0" } : item(start, i, isDigit));
      start = i + 1;
      if (c === 45) list = newList(list, stack);
    } else if (isDigitCode(c)) {
      if (!isDigit && i > start) {
        // "X1" after a dot: treat `.X` like `-X` (1.0.0.X1 < 1.0-X2).
        if (list.length > 0) list = newList(list, stack);
        list.push(qualifier(s.slice(start, i), true));
        start = i;
        list = newList(list, stack);
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.push(item(start, i, true));
        start = i;
        list = newList(list, stack);
      }
      isDigit = false;
    }
  }
  if (n > start) {
    // A trailing qualifier after a dot also opens a sub-list (`1.a` is `1-a`).
    if (!isDigit && list.length > 0) list = newList(list, stack);
    list.push(item(start, n, isDigit));
  }
  for (let k = stack.length - 1; k >= 0; k--) normalize(stack[k]!);
  return { version, items: root };
}

/** ComparableVersion's `compareTo(null)`: how an item compares with a missing one. */
function compareWithMissing(item: MavenItem): CompareResult {
  if (item.kind === "number") return item.digits === "0" ? 0 : 1;
  if (item.kind === "qualifier") return compareStrings(item.key, RELEASE_KEY);
  return item.items.length === 0 ? 0 : compareWithMissing(item.items[0]!);
}

/** Numbers beat lists, lists beat qualifiers; like kinds compare by value. */
function compareItems(a: MavenItem, b: MavenItem): CompareResult {
  if (a.kind === "number") {
    return b.kind === "number" ? compareCanonicalDigits(a.digits, b.digits) : 1;
  }
  if (a.kind === "qualifier") {
    return b.kind === "qualifier" ? compareStrings(a.key, b.key) : -1;
  }
  if (b.kind === "number") return -1;
  if (b.kind === "qualifier") return 1;
  return compareLists(a.items, b.items);
}

function compareLists(a: readonly MavenItem[], b: readonly MavenItem[]): CompareResult {
  const length = Math.max(a.length, b.length);
  for (let k = 0; k < length; k++) {
    const l = a[k];
    const r = b[k];
    let result: CompareResult;
    if (l === undefined) result = r === undefined ? 0 : (-compareWithMissing(r) as CompareResult);
    else result = r === undefined ? compareWithMissing(l) : compareItems(l, r);
    if (result !== 0) return result;
  }
  return 0;
}

/** Compare two parsed Maven versions. */
export function compareMavenVersions(a: MavenVersion, b: MavenVersion): CompareResult {
  return compareLists(a.items, b.items);
}

/** The `maven` scheme: Maven Central and other Maven repositories. */
export const mavenComparator: VersionComparator<MavenVersion> = createComparator({
  scheme: "maven",
  description: "Maven versions as ordered by maven-artifact's ComparableVersion (3.8)",
  parse: parseMavenVersion,
  compare: compareMavenVersions,
});
