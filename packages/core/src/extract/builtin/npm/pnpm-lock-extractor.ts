import { isMap, isScalar, LineCounter, parseAllDocuments, type YAMLMap } from "yaml";
import type { ExtractedPackage } from "../../../model/package.js";
import { quoteValue } from "../../../model/quote-value.js";
import { parseNestedYaml, YAML_TOO_DEEP } from "../../../yaml/parse-nested-yaml.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { isNpmName, isRegistryVersion, npmPackage } from "./npm-package.js";
import { isProjectLockfile } from "./package-lock-extractor.js";
import { devOnlyPackageKeys, packageKeyOf } from "./pnpm-lock-snapshots.js";

const BASENAMES = new Set(["pnpm-lock.yaml"]);

/** Lockfile majors whose `packages` keys this reader knows (pnpm 5 to 9; 7 was a pnpm 9 beta). */
const KNOWN_MAJORS = new Set([5, 6, 7, 9]);

/**
 * `pnpm-lock.yaml` (https://pnpm.io/git#lockfiles), lockfile versions 5.x, 6.x and 9.x,
 * each YAML document of the file (pnpm 9 may write two). Packages are the keys of
 * `packages`: `/name/1.0.0_peer` (v5), `/name@1.0.0(peer@1)` (v6), `name@1.0.0` (v9);
 * entries from git or tarballs give `name` and `version` fields instead. Dev dependencies
 * (kept as `dev: "true"`) are marked `dev: true` by v5 and v6; v9 leaves the flag out, so
 * where a document has a `snapshots` graph it is worked out from that, as pnpm did (see
 * {@link devOnlyPackageKeys}). Packages carry `fromLockfile: "true"` (see lang/npm-package-lock).
 */
export function createPnpmLockExtractor(): WholeFileExtractor {
  return {
    name: "lang/pnpm-lock",
    // 2: v9 dev marking from `snapshots`.
    version: 2,
    maxFileSize: 64 * 1024 * 1024,
    required: (path) => isProjectLockfile(path, BASENAMES),
    extract: extractPnpmLock,
  };
}

function extractPnpmLock({ content }: ExtractorInput): ExtractorResult {
  const text = content.toString("utf8");
  const lineCounter = new LineCounter();
  const parsed = parseNestedYaml(text, (text) =>
    parseAllDocuments(text, { lineCounter, schema: "failsafe", uniqueKeys: false }),
  );
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const issues: ExtractorIssue[] = [];
  const packages: ExtractedPackage[] = [];
  if ("tooDeep" in parsed) {
    issues.push({
      severity: "error",
      code: "pnpm-lock-invalid",
      message: `pnpm-lock.yaml ${YAML_TOO_DEEP}`,
      ...(parsed.line ? { line: parsed.line } : {}),
    });
    return { packages, issues };
  }
  const docs = parsed.value;
  if (!Array.isArray(docs)) return { packages, issues };
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const error = doc.errors[0]!;
      issues.push({
        severity: "error",
        code: "pnpm-lock-invalid",
        message: `pnpm-lock.yaml is not valid YAML: ${error.message.split("\n")[0]}`,
        ...(error.linePos ? { line: error.linePos[0].line } : {}),
      });
      continue;
    }
    const root = doc.contents;
    if (root === null) continue;
    if (!isMap(root)) {
      issues.push({
        severity: "error",
        code: "pnpm-lock-invalid",
        message: "pnpm-lock.yaml is not a YAML mapping",
        ...(lineOf(root.range?.[0]) ? { line: lineOf(root.range?.[0])! } : {}),
      });
      continue;
    }
    const declared: unknown = root.get("lockfileVersion");
    const major =
      typeof declared === "string" ? Number.parseInt(declared.replace(/^'|'$/g, ""), 10) : Number.NaN;
    if (!KNOWN_MAJORS.has(major)) {
      const pair = root.items.find((p) => isScalar(p.key) && p.key.value === "lockfileVersion");
      issues.push({
        severity: "error",
        code: "pnpm-lock-unknown-version",
        message: `pnpm-lock.yaml has lockfileVersion ${declared === undefined ? "(none)" : quoteValue(declared)}, not 5, 6 or 9; nothing read`,
        line: lineOf(isScalar(pair?.key) ? pair.key.range?.[0] : undefined) ?? 1,
      });
      continue;
    }
    const list = root.get("packages");
    if (!isMap(list)) continue;
    const snapshots = root.get("snapshots");
    const devOnly = isMap(snapshots) ? devOnlyPackageKeys(root, snapshots, lineOf, issues) : undefined;
    readPackages(list, major, devOnly, lineOf, packages, issues);
  }
  return { packages, issues };
}

function readPackages(
  list: YAMLMap,
  major: number,
  /** Dev-only `packages` keys from the snapshot graph; `undefined` to read `dev` fields. */
  devOnly: ReadonlySet<string> | undefined,
  lineOf: (offset: number | undefined) => number | undefined,
  out: ExtractedPackage[],
  issues: ExtractorIssue[],
): void {
  for (const pair of list.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    const line = lineOf(isScalar(pair.key) ? pair.key.range?.[0] : undefined);
    const entry = isMap(pair.value) ? pair.value : undefined;
    // A local folder (`file:dir`, `link:`) is the project's own code, not an installed package.
    const resolution = entry?.get("resolution");
    if (isMap(resolution) && resolution.has("directory")) continue;
    const fromKey = parsePackageKey(key, major);
    const fieldName = entry?.get("name");
    const fieldVersion = entry?.get("version");
    const name = typeof fieldName === "string" ? fieldName : fromKey?.name;
    const version = typeof fieldVersion === "string" ? fieldVersion : fromKey?.version;
    if (!name || !isNpmName(name) || !version) {
      issues.push({
        severity: "warning",
        code: "pnpm-lock-bad-entry",
        message: `pnpm-lock.yaml package ${key} names no package and version`,
        ...(line !== undefined ? { line } : {}),
        record: key,
      });
      continue;
    }
    out.push(
      npmPackage(name, version, {
        fromLockfile: true,
        dev: devOnly ? devOnly.has(packageKeyOf(key)) : entry?.get("dev") === "true",
        optional: entry?.get("optional") === "true",
      }),
    );
  }
}

/**
 * Name and version from a `packages` key, without the peer suffix pnpm appends
 * (`_react@17.0.2` in v5, `(react@17.0.2)` from v6). `undefined` when the key is not a
 * package name, and without `version` when the rest is not a registry version (a tarball
 * URL or git host path, whose entry has a `version` field and in v5/v6 a `name`).
 */
export function parsePackageKey(key: string, major: number): { name: string; version?: string } | undefined {
  const path = key.startsWith("/") ? key.slice(1) : key;
  let name: string;
  let version: string;
  if (major < 6) {
    const slash = path.lastIndexOf("/");
    if (slash <= 0) return undefined;
    name = path.slice(0, slash);
    version = path.slice(slash + 1).split("_")[0]!;
  } else {
    const bare = path.split("(")[0]!;
    const at = bare.indexOf("@", 1);
    if (at <= 0) return undefined;
    name = bare.slice(0, at);
    version = bare.slice(at + 1);
  }
  if (!isNpmName(name)) return undefined;
  return isRegistryVersion(version) ? { name, version } : { name };
}
