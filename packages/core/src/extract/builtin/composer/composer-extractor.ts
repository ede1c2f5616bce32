import type { ExtractedPackage } from "../../../model/package.js";
import { quoteValue } from "../../../model/quote-value.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { parseJsonContent } from "./parse-json-content.js";

/**
 * PHP packages Composer installed: `vendor/composer/installed.json`, which Composer 1 writes
 * as an array and Composer 2 as `{"packages": [...], "dev": ..., "dev-package-names": [...]}`.
 * The vendor directory can be renamed (`config.vendor-dir`), so only the `composer/installed.json`
 * tail is required.
 *
 * Versions are kept as Composer wrote them (`v1.3.0`, `2.0.2`, `dev-main`): Packagist
 * advisories (GitHub, FriendsOfPHP) spell ranges without the `v`, and the `composer` version
 * scheme strips a leading `v` when it compares, as Composer itself does. The normalized form
 * Composer computed (`1.3.0.0`) is kept in metadata as `versionNormalized`.
 */
export function createComposerExtractor(): WholeFileExtractor {
  return {
    name: "language/composer",
    version: 1,
    maxFileSize: 64 * 1024 * 1024,
    required: (path) => path.endsWith("/composer/installed.json"),
    extract: extractComposer,
  };
}

function extractComposer({ content }: ExtractorInput): ExtractorResult {
  const parsed = parseJsonContent(content, "composer-invalid-json");
  if (!parsed.ok) return { packages: [], issues: [parsed.issue] };
  const root = parsed.value;
  const issues: ExtractorIssue[] = [];
  let entries: unknown[];
  let devNames = new Set<string>();
  if (Array.isArray(root)) entries = root;
  else if (isObject(root) && Array.isArray(root.packages)) {
    entries = root.packages;
    if (Array.isArray(root["dev-package-names"])) {
      devNames = new Set(root["dev-package-names"].filter((n): n is string => typeof n === "string"));
    }
  } else {
    return {
      packages: [],
      issues: [
        {
          severity: "error",
          code: "composer-unknown-shape",
          message:
            "installed.json is neither an array (Composer 1) nor an object with `packages` (Composer 2)",
        },
      ],
    };
  }
  const packages: ExtractedPackage[] = [];
  entries.forEach((entry, index) => {
    const record = `packages[${index}]`;
    if (!isObject(entry)) {
      issues.push({
        severity: "error",
        code: "composer-bad-entry",
        message: `${record} is not an object`,
        record,
      });
      return;
    }
    const { name, version } = entry;
    if (typeof name !== "string" || !/^[^/\s]+\/[^/\s]+$/.test(name)) {
      issues.push({
        severity: "error",
        code: "composer-bad-name",
        message: `${record} has no "vendor/package" name (${name === undefined ? "missing" : quoteValue(name)})`,
        record,
      });
      return;
    }
    if (typeof version !== "string" || version.trim() === "") {
      issues.push({
        severity: "error",
        code: "composer-missing-version",
        message: `${name} has no version`,
        record: name,
      });
      return;
    }
    const metadata: Record<string, string> = {};
    if (typeof entry.version_normalized === "string") metadata.versionNormalized = entry.version_normalized;
    const license = licenses(entry.license);
    if (license) metadata.license = license;
    // Dev packages are on disk too when the image ran `composer install` without --no-dev.
    if (devNames.has(name)) metadata.dev = "true";
    packages.push({
      type: "composer",
      name: name.toLowerCase(),
      version: version.trim(),
      ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    });
  });
  return { packages, issues };
}

/** Composer's `license` is a string or an array of alternatives (disjunctive). */
function licenses(value: unknown): string | undefined {
  if (typeof value === "string") return value || undefined;
  if (!Array.isArray(value)) return undefined;
  const names = value.filter((v): v is string => typeof v === "string" && v !== "");
  if (names.length === 0) return undefined;
  return names.length === 1 ? names[0] : `(${names.join(" OR ")})`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
