import {
  parseNestedYaml,
  parseSeverityLevel,
  SEVERITY_LEVELS,
  type SeverityLevel,
  YAML_TOO_DEEP,
} from "@vigil/core";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { checkCadence, checkTimeZone } from "./cadence.js";
import { comparePolicyIssues, type PolicyIssue } from "./policy-issue.js";
import { childPath, type Field, PolicyYamlReader, type ValueNode } from "./policy-yaml-reader.js";
import {
  CLUSTER_IMAGE_SCANNING,
  type ClusterScanAction,
  type ClusterScope,
  DEFAULT_TIME_ZONE,
  type ScanPolicy,
  type ScheduleRule,
} from "./scan-policy.js";

/**
 * Scan execution policies in GitLab's YAML shape (docs:
 * user/application_security/policies/scan_execution_policies.md). Three document forms load:
 * - `scan_execution_policy:` with a list of policies (a security policy project's `policy.yml`;
 *   a single mapping there is taken as a list of one);
 * - one policy mapping (GitLab's policy editor "YAML mode", optionally `type: scan_execution_policy`);
 * - a bare list of policies (the examples in GitLab's docs).
 *
 * GitLab parts that have no meaning for cluster scans (pipeline rules, branch schedules, SAST /
 * DAST / secret detection actions, CI variables, project scoping, other policy kinds) are skipped
 * with a warning, so a GitLab file loads without errors and keeps its cluster scans.
 */

/** The result of {@link parsePolicies}. */
export interface ParsePoliciesResult {
  /**
   * The policies that are valid on their own, in document order. When `errors` is not empty
   * the document as a whole is rejected: a caller that applies policies keeps the ones it had.
   */
  readonly policies: readonly ScanPolicy[];
  /** Every error found, sorted by position; empty when the document is valid. */
  readonly errors: readonly PolicyIssue[];
  /** Parts skipped on purpose (GitLab-only fields, rules and scans), sorted by position. */
  readonly warnings: readonly PolicyIssue[];
}

/** GitLab's limit on policy names. */
export const MAX_POLICY_NAME_LENGTH = 255;

const TOP_LEVEL = "scan_execution_policy";
const GITLAB_SECTIONS: Record<string, string> = {
  approval_policy: "merge request approval policies are GitLab's",
  scan_result_policy: "merge request approval policies are GitLab's",
  pipeline_execution_policy: "pipeline execution policies are GitLab's",
  pipeline_execution_schedule_policy: "pipeline execution policies are GitLab's",
  vulnerability_management_policy: "vulnerability management policies are GitLab's",
  experiments: "GitLab experiments have no meaning here",
};
const POLICY_FIELDS = ["name", "description", "enabled", "rules", "actions", "type"];
const POLICY_GITLAB: Record<string, string> = {
  policy_scope: "GitLab scopes policies to projects; a Vigil policy names its clusters in its rules",
  skip_ci: "it controls GitLab CI pipelines",
  metadata: "it is GitLab's bookkeeping",
};
const RULE_FIELDS = ["type", "cadence", "timezone", "clusters", "namespaces", "agents"];
const RULE_GITLAB: Record<string, string> = {
  branches: "branches select GitLab pipelines, not clusters",
  branch_type: "branches select GitLab pipelines, not clusters",
  branch_exceptions: "branches select GitLab pipelines, not clusters",
  time_window: "Vigil starts a scheduled scan at its cadence, without a random delay",
  pipeline_sources: "it selects GitLab pipelines",
};
const ACTION_FIELDS = ["scan", "severity_threshold"];
const ACTION_GITLAB: Record<string, string> = {
  variables: "CI variables configure GitLab's scan jobs",
  tags: "runner tags select GitLab runners",
  template: "CI templates are GitLab's",
  scan_settings: "scan settings configure GitLab's scan jobs",
  site_profile: "it configures DAST",
  scanner_profile: "it configures DAST",
};
const AGENT_FIELDS = ["namespaces"];
/** GitLab's other scanners: pipeline jobs, not cluster scans. */
const GITLAB_SCANS = ["sast", "sast_iac", "dast", "secret_detection", "dependency_scanning"];
const CLUSTER_SCANS = [CLUSTER_IMAGE_SCANNING, "container_scanning"];
/** RFC 1123 label, as Kubernetes requires of namespace names. */
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Parse a policy document. Never throws: a malformed document, unknown field, bad cadence, bad
 * time zone and so on are located errors (line, column, path, reason), all of them, not just
 * the first. When the YAML itself does not parse, only the syntax errors are returned.
 *
 * @param text the YAML text
 * @param source where it came from, copied into every issue (a file path, `api` ...)
 */
