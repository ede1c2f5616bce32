import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { parseNestedYaml, YAML_TOO_DEEP } from "../yaml/parse-nested-yaml.js";
import { DISMISSAL_REASONS, type DismissalReason, type IgnoreRule, parseExpiry } from "./ignore-rule.js";
import { compilePathGlob } from "./path-glob.js";
import type { SuppressionProblem } from "./suppression-problem.js";

/** What {@link parseIgnoreFile} read: the usable rules and every problem, located. */
export interface IgnoreFile {
  readonly rules: readonly IgnoreRule[];
  readonly problems: readonly SuppressionProblem[];
}

const RULE_KEYS = new Set(["id", "package", "path", "reason", "expires", "dismissal"]);
const TOP_KEYS = new Set(["version", "rules"]);

/**
 * Read a `.vigilignore.yaml` file. The format:
 *
 * ```yaml
 * version: 1                  # optional; 1 is the only version
 * rules:
 *   - id: CVE-2023-4911       # required: advisory id or any alias (GHSA-…, DSA-…)
 *     package: glibc          # optional: binary or source package name, or a purl prefix
 *                             #   (pkg:deb/debian/libc6, pkg:maven/org.apache.logging.log4j/)
 *     path: /usr/lib/**       # optional: glob on the package's file path inside the image
 *     reason: >-              # required: why this is accepted; shown in every report
 *       No setuid binaries in this image; GLIBC_TUNABLES is not reachable.
 *     expires: 2026-06-30     # optional: the rule stops applying at 00:00 UTC that day
 *                             #   (or at an RFC 3339 time); expired rules are reported
 *     dismissal: mitigating_control  # optional: acceptable_risk (default), false_positive,
 *                             #   mitigating_control, used_in_tests, not_applicable
 * ```
 *
 * Every condition a rule gives must hold. A rule that is not exactly this shape (a missing
 * `reason`, an unknown key such as a misspelt `pakage`, a bad date or glob) is dropped with
 * a problem rather than read loosely, because a typo must never widen what a rule hides.
 * A file with YAML syntax errors yields no rules at all. Problems carry the line.
 */
export function parseIgnoreFile(text: string, fileName: string): IgnoreFile {
  const problems: SuppressionProblem[] = [];
  const lineCounter = new LineCounter();
  const parsed = parseNestedYaml(text, (text) =>
    parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true }),
  );
  if ("tooDeep" in parsed) {
    problems.push({
      severity: "error",
      code: "ignore-file-yaml-syntax",
      message: `the file ${YAML_TOO_DEEP}; no rule of this file is applied`,
      location: { file: fileName, line: parsed.line ?? 1, column: 1 },
    });
    return { rules: [], problems };
  }
  const doc = parsed.value;
  const at = (offset: number | undefined) => {
    if (offset === undefined) return { file: fileName };
    const pos = lineCounter.linePos(offset);
    return { file: fileName, line: pos.line, column: pos.col };
  };
  const problem = (code: string, message: string, node: unknown, severity: "error" | "warning" = "error") =>
    problems.push({ severity, code, message, location: at((node as Node | undefined)?.range?.[0]) });

  if (doc.errors.length > 0) {
    for (const error of doc.errors)
      problems.push({
        severity: "error",
        code: "ignore-file-yaml-syntax",
        message: `YAML syntax error: ${error.message.split("\n")[0]}; no rule of this file is applied`,
        location: at(error.pos[0]),
      });
    return { rules: [], problems };
  }
  for (const warning of doc.warnings)
    problems.push({
      severity: "warning",
      code: "ignore-file-yaml-warning",
      message: warning.message.split("\n")[0] ?? warning.message,
      location: at(warning.pos[0]),
    });

  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return { rules: [], problems };
  if (!isMap(root)) {
    problem("ignore-file-not-a-mapping", "the file must be a mapping with a `rules` list", root);
    return { rules: [], problems };
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || !TOP_KEYS.has(key))
      problem(
        "ignore-file-unknown-key",
        `unknown top-level key ${JSON.stringify(key)}; expected version, rules`,
        pair.key,
      );
  }
  const version: unknown = root.get("version", true);
  if (version !== undefined && !(isScalar(version) && (version.value === 1 || version.value === "1")))
    problem("ignore-file-unsupported-version", "unsupported `version`: only 1 is known", version);
  const list: unknown = root.get("rules", true);
  if (list === undefined || (isScalar(list) && list.value === null)) return { rules: [], problems };
  if (!isSeq(list)) {
    problem("ignore-file-rules-not-a-list", "`rules` must be a list of rules", list);
    return { rules: [], problems };
  }
  const rules: IgnoreRule[] = [];
  for (const item of list.items) {
    const rule = readRule(item, fileName, lineCounter, problem);
    if (rule) rules.push(rule);
  }
  return { rules, problems };
}

