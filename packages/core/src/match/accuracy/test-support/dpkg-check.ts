/**
 * The independent Debian check: which (binary package, CVE) pairs the advisories say an image
 * has, decided by the real `dpkg --compare-versions`. It shares no code with Vigil's matcher or
 * version comparators: records are plain JSON, packages are dpkg-query's own output, and every
 * version comparison is dpkg's.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { OsvRecord } from "../../../advisory/osv-record.js";

/** One installed package as dpkg-query reports it (`expected/<tag>.dpkg-query.tsv`). */
export interface InstalledDeb {
  /** `db:Status-Abbrev`, trimmed (`ii`). */
  readonly status: string;
  readonly package: string;
  readonly version: string;
  readonly sourcePackage: string;
  readonly sourceVersion: string;
}

/** Why the independent check expects one (binary package, id) finding. */
export interface ExpectedFinding {
  /** `<binary package>\t<id>`. */
  readonly key: string;
  readonly binary: string;
  /** The CVE the record is about (`upstream`/`aliases`), else the record id. */
  readonly id: string;
  readonly recordId: string;
  readonly source: string;
  readonly sourceVersion: string;
  /** The record's fixed version; absent when no fix exists (`introduced: 0` only). */
  readonly fixed?: string;
}

/** dpkg-query's abbreviated states whose files are on disk (second letter of db:Status-Abbrev). */
const PRESENT_STATES = new Set(["i", "U", "F", "H", "W", "t"]);

/** Characters of a Debian version (Debian Policy 5.6.12); anything else is refused, never quoted. */
const DEB_VERSION = /^[A-Za-z0-9.+~:-]+$/;

/**
 * `a lt b` for every pair, by the real `dpkg --compare-versions`, all in ONE bash process (a
 * process per comparison would take seconds). dpkg's exit status is 0 (true) or 1 (false);
 * anything else (an invalid version) fails the check instead of reading as "not affected".
 */
export function dpkgLessThan(pairs: readonly (readonly [string, string])[]): boolean[] {
  const unique = new Map<string, readonly [string, string]>();
  for (const [a, b] of pairs) {
    if (!DEB_VERSION.test(a) || !DEB_VERSION.test(b))
      throw new Error(`not a Debian version: ${JSON.stringify(a)} or ${JSON.stringify(b)}`);
    unique.set(`${a} ${b}`, [a, b]);
  }
  if (unique.size === 0) return [];
  const list = [...unique.values()];
  const script = list.map(([a, b]) => `dpkg --compare-versions '${a}' lt '${b}'; echo $?`).join("\n");
  const out = execFileSync("bash", ["-s"], { input: script, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 })
    .trim()
    .split("\n");
  if (out.length !== list.length)
    throw new Error(`dpkg answered ${out.length} of ${list.length} comparisons`);
  const answers = new Map<string, boolean>();
  out.forEach((code, i) => {
    if (code !== "0" && code !== "1")
      throw new Error(`dpkg --compare-versions ${list[i]!.join(" lt ")} exited ${code}`);
    answers.set(list[i]!.join(" "), code === "0");
  });
  return pairs.map(([a, b]) => answers.get(`${a} ${b}`)!);
}

/** The CVE a record stands for, as people cite it; the record id when it names none. */
export function primaryId(record: OsvRecord): string {
  const cves = [...(record.upstream ?? []), ...(record.aliases ?? [])].filter((id) => id.startsWith("CVE-"));
  return cves.sort()[0] ?? record.id;
}

/**
 * The findings the advisories imply: for each installed package (present on disk), each
 * record's `affected` entry for exactly `ecosystem` (`Debian:12`) and the package's SOURCE name
 * decides with `dpkg --compare-versions <source version> lt <fixed>`; `introduced: 0` with no
 * fixed is affected. The records must have the shape the Debian export has (one ECOSYSTEM
 * range, `introduced: 0`, at most one `fixed`); any other shape throws, since this check would
 * not know how to read it.
 */
export function expectedDebianFindings(
  installed: readonly InstalledDeb[],
  records: readonly OsvRecord[],
  ecosystem = "Debian:12",
): Map<string, ExpectedFinding> {
  const bySource = new Map<string, { record: OsvRecord; fixed?: string }[]>();
  for (const record of records) {
    for (const affected of record.affected ?? []) {
      if (affected.package?.ecosystem !== ecosystem) continue;
      if (affected.versions?.length || affected.ranges?.length !== 1)
        throw new Error(`${record.id}: unexpected shape (versions or several ranges)`);
      const range = affected.ranges[0]!;
      const events = range.events;
      const fixed = events[1]?.fixed;
      if (
        range.type !== "ECOSYSTEM" ||
        events[0]?.introduced !== "0" ||
        events.length > 2 ||
        (events.length === 2 && fixed === undefined)
      )
        throw new Error(`${record.id}: unexpected range ${JSON.stringify(range)}`);
      const list = bySource.get(affected.package.name) ?? [];
      bySource.set(affected.package.name, list);
      list.push({ record, ...(fixed !== undefined ? { fixed } : {}) });
    }
  }
  const candidates: { pkg: InstalledDeb; record: OsvRecord; fixed?: string }[] = [];
  for (const pkg of installed) {
    if (!PRESENT_STATES.has(pkg.status[1] ?? "")) continue;
    for (const entry of bySource.get(pkg.sourcePackage) ?? []) candidates.push({ pkg, ...entry });
  }
  const withFix = candidates.filter((c) => c.fixed !== undefined);
  const answers = dpkgLessThan(withFix.map((c) => [c.pkg.sourceVersion, c.fixed!] as const));
  const lessThan = new Map(withFix.map((c, i) => [`${c.pkg.sourceVersion} ${c.fixed}`, answers[i]!]));
  const out = new Map<string, ExpectedFinding>();
  for (const c of candidates) {
    const affected = c.fixed === undefined || lessThan.get(`${c.pkg.sourceVersion} ${c.fixed}`) === true;
    if (!affected) continue;
    const id = primaryId(c.record);
    const binary = c.pkg.package.split(":")[0]!;
    const key = `${binary}\t${id}`;
    out.set(key, {
      key,
      binary,
      id,
      recordId: c.record.id,
      source: c.pkg.sourcePackage,
      sourceVersion: c.pkg.sourceVersion,
      ...(c.fixed !== undefined ? { fixed: c.fixed } : {}),
    });
  }
  return out;
}

/** Parses dpkg-query output in the `expected/<tag>.dpkg-query.tsv` format. */
export function parseDpkgQuery(text: string): InstalledDeb[] {
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [status = "", pkg = "", version = "", sourcePackage = "", sourceVersion = ""] = line.split("\t");
      return { status: status.trim(), package: pkg, version, sourcePackage, sourceVersion };
    });
}

/**
 * The real `dpkg-query` over a dpkg status file (an admin directory is made for it in
 * `workDir`), in the format of `expected/<tag>.dpkg-query.tsv`.
 */
export function dpkgQueryStatus(statusText: string, workDir: string): InstalledDeb[] {
  const admin = join(workDir, "dpkg-admin");
  mkdirSync(join(admin, "info"), { recursive: true });
  mkdirSync(join(admin, "updates"), { recursive: true });
  writeFileSync(join(admin, "status"), statusText);
  const out = execFileSync(
    "dpkg-query",
    [
      "-W",
      `--admindir=${admin}`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
      "-f=${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${source:Package}\\t${source:Version}\\t${Architecture}\\n",
    ],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  return parseDpkgQuery(out);
}