export function parsePolicies(text: string, source: string): ParsePoliciesResult {
  const lines = new LineCounter();
  const parsed = parseNestedYaml(text, (text) =>
    parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }),
  );
  if ("tooDeep" in parsed) {
    // nothing was parsed: count the lines here so that the issue names the line that goes too deep
    lines.addNewLine(0);
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lines.addNewLine(i + 1);
    const reader = new PolicyYamlReader(source, text, lines, () => undefined);
    reader.report(
      "error",
      "yaml-syntax",
      lines.lineStarts[(parsed.line ?? 1) - 1] ?? 0,
      "",
      `the policy file ${YAML_TOO_DEEP}`,
    );
    return finish(reader, []);
  }
  const doc = parsed.value;
  const reader = new PolicyYamlReader(source, text, lines, (alias) => {
    try {
      return alias.resolve(doc) as Node | undefined;
    } catch {
      return undefined;
    }
  });
  if (doc.errors.length > 0) {
    const seen = new Set<string>();
    for (const error of doc.errors) {
      const { line } = lines.linePos(error.pos[0]);
      const key = `${line}\u0000${error.message}`;
      if (seen.has(key)) continue; // yaml repeats one cause at several offsets of a line
      seen.add(key);
      reader.report("error", "yaml-syntax", error.pos[0], "", syntaxReason(error.message, text, lines, line));
    }
    return finish(reader, []);
  }
  for (const warning of doc.warnings) {
    reader.report("warning", "yaml-warning", warning.pos[0], "", warning.message);
  }
  const policies: ScanPolicy[] = [];
  const names = new Map<string, number>();
  for (const item of documentItems(reader, doc.contents as ValueNode)) {
    const policy = readPolicy(reader, item.node, item.path, names);
    if (policy !== undefined) policies.push(policy);
  }
  return finish(reader, policies);
}

function finish(reader: PolicyYamlReader, policies: ScanPolicy[]): ParsePoliciesResult {
  const sorted = [...reader.issues].sort(comparePolicyIssues);
  return {
    policies,
    errors: sorted.filter((i) => i.severity === "error"),
    warnings: sorted.filter((i) => i.severity === "warning"),
  };
}

function syntaxReason(message: string, text: string, lines: LineCounter, line: number): string {
  const start = lines.lineStarts[line - 1] ?? 0;
  const end = lines.lineStarts[line] ?? text.length;
  const sourceLine = text.slice(start, end);
  // `cadence: */10 * * * *` reads as an alias in YAML; GitLab's docs quote it for that reason.
  if (/alias/i.test(message) && /^\s*(-\s*)?cadence:\s*\*/.test(sourceLine)) {
    return `${message}: a cadence that starts with '*' must be quoted, e.g. cadence: '*/10 * * * *'`;
  }
  return message;
}