type Report = (code: string, message: string, node: unknown) => void;

function readRule(
  item: unknown,
  fileName: string,
  lineCounter: LineCounter,
  problem: Report,
): IgnoreRule | undefined {
  if (!isMap(item)) {
    problem("ignore-rule-not-a-mapping", "a rule must be a mapping with at least `id` and `reason`", item);
    return undefined;
  }
  let ok = true;
  const fail: Report = (code, message, node) => {
    ok = false;
    problem(code, `${message}; rule ignored`, node);
  };
  for (const pair of item.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (key === undefined || !RULE_KEYS.has(key))
      fail(
        "ignore-rule-unknown-key",
        `unknown key ${JSON.stringify(key)} (expected id, package, path, reason, expires, dismissal)`,
        pair.key,
      );
  }
  const id = text(item, "id", true, fail);
  const reason = text(item, "reason", true, fail);
  const pkg = text(item, "package", false, fail);
  const path = text(item, "path", false, fail);
  const expires = text(item, "expires", false, fail);
  const dismissal = text(item, "dismissal", false, fail);
  if (path !== undefined) {
    const glob = compilePathGlob(path);
    if (!glob.ok)
      fail("ignore-rule-bad-path", `\`path\` is not a valid glob: ${glob.error}`, item.get("path", true));
  }
  if (expires !== undefined && parseExpiry(expires) === undefined)
    fail(
      "ignore-rule-bad-expires",
      `\`expires\` must be a date (2026-06-30) or an RFC 3339 time, not ${JSON.stringify(expires)}`,
      item.get("expires", true),
    );
  if (dismissal !== undefined && !(DISMISSAL_REASONS as readonly string[]).includes(dismissal))
    fail(
      "ignore-rule-bad-dismissal",
      `\`dismissal\` must be one of ${DISMISSAL_REASONS.join(", ")}`,
      item.get("dismissal", true),
    );
  if (pkg?.startsWith("pkg:") && !/^pkg:[A-Za-z.+-]+\/./.test(pkg))
    fail(
      "ignore-rule-bad-package",
      "a purl prefix needs at least a type and a name start (pkg:npm/lodash)",
      item.get("package", true),
    );
  if (!ok || id === undefined || reason === undefined) return undefined;
  const line = lineCounter.linePos(item.range?.[0] ?? 0).line;
  return {
    id,
    ...(pkg !== undefined ? { package: pkg } : {}),
    ...(path !== undefined ? { path } : {}),
    reason,
    ...(expires !== undefined ? { expires } : {}),
    dismissal: (dismissal ?? "acceptable_risk") as DismissalReason,
    source: { file: fileName, line },
  };
}

/** A non-empty string value (YAML may read `2026-06-30` or `12345` as other scalars: taken as written). */
function text(map: YAMLMap, key: string, required: boolean, fail: Report): string | undefined {
  const node = map.get(key, true);
  if (node === undefined) {
    if (required) fail(`ignore-rule-missing-${key}`, `a rule needs \`${key}\``, map);
    return undefined;
  }
  if (
    !isScalar(node) ||
    node.value === null ||
    typeof node.value === "boolean" ||
    typeof node.value === "object"
  ) {
    fail(`ignore-rule-bad-${key}`, `\`${key}\` must be a text value`, node);
    return undefined;
  }
  const value = (typeof node.value === "string" ? node.value : (node.source ?? String(node.value))).trim();
  if (value.length === 0) {
    fail(`ignore-rule-bad-${key}`, `\`${key}\` must not be empty`, node);
    return undefined;
  }
  return value;
}
