import { quoteValue } from "../../../model/quote-value.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { isNpmName, isObject, npmLicense, npmPackage } from "./npm-package.js";
import { parseJsonFile } from "./parse-json.js";

const MARKER = "/node_modules/";

/**
 * The folder name a `package.json` is installed under, when the path is exactly
 * `.../node_modules/<name>/package.json` or `.../node_modules/@scope/<name>/package.json`;
 * `undefined` for every other `package.json` (an application's own root, a workspace
 * folder, or the `{"type": "module"}` markers deep inside a package such as
 * `node_modules/x/dist/esm/package.json`). Folders starting with `.` are npm's and pnpm's
 * own (`.bin`, `.pnpm`, `.cache`), not packages; pnpm's real copies live one level further
 * down, at `node_modules/.pnpm/<id>/node_modules/<name>/package.json`, and are found there.
 */
export function installedFolderName(path: string): string | undefined {
  if (!path.endsWith("/package.json")) return undefined;
  const at = path.lastIndexOf(MARKER);
  if (at === -1) return undefined;
  const parts = path.slice(at + MARKER.length).split("/");
  const [first, second, third] = parts;
  if (!first || first.startsWith(".")) return undefined;
  if (first.startsWith("@")) {
    return parts.length === 3 && second && !second.startsWith(".") && third === "package.json"
      ? `${first}/${second}`
      : undefined;
  }
  return parts.length === 2 ? first : undefined;
}

/**
 * Installed npm packages: each `node_modules/<name>/package.json` (nested `node_modules`,
 * scoped packages, pnpm's `.pnpm` store and yarn's unplugged folders included). The
 * application's own `package.json` and workspace folders are not under `node_modules`, and
 * the symlinks npm makes for workspaces are links, not files, so neither is listed: they
 * are the code being scanned, not a dependency of it.
 */
export function createNpmPackageJsonExtractor(): WholeFileExtractor {
  return {
    name: "lang/npm-package-json",
    version: 1,
    // A package.json is small; a generous limit still stops a pathological file.
    maxFileSize: 4 * 1024 * 1024,
    required: (path) => installedFolderName(path) !== undefined,
    extract: extractPackageJson,
  };
}

function extractPackageJson({ path, content }: ExtractorInput): ExtractorResult {
  const parsed = parseJsonFile(content.toString("utf8"), "npm-package-json-invalid");
  if (!parsed.ok) return { packages: [], issues: [parsed.issue] };
  const json = parsed.value;
  if (!isObject(json)) {
    return { packages: [], issues: [problem("npm-package-json-invalid", "is not a JSON object")] };
  }
  const { name, version } = json;
  if (name === undefined || version === undefined) {
    const missing = [name === undefined ? "name" : "", version === undefined ? "version" : ""]
      .filter(Boolean)
      .join(" and ");
    return { packages: [], issues: [problem("npm-package-json-incomplete", `has no ${missing}`)] };
  }
  if (!isNpmName(name)) {
    return {
      packages: [],
      issues: [problem("npm-package-json-bad-name", `has an invalid name ${quoteValue(name)}`)],
    };
  }
  if (typeof version !== "string" || version.trim() === "") {
    return {
      packages: [],
      issues: [
        problem(
          "npm-package-json-bad-version",
          `${name} has an invalid version ${quoteValue(version)}`,
          name,
        ),
      ],
    };
  }
  const license = npmLicense(json);
  const installedAs = installedFolderName(path);
  return {
    packages: [
      npmPackage(name, version.trim(), {
        ...(license ? { license } : {}),
        ...(installedAs ? { installedAs } : {}),
      }),
    ],
    issues: [],
  };
}

function problem(code: string, what: string, record?: string): ExtractorIssue {
  return {
    severity: "warning",
    code,
    message: `package.json of an installed package ${what}; skipped`,
    line: 1,
    ...(record ? { record } : {}),
  };
}