/** The policy nodes of a document in any of its three forms. */
function documentItems(reader: PolicyYamlReader, contents: ValueNode): { node: ValueNode; path: string }[] {
  if (contents === null || (isScalar(contents) && contents.value === null)) return [];
  if (isSeq(contents)) {
    return contents.items.map((node, i) => ({
      node: reader.deref(node as ValueNode, `[${i}]`),
      path: `[${i}]`,
    }));
  }
  if (!isMap(contents)) {
    reader.report("error", "wrong-type", contents, "", `a policy document is a mapping with '${TOP_LEVEL}:'`);
    return [];
  }
  if (!reader.has(contents, TOP_LEVEL)) return [{ node: contents, path: "" }];
  const top = reader.fields(contents, "", {
    what: "document",
    fields: [TOP_LEVEL],
    gitlabOnly: GITLAB_SECTIONS,
  });
  const field = top?.get(TOP_LEVEL);
  if (field === undefined) return [];
  if (isMap(field.value)) return [{ node: field.value, path: field.path }];
  return reader.items(field) ?? [];
}

function readPolicy(
  reader: PolicyYamlReader,
  node: ValueNode,
  path: string,
  names: Map<string, number>,
): ScanPolicy | undefined {
  const before = reader.errorCount;
  const fields = reader.fields(node, path, {
    what: "policy",
    fields: POLICY_FIELDS,
    gitlabOnly: POLICY_GITLAB,
  });
  if (fields === undefined) return undefined;
  const map = node as YAMLMap;

  const type = fields.get("type");
  if (type !== undefined) {
    const value = reader.string(type, true);
    if (value !== undefined && value !== TOP_LEVEL) {
      reader.report("error", "bad-policy-type", type.value, type.path, `a policy's type is '${TOP_LEVEL}'`);
    }
  }

  const name = readName(reader, fields.get("name"), map, path, names);
  const descriptionField = fields.get("description");
  const description = descriptionField === undefined ? "" : (reader.string(descriptionField, false) ?? "");
  const enabledField = fields.get("enabled");
  const enabled = enabledField === undefined ? true : reader.boolean(enabledField);

  const rules = readList(reader, fields.get("rules"), map, path, "rules", readRule);
  const actions = readList(reader, fields.get("actions"), map, path, "actions", readAction);
  if (actions !== undefined) {
    const clusterScans = actions.kept.filter((a) => a.value.scan === CLUSTER_IMAGE_SCANNING);
    for (const extra of clusterScans.slice(1)) {
      reader.report(
        "error",
        "duplicate-action",
        extra.node,
        extra.path,
        "a policy has one cluster scan action; put the rules that need another threshold in their own policy",
      );
    }
  }

  if (reader.errorCount > before || name === undefined || enabled === undefined) return undefined;
  if (rules === undefined || actions === undefined) return undefined;
  const skipped =
    rules.kept.length === 0 ? "schedule rule for a cluster" : actions.kept.length === 0 ? "cluster scan" : "";
  if (skipped !== "") {
    reader.report(
      "warning",
      "policy-skipped",
      map,
      path,
      `policy '${name}' is skipped: it has no ${skipped} (only GitLab pipeline parts)`,
    );
    return undefined;
  }
  return {
    name,
    description,
    enabled,
    rules: rules.kept.map((r) => r.value),
    actions: actions.kept.map((a) => a.value),
  };
}

function readName(
  reader: PolicyYamlReader,
  field: Field | undefined,
  map: YAMLMap,
  path: string,
  names: Map<string, number>,
): string | undefined {
  if (field === undefined) {
    reader.report("error", "missing-field", map, childPath(path, "name"), "a policy needs a 'name'");
    return undefined;
  }
  const name = reader.string(field, true);
  if (name === undefined) return undefined;
  if (name.length > MAX_POLICY_NAME_LENGTH) {
    reader.report(
      "error",
      "name-too-long",
      field.value,
      field.path,
      `a policy name has at most ${MAX_POLICY_NAME_LENGTH} characters, this one ${name.length}`,
    );
    return undefined;
  }
  const { line } = reader.position(field.value);
  const first = names.get(name);
  if (first !== undefined) {
    reader.report(
      "error",
      "duplicate-name",
      field.value,
      field.path,
      `another policy is already named '${name}' (line ${first}); policy names are unique`,
    );
    return undefined;
  }
  names.set(name, line);
  return name;
}

