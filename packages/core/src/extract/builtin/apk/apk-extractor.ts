import type { ExtractedPackage } from "../../../model/package.js";
import type { ExtractorInput, ExtractorIssue, ExtractorResult, WholeFileExtractor } from "../../extractor.js";

const INSTALLED_DB = "/lib/apk/db/installed";

/**
 * Reads apk's installed database (`/lib/apk/db/installed`): records of `X:value` lines
 * separated by blank lines, where `P` is the name, `V` the version, `A` the architecture
 * and `o` the origin (source) package that Alpine's secdb keys advisories by.
 * Reference: https://wiki.alpinelinux.org/wiki/Apk_spec
 */
export function createApkExtractor(): WholeFileExtractor {
  return {
    name: "os/apk",
    version: 1,
    required: (path) => path === INSTALLED_DB,
    extract: extractApk,
  };
}

function extractApk({ content }: ExtractorInput): ExtractorResult {
  const packages: ExtractedPackage[] = [];
  const issues: ExtractorIssue[] = [];
  const lines = content.toString("utf8").split("\n");
  let record = new Map<string, string>();
  let start = 1;
  const flush = () => {
    if (record.size > 0) {
      const pkg = toPackage(record, start, issues);
      if (pkg) packages.push(pkg);
    }
    record = new Map();
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() === "") {
      flush();
      continue;
    }
    if (record.size === 0) start = i + 1;
    if (line.length < 2 || line[1] !== ":") {
      issues.push({
        severity: "warning",
        code: "apk-bad-line",
        message: `line is not an "X:value" line: ${JSON.stringify(line.slice(0, 80))}`,
        line: i + 1,
      });
      continue;
    }
    const key = line[0]!;
    // File lists (F, R, a, M, Z) repeat keys; only the first value of package fields matters.
    if (!record.has(key)) record.set(key, line.slice(2));
  }
  flush();
  return { packages, issues };
}

function toPackage(
  record: Map<string, string>,
  line: number,
  issues: ExtractorIssue[],
): ExtractedPackage | undefined {
  const name = record.get("P");
  const version = record.get("V");
  if (!name) {
    issues.push({
      severity: "error",
      code: "apk-missing-name",
      message: "record has no P: (name) line",
      line,
    });
    return undefined;
  }
  if (!version) {
    issues.push({
      severity: "error",
      code: "apk-missing-version",
      message: `package ${name} has no V: (version) line`,
      line,
      record: name,
    });
    return undefined;
  }
  const arch = record.get("A");
  const license = record.get("L");
  return {
    type: "apk",
    name,
    version,
    // Packages built from their own APKBUILD often omit `o:`; the origin is then the name.
    sourceName: record.get("o") || name,
    ...(arch ? { arch } : {}),
    ...(license ? { metadata: { license } } : {}),
  };
}
