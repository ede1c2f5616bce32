/**
 * The `os/rpm` extractor: installed packages from rpm's package database, in any of its three
 * on-disk formats (SQLite `rpmdb.sqlite`, BerkeleyDB `Packages`, NDB `Packages.db`), parsed
 * from the file's bytes without any database library.
 */

import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { readBdbPackages } from "./bdb-hash-reader.js";
import { detectRpmDbFormat, type RpmDbFormat } from "./detect-format.js";
import type { HeaderBlobsResult, ReadProblem } from "./header-blobs.js";
import { readNdbPackages } from "./ndb-reader.js";
import { isHeaderProblem, parseRpmHeader, type RpmHeader, readInteger, readString } from "./rpm-header.js";
import { RpmTag } from "./rpm-tags.js";
import { parseSourceRpm } from "./source-rpm.js";
import { readSqlitePackages } from "./sqlite-reader.js";

/**
 * Where rpm keeps its database: `/var/lib/rpm` historically, `/usr/lib/sysimage/rpm` on
 * Fedora 36+, openSUSE and SLE 15 (where `/var/lib/rpm` is a symlink to it).
 */
export const RPM_DATABASE_PATHS: readonly string[] = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"].flatMap(
  (dir) => ["rpmdb.sqlite", "Packages", "Packages.db"].map((file) => `${dir}/${file}`),
);

const WANTED = new Set(RPM_DATABASE_PATHS);

const READERS: Readonly<Record<RpmDbFormat, (bytes: Buffer) => HeaderBlobsResult>> = {
  sqlite: readSqlitePackages,
  bdb: readBdbPackages,
  ndb: readNdbPackages,
};

/** Create the rpm database extractor. */
export function createRpmExtractor(): WholeFileExtractor {
  return {
    name: "os/rpm",
    version: 1,
    required: (path) => WANTED.has(path),
    extract: (input) => extractRpmDatabase(input),
  };
}

/**
 * Packages and issues from one rpm database file. The format comes from the magic bytes, not
 * the file name. Damaged records become issues; every readable package is still returned.
 */
export function extractRpmDatabase(input: Pick<ExtractorInput, "content" | "signal">): ExtractorResult {
  const { content, signal } = input;
  signal?.throwIfAborted();
  if (content.length === 0) {
    return {
      packages: [],
      issues: [issue("warning", "rpm-not-a-database", "the rpm database file is empty")],
    };
  }
  const format = detectRpmDbFormat(content);
  if (format === undefined) {
    const message = "not an rpm database: no SQLite, BerkeleyDB hash or NDB signature";
    return { packages: [], issues: [issue("error", "rpm-not-a-database", message)] };
  }
  const read = READERS[format](content);
  const issues: ExtractorIssue[] = read.problems.map(problemToIssue);
  const packages: ExtractedPackage[] = [];
  for (const { record, blob } of read.blobs) {
    signal?.throwIfAborted();
    const header = parseRpmHeader(blob);
    if (isHeaderProblem(header)) {
      issues.push(issue("error", "rpm-corrupt-header", `header ${record}: ${header.problem}`, record));
      continue;
    }
    const pkg = toPackage(header, record, issues);
    if (pkg) packages.push(pkg);
  }
  packages.sort(comparePackages);
  return { packages, issues };
}