type Kept<T> = { value: T; node: ValueNode; path: string };
type ItemResult<T> = T | "ignored" | undefined;

/** Read `rules` or `actions`: required, a non-empty list; GitLab-only items are dropped. */
function readList<T>(
  reader: PolicyYamlReader,
  field: Field | undefined,
  map: YAMLMap,
  path: string,
  name: string,
  readItem: (reader: PolicyYamlReader, node: ValueNode, path: string) => ItemResult<T>,
): { kept: Kept<T>[] } | undefined {
  if (field === undefined) {
    reader.report("error", "missing-field", map, childPath(path, name), `a policy needs '${name}'`);
    return undefined;
  }
  const items = reader.items(field);
  if (items === undefined) return undefined;
  if (items.length === 0) {
    reader.report(
      "error",
      "missing-value",
      field.value ?? field.key,
      field.path,
      `'${name}' lists at least one item`,
    );
    return undefined;
  }
  // Invalid items are left out (and recorded); the caller rejects the policy on any error.
  const kept: Kept<T>[] = [];
  for (const item of items) {
    const result = readItem(reader, item.node, item.path);
    if (result !== undefined && result !== "ignored") {
      kept.push({ value: result, node: item.node, path: item.path });
    }
  }
  return { kept };
}

function readRule(reader: PolicyYamlReader, node: ValueNode, path: string): ItemResult<ScheduleRule> {
  if (!isMap(node)) {
    reader.report("error", "wrong-type", node, path, "a rule is a mapping of fields");
    return undefined;
  }
  const typeNode = node.items.find((p) => isScalar(p.key) && p.key.value === "type");
  const type = reader.peek(node, "type");
  if (typeNode === undefined) {
    reader.report("error", "missing-field", node, childPath(path, "type"), "a rule needs 'type: schedule'");
    return undefined;
  }
  const typeValue = isScalar(type) ? type.value : undefined;
  if (typeValue === "pipeline") {
    reader.report(
      "warning",
      "gitlab-rule-ignored",
      node,
      path,
      "'type: pipeline' rules run with GitLab CI pipelines; Vigil has none, so the rule is ignored",
    );
    return "ignored";
  }
  if (typeValue !== "schedule") {
    reader.report(
      "error",
      "bad-rule-type",
      type ?? node,
      childPath(path, "type"),
      "a rule's type is 'schedule'",
    );
    return undefined;
  }
  const names = ["clusters", "agents"];
  if (
    !names.some((k) => reader.has(node, k)) &&
    ["branches", "branch_type"].some((k) => reader.has(node, k))
  ) {
    reader.report(
      "warning",
      "gitlab-rule-ignored",
      node,
      path,
      "a schedule rule for branches runs GitLab pipelines, not cluster scans; the rule is ignored",
    );
    return "ignored";
  }

  const before = reader.errorCount;
  const fields = reader.fields(node, path, { what: "rule", fields: RULE_FIELDS, gitlabOnly: RULE_GITLAB });
  if (fields === undefined) return undefined;
  const cadence = readCadence(reader, fields.get("cadence"), node, path);
  const timezoneField = fields.get("timezone");
  let timezone: string | undefined = DEFAULT_TIME_ZONE;
  if (timezoneField !== undefined) {
    timezone = reader.string(timezoneField, true);
    const problem = timezone === undefined ? undefined : checkTimeZone(timezone);
    if (problem !== undefined) {
      reader.report("error", "bad-time-zone", timezoneField.value, timezoneField.path, problem);
      timezone = undefined;
    }
  }
  const scopes = readScopes(reader, fields, node, path);
  if (reader.errorCount > before || cadence === undefined || timezone === undefined || scopes === undefined) {
    return undefined;
  }
  return { type: "schedule", cadence, timezone, scopes };
}

