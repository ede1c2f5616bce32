import type { ExtractedPackage } from "../../../model/package.js";
import { quoteValue } from "../../../model/quote-value.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { isNpmName, isObject, isRegistryVersion, npmLicense, npmPackage } from "./npm-package.js";
import { lineOfKey, parseJsonFile } from "./parse-json.js";

const BASENAMES = new Set(["package-lock.json", "npm-shrinkwrap.json"]);

/**
 * Is `path` a lockfile of a project, i.e. named `name` and not inside `node_modules`?
 * Lockfiles inside an installed package describe a tree that is either installed beside
 * them (and read from there) or never was.
 */
export function isProjectLockfile(path: string, names: ReadonlySet<string>): boolean {
  const base = path.slice(path.lastIndexOf("/") + 1);
  return names.has(base) && !path.includes("/node_modules/");
}

/**
 * npm's lockfiles, `package-lock.json` and `npm-shrinkwrap.json`, versions 1 to 3
 * (https://docs.npmjs.com/cli/configuring-npm/package-lock-json). Version 1 nests
 * `dependencies`; versions 2 and 3 list `packages` by install path, which is what is read
 * when present. The root project, workspace folders and links are the application itself
 * and are skipped. Every package carries `fromLockfile: "true"`, and dev dependencies
 * `dev: "true"`: a lockfile cannot tell whether `--omit=dev` left them out.
 * (The inventory drops these entries when the installed tree beside the lockfile is there.)
 */
export function createNpmPackageLockExtractor(): WholeFileExtractor {
  return {
    name: "lang/npm-package-lock",
    version: 1,
    maxFileSize: 64 * 1024 * 1024,
    required: (path) => isProjectLockfile(path, BASENAMES),
    extract: extractPackageLock,
  };
}

function extractPackageLock({ content }: ExtractorInput): ExtractorResult {
  const text = content.toString("utf8");
  const parsed = parseJsonFile(text, "npm-lock-invalid");
  if (!parsed.ok) return { packages: [], issues: [parsed.issue] };
  const lock = parsed.value;
  if (!isObject(lock)) {
    return { packages: [], issues: [lockIssue("error", "npm-lock-invalid", "is not a JSON object", 1)] };
  }
  const version = lock.lockfileVersion;
  const issues: ExtractorIssue[] = [];
  const packages: ExtractedPackage[] = [];
  if ((version === 2 || version === 3) && isObject(lock.packages)) {
    readPackages(lock.packages, text, packages, issues);
  } else if (version === 1 || (version === 2 && isObject(lock.dependencies))) {
    if (isObject(lock.dependencies)) readDependencies(lock.dependencies, [], packages, issues);
  } else {
    issues.push(
      lockIssue(
        "error",
        "npm-lock-unknown-version",
        `has lockfileVersion ${version === undefined ? "(none)" : quoteValue(version)}, not 1, 2 or 3 with its package list; nothing read`,
        lineOfKey(text, "lockfileVersion") ?? 1,
      ),
    );
  }
  return { packages, issues };
}

/** Versions 2 and 3: `packages` keyed by install path (`node_modules/a/node_modules/@s/b`). */
function readPackages(
  entries: Record<string, unknown>,
  text: string,
  out: ExtractedPackage[],
  issues: ExtractorIssue[],
): void {
  const section = text.indexOf('"packages"');
  for (const [key, entry] of Object.entries(entries)) {
    const at = key.lastIndexOf("node_modules/");
    // "" is the root project; keys without node_modules/ are workspace folders.
    if (at === -1) continue;
    const line = () => lineOfKey(text, key, Math.max(section, 0));
    if (!isObject(entry)) {
      issues.push(lockIssue("warning", "npm-lock-bad-entry", `entry ${key} is not an object`, line(), key));
      continue;
    }
    // A link is a workspace (or `file:` folder) installed as a symlink: the app's own code.
    if (entry.link === true) continue;
    const folder = key.slice(at + "node_modules/".length);
    const name = typeof entry.name === "string" ? entry.name : folder;
    const { version } = entry;
    if (!isNpmName(name)) {
      issues.push(lockIssue("warning", "npm-lock-bad-name", `entry ${key} has an invalid name`, line(), key));
      continue;
    }
    if (typeof version !== "string" || version === "") {
      issues.push(
        lockIssue("warning", "npm-lock-missing-version", `entry ${key} has no version`, line(), key),
      );
      continue;
    }
    const license = npmLicense(entry);
    out.push(
      npmPackage(name, version, {
        fromLockfile: true,
        dev: entry.dev === true,
        optional: entry.optional === true,
        installedAs: folder,
        ...(license ? { license } : {}),
      }),
    );
  }
}

/**
 * Version 1: `dependencies` nested by where npm installs them. A version may be
 * `npm:<real>@<version>` (an alias), a git or tarball URL, or `file:` (a local folder).
 */
function readDependencies(
  entries: Record<string, unknown>,
  parents: readonly string[],
  out: ExtractedPackage[],
  issues: ExtractorIssue[],
): void {
  for (const [folder, entry] of Object.entries(entries)) {
    const record = [...parents, folder].join(" > ");
    if (!isObject(entry)) {
      issues.push(
        lockIssue(
          "warning",
          "npm-lock-bad-entry",
          `dependency ${record} is not an object`,
          undefined,
          record,
        ),
      );
      continue;
    }
    let name = folder;
    let version = entry.version;
    if (typeof version === "string" && version.startsWith("npm:")) {
      const at = version.lastIndexOf("@");
      name = version.slice(4, at);
      version = version.slice(at + 1);
    }
    if (typeof version !== "string" || version === "") {
      issues.push(
        lockIssue(
          "warning",
          "npm-lock-missing-version",
          `dependency ${record} has no version`,
          undefined,
          record,
        ),
      );
    } else if (version.startsWith("file:") || version.startsWith("link:")) {
      // a local folder: the application's own code
    } else if (!isNpmName(name)) {
      issues.push(
        lockIssue(
          "warning",
          "npm-lock-bad-name",
          `dependency ${record} has an invalid name`,
          undefined,
          record,
        ),
      );
    } else if (!isRegistryVersion(version)) {
      issues.push(
        lockIssue(
          "info",
          "npm-lock-not-registry",
          `dependency ${record} comes from ${version}, not the registry; its version is unknown`,
          undefined,
          record,
        ),
      );
    } else {
      out.push(
        npmPackage(name, version, {
          fromLockfile: true,
          dev: entry.dev === true,
          optional: entry.optional === true,
          installedAs: folder,
        }),
      );
    }
    if (isObject(entry.dependencies)) readDependencies(entry.dependencies, [...parents, folder], out, issues);
  }
}

function lockIssue(
  severity: ExtractorIssue["severity"],
  code: string,
  what: string,
  line: number | undefined,
  record?: string,
): ExtractorIssue {
  return {
    severity,
    code,
    message: `npm lockfile ${what}`,
    ...(line !== undefined ? { line } : {}),
    ...(record !== undefined ? { record } : {}),
  };
}
