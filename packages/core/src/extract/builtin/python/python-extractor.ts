import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { parseCoreMetadata } from "./parse-core-metadata.js";

/**
 * Installed Python distributions, one per metadata file: `<name>-<version>.dist-info/METADATA`
 * (wheels, modern pip), `<name>.egg-info/PKG-INFO` (setuptools), a `<name>.egg-info` file
 * (distutils, Debian's older python packages) and `<name>.egg/EGG-INFO/PKG-INFO` (unzipped eggs).
 *
 * The path test does not insist on a `site-packages` or `dist-packages` parent: code is also
 * installed with `pip install --target DIR` (AWS Lambda images put it in `/var/task`) and
 * `PYTHONPATH` directories, and the `.dist-info` / `.egg-info` directory names are already a
 * strong, cheap signal (Trivy and OSV-SCALIBR match the same suffixes anywhere).
 *
 * Debian's own `python3-*` packages install into `/usr/lib/python3/dist-packages` and are
 * also dpkg packages. Trivy drops files owned by dpkg; an extractor sees one file and cannot
 * know ownership, so they are reported here too (type `pypi`). That is deliberate: PyPI
 * advisories describe the Python code inside, which the Debian package carries as well.
 */
export function createPythonExtractor(): WholeFileExtractor {
  return {
    name: "language/python",
    version: 1,
    // Metadata files are small; a huge one is not metadata (the description is the bulk).
    maxFileSize: 8 * 1024 * 1024,
    required: isPythonMetadataPath,
    extract: extractPython,
  };
}

/** Cheap path test shared with tests: the file names of installed Python metadata. */
export function isPythonMetadataPath(path: string): boolean {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  if (base.endsWith(".egg-info")) return base.length > ".egg-info".length;
  if (base !== "METADATA" && base !== "PKG-INFO") return false;
  const parentStart = path.lastIndexOf("/", slash - 1);
  const parent = path.slice(parentStart + 1, slash);
  if (base === "METADATA") return parent.endsWith(".dist-info") && parent.length > ".dist-info".length;
  if (parent.endsWith(".egg-info")) return parent.length > ".egg-info".length;
  if (parent !== "EGG-INFO") return false;
  const grandparent = path.slice(path.lastIndexOf("/", parentStart - 1) + 1, parentStart);
  return grandparent.endsWith(".egg");
}

/**
 * PEP 503 normalized project name (https://peps.python.org/pep-0503/#normalized-names): the
 * form PyPI and OSV use to compare names, so `Flask`, `zope.interface` and
 * `typing_extensions` meet their advisories whatever the metadata spelled.
 */
export function normalizePythonName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

/** PEP 508 project names: ASCII letters and digits, with `.`, `_`, `-` inside. */
const VALID_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

function extractPython({ content }: ExtractorInput): ExtractorResult {
  const { fields, issues: headerIssues } = parseCoreMetadata(content.toString("utf8"));
  const issues: ExtractorIssue[] = [...headerIssues];
  const displayName = fields.get("name")?.trim();
  const version = fields.get("version")?.trim();
  if (!displayName) {
    issues.push({ severity: "error", code: "python-missing-name", message: "no Name header" });
    return { packages: [], issues };
  }
  if (!version) {
    issues.push({
      severity: "error",
      code: "python-missing-version",
      message: `${displayName} has no Version header`,
      record: displayName,
    });
    return { packages: [], issues };
  }
  if (!VALID_NAME.test(displayName)) {
    issues.push({
      severity: "warning",
      code: "python-invalid-name",
      message: `"${displayName}" is not a valid project name (PEP 508)`,
      record: displayName,
    });
  }
  const metadata: Record<string, string> = { displayName };
  const license = pickLicense(fields);
  if (license) metadata.license = license;
  const pkg: ExtractedPackage = { type: "pypi", name: normalizePythonName(displayName), version, metadata };
  return { packages: [pkg], issues };
}

/**
 * `License-Expression` (SPDX, core metadata 2.4) when present; otherwise a one-line
 * `License`. Older metadata often puts the whole licence text in `License`; that is not a
 * licence name, so it is left out rather than stored as a wall of text.
 */
function pickLicense(fields: ReadonlyMap<string, string>): string | undefined {
  const expression = fields.get("license-expression")?.trim();
  if (expression) return expression;
  const license = fields.get("license")?.trim();
  if (!license || license === "UNKNOWN" || license.includes("\n") || license.length > 100) return undefined;
  return license;
}