function readCadence(
  reader: PolicyYamlReader,
  field: Field | undefined,
  map: YAMLMap,
  path: string,
): string | undefined {
  if (field === undefined) {
    reader.report(
      "error",
      "missing-field",
      map,
      childPath(path, "cadence"),
      "a schedule rule needs a 'cadence' (five cron fields, e.g. '0 2 * * *')",
    );
    return undefined;
  }
  const cadence = reader.string(field, true);
  if (cadence === undefined) return undefined;
  const problem = checkCadence(cadence);
  if (problem === undefined) return cadence;
  reader.report(
    "error",
    "bad-cadence",
    offsetInScalar(reader.text, field.value, cadence, problem.offset),
    field.path,
    problem.reason,
  );
  return undefined;
}

/**
 * Point into the cadence text when the scalar is written on one line as it reads (plain or
 * quoted without escapes), so the column names the bad field; otherwise point at the scalar.
 */
function offsetInScalar(text: string, node: ValueNode, value: string, offset: number): ValueNode | number {
  if (!isScalar(node) || node.range == null) return node;
  const [start, end] = node.range;
  const quote = node.type === "QUOTE_SINGLE" || node.type === "QUOTE_DOUBLE" ? 1 : 0;
  const written = text.slice(start + quote, end - quote);
  return written === value ? start + quote + offset : node;
}

function readScopes(
  reader: PolicyYamlReader,
  fields: Map<string, Field>,
  map: YAMLMap,
  path: string,
): ClusterScope[] | undefined {
  const clusters = fields.get("clusters");
  const namespaces = fields.get("namespaces");
  const agents = fields.get("agents");
  if (agents !== undefined) {
    if (clusters !== undefined || namespaces !== undefined) {
      const other = clusters ?? namespaces!;
      reader.report(
        "error",
        "conflicting-fields",
        other.key,
        other.path,
        "use either 'agents' (GitLab's form, namespaces per agent) or 'clusters' with 'namespaces', not both",
      );
      return undefined;
    }
    return readAgents(reader, agents);
  }
  if (clusters === undefined) {
    reader.report(
      "error",
      "missing-field",
      namespaces?.key ?? map,
      childPath(path, "clusters"),
      "a schedule rule names its clusters: 'clusters: [name]' or 'agents: {name: {namespaces: [...]}}'",
    );
    return undefined;
  }
  const names = reader.strings(clusters);
  const spaces = namespaces === undefined ? [] : readNamespaces(reader, namespaces);
  if (names === undefined) return undefined;
  if (names.length === 0) {
    reader.report(
      "error",
      "missing-value",
      clusters.value ?? clusters.key,
      clusters.path,
      "'clusters' lists at least one cluster",
    );
    return undefined;
  }
  const seen = new Set<string>();
  let duplicate = false;
  for (const name of names) {
    if (seen.has(name.value)) {
      reader.report(
        "error",
        "duplicate-cluster",
        name.node,
        name.path,
        `cluster '${name.value}' is listed twice`,
      );
      duplicate = true;
    }
    seen.add(name.value);
  }
  if (duplicate || spaces === undefined) return undefined;
  return names.map((name) => ({ cluster: name.value, namespaces: spaces }));
}

