import { readFileSync } from "node:fs";
import type { CompareResult, VersionComparator } from "../comparator.js";

/**
 * Readers for the version-vector formats in `../testdata` (see testdata/PROVENANCE.md) and a
 * runner that checks each vector in both directions and reports every failure at once.
 */

/** Read a file from `version/testdata/`. Tests never read `../shared`: CI has no such folder. */
export function readTestdata(name: string): string {
  return readFileSync(new URL(`../testdata/${name}`, import.meta.url), "utf8");
}

/** One expected relation between two versions. */
export interface Vector {
  readonly a: string;
  readonly b: string;
  readonly expected: CompareResult;
  /** Where it came from, `file:line`, so a failure points at its source. */
  readonly where: string;
}

const OPS: Record<string, CompareResult> = { "<": -1, "=": 0, ">": 1 };

/**
 * osv-scanner / osv-scalibr semantic fixtures: `A <op> B` split on single spaces into exactly
 * three fields; blank lines and lines starting with `#` or `//` are comments (compare_test.go).
 */
export function parseOpLines(name: string): Vector[] {
  const vectors: Vector[] = [];
  readTestdata(name)
    .split("\n")
    .forEach((line, index) => {
      if (line.trim() === "" || line.startsWith("#") || line.startsWith("//")) return;
      const fields = line.split(" ");
      const op = fields[1];
      if (fields.length !== 3 || op === undefined || !(op in OPS)) {
        throw new Error(`${name}:${index + 1}: cannot read vector ${JSON.stringify(line)}`);
      }
      vectors.push({ a: fields[0]!, b: fields[2]!, expected: OPS[op]!, where: `${name}:${index + 1}` });
    });
  return vectors;
}

/** Tab-separated `a b expected` lines (dpkg-compare.tsv, rpm-rpmvercmp.tsv). */
export function parseTsv(name: string): Vector[] {
  return readTestdata(name)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, index) => {
      const [a, b, r] = line.split("\t");
      const expected = Number(r) as CompareResult;
      if (a === undefined || b === undefined || ![-1, 0, 1].includes(expected)) {
        throw new Error(`${name}:${index + 1}: cannot read vector ${JSON.stringify(line)}`);
      }
      return { a, b, expected, where: `${name}:${index + 1}` };
    });
}

/** Every pair `i < j` of an ascending list is `<` (pypa VERSIONS, Maven VERSIONS_* arrays). */
export function ascendingPairs(list: readonly string[], where: string): Vector[] {
  const vectors: Vector[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      vectors.push({ a: list[i]!, b: list[j]!, expected: -1, where: `${where}[${i}] < [${j}]` });
    }
  }
  return vectors;
}

/** A vector left out on purpose, with the upstream-documented reason. */
export interface Exclusion {
  readonly matches: (vector: Vector) => boolean;
  readonly reason: string;
}

/** What {@link checkVectors} found. */
export interface VectorReport {
  readonly passed: number;
  readonly excluded: ReadonlyMap<string, number>;
  readonly failures: readonly string[];
  /** Exclusions that matched nothing: stale, and so themselves a failure. */
  readonly unusedExclusions: readonly string[];
}

const reverse = (r: CompareResult): CompareResult => (r === 0 ? 0 : r === 1 ? -1 : 1);

/**
 * Check every vector in both directions (cmp(a,b) == expected and cmp(b,a) == -expected),
 * collecting failures instead of stopping at the first one.
 */
export function checkVectors(
  comparator: Pick<VersionComparator, "compare">,
  vectors: readonly Vector[],
  exclusions: readonly Exclusion[] = [],
): VectorReport {
  const excluded = new Map<string, number>();
  const failures: string[] = [];
  let passed = 0;
  for (const vector of vectors) {
    const exclusion = exclusions.find((e) => e.matches(vector));
    if (exclusion) {
      excluded.set(exclusion.reason, (excluded.get(exclusion.reason) ?? 0) + 1);
      continue;
    }
    const forward = safeCompare(comparator, vector.a, vector.b);
    const backward = safeCompare(comparator, vector.b, vector.a);
    if (forward === vector.expected && backward === reverse(vector.expected)) passed++;
    else {
      failures.push(
        `${vector.where}: ${vector.a} vs ${vector.b}: expected ${vector.expected}, got ${forward} / reversed ${backward}`,
      );
    }
  }
  const unusedExclusions = exclusions.filter((e) => !excluded.has(e.reason)).map((e) => e.reason);
  return { passed, excluded, failures, unusedExclusions };
}

function safeCompare(comparator: Pick<VersionComparator, "compare">, a: string, b: string): string | number {
  try {
    return comparator.compare(a, b);
  } catch (error) {
    return `threw ${(error as Error).message}`;
  }
}

/** Exclude vectors where either side is one of `versions`. */
export function involving(versions: readonly string[], reason: string): Exclusion {
  const set = new Set(versions);
  return { matches: (v) => set.has(v.a) || set.has(v.b), reason };
}

/** Exclude vectors where either side fails `isValid` (documented-invalid input). */
export function involvingInvalid(comparator: VersionComparator, reason: string): Exclusion {
  return { matches: (v) => !comparator.isValid(v.a) || !comparator.isValid(v.b), reason };
}
