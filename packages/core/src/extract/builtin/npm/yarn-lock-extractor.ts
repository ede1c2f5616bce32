import { isMap, isScalar, LineCounter, parseDocument } from "yaml";
import type { ExtractedPackage } from "../../../model/package.js";
import { parseNestedYaml, YAML_TOO_DEEP } from "../../../yaml/parse-nested-yaml.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";
import { isNpmName, isRegistryVersion, npmPackage } from "./npm-package.js";
import { isProjectLockfile } from "./package-lock-extractor.js";
import { parseYarnV1 } from "./parse-yarn-v1.js";

const BASENAMES = new Set(["yarn.lock"]);

/**
 * Protocols whose packages are the project's own code (https://yarnpkg.com/protocols):
 * local folders and generated packages.
 */
const LOCAL_PROTOCOLS = ["workspace:", "link:", "portal:", "file:", "exec:"];

/**
 * `yarn.lock` of yarn 1 (its own format) and yarn 2+ "berry" (YAML with `__metadata`).
 * A yarn.lock cannot tell dev dependencies apart, so none is marked. Packages carry
 * `fromLockfile: "true"` (see lang/npm-package-lock).
 */
export function createYarnLockExtractor(): WholeFileExtractor {
  return {
    name: "lang/yarn-lock",
    version: 1,
    maxFileSize: 64 * 1024 * 1024,
    required: (path) => isProjectLockfile(path, BASENAMES),
    extract: extractYarnLock,
  };
}

function extractYarnLock({ content }: ExtractorInput): ExtractorResult {
  const text = content.toString("utf8");
  if (/^__metadata:/m.test(text)) return readBerry(text);
  const declared = /^# yarn lockfile v(\d+)\s*$/m.exec(text);
  if (declared && declared[1] !== "1") {
    return {
      packages: [],
      issues: [
        {
          severity: "error",
          code: "yarn-lock-unknown-version",
          message: `yarn.lock says "yarn lockfile v${declared[1]}"; only v1 and berry (__metadata) are known; nothing read`,
          line: text.slice(0, declared.index).split("\n").length,
        },
      ],
    };
  }
  return readV1(text);
}

function readV1(text: string): ExtractorResult {
  const { entries, issues } = parseYarnV1(text);
  const packages: ExtractedPackage[] = [];
  // An alias and a plain range resolving to the same version are separate entries.
  const seen = new Set<string>();
  for (const { line, descriptors, fields } of entries) {
    const first = descriptors[0] ?? "";
    const { name, range } = splitDescriptor(first);
    if (LOCAL_PROTOCOLS.some((p) => range.startsWith(p))) continue;
    const version = fields.get("version");
    if (!isNpmName(name)) {
      issues.push(entryIssue("yarn-lock-bad-name", `entry ${first} has no valid package name`, line, first));
    } else if (!version) {
      issues.push(entryIssue("yarn-lock-missing-version", `entry ${first} has no version`, line, first));
    } else if (!seen.has(`${name}@${version}`)) {
      seen.add(`${name}@${version}`);
      packages.push(npmPackage(name, version, { fromLockfile: true }));
    }
  }
  return { packages, issues };
}

function readBerry(text: string): ExtractorResult {
  const lineCounter = new LineCounter();
  // failsafe: every scalar stays a string (`version: 1.10` is not the number 1.1).
  const parsed = parseNestedYaml(text, (text) =>
    parseDocument(text, { lineCounter, schema: "failsafe", uniqueKeys: false }),
  );
  const issues: ExtractorIssue[] = [];
  if ("tooDeep" in parsed) {
    issues.push({
      severity: "error",
      code: "yarn-lock-invalid",
      message: `yarn.lock (berry) ${YAML_TOO_DEEP}`,
      ...(parsed.line ? { line: parsed.line } : {}),
    });
    return { packages: [], issues };
  }
  const doc = parsed.value;
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    return {
      packages: [],
      issues: [
        {
          severity: "error",
          code: "yarn-lock-invalid",
          message: `yarn.lock (berry) is not valid YAML: ${error.message.split("\n")[0]}`,
          ...(error.linePos ? { line: error.linePos[0].line } : {}),
        },
      ],
    };
  }
  const root = doc.contents;
  const packages: ExtractedPackage[] = [];
  const seen = new Set<string>();
  if (!isMap(root)) return { packages, issues };
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (key === "__metadata") continue;
    const line =
      isScalar(pair.key) && pair.key.range ? lineCounter.linePos(pair.key.range[0]).line : undefined;
    const entry = isMap(pair.value) ? pair.value : undefined;
    const resolution = entry?.get("resolution");
    const version = entry?.get("version");
    const descriptor = typeof resolution === "string" ? resolution : (key.split(/,\s*/)[0] ?? "");
    let { name, range } = splitDescriptor(descriptor);
    // `name@patch:name@npm%3A1.2.3#<patch>`: the patched package is the one inside; its own
    // `npm:` entry, when the lockfile has one too, is the same package, listed once.
    if (range.startsWith("patch:")) {
      const patched = decodePatched(range);
      if (patched === undefined) {
        const what = `entry ${key} has a patch: descriptor that is not valid percent-encoding`;
        issues.push(entryIssue("yarn-lock-bad-name", what, line, key));
        continue;
      }
      ({ name, range } = splitDescriptor(patched));
    }
    if (LOCAL_PROTOCOLS.some((p) => range.startsWith(p))) continue;
    if (!isNpmName(name)) {
      issues.push(entryIssue("yarn-lock-bad-name", `entry ${key} has no valid package name`, line, key));
    } else if (typeof version !== "string" || version === "") {
      issues.push(entryIssue("yarn-lock-missing-version", `entry ${key} has no version`, line, key));
    } else if (!seen.has(`${name}@${version}`)) {
      seen.add(`${name}@${version}`);
      packages.push(npmPackage(name, version, { fromLockfile: true }));
    }
  }
  return { packages, issues };
}

/** The descriptor a `patch:` range wraps (`patch:name@npm%3A1.2.3#…` → `name@npm:1.2.3`), if it decodes. */
function decodePatched(range: string): string | undefined {
  try {
    return decodeURIComponent(range.slice(6).split("#")[0]!);
  } catch {
    return undefined; // a `%` not followed by two hex digits: URIError
  }
}

/**
 * `name@range` into its parts; the `@` of a scope is not the separator. An alias
 * (`alias@npm:real@^1`) names the package it installs, so the real name is returned.
 */
export function splitDescriptor(descriptor: string): { name: string; range: string } {
  const at = descriptor.indexOf("@", 1);
  if (at === -1) return { name: descriptor, range: "" };
  const name = descriptor.slice(0, at);
  const range = descriptor.slice(at + 1);
  if (range.startsWith("npm:")) {
    const rest = range.slice(4);
    const inner = rest.indexOf("@", 1);
    // `npm:^1.2.3` is a plain range; `npm:real@^1` an alias.
    if (inner !== -1 && !isRegistryVersion(rest) && isNpmName(rest.slice(0, inner))) {
      return { name: rest.slice(0, inner), range: `npm:${rest.slice(inner + 1)}` };
    }
  }
  return { name, range };
}

function entryIssue(code: string, what: string, line: number | undefined, record: string): ExtractorIssue {
  return {
    severity: "warning",
    code,
    message: `yarn.lock ${what}`,
    ...(line !== undefined ? { line } : {}),
    record,
  };
}