function readAgents(reader: PolicyYamlReader, field: Field): ClusterScope[] | undefined {
  if (!isMap(field.value)) {
    reader.report(
      "error",
      "wrong-type",
      field.value ?? field.key,
      field.path,
      "'agents' maps each agent (cluster) name to its namespaces: {name: {namespaces: [...]}}",
    );
    return undefined;
  }
  const scopes: ClusterScope[] = [];
  let failed = false;
  for (const pair of field.value.items) {
    const key = pair.key as Node;
    if (!isScalar(key) || typeof key.value !== "string" || key.value.trim() === "") {
      reader.report("error", "wrong-type", key, field.path, "agent names are non-empty strings");
      failed = true;
      continue;
    }
    const agentPath = childPath(field.path, key.value);
    const value = reader.deref(pair.value as ValueNode, agentPath);
    if (value === null || (isScalar(value) && value.value === null)) {
      scopes.push({ cluster: key.value, namespaces: [] });
      continue;
    }
    const agent = reader.fields(value, agentPath, { what: "agent", fields: AGENT_FIELDS });
    if (agent === undefined) {
      failed = true;
      continue;
    }
    const namespacesField = agent.get("namespaces");
    const namespaces = namespacesField === undefined ? [] : readNamespaces(reader, namespacesField);
    if (namespaces === undefined) failed = true;
    else scopes.push({ cluster: key.value, namespaces });
  }
  if (failed) return undefined;
  if (scopes.length === 0) {
    reader.report("error", "missing-value", field.value, field.path, "'agents' names at least one agent");
    return undefined;
  }
  return scopes;
}

function readNamespaces(reader: PolicyYamlReader, field: Field): string[] | undefined {
  const items = reader.strings(field);
  if (items === undefined) return undefined;
  const out: string[] = [];
  let failed = false;
  for (const item of items) {
    if (!NAMESPACE_NAME.test(item.value)) {
      reader.report(
        "error",
        "bad-namespace",
        item.node,
        item.path,
        `'${item.value}' is not a Kubernetes namespace name (lowercase letters, digits and '-', at most 63)`,
      );
      failed = true;
    } else if (!out.includes(item.value)) {
      out.push(item.value);
    }
  }
  return failed ? undefined : out;
}

function readAction(reader: PolicyYamlReader, node: ValueNode, path: string): ItemResult<ClusterScanAction> {
  if (!isMap(node)) {
    reader.report("error", "wrong-type", node, path, "an action is a mapping of fields");
    return undefined;
  }
  const scanPath = childPath(path, "scan");
  if (!reader.has(node, "scan")) {
    reader.report(
      "error",
      "missing-field",
      node,
      scanPath,
      `an action needs 'scan: ${CLUSTER_IMAGE_SCANNING}'`,
    );
    return undefined;
  }
  const scan = reader.peek(node, "scan");
  const scanValue = isScalar(scan) && typeof scan.value === "string" ? scan.value : undefined;
  if (scanValue !== undefined && GITLAB_SCANS.includes(scanValue)) {
    reader.report(
      "warning",
      "gitlab-scan-ignored",
      scan,
      scanPath,
      `'scan: ${scanValue}' runs in GitLab pipelines; Vigil scans clusters only, so the action is ignored`,
    );
    return "ignored";
  }
  if (scanValue === undefined || !CLUSTER_SCANS.includes(scanValue)) {
    reader.report(
      "error",
      "bad-scan",
      scan ?? node,
      scanPath,
      `unknown scan '${scanValue ?? ""}': Vigil runs '${CLUSTER_IMAGE_SCANNING}' (GitLab: 'container_scanning')`,
    );
    return undefined;
  }
  const before = reader.errorCount;
  const fields = reader.fields(node, path, {
    what: "action",
    fields: ACTION_FIELDS,
    gitlabOnly: ACTION_GITLAB,
  });
  if (fields === undefined) return undefined;
  const thresholdField = fields.get("severity_threshold");
  let severityThreshold: SeverityLevel | undefined;
  if (thresholdField !== undefined) {
    const text = reader.string(thresholdField, true);
    severityThreshold = text === undefined ? undefined : parseSeverityLevel(text);
    if (text !== undefined && severityThreshold === undefined) {
      reader.report(
        "error",
        "bad-severity",
        thresholdField.value,
        thresholdField.path,
        `unknown severity '${text}': use one of ${[...SEVERITY_LEVELS].reverse().join(", ")}`,
      );
    }
  }
  if (reader.errorCount > before) return undefined;
  return severityThreshold === undefined
    ? { scan: CLUSTER_IMAGE_SCANNING }
    : { scan: CLUSTER_IMAGE_SCANNING, severityThreshold };
}