/** Build the package of one header, or record why not (undefined for the gpg-pubkey keys). */
function toPackage(
  header: RpmHeader,
  record: string,
  issues: ExtractorIssue[],
): ExtractedPackage | undefined {
  const missing: string[] = [];
  let damaged = false;
  const required = (tag: number, field: string): string | undefined => {
    const value = readString(header, tag);
    if (isHeaderProblem(value)) {
      issues.push(
        issue("error", "rpm-corrupt-header", `header ${record}: ${field}: ${value.problem}`, record),
      );
      damaged = true;
      return undefined;
    }
    if (value === undefined || value === "") missing.push(field);
    return value || undefined;
  };
  const optional = (tag: number, field: string): string | undefined => {
    const value = readString(header, tag);
    if (!isHeaderProblem(value)) return value === "" ? undefined : value;
    issues.push(
      issue(
        "warning",
        "rpm-corrupt-header",
        `header ${record}: ${field} unreadable: ${value.problem}`,
        record,
      ),
    );
    return undefined;
  };

  const name = required(RpmTag.NAME, "name");
  // `rpm -qa` also lists every imported OpenPGP key as a pseudo-package, e.g.
  // `gpg-pubkey-fd431d51-4ae0493b` with arch `(none)`, no source RPM and licence "pubkey"
  // (see testdata/generated/rpm-qa.tsv). It is a key in rpm's keyring, not installed
  // software, and rpm refuses to install a real package of that name ("public keys can not be
  // installed as gpg-pubkey packages", lib/rpmte.c), so the name identifies it. Scanners that
  // report OS packages (claircore, for one) drop it by this name; so do we.
  if (name === "gpg-pubkey") return undefined;
  const version = required(RpmTag.VERSION, "version");
  const release = required(RpmTag.RELEASE, "release");
  if (missing.length > 0) {
    issues.push(issue("error", "rpm-missing-field", `header ${record} has no ${missing.join(", ")}`, record));
  }
  if (name === undefined || version === undefined || release === undefined || damaged) return undefined;
  const epochValue = readInteger(header, RpmTag.EPOCH);
  if (isHeaderProblem(epochValue)) {
    issues.push(
      issue("error", "rpm-corrupt-header", `header ${record}: epoch: ${epochValue.problem}`, record),
    );
    return undefined;
  }
  const epoch = epochValue === undefined ? undefined : String(epochValue);
  const arch = optional(RpmTag.ARCH, "arch");
  const sourceRpm = optional(RpmTag.SOURCERPM, "source rpm");
  const vendor = optional(RpmTag.VENDOR, "vendor");
  const license = optional(RpmTag.LICENSE, "license");
  const modularityLabel = optional(RpmTag.MODULARITYLABEL, "modularity label");

  const evr = (v: string, r: string) => (epoch === undefined ? `${v}-${r}` : `${epoch}:${v}-${r}`);
  const metadata: Record<string, string> = {};
  if (epoch !== undefined) metadata.epoch = epoch;
  metadata.version = version;
  metadata.release = release;
  if (vendor !== undefined) metadata.vendor = vendor;
  if (modularityLabel !== undefined) metadata.modularityLabel = modularityLabel;
  if (license !== undefined) metadata.license = license;
  if (sourceRpm !== undefined) metadata.sourceRpm = sourceRpm;

  let source: { sourceName: string; sourceVersion: string } | undefined;
  if (sourceRpm !== undefined) {
    const parsed = parseSourceRpm(sourceRpm);
    if (parsed) {
      // The source RPM's file name carries no epoch. rpmbuild gives every binary package the
      // Epoch of the spec it was built from, so the binary's epoch is the source's epoch
      // (Trivy makes the same choice).
      source = { sourceName: parsed.name, sourceVersion: evr(parsed.version, parsed.release) };
    } else {
      const message = `header ${record}: source rpm '${sourceRpm}' is not name-version-release.src.rpm`;
      issues.push(issue("warning", "rpm-bad-source-rpm", message, record));
    }
  }
  return {
    type: "rpm",
    name,
    version: evr(version, release),
    ...source,
    ...(arch === undefined ? {} : { arch }),
    metadata,
  };
}

function comparePackages(a: ExtractedPackage, b: ExtractedPackage): number {
  return cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.arch ?? "", b.arch ?? "");
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function problemToIssue(problem: ReadProblem): ExtractorIssue {
  return issue(problem.severity ?? "error", problem.code, problem.message, problem.record);
}

function issue(
  severity: ExtractorIssue["severity"],
  code: string,
  message: string,
  record?: string,
): ExtractorIssue {
  return record === undefined ? { severity, code, message } : { severity, code, message, record };
}
