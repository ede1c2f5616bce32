import type { ExtractedPackage } from "../../../model/package.js";
import { quoteValue } from "../../../model/quote-value.js";
import type { ExtractorIssue } from "../../extractor.js";

/**
 * The crates of cargo-auditable's audit data (`{"packages": [{"name", "version", "source",
 * "kind", "dependencies", "root"}]}`, https://github.com/rust-secure-code/cargo-auditable/blob/master/cargo-auditable.schema.json)
 * as packages of the OSV `crates.io` ecosystem (purl type `cargo`):
 *
 * - `kind: "build"` crates (build scripts, proc-macros and what only they use) run at compile
 *   time and put no code in the binary. Like OSV-SCALIBR (by default), syft and Trivy, they are
 *   left out, silently: a binary is what is scanned, not its build.
 * - `source: "crates.io"` crates are reported as they are. `registry` (an alternative
 *   registry) and `git` crates are reported too, with `metadata.source`, as those tools do: a
 *   git dependency is usually a crates.io crate at some commit, and its advisories most likely
 *   apply; a private registry's crate could share a name with a crates.io one, and the
 *   metadata lets a person see that.
 * - `source: "local"` crates (path dependencies, workspace members, and the root crate of a
 *   `cargo build` in its checkout) exist only in the build's source tree and are never on
 *   crates.io; reporting them would match crates.io advisories of any crate that happens to
 *   share their name (workspaces are full of `core`, `utils`, `config`). They are left out.
 *
 * A malformed entry is an issue naming its index; every good entry is still reported.
 */
export function auditPackages(text: string): { packages: ExtractedPackage[]; issues: ExtractorIssue[] } {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    return {
      packages: [],
      issues: [
        {
          severity: "error",
          code: "rust-audit-invalid-json",
          message: `the .dep-v0 data is not JSON: ${(error as Error).message}`,
        },
      ],
    };
  }
  if (!isObject(root) || !Array.isArray(root.packages)) {
    return {
      packages: [],
      issues: [
        {
          severity: "error",
          code: "rust-audit-no-packages",
          message: "the .dep-v0 JSON has no `packages` array",
        },
      ],
    };
  }
  const packages: ExtractedPackage[] = [];
  const issues: ExtractorIssue[] = [];
  for (const [index, entry] of root.packages.entries()) {
    const record = `packages[${index}]`;
    if (!isObject(entry) || !nonEmptyString(entry.name) || !nonEmptyString(entry.version)) {
      issues.push({
        severity: "warning",
        code: "rust-audit-bad-package",
        message: `${record} has no name or no version`,
        record,
      });
      continue;
    }
    const { name, version, source, kind } = entry;
    if (kind === "build") continue;
    if (kind !== undefined && kind !== "runtime") {
      // Only "build" and "runtime" exist; an unknown kind is kept rather than guessed away.
      issues.push({
        severity: "warning",
        code: "rust-audit-unknown-kind",
        message: `${name} ${version} has the unknown dependency kind ${quoteValue(kind)}; reported as runtime`,
        record: name,
      });
    }
    if (!nonEmptyString(source)) {
      issues.push({
        severity: "warning",
        code: "rust-audit-bad-package",
        message: `${name} ${version} has no source`,
        record: name,
      });
      continue;
    }
    if (source === "local") continue;
    packages.push({
      type: "cargo",
      name,
      version,
      ...(source !== "crates.io" ? { metadata: { source } } : {}),
    });
  }
  return { packages, issues };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}
