/**
 * Runs the independent Alpine check (apk-check.py, python3): the findings the secdb documents
 * imply for installed apk packages, with apk-tools' version rules implemented separately from
 * Vigil's comparator.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const script = join(import.meta.dirname, "apk-check.py");

/** One installed apk package (`expected/<tag>.apk.tsv`: P, V, A, o). */
export interface InstalledApk {
  readonly name: string;
  readonly version: string;
  readonly origin: string;
}

/** A finding the secdb implies. */
export interface ExpectedApkFinding {
  readonly binary: string;
  readonly id: string;
  readonly origin: string;
  readonly version: string;
  readonly fixed: string;
}

/** Every secdb document under `<dir>/<release>/<repository>.json`, parsed. */
export function readSecdbDocuments(dir: string): unknown[] {
  return readdirSync(dir)
    .sort()
    .flatMap((release) =>
      readdirSync(join(dir, release))
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(dir, release, f), "utf8")) as unknown),
    );
}

/** Reads `expected/<tag>.apk.tsv`. */
export function readApkTsv(file: string): InstalledApk[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [name = "", version = "", , origin = ""] = line.split("\t");
      return { name, version, origin: origin || name };
    });
}

/** The findings (binary package, id) for `installed` in Alpine `release` (`v3.11`). */
export function expectedAlpineFindings(input: {
  readonly secdb: readonly unknown[];
  readonly release: string;
  readonly installed: readonly InstalledApk[];
}): Map<string, ExpectedApkFinding> {
  const out = execFileSync("python3", [script], { input: JSON.stringify(input), encoding: "utf8" });
  const { findings } = JSON.parse(out) as { findings: ExpectedApkFinding[] };
  return new Map(findings.map((f) => [`${f.binary}\t${f.id}`, f]));
}

/** apk-check.py's comparison of each pair: -1, 0 or 1. */
export function apkCompare(pairs: readonly (readonly [string, string])[]): number[] {
  const out = execFileSync("python3", [script, "--compare"], {
    input: pairs.map(([a, b]) => `${a} ${b}\n`).join(""),
    encoding: "utf8",
  });
  return out.trim().split("\n").map(Number);
}
