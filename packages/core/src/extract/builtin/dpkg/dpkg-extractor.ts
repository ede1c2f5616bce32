import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { parseControlFile } from "./parse-control.js";

const STATUS_FILE = "/var/lib/dpkg/status";
const STATUS_DIR = "/var/lib/dpkg/status.d/";

/**
 * Package states whose files are on disk, so whose vulnerabilities are present
 * (dpkg(1) "PACKAGE STATES"). `not-installed` and `config-files` leave no code behind.
 */
const PRESENT_STATES = new Set([
  "installed",
  "half-configured",
  "unpacked",
  "half-installed",
  "triggers-awaited",
  "triggers-pending",
]);

/**
 * Reads dpkg's database: `/var/lib/dpkg/status`, and the one-file-per-package
 * `/var/lib/dpkg/status.d/*` that distroless images use instead.
 */
export function createDpkgExtractor(): WholeFileExtractor {
  return {
    name: "os/dpkg",
    version: 1,
    required: (path) =>
      path === STATUS_FILE ||
      (path.startsWith(STATUS_DIR) && !path.includes("/", STATUS_DIR.length) && !path.endsWith(".md5sums")),
    extract: extractDpkg,
  };
}

function extractDpkg({ path, content }: ExtractorInput): ExtractorResult {
  const { paragraphs, issues } = parseControlFile(content.toString("utf8"));
  const out: ExtractedPackage[] = [];
  const problems: ExtractorIssue[] = [...issues];
  // status.d entries written by distroless builders often carry no Status field: their
  // presence in the directory is what marks them installed.
  const statusOptional = path.startsWith(STATUS_DIR);
  for (const { line, fields } of paragraphs) {
    const name = fields.get("package");
    const version = fields.get("version");
    if (!name) {
      problems.push({
        severity: "error",
        code: "dpkg-missing-package",
        message: "paragraph has no Package field",
        line,
      });
      continue;
    }
    const status = fields.get("status");
    if (status !== undefined) {
      const state = status.split(/\s+/)[2];
      if (state === undefined) {
        problems.push({
          severity: "warning",
          code: "dpkg-bad-status",
          message: `package ${name} has a malformed Status "${status}"`,
          line,
          record: name,
        });
        continue;
      }
      if (!PRESENT_STATES.has(state)) continue;
    } else if (!statusOptional) {
      problems.push({
        severity: "warning",
        code: "dpkg-missing-status",
        message: `package ${name} has no Status field; skipped`,
        line,
        record: name,
      });
      continue;
    }
    if (!version) {
      problems.push({
        severity: "error",
        code: "dpkg-missing-version",
        message: `package ${name} has no Version field`,
        line,
        record: name,
      });
      continue;
    }
    const source = parseSource(fields.get("source"));
    const arch = fields.get("architecture");
    out.push({
      type: "deb",
      name,
      version,
      sourceName: source?.name ?? name,
      sourceVersion: source?.version ?? version,
      ...(arch ? { arch } : {}),
      ...(fields.has("maintainer") ? { metadata: { maintainer: fields.get("maintainer")! } } : {}),
    });
  }
  return { packages: out, issues: problems };
}

/** `Source: glibc (2.36-9+deb12u4)` or `Source: glibc`; the version is given only when it differs. */
function parseSource(value: string | undefined): { name: string; version?: string } | undefined {
  if (!value) return undefined;
  const match = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(value.trim());
  if (!match) return undefined;
  return match[2] ? { name: match[1]!, version: match[2].trim() } : { name: match[1]! };
}
